"""The diagram model shared by both views: nodes, groups, edges, legend, and resource kinds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from autcloud.agent.datafile import load_yaml

SCHEMA = "autcloud.io/diagram/v1"
GLOBAL_GROUP = "global"
INTERNET = "internet"  # the synthetic node requests come from (architecture view)


@dataclass(frozen=True)
class Node:
    id: str  # the Terraform address of the resource drawn, e.g. "aws_db_instance.orders"
    kind: str  # the resource type
    name: str
    label: str
    category: str
    color: str
    shape: str
    group: str  # the innermost group holding it
    multiple: bool = False  # count / for_each: stands for several objects
    details: tuple[str, ...] = ()  # folded resources, e.g. "aws_s3_bucket_versioning.assets"
    addresses: tuple[str, ...] = ()  # every Terraform address behind the node (itself first)
    badges: tuple[str, ...] = ()  # "encrypted (KMS)", "4 alarms", "logs 365 d"
    icon: str | None = None  # the AWS Architecture Icon drawn (a path in the icon package)
    count: int | None = None  # how many objects it stands for, when known (×N)
    zones: int | None = None  # how many availability zones it spans, when more than one


@dataclass(frozen=True)
class Group:
    id: str
    kind: str  # region | global | vpc | az | subnet
    label: str
    parent: str | None
    address: str | None = None  # the VPC or subnet resource behind it
    public: bool | None = None  # subnets: routed to an internet gateway
    badges: tuple[str, ...] = ()  # architecture view: "flow logs", "S3 endpoint"
    details: tuple[str, ...] = ()  # the resources folded into the group


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    # graph view: the argument holding the reference ("subnet_id");
    # architecture view: the flow in words ("HTTPS :443", "PostgreSQL :5432")
    label: str
    kind: str = "reference"  # request | event | data | replication | management (or reference)
    via: tuple[str, ...] = ()  # the Terraform addresses the flow was derived from


@dataclass(frozen=True)
class LegendEntry:
    category: str  # a node category, or "flow:<kind>" for an edge kind
    label: str
    color: str
    shape: str
    icon: str | None = None


@dataclass(frozen=True)
class Plumbing:
    """A resource folded into the components (or groups) it serves."""

    address: str
    kind: str
    serves: tuple[str, ...]  # node or group ids
    badge: str = ""


@dataclass
class Diagram:
    nodes: list[Node]
    groups: list[Group]
    edges: list[Edge]
    legend: list[LegendEntry]
    title: str = ""
    view: str = "graph"  # "architecture" (components and flows) or "graph" (every resource)
    plumbing: list[Plumbing] = field(default_factory=list)
    layout: dict[str, Any] | None = None  # positions and boxes, filled in when drawn
    graph: Diagram | None = field(default=None, repr=False, compare=False)  # the full graph

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "view": self.view,
            "title": self.title,
            "nodes": [asdict(node) for node in self.nodes],
            "groups": [asdict(group) for group in self.groups],
            "edges": [asdict(edge) for edge in self.edges],
            "legend": [asdict(entry) for entry in self.legend],
        }
        if self.view == "architecture":
            data["plumbing"] = [asdict(item) for item in self.plumbing]
        if self.layout is not None:
            data["layout"] = self.layout
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_dot(self, icons: bool = True) -> str:
        from autcloud.agent.diagram.render import to_dot

        return to_dot(self, icons=icons)

    def render_svg(self, path: Path) -> Path:
        from autcloud.agent.diagram.render import render_svg

        return render_svg(self, path)

    def render_png(self, path: Path) -> Path:
        from autcloud.agent.diagram.render import render_png

        return render_png(self, path)


class DiagramRenderError(RuntimeError):
    """No layout engine could draw the picture; the message says how to fix it."""


# --- kinds: label, category, shape (data in kinds.yaml) --------------------------------------

_TABLES: dict[str, Any] = load_yaml(Path(__file__).resolve().parent / "kinds.yaml")
# category: (legend label, fill colour, graphviz shape), in legend order
CATEGORIES: dict[str, tuple[str, str, str]] = {
    name: (entry["label"], entry["color"], entry["shape"])
    for name, entry in _TABLES["categories"].items()
}
# type: (short label, category)
_KINDS: dict[str, tuple[str, str]] = {
    kind: (entry["label"], entry["category"]) for kind, entry in _TABLES["kinds"].items()
}
_CATEGORY_BY_PREFIX: tuple[tuple[str, str], ...] = tuple(
    (prefix, category) for prefix, category in _TABLES["category_prefixes"]
)
VPC_KINDS = frozenset({"aws_vpc", "aws_default_vpc"})
SUBNET_KINDS = frozenset({"aws_subnet", "aws_default_subnet"})
# Resources that only collect subnets for another: not drawn; their subnets place the user.
PASS_THROUGH_KINDS = frozenset(
    {"aws_db_subnet_group", "aws_elasticache_subnet_group", "aws_redshift_subnet_group"}
)
NEVER_DRAWN = VPC_KINDS | SUBNET_KINDS | PASS_THROUGH_KINDS
GLOBAL_PREFIXES = (
    "aws_iam_",
    "aws_cloudfront_",
    "aws_route53_",
    "aws_organizations_",
    "aws_budgets_",
)
_REFERENCE = re.compile(
    r"(?<![\w.])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)(\[[^\]]*\])?"
)
_NOT_RESOURCES = frozenset({"var", "local", "module", "data", "count", "each", "path"})


def kind_info(kind: str) -> tuple[str, str]:
    """(short label, category) of a resource type."""
    if kind in _KINDS:
        return _KINDS[kind]
    category = _capability_categories().get(kind) or next(
        (cat for prefix, cat in _CATEGORY_BY_PREFIX if kind.startswith(prefix)), "other"
    )
    return kind.removeprefix("aws_").replace("_", " "), category


@cache
def _capability_categories() -> dict[str, str]:
    """The diagram category each capability declares, for the resource types that prove it."""
    from autcloud.agent.capabilities.registry import registry  # only for types not listed above

    found: dict[str, str] = {}
    for capability in registry().capabilities:
        for probe in capability.probes:
            found.setdefault(probe.type, capability.category)
    return found


def references(value: Any, argument: str = "") -> Iterator[tuple[str, str]]:
    """(top-level argument, address) of every resource reference inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from references(item, argument or key)
    elif isinstance(value, list):
        for item in value:
            yield from references(item, argument)
    elif isinstance(value, str) and "${" in value:
        for expression in _interpolations(value):
            for match in _REFERENCE.finditer(expression):
                if match.group(1) in _NOT_RESOURCES:
                    continue
                yield argument, f"{match.group(1)}.{match.group(2)}"


def _interpolations(text: str) -> Iterator[str]:
    """The expressions inside ``${...}``, braces balanced (``${jsonencode({a = b})}``)."""
    start = text.find("${")
    while start != -1:
        depth, index = 0, start + 1
        while index < len(text):
            if text[index] == "{":
                depth += 1
            elif text[index] == "}":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        yield text[start + 2 : index]
        start = text.find("${", index)


def legend_for(categories: set[str]) -> list[LegendEntry]:
    used = sorted(categories, key=list(CATEGORIES).index)
    return [
        LegendEntry(cat, CATEGORIES[cat][0], CATEGORIES[cat][1], CATEGORIES[cat][2]) for cat in used
    ]
