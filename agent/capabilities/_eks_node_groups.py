"""EKS as stated: the Kubernetes version ("EKS 1.30", "쿠버네티스 버전은 1.30") and the managed
node groups, each with its instance types, sizes, Spot or on-demand and GPU AMI ("\"system\" on
t3.large (min 2, max 3) and \"apps\" on m6i.xlarge Spot (min 3, max 15)").

Called by eks_extras before the add-ons, so the add-ons wait for the node groups as built.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import Parameter, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, tags
from autcloud.agent.hcl import Block
from autcloud.agent.ledger import Evidence, Operator, attribute_values, holds, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("_eks_node_groups")

NODE_GROUP = "aws_eks_node_group.default"
SUPPORTED_VERSIONS = ("1.28", "1.29", "1.30", "1.31", "1.32", "1.33")

read_version = reader(
    PATTERNS["version"],
    lambda m: next(g for g in m.groups() if g is not None),
)

_TYPE = r"[a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:nano|micro|small|medium|large|\d*xlarge|metal)"
_CLUSTER = re.compile(rf"(?<![\w.]){_TYPE}(?:\s*(?:/|,|and|or|및|와|과|랑)\s*{_TYPE})*", re.I)
_ONE = re.compile(_TYPE, re.I)
_SENTENCE_END = re.compile(r"[.!?。](?:\s|$)|\n")
_GPU_FAMILY = re.compile(r"^(?:g\d|p\d|gr\d)", re.I)


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    if match is None:
        return None
    return int(next(g for g in match.groups() if g is not None))


def _group(text: str, types: list[str]) -> dict[str, Any]:
    span = PATTERNS["span"].search(text)
    group: dict[str, Any] = {"instance_types": types}
    if span:
        numbers = [int(g) for g in span.groups() if g is not None]
        group["min"], group["max"] = numbers[0], numbers[1]
    minimum = _number(PATTERNS["min"], text)
    maximum = _number(PATTERNS["max"], text)
    desired = _number(PATTERNS["desired"], text)
    fixed = _number(PATTERNS["fixed"], text)
    if minimum is not None:
        group["min"] = minimum
    if maximum is not None:
        group["max"] = maximum
    if desired is not None:
        group["desired"] = desired
    elif fixed is not None and "min" not in group:
        group["desired"] = fixed
    if PATTERNS["spot"].search(text):
        group["spot"] = True
    if PATTERNS["gpu"].search(text) or any(_GPU_FAMILY.match(t) for t in types):
        group["gpu"] = True
    named = PATTERNS["named"].search(text)
    if named and named.group(1).lower() not in {t.lower() for t in types}:
        group["name"] = named.group(1).lower()
    return group


def read_node_groups(text: str) -> list[dict[str, Any]]:
    """Each node group a message describes, in order; empty unless node groups are named."""
    if not PATTERNS["nodes"].search(text):
        return []
    # "2 cache.m6g.large nodes", "EC2 auto scaling group": nodes of something else than Kubernetes.
    if not PATTERNS["kubernetes"].search(text):
        return []
    clusters = list(_CLUSTER.finditer(text))
    if not clusters:
        return []
    groups = []
    for index, match in enumerate(clusters):
        start = match.start()
        if index == 0:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
            left = ends[-1] if ends else 0
        else:
            left = _split(text, clusters[index - 1].end(), start)
        if index + 1 < len(clusters):
            right = _split(text, match.end(), clusters[index + 1].start())
        else:
            end = _SENTENCE_END.search(text, match.end())
            right = end.start() if end else len(text)
        types = [t.lower() for t in _ONE.findall(match.group(0))]
        groups.append(_group(text[left:right], types))
    return groups


def _split(text: str, start: int, end: int) -> int:
    """Where the words between two node groups change from the first to the second."""
    depth = text[:start].count("(") - text[:start].count(")")
    sentence = _SENTENCE_END.search(text, start, end)
    if sentence:
        return sentence.end()
    cut = start
    for position in range(start, end):
        char = text[position]
        depth += char == "("
        depth -= char == ")"
        if depth <= 0 and PATTERNS["separator"].match(text, position):
            cut = position
    return cut


def read_groups(text: str) -> Iterator[tuple[str, Any]]:
    groups = read_node_groups(text)
    if groups and (len(groups) > 1 or len(groups[0]) > 1):
        types = ", ".join("/".join(g["instance_types"]) for g in groups)
        yield f"node groups: {types}", groups
        return
    update = _read_update(text)
    if update is not None:
        yield update


def _read_update(text: str) -> tuple[str, list[dict[str, Any]]] | None:
    """A change to a group stated before: "스팟 노드 그룹 최대 20대로 늘려줘", "raise the spot node group max to 20"."""
    words = PATTERNS["group_words"].search(text)
    if words is None or _CLUSTER.search(text):
        return None
    group = _group(text, [])
    del group["instance_types"]
    if not {"min", "max", "desired"} & set(group):
        return None
    if PATTERNS["on_demand"].search(text):
        group["spot"] = False
    elif "spot" not in group and "name" not in group:
        return None
    group["update"] = True
    sentence_end = _SENTENCE_END.search(text, words.end())
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, words.start())), default=0)
    return text[start : sentence_end.start() if sentence_end else len(text)].strip(), [group]


def folded_groups(req: Any) -> list[dict[str, Any]]:
    """The node groups after every message: a later change updates the group it names (Spot,
    on-demand or by name) instead of replacing the whole list."""
    groups: list[dict[str, Any]] = []
    values = [a.value for a in req.asks if a.key == "eks.node_groups" and not a.negated]
    latest = req.params.get("eks.node_groups")
    if not values and isinstance(latest, list):
        values = [latest]
    for value in values:
        if not isinstance(value, list):
            continue
        if value and all(g.get("update") for g in value):
            for update in value:
                target = _target(groups, update)
                if target is not None:
                    target.update({k: update[k] for k in ("min", "max", "desired") if k in update})
            continue
        groups = copy.deepcopy(value)
    return groups


def _target(groups: list[dict[str, Any]], update: dict[str, Any]) -> dict[str, Any] | None:
    if "name" in update:
        named = [g for g in groups if g.get("name") == update["name"]]
        if named:
            return named[0]
    matching = [g for g in groups if bool(g.get("spot")) == bool(update.get("spot"))]
    return matching[0] if len(matching) == 1 else None


@dataclasses.dataclass(frozen=True)
class NodeGroupsParameter(Parameter):
    """Proven when every stated group has a node group with its instance types and sizes."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        found: list[Evidence] = []
        for group in value if isinstance(value, list) else []:
            checks: list[tuple[str, Operator, Any]] = []
            if "instance_types" in group:
                checks.append(("instance_types", "contains", group["instance_types"]))
            if "spot" in group:
                checks.append(("capacity_type", "==", "SPOT" if group["spot"] else "ON_DEMAND"))
            for key, attribute in (("min", "min_size"), ("max", "max_size")):
                if key in group:
                    checks.append((f"scaling_config.{attribute}", "==", group[key]))
            match = next(
                (
                    address
                    for address, body in instances(module, self.type)
                    if all(
                        any(
                            holds(module, v, op, want) for v in attribute_values(module, body, path)
                        )
                        for path, op, want in checks
                    )
                ),
                None,
            )
            if match is None:
                return []
            if checks:
                path, op, want = checks[0]
                found.append(Evidence(address=match, attribute=path, op=op, value=want))
            else:
                found.append(Evidence(address=match))
        return found


