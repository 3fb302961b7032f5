"""A resource's checkov skips: added with their reason, dropped by check id only."""

from __future__ import annotations

from autcloud.agent.catalog.base import ResourceSpec


def test_a_skip_is_written_with_its_reason_after_the_existing_ones() -> None:
    spec = ResourceSpec("aws_security_group", "app", "network", "r", comments=("keep me",))
    spec.skip("CKV2_AWS_5", "Attached by the service")
    assert spec.comments == ("keep me", "checkov:skip=CKV2_AWS_5:Attached by the service")


def test_unskip_drops_exactly_the_named_checks() -> None:
    spec = ResourceSpec("aws_security_group_rule", "in", "network", "r")
    spec.skip("CKV_AWS_26", "a")
    spec.skip("CKV_AWS_260", "b mentions CKV_AWS_26 in its reason")
    spec.skip("CKV2_AWS_8", "c")
    spec.unskip("CKV_AWS_26", "CKV2_AWS_8")
    assert spec.comments == ("checkov:skip=CKV_AWS_260:b mentions CKV_AWS_26 in its reason",)
