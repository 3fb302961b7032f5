"""The reference graph (graph.json): nodes, groups region → VPC → AZ → subnet, edges, renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autcloud.agent.diagram import Diagram, DiagramRenderError, build_graph, write_diagram
from autcloud.agent.tfparse import load_texts

DESIGN = """
variable "region" {
  type    = string
  default = "ap-northeast-2"
}

provider "aws" {
  region = var.region
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "ap-northeast-2a"
}

resource "aws_subnet" "private_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.11.0/24"
  availability_zone = "ap-northeast-2a"
}

resource "aws_subnet" "private_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.12.0/24"
  availability_zone = "ap-northeast-2b"
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public_a" {
  subnet_id      = aws_subnet.public_a.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "app" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_instance" "app" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private_a.id
  vpc_security_group_ids = [aws_security_group.app.id]
}

resource "aws_db_subnet_group" "db" {
  subnet_ids = [aws_subnet.private_a.id, aws_subnet.private_b.id]
}

resource "aws_db_instance" "orders" {
  engine                 = "postgres"
  instance_class         = "db.t3.micro"
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]
}

resource "aws_s3_bucket" "assets" {
  bucket = "assets"
}

resource "aws_s3_bucket_versioning" "assets" {
  bucket = aws_s3_bucket.assets.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id          = aws_vpc.main.id
  service_name    = "com.amazonaws.ap-northeast-2.s3"
  route_table_ids = [aws_route_table.public.id]
}

resource "aws_iam_role" "app" {
  name = "app"
}

