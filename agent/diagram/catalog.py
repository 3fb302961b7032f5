"""What the architecture view knows about AWS, as tables (no per-service code): the per-type
tables are data in ``catalog.yaml``, read into the dataclasses below.

- :data:`COMPONENTS`: the resource types a person talks about (a load balancer, a service, a
  database...), each with its label, category, icon, tier and how to read its size and zones.
- :data:`FOLDS`: the plumbing (alarms, keys, roles, log groups, route tables, security groups...)
  and how to find what it serves; it becomes a badge on that component or group.
- :data:`FLOWS`: how edges are derived: which resource type, which arguments name the two
  ends, the kind of flow and its label in words.
- The words labels use (:data:`ENGINE_WORDS`, :data:`PORT_WORDS`, :data:`SPEAKS`...) and the
  flow kinds' legend (:data:`FLOW_KINDS`).

A type in none of the tables is a component when its category is one people draw (compute,
data, messaging, edge, analytics, other) and plumbing otherwise; a type extending a component's
type (``aws_s3_bucket_versioning`` → ``aws_s3_bucket``) folds into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autcloud.agent.datafile import load_yaml

# --- components -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    label: str  # "RDS", "Application Load Balancer"
    category: str  # a key of model.CATEGORIES
    icon: str | None  # a PNG under the `diagrams` package's resources/aws/
    tier: str  # edge | entry | compute | data | integration | network | management
    subtitle: str = ""  # a label template read from the resource, e.g. "{engine}"
    size: str = ""  # the argument saying how many objects it runs ("desired_count")
    size_word: str = ""  # what they are called ("tasks", "nodes")
    multi_az: tuple[str, ...] = ()  # arguments that, when true, mean it spans zones


# The synthetic endpoints flows may start or end at.
INTERNET_COMPONENT = Component("Internet", "other", "general/internet-alt1.png", "edge")


# --- plumbing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """How a plumbing resource finds what it serves, and the badge it adds there.

    ``via`` names the arguments whose references lead to the owner (a rule's
    ``security_group_id``, an alarm's ``dimensions``); empty means "whoever references it"
    (a KMS key serves every component that references it, directly or through other plumbing).
    ``group`` puts it on the VPC or region instead. ``badge`` may read the resource's
    arguments (``"logs {retention_in_days} d"``); with ``plural``, equal badges are counted
    (``"4 alarms"``)."""

    badge: str = ""
    via: tuple[str, ...] = ()
    group: str | None = None  # "vpc" | "region"
    plural: str = ""
    peer: tuple[str, ...] = ()  # arguments naming a peer, not what it serves (a rule's other SG)


# --- flows ----------------------------------------------------------------------------------

INTERNET_END = "@internet"  # the internet (requests from anywhere)
OUTBOUND_END = "@outbound"  # the way out: the VPC's NAT gateway, else the internet
SELF = "."  # the resource the rule reads (or what it folds into)


@dataclass(frozen=True)
class Flow:
    """An edge derivation: a ``type`` resource whose ``source`` and ``target`` arguments
    (dotted paths; ``.`` the resource itself; ``@internet``, ``@outbound``) name the ends.

    An end that is plumbing stands for what it serves (a security group → the components
    behind it). ``each`` iterates over a repeated block (paths then start with ``item.``).
    ``when`` holds (path, accepted values) conditions; a list value matches when any item
    does. ``label`` is a template: ``{port(item.from_port, item.ip_protocol)}``,
    ``{port(dst.port, dst.protocol)}``, ``{speaks(dst)}``, ``{events(src)}`` or text."""

    type: str
    source: str
    target: str
    kind: str  # request | event | data | replication | management
    label: str
    each: str | None = None
    when: tuple[tuple[str, frozenset[object]], ...] = ()
    unless: tuple[tuple[str, frozenset[object]], ...] = ()  # conditions that rule it out


# --- the tables (catalog.yaml) -------------------------------------------------------------

_TABLES: dict[str, Any] = load_yaml(Path(__file__).resolve().parent / "catalog.yaml")


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    """A table entry's fields as the dataclasses hold them: lists as tuples, conditions as
    (path, accepted values)."""
    out: dict[str, Any] = {}
    for name, value in entry.items():
        if name in ("when", "unless"):
            value = tuple((path, frozenset(accepted)) for path, accepted in value)
        elif isinstance(value, list):
            value = tuple(value)
        out[name] = value
    return out


COMPONENTS: dict[str, Component] = {
    kind: Component(**_fields(entry)) for kind, entry in _TABLES["components"].items()
}
FOLDS: dict[str, Fold] = {kind: Fold(**_fields(entry)) for kind, entry in _TABLES["folds"].items()}
PREFIX_FOLDS: tuple[tuple[str, Fold], ...] = tuple(
    (entry["prefix"], Fold(**_fields({k: v for k, v in entry.items() if k != "prefix"})))
    for entry in _TABLES["prefix_folds"]
)
FLOWS: tuple[Flow, ...] = tuple(Flow(**_fields(entry)) for entry in _TABLES["flows"])

# Words and defaults the labels use: a load balancer type's (label, icon), engines in words,
# ports in words (a listener or target group's protocol wins when it has one), what a component
# speaks ({speaks(dst)}), an engine's default port, what an event source delivers
# ({events(src)}), and the flow kinds' (legend label, colour, graphviz style).
LOAD_BALANCER_TYPES: dict[str, tuple[str, str]] = {
    kind: (label, icon) for kind, (label, icon) in _TABLES["load_balancer_types"].items()
}
ENGINE_WORDS: dict[str, str] = _TABLES["engine_words"]
PORT_WORDS: dict[int, str] = _TABLES["port_words"]
SPEAKS: dict[str, str] = _TABLES["speaks"]
DEFAULT_PORTS: dict[str, int] = _TABLES["default_ports"]
EVENT_WORDS: dict[str, str] = _TABLES["event_words"]
FLOW_KINDS: dict[str, tuple[str, str, str]] = {
    kind: (entry["label"], entry["color"], entry["style"])
    for kind, entry in _TABLES["flow_kinds"].items()
}
# Categories whose unknown types are drawn as components (the rest fold as plumbing).
COMPONENT_CATEGORIES = frozenset({"compute", "data", "edge", "messaging", "analytics", "other"})