def apply_version(bp: Blueprint, ctx: Context) -> None:
    version = ctx.req.params.get("eks.version")
    variable = bp.variables.get("kubernetes_version")
    if version is None or variable is None:
        return
    if str(version) not in SUPPORTED_VERSIONS:
        bp.notes.append(
            f"EKS version {version}: not a version EKS offers; kept {variable.default}."
        )
        return
    bp.variables["kubernetes_version"] = dataclasses.replace(variable, default=str(version))


def _name(group: dict[str, Any], index: int, taken: set[str]) -> str:
    name = group.get("name") or (
        "default"
        if index == 0
        else "gpu"
        if group.get("gpu")
        else "spot"
        if group.get("spot")
        else f"group{index + 1}"
    )
    name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    while name in taken:
        name = f"{name}_{index + 1}"
    taken.add(name)
    return name


def apply_node_groups(bp: Blueprint, ctx: Context) -> bool:
    """Reshapes the default node group and adds the others; True when groups were stated."""
    groups = folded_groups(ctx.req)
    template = bp.find(NODE_GROUP)
    if not isinstance(groups, list) or not groups or template is None:
        return False
    taken: set[str] = set()
    original = copy.deepcopy(template.body)
    for index, group in enumerate(groups):
        name = _name(group, index, taken)
        body = template.body if index == 0 else copy.deepcopy(original)
        if index == 0 and name != "default":
            body["node_group_name"] = name
        elif index:
            body["node_group_name"] = name
            body["tags"] = tags(f"nodes-{name.replace('_', '-')}")
        body["instance_types"] = list(group["instance_types"])
        if group.get("gpu"):
            arm = any(re.match(r"^g\d+g", t) for t in group["instance_types"])
            body["ami_type"] = "AL2023_ARM_64_NVIDIA" if arm else "AL2023_x86_64_NVIDIA"
        elif any(re.match(r"^[a-z]+\d+g", t) for t in group["instance_types"]):
            body["ami_type"] = "AL2023_ARM_64_STANDARD"
        body["capacity_type"] = "SPOT" if group.get("spot") else "ON_DEMAND"
        scaling = body["scaling_config"].body
        minimum = int(group.get("min", scaling["min_size"] if index == 0 else 1))
        maximum = int(group.get("max", max(scaling["max_size"], minimum)))
        desired = int(group.get("desired", minimum if "min" in group else scaling["desired_size"]))
        if "desired" in group and "min" not in group:
            minimum = min(minimum, desired)
        if "desired" in group and "max" not in group:
            maximum = max(maximum, desired)
        maximum = max(maximum, minimum, 1)
        desired = min(max(desired, minimum), maximum)
        body["scaling_config"] = Block(
            "scaling_config",
            body={"desired_size": desired, "min_size": minimum, "max_size": maximum},
        )
        reason = (
            f"Node group '{name}': {'/'.join(group['instance_types'])}"
            f"{' Spot' if group.get('spot') else ''}{' with the GPU (NVIDIA) AMI' if group.get('gpu') else ''}, "
            f"{desired} node(s), scaling between {minimum} and {maximum}, as asked."
        )
        if index == 0:
            template.reason = reason
        else:
            bp.add(ResourceSpec("aws_eks_node_group", name, "compute", reason, body, block="eks"))
    return True
