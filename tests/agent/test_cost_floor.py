"""A total that leaves out resources the price table cannot price is a floor, said as such: the
GPU fleet of the review showed "$74.70" while its instances (~$1,470 a month) were unpriced.

g5.xlarge is priced now (tests/agent/test_price_coverage.py); an instance type no offer file
lists ("g9.xlarge", not an EC2 type) still leaves the fleet unpriced, and the total says so."""

from __future__ import annotations

import asyncio
from functools import cache

from autcloud.agent.design import DesignResult, run_design
from autcloud.gitsink.pr_body import render_pull_request_body
from autcloud.operator.summary import pull_request_summary

GPU = "ML inference on EC2 g9.xlarge GPU instances behind a load balancer in Virginia"


@cache
def _design(request: str) -> DesignResult:
    return asyncio.run(run_design(request, assume_defaults=True))


def test_an_unpriced_resource_makes_the_total_at_least() -> None:
    document = _design(GPU).document
    assert document["cost"]["lower_bound"] is True
    assert "aws_autoscaling_group.app" in document["cost"]["unpriced"]
    step = next(s for s in document["validation"]["steps"] if s["name"] == "cost")
    assert step["reason"].startswith("at least $")
    assert "not priced: aws_autoscaling_group.app" in step["reason"]


def test_the_pull_request_says_at_least_and_names_what_is_not_priced() -> None:
    body = render_pull_request_body(pull_request_summary("gpu", _design(GPU).document))
    assert "Estimated **at least $" in body
    assert "Not priced (the total leaves them out): aws_autoscaling_group.app" in body


def test_a_fully_priced_design_says_about() -> None:
    document = _design("A containerised web API with PostgreSQL in Seoul").document
    assert document["cost"]["lower_bound"] is False
    step = next(s for s in document["validation"]["steps"] if s["name"] == "cost")
    assert step["reason"].startswith("about $")
    body = render_pull_request_body(
        pull_request_summary(
            "web", _design("A containerised web API with PostgreSQL in Seoul").document
        )
    )
    assert "Estimated **$" in body and "Not priced" not in body
