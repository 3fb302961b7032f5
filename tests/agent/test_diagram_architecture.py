"""The architecture view (diagram.json): components, flows in words, plumbing folded into badges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autcloud.agent.diagram import (
    INTERNET,
    Diagram,
    Node,
    build_diagram,
    catalog,
    write_diagram,
)
from autcloud.agent.diagram.model import CATEGORIES
from autcloud.agent.tfparse import load_texts
from tests.tooling import missing_tool

WEB = """
variable "az_count" {
  type    = number
  default = 2
}
variable "app_port" {
  type    = number
  default = 8080
}
variable "retention" {
  type    = number
  default = 90
}
provider "aws" {
  region = "eu-west-1"
}
locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}
resource "aws_subnet" "public" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = local.azs[count.index]
}
resource "aws_subnet" "private" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index + 10)
  availability_zone = local.azs[count.index]
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}
resource "aws_route_table_association" "public" {
  count          = length(local.azs)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}
resource "aws_kms_key" "main" {}
resource "aws_kms_alias" "main" {
  name          = "alias/main"
  target_key_id = aws_kms_key.main.key_id
}
resource "aws_security_group" "alb" {
  vpc_id = aws_vpc.main.id
}
resource "aws_security_group" "app" {
  vpc_id = aws_vpc.main.id
}
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
}
resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "app_from_alb" {
  security_group_id            = aws_security_group.app.id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
}
resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}
resource "aws_lb" "web" {
  load_balancer_type = "application"
  internal           = false
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.alb.id]
}
resource "aws_lb_target_group" "app" {
  port     = var.app_port
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
resource "aws_cloudwatch_log_group" "app" {
  retention_in_days = var.retention
  kms_key_id        = aws_kms_key.main.arn
}
resource "aws_ecs_cluster" "main" {
  name = "main"
}
resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name = "app"
    environment = [{ name = "DB", value = aws_db_instance.orders.address }]
    logConfiguration = { options = { awslogs-group = aws_cloudwatch_log_group.app.name } }
  }])
}
resource "aws_ecs_service" "app" {
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 3
  network_configuration {
    subnets         = aws_subnet.private[*].id
    security_groups = [aws_security_group.app.id]
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = var.app_port
  }
}
resource "aws_db_subnet_group" "db" {
  subnet_ids = aws_subnet.private[*].id
}
resource "aws_db_instance" "orders" {
  engine                 = "postgres"
  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]
  kms_key_id             = aws_kms_key.main.arn
}
resource "aws_sns_topic" "alerts" {}
resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  dimensions    = { DBInstanceIdentifier = aws_db_instance.orders.identifier }
  alarm_actions = [aws_sns_topic.alerts.arn]
}
resource "aws_cloudwatch_metric_alarm" "db_storage" {
  dimensions    = { DBInstanceIdentifier = aws_db_instance.orders.identifier }
  alarm_actions = [aws_sns_topic.alerts.arn]
}
resource "aws_s3_bucket" "uploads" {}
resource "aws_s3_bucket_versioning" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_sqs_queue" "uploads" {}
resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  queue {
    queue_arn = aws_sqs_queue.uploads.arn
    events    = ["s3:ObjectCreated:*"]
  }
}
resource "aws_lambda_function" "thumbnail" {
  function_name = "thumbnail"
  runtime       = "python3.12"
}
resource "aws_lambda_event_source_mapping" "uploads" {
  event_source_arn = aws_sqs_queue.uploads.arn
  function_name    = aws_lambda_function.thumbnail.arn
}
resource "aws_security_group" "orphan" {
  vpc_id = aws_vpc.main.id
}
"""


@pytest.fixture(scope="module")
def view() -> Diagram:
    return build_diagram(load_texts({"main.tf": WEB}), "web")


def _nodes(view: Diagram) -> dict[str, Node]:
    return {node.id: node for node in view.nodes}


def _edges(view: Diagram) -> dict[tuple[str, str], tuple[str, str]]:
    return {(e.source, e.target): (e.kind, e.label) for e in view.edges}


def test_the_view_draws_components_not_plumbing(view: Diagram) -> None:
    assert view.view == "architecture"
    assert set(_nodes(view)) == {
        INTERNET,
        "aws_lb.web",
        "aws_ecs_service.app",
        "aws_db_instance.orders",
        "aws_sns_topic.alerts",
        "aws_s3_bucket.uploads",
        "aws_sqs_queue.uploads",
        "aws_lambda_function.thumbnail",
        "aws_security_group.orphan",  # plumbing serving nothing stays visible
    }


def test_the_request_path_is_a_chain_of_request_edges_labelled_in_words(view: Diagram) -> None:
    edges = _edges(view)
    assert edges[(INTERNET, "aws_lb.web")] == ("request", "HTTPS :443")
    assert edges[("aws_lb.web", "aws_ecs_service.app")] == ("request", "HTTP :8080")
    assert edges[("aws_ecs_service.app", "aws_db_instance.orders")] == (
        "request",
        "PostgreSQL :5432",
    )


def test_events_and_management_flows(view: Diagram) -> None:
    edges = _edges(view)
    assert edges[("aws_s3_bucket.uploads", "aws_sqs_queue.uploads")] == ("event", "object events")
    assert edges[("aws_sqs_queue.uploads", "aws_lambda_function.thumbnail")] == (
        "event",
        "messages",
    )
    assert edges[("aws_db_instance.orders", "aws_sns_topic.alerts")] == ("management", "alarms")


def test_every_edge_has_a_kind_and_a_label_in_words(view: Diagram) -> None:
    for edge in view.edges:
        assert edge.kind in catalog.FLOW_KINDS
        assert edge.label and "_" not in edge.label, edge
        assert edge.via, edge


def test_plumbing_folds_into_badges_and_addresses_of_what_it_serves(view: Diagram) -> None:
    nodes = _nodes(view)
    db = nodes["aws_db_instance.orders"]
    assert "Multi-AZ" in db.badges and "2 alarms" in db.badges
    assert "encrypted (KMS)" in db.badges
    assert "aws_cloudwatch_metric_alarm.db_cpu" in db.addresses
    app = nodes["aws_ecs_service.app"]
    assert "logs 90 d" in app.badges
    assert {"aws_kms_key.main", "aws_ecs_task_definition.app"} <= set(app.addresses)
    plumbing = {p.address: p.serves for p in view.plumbing}
    assert set(plumbing["aws_kms_alias.main"]) >= {"aws_db_instance.orders"}
    assert plumbing["aws_route_table.public"] == ("aws_vpc.main",)
    vpc = next(g for g in view.groups if g.id == "aws_vpc.main")
    assert "internet gateway" in vpc.badges


def test_multi_az_is_shown_as_such(view: Diagram) -> None:
    nodes = _nodes(view)
    app = nodes["aws_ecs_service.app"]
    assert app.count == 3 and app.zones == 2 and "×3" in app.label
    subnets = {g.id: g.label for g in view.groups if g.kind == "subnet"}
    assert "2 AZs" in subnets["aws_subnet.private"]


def test_the_full_graph_keeps_every_resource(view: Diagram) -> None:
    assert view.graph is not None
    graph_ids = {a for n in view.graph.nodes for a in n.addresses}
    module = load_texts({"main.tf": WEB})
    drawn = {f"{t}.{n}" for t, n, _ in module.iter_resources()}
    structural = {a for a in drawn if a.startswith(("aws_vpc.", "aws_subnet.", "aws_db_subnet"))}
    assert drawn - structural <= graph_ids


def test_every_resource_is_a_node_plumbing_or_structure(view: Diagram) -> None:
    module = load_texts({"main.tf": WEB})
    every = {f"{t}.{n}" for t, n, _ in module.iter_resources()}
    placed = {n.id for n in view.nodes} | {p.address for p in view.plumbing}
    assert every - placed == {"aws_vpc.main", "aws_subnet.public", "aws_subnet.private"}


def test_the_legend_lists_only_what_appears(view: Diagram) -> None:
    categories = {e.category for e in view.legend if not e.category.startswith("flow:")}
    assert categories == {n.category for n in view.nodes}
    flows = {
        e.category.removeprefix("flow:") for e in view.legend if e.category.startswith("flow:")
    }
    assert flows == {e.kind for e in view.edges}


def test_the_tables_name_known_categories_and_flow_kinds() -> None:
    for component in catalog.COMPONENTS.values():
        assert component.category in CATEGORIES
    for flow in catalog.FLOWS:
        assert flow.kind in catalog.FLOW_KINDS


@pytest.mark.parametrize("engine", ["dot", "wasm"])
def test_both_engines_write_svg_png_positions_and_the_graph(
    view: Diagram, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autcloud.agent.diagram import layout_engine

    monkeypatch.setenv("AUTCLOUD_DIAGRAM_ENGINE", engine)
    if layout_engine() != engine:
        missing_tool(f"the {engine} layout engine is not available here")
    fresh = build_diagram(load_texts({"main.tf": WEB}), "web")
    written = write_diagram(tmp_path, fresh, ("json", "svg", "png"))
    assert [p.name for p in written] == [
        "diagram.json",
        "diagram.svg",
        "diagram.png",
        "graph.json",
        "graph.svg",
    ]
    data = json.loads((tmp_path / "diagram.json").read_text())
    assert data["view"] == "architecture" and data["layout"]["nodes"].keys() == {
        n["id"] for n in data["nodes"]
    }
    assert "aws_vpc.main" in data["layout"]["groups"]
    svg = (tmp_path / "diagram.svg").read_text()
    assert "data:image/png;base64," in svg  # icons embedded: the file stands alone
    assert "PostgreSQL :5432" in svg and "Legend" in svg
    png = (tmp_path / "diagram.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert json.loads((tmp_path / "graph.json").read_text())["view"] == "graph"
