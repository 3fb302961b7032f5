"""Scanning a seeded account on a moto server: the inventory, the export, the import blocks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from autcloud.agent.tfparse import load_folder
from autcloud.scanner import ScanResult
from autcloud.scanner.output import WrittenScan
from tests.scanner.conftest import STACKS, tf_files
from tests.scanner.seed import LAMBDA_SECRET, RDS_PASSWORD, Seeded

SCANNED_KINDS = {
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_default_route_table",
    "aws_route_table_association",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_instance",
    "aws_autoscaling_group",
    "aws_lb",
    "aws_lb_listener",
    "aws_lb_target_group",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_lambda_function",
    "aws_s3_bucket",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_dynamodb_table",
    "aws_ecs_cluster",
    "aws_ecs_service",
    "aws_eks_cluster",
    "aws_cloudfront_distribution",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_sns_topic_subscription",
}


def _inventory(written: WrittenScan) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((written.folder / "inventory.json").read_text())
    return data


def _imports(written: WrittenScan) -> dict[str, str]:
    """{address: import id} from imports.tf."""
    module = load_folder(written.folder)
    return {str(item["to"]).strip("${}"): str(item["id"]) for item in module.imports}


def test_the_seed_covers_every_scanned_kind(seeded: Seeded) -> None:
    assert set(seeded.ids) == SCANNED_KINDS
    assert all(len(ids) >= STACKS for ids in seeded.ids.values())


def test_every_kind_is_scanned_without_failures(full_scan: ScanResult) -> None:
    assert full_scan.failures == []
    assert {item.kind for item in full_scan.resources} >= SCANNED_KINDS


def test_the_inventory_lists_every_seeded_object_with_the_id_moto_holds(
    full_export: WrittenScan, seeded: Seeded
) -> None:
    listed = {(e["kind"], e["import_id"]) for e in _inventory(full_export)["resources"]}
    missing = [
        (kind, import_id)
        for kind, ids in seeded.ids.items()
        for import_id in ids
        if (kind, import_id) not in listed
    ]
    assert missing == []


def test_every_seeded_object_gets_an_import_block_with_its_moto_id(
    full_export: WrittenScan, seeded: Seeded
) -> None:
    imported = set(_imports(full_export).values())
    missing = [i for ids in seeded.ids.values() for i in ids if i not in imported]
    assert missing == []


def test_every_import_block_targets_a_resource_of_the_export(full_export: WrittenScan) -> None:
    module = load_folder(full_export.folder)
    assert set(_imports(full_export)) == {f"{t}.{n}" for t, n, _ in module.iter_resources()}


def test_the_inventory_says_why_an_object_was_not_exported(full_export: WrittenScan) -> None:
    skipped = [e for e in _inventory(full_export)["resources"] if not e["exported"]]
    reasons = {e["kind"]: e["reason"] for e in skipped}
    assert "default security group" in reasons["aws_security_group"]
    assert "Auto Scaling group" in reasons["aws_instance"]  # instances an ASG launched
    assert all(e["reason"] and e["address"] is None for e in skipped)


def test_the_inventory_summarises_counts_and_api_cost(full_export: WrittenScan) -> None:
    data = _inventory(full_export)
    summary = data["summary"]
    assert summary["found"] == summary["exported"] + summary["not_exported"]
    assert summary["by_kind"]["aws_lb"] == STACKS
    assert data["cost"]["api_calls"] > 0
    assert data["cost"]["by_operation"]["ec2:DescribeVpcs"] >= 1
    assert data["account"] == "123456789012"


def test_the_tag_filter_keeps_only_tagged_objects(
    tagged_export: WrittenScan, seeded: Seeded
) -> None:
    listed = {(e["kind"], e["import_id"]) for e in _inventory(tagged_export)["resources"]}
    expected = {(k, i) for k, ids in seeded.ids.items() for i, tagged in ids.items() if tagged}
    unexpected = {
        (k, i) for k, ids in seeded.ids.items() for i, tagged in ids.items() if not tagged
    }
    assert expected <= listed
    assert not (unexpected & listed)


def test_untaggable_objects_follow_their_parent_through_the_tag_filter(
    tagged_export: WrittenScan, seeded: Seeded
) -> None:
    listed = {e["import_id"] for e in _inventory(tagged_export)["resources"]}
    for kind in ("aws_lb_listener", "aws_route_table_association", "aws_sns_topic_subscription"):
        tagged = {i for i, is_tagged in seeded.ids[kind].items() if is_tagged}
        assert tagged <= listed, kind


def test_the_tag_filter_counts_what_it_left_out(tagged_export: WrittenScan) -> None:
    data = _inventory(tagged_export)
    assert data["tag_filter"] == "project=shop"
    assert data["summary"]["out_of_scope"] > 0


def test_references_between_exported_objects_are_expressions(full_export: WrittenScan) -> None:
    module = load_folder(full_export.folder)
    subnets = module.resources["aws_subnet"].values()
    assert all(s["vpc_id"].startswith("${aws_vpc.") for s in subnets)
    listeners = module.resources["aws_lb_listener"].values()
    assert all(lst["load_balancer_arn"].startswith("${aws_lb.") for lst in listeners)
    queues = module.resources["aws_sqs_queue"].values()
    assert any("aws_sqs_queue." in str(q.get("redrive_policy")) for q in queues)


def test_a_reference_to_an_object_outside_the_filter_keeps_its_literal_id(
    tagged_export: WrittenScan,
) -> None:
    # NAT gateways reference Elastic IPs, which are never scanned: their ID stays literal.
    module = load_folder(tagged_export.folder)
    nats = module.resources["aws_nat_gateway"].values()
    assert all(str(n["allocation_id"]).startswith("eipalloc-") for n in nats)


def test_names_are_readable_and_taken_from_the_objects(full_export: WrittenScan) -> None:
    module = load_folder(full_export.folder)
    assert {"orders_0", "orders_1", "orders_2"} <= set(module.resources["aws_db_instance"])
    assert "app_0" in module.resources["aws_vpc"]


def test_no_secret_reaches_any_written_file(full_export: WrittenScan) -> None:
    for path in full_export.folder.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert RDS_PASSWORD not in text, path.name
        assert LAMBDA_SECRET not in text, path.name


def test_passwords_are_managed_or_ignored_never_written(full_export: WrittenScan) -> None:
    module = load_folder(full_export.folder)
    for db in module.resources["aws_db_instance"].values():
        assert "password" not in db
        assert "password" in str(db["lifecycle"][0]["ignore_changes"])
    for cluster in module.resources["aws_rds_cluster"].values():
        assert cluster["manage_master_user_password"] is True


def test_a_second_scan_writes_the_same_terraform(
    full_export: WrittenScan, moto: Any, tmp_path: Any
) -> None:
    from autcloud.scanner import ScanOptions, scan, write_scan
    from tests.scanner.conftest import REGION

    again = write_scan(scan(ScanOptions(region=REGION, endpoint_url=moto.url)), tmp_path / "again")
    assert tf_files(again.folder) == tf_files(full_export.folder)


@pytest.mark.slow
def test_the_export_passes_terraform_validate_against_the_real_provider(
    full_export: WrittenScan,
) -> None:
    from autcloud.agent.validation.terraform_tool import validate
    from tests.tooling import require_tool

    require_tool("terraform", "validates the export")
    result = validate(tf_files(full_export.folder))
    assert result.status.value == "passed", [f.message for f in result.findings]


@pytest.mark.slow
def test_the_export_is_terraform_fmt_clean(full_export: WrittenScan) -> None:
    from autcloud.agent.validation.terraform_tool import fmt_check
    from tests.tooling import require_tool

    require_tool("terraform", "checks formatting")
    result = fmt_check(tf_files(full_export.folder))
    assert result.status.value == "passed", [f.message for f in result.findings]


def test_the_scan_diagram_groups_and_links_what_was_found(tagged_export: WrittenScan) -> None:
    data = json.loads((tagged_export.folder / "diagram.json").read_text())
    groups = {g["id"]: g for g in data["groups"]}
    nodes = {n["id"]: n for n in data["nodes"]}
    edges = {(e["source"], e["target"]) for e in data["edges"]}
    assert {g["parent"] for g in groups.values() if g["kind"] == "vpc"} == {"region:eu-west-1"}
    assert len([g for g in groups.values() if g["kind"] == "vpc"]) == 2  # stacks 0 and 2
    assert groups[nodes["aws_instance.bastion_0"]["group"]]["kind"] == "subnet"
    assert nodes["aws_lb.web_0"]["group"] == "aws_vpc.app_0"
    assert nodes["aws_cloudfront_distribution.assets_0"]["group"] == "global"
    # a flow through its listener and target group (graph.json keeps the reference edges)
    assert ("aws_lb.web_0", "aws_autoscaling_group.web_0") in edges
    assert ("aws_cloudfront_distribution.assets_0", "aws_s3_bucket.shop_assets_0") in edges
    assert ("aws_sns_topic.events_0", "aws_sqs_queue.orders_0") in edges


def test_the_scan_diagram_svg_shows_the_resources(tagged_export: WrittenScan) -> None:
    from tests.tooling import require_tool

    require_tool("dot", "renders SVG")
    svg = (tagged_export.folder / "diagram.svg").read_text()
    for name in ("bastion_0", "orders_0", "web_0", "Legend"):
        assert name in svg