resource "aws_subnet" "spread" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index + 30)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_nat_gateway" "spread" {
  count     = 2
  subnet_id = aws_subnet.spread[count.index].id
}
"""


@pytest.fixture(scope="module")
def diagram() -> Diagram:
    return build_graph(load_texts({"main.tf": DESIGN}), "shop")


def _node(diagram: Diagram, address: str) -> dict[str, object]:
    return next(vars(n) for n in diagram.nodes if n.id == address)


def _groups(diagram: Diagram) -> dict[str, tuple[str, str | None]]:
    return {g.id: (g.kind, g.parent) for g in diagram.groups}


def test_vpcs_and_subnets_are_groups_not_nodes(diagram: Diagram) -> None:
    ids = {node.id for node in diagram.nodes}
    assert "aws_vpc.main" not in ids and "aws_subnet.public_a" not in ids
    assert _groups(diagram)["aws_vpc.main"] == ("vpc", "region:ap-northeast-2")


def test_groups_nest_region_vpc_zone_subnet(diagram: Diagram) -> None:
    groups = _groups(diagram)
    assert groups["region:ap-northeast-2"] == ("region", None)
    assert groups["aws_vpc.main/az:ap-northeast-2a"] == ("az", "aws_vpc.main")
    assert groups["aws_subnet.private_a"] == ("subnet", "aws_vpc.main/az:ap-northeast-2a")


def test_the_region_comes_from_the_provider_through_its_variable_default(diagram: Diagram) -> None:
    assert any(g.label == "Region ap-northeast-2" for g in diagram.groups)


def test_a_subnet_routed_to_an_internet_gateway_is_public(diagram: Diagram) -> None:
    public = {g.id: g.public for g in diagram.groups if g.kind == "subnet"}
    assert public["aws_subnet.public_a"] is True
    assert public["aws_subnet.private_a"] is False


def test_a_resource_sits_in_the_subnet_it_references(diagram: Diagram) -> None:
    assert _node(diagram, "aws_instance.app")["group"] == "aws_subnet.private_a"


def test_a_resource_spanning_zones_sits_in_its_vpc(diagram: Diagram) -> None:
    # The database reaches two subnets in two zones through its subnet group.
    assert _node(diagram, "aws_db_instance.orders")["group"] == "aws_vpc.main"


def test_a_resource_without_placement_sits_in_its_region_or_global(diagram: Diagram) -> None:
    assert _node(diagram, "aws_s3_bucket.assets")["group"] == "region:ap-northeast-2"
    assert _node(diagram, "aws_iam_role.app")["group"] == "global"


def test_subnets_made_with_count_span_zones_and_their_users_sit_inside(diagram: Diagram) -> None:
    assert _groups(diagram)["aws_subnet.spread"] == ("subnet", "aws_vpc.main")
    nat = _node(diagram, "aws_nat_gateway.spread")
    assert nat["group"] == "aws_subnet.spread" and nat["multiple"] is True


def test_edges_follow_references_between_drawn_resources(diagram: Diagram) -> None:
    edges = {(e.source, e.target): e.label for e in diagram.edges}
    assert edges[("aws_instance.app", "aws_security_group.app")] == "vpc_security_group_ids"
    assert ("aws_route_table.public", "aws_internet_gateway.main") in edges


def test_every_edge_joins_two_drawn_nodes(diagram: Diagram) -> None:
    ids = {node.id for node in diagram.nodes}
    assert all(e.source in ids and e.target in ids for e in diagram.edges)
    assert _node(diagram, "aws_vpc_endpoint.s3")["group"] == "aws_vpc.main"  # never folded


def test_configuring_resources_fold_into_what_they_configure(diagram: Diagram) -> None:
    ids = {node.id for node in diagram.nodes}
    assert "aws_s3_bucket_versioning.assets" not in ids
    assert _node(diagram, "aws_s3_bucket.assets")["details"] == ("aws_s3_bucket_versioning.assets",)
    # A rule between two groups becomes an edge between them.
    edges = {(e.source, e.target) for e in diagram.edges}
    assert ("aws_security_group.db", "aws_security_group.app") in edges


def test_nodes_carry_category_colour_and_a_short_label(diagram: Diagram) -> None:
    db = _node(diagram, "aws_db_instance.orders")
    assert (db["category"], db["shape"], db["label"]) == ("data", "cylinder", "RDS\norders")
    assert str(db["color"]).startswith("#")


def test_the_legend_lists_each_category_used_once(diagram: Diagram) -> None:
    categories = [entry.category for entry in diagram.legend]
    assert sorted(categories) == sorted({node.category for node in diagram.nodes})


def test_json_has_schema_nodes_groups_edges_and_legend(diagram: Diagram) -> None:
    data = json.loads(diagram.to_json())
    assert data["schema"] == "autcloud.io/diagram/v1" and data["view"] == "graph"
    assert {"nodes", "groups", "edges", "legend"} <= set(data)


def test_svg_is_drawn_with_every_node_label(diagram: Diagram, tmp_path: Path) -> None:
    svg = diagram.render_svg(tmp_path / "diagram.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for node in diagram.nodes:
        assert node.name in svg, node.id
    assert "Legend" in svg


def test_png_is_drawn(diagram: Diagram, tmp_path: Path) -> None:
    png = diagram.render_png(tmp_path / "diagram.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def test_an_empty_folder_still_draws(tmp_path: Path) -> None:
    empty = build_graph(load_texts({}))
    assert "No resources" in empty.render_svg(tmp_path / "d.svg").read_text()


def test_without_graphviz_the_webassembly_graphviz_draws(
    diagram: Diagram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no dot on it
    svg = diagram.render_svg(tmp_path / "d.svg").read_text()
    assert "<svg" in svg and "orders" in svg


def test_when_dot_is_asked_for_and_missing_the_error_says_how_to_install_it(
    diagram: Diagram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("AUTCLOUD_DIAGRAM_ENGINE", "dot")
    with pytest.raises(DiagramRenderError, match="install graphviz"):
        diagram.render_svg(tmp_path / "d.svg")


def test_write_diagram_writes_the_asked_formats(diagram: Diagram, tmp_path: Path) -> None:
    written = write_diagram(tmp_path, diagram, ("json", "dot"))
    assert [p.name for p in written] == ["diagram.json", "diagram.dot"]
    assert (tmp_path / "diagram.dot").read_text().startswith("digraph")


def test_every_capability_declares_a_diagram_category_and_its_resources_are_drawn_in_it() -> None:
    from autcloud.agent.capabilities.registry import registry
    from autcloud.agent.diagram import CATEGORIES, kind_info

    for capability in registry().capabilities:
        assert capability.category in CATEGORIES, capability.key
    assert kind_info("aws_msk_cluster")[1] == "messaging"  # not listed in the diagram's own table
    assert kind_info("aws_cognito_user_pool")[1] == "security"
