"""The shared steps of capabilities: an option that needs a resource the design lacks, and a
reader of the named things a message says."""

from __future__ import annotations

import pytest

from autcloud.agent.capabilities import (
    cache_options,
    cdn_options,
    sqs_options,
    vpc_endpoints,
    waf_options,
)
from autcloud.agent.capabilities.base import Builder
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.requirements import Requirements


def _context() -> Context:
    return Context(req=Requirements(), az_count=2, nat_per_az=False, multi_az_data=False)


@pytest.mark.parametrize(
    ("build", "note"),
    [
        (cache_options.build, "Cache options were asked for, but the design has no cache"),
        (sqs_options.build, "Queue options were asked for, but the design has no queue"),
        (vpc_endpoints.build, "VPC endpoints were asked for, but nothing in this design runs"),
    ],
)
def test_an_option_without_its_resource_is_a_note_and_builds_nothing(
    build: Builder, note: str
) -> None:
    bp = Blueprint()
    build(bp, _context())
    assert bp.resources == []
    assert bp.blocks == []
    assert len(bp.notes) == 1 and bp.notes[0].startswith(note)


def test_require_hands_back_the_resource_it_finds_without_a_note() -> None:
    bp = Blueprint()
    queue = ResourceSpec("aws_sqs_queue", "main", "messaging", "The work queue.")
    bp.add(queue)
    assert bp.require("aws_sqs_queue.main", "no queue") is queue
    assert bp.require("aws_sqs_queue.other", "no other queue") is None
    assert bp.notes == ["no other queue"]


def test_a_first_only_reader_yields_the_first_named_class_in_table_order() -> None:
    # "all edge locations" and "North America and Europe": the table tries 100 before All.
    found = list(
        cdn_options._read_price_class("only North America and Europe, not all edge locations")
    )
    assert [value for _, value in found] == ["PriceClass_100"]


def test_an_every_value_reader_yields_each_named_group_in_table_order() -> None:
    found = list(waf_options._read_group("add the PHP rule set and block SQL injection"))
    assert [value for _, value in found] == [
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesPHPRuleSet",
    ]
    assert found[0][0].lower().startswith("sql")
