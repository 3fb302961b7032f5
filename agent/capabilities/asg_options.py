"""Auto Scaling group options as stated: a fixed size ("3 instances fixed", "최소=최대=3") and a
mixed instances policy ("mixed instances (m5.large and m6i.large) with 50% Spot above base").

Applies to the EC2 fleet the core pass builds (``aws_autoscaling_group.app``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare, only_about, reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.ledger import Evidence, attribute_values, holds, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import INSTANCE_TYPE, Requirements
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("asg_options")


_read_fixed = reader(PATTERNS["fixed"], lambda m: int(next(g for g in m.groups() if g)))


def _on_demand_share(match: re.Match[str]) -> int | None:
    """The on-demand share above base: "50% Spot above base" → 50, "스팟 70%" → 30."""
    spot = int(match.group(1) or match.group(2))
    return 100 - spot if 0 <= spot <= 100 else None


_read_spot_share = only_about(PATTERNS["fleet"], reader(PATTERNS["spot_share"], _on_demand_share))


def _read_mixed_types(text: str) -> Iterator[tuple[str, Any]]:
    """Several instance types for one group: "mixed instances (m5.large and m6i.large)"."""
    for match in PATTERNS["mixed"].finditer(text):
        types = [
            t
            for t in dict.fromkeys(INSTANCE_TYPE.findall(match.group(0)))
            if not t.startswith(("db.", "cache."))
        ]
        if len(types) >= 2:
            yield match.group(0).strip(), ",".join(types)


class EveryTypeParameter(Parameter):
    """Proven when the group's overrides hold every one of the stated types."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        wanted = str(value).split(",")
        for address, body in instances(module, self.type):
            found = attribute_values(module, body, self.attribute)
            if all(any(holds(module, v, "==", t) for v in found) for t in wanted):
                return [
                    Evidence(address=address, attribute=self.attribute, op="==", value=t)
                    for t in wanted
                ]
        return []


def build(bp: Blueprint, ctx: Context) -> None:
    group = bp.find("aws_autoscaling_group.app")
    if group is None:
        return
    params = ctx.req.params
    fixed = params.get("asg.fixed_size")
    if isinstance(fixed, int) and fixed >= 1:
        group.body["min_size"] = group.body["max_size"] = group.body["desired_capacity"] = fixed
        group.reason = (
            f"Keeps exactly {fixed} instances across the private subnets, replacing unhealthy ones."
        )
    types = [t for t in str(params.get("asg.mixed_types") or "").split(",") if t]
    on_demand = params.get("asg.on_demand_above_base")
    if not types and not isinstance(on_demand, int):
        return
    template = group.body.pop("launch_template", None)
    if not isinstance(template, Block):
        return
    if not types:
        template_spec = bp.find("aws_launch_template.app")
        types = [str((template_spec.body if template_spec else {}).get("instance_type", ""))]
        types = [t for t in types if t and not t.startswith("var.")]
    share = on_demand if isinstance(on_demand, int) else 100
    spec: dict[str, Any] = {
        "launch_template_specification": Block(
            "launch_template_specification",
            body={"launch_template_id": Expr("aws_launch_template.app.id"), "version": "$Latest"},
        )
    }
    if types:
        spec["override"] = [Block("override", body={"instance_type": t}) for t in types]
    rebuilt: dict[str, Any] = {}
    for key, value in group.body.items():
        rebuilt[key] = value
        if key == "vpc_zone_identifier":
            rebuilt["mixed_instances_policy"] = Block(
                "mixed_instances_policy",
                body={
                    "instances_distribution": Block(
                        "instances_distribution",
                        body={
                            "on_demand_base_capacity": 1 if share < 100 else 0,
                            "on_demand_percentage_above_base_capacity": share,
                            "spot_allocation_strategy": "price-capacity-optimized",
                        },
                    ),
                    "launch_template": Block("launch_template", body=spec),
                },
            )
    group.body.clear()
    group.body.update(rebuilt)
    group.reason += (
        f" Mixed instances ({', '.join(types) or 'the launch template type'}): one on-demand "
        f"instance as base, {share}% on-demand above it, the rest on Spot."
    )
    if share < 100:
        bp.notes.append(
            f"Spot: {100 - share}% of the instances above the first run on Spot and may be "
            "reclaimed with two minutes' notice; keep the application stateless."
        )


def _applies(req: Requirements) -> bool:
    keys = {"asg.fixed_size", "asg.on_demand_above_base", "asg.mixed_types"}
    return req.compute == "ec2" and bool(keys & set(req.params))


CAPABILITY = declare(
    "asg_options",
    build=build,
    applies=_applies,
    readers={
        "asg.fixed_size": _read_fixed,
        "asg.on_demand_above_base": _read_spot_share,
        "asg.mixed_types": _read_mixed_types,
    },
)
