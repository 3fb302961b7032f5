"""The reference graph: every managed resource and the ``${...}`` references between them.

:func:`build_graph` reads a :class:`~autcloud.agent.tfparse.TerraformModule` and returns a
:class:`Diagram` (``view="graph"``): a node per resource (kind, category, AWS-like colour and
shape), groups nested region → VPC → availability zone → subnet, and edges from the ``${...}``
references between resources, labelled with the argument holding them. Placement is inferred
from the same references: a subnet's ``vpc_id`` and ``availability_zone``, an instance's
``subnet_id``, a database's security groups' VPC, and so on. It is written as ``graph.json`` /
``graph.svg`` for debugging; the architecture view (:mod:`.architecture`) is built on the same
groups and placement.

Small resources that only configure another (bucket settings, security group rules, listeners,
route table associations, subscriptions) are folded into the resource they configure: their
references become that resource's edges, so the graph stays readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from autcloud.agent.diagram.model import (
    CATEGORIES,
    GLOBAL_GROUP,
    GLOBAL_PREFIXES,
    NEVER_DRAWN,
    PASS_THROUGH_KINDS,
    SUBNET_KINDS,
    VPC_KINDS,
    Diagram,
    Edge,
    Group,
    Node,
    kind_info,
    legend_for,
    references,
)
from autcloud.agent.tfparse import TerraformModule

# Folded into the resource they configure, found by this argument (besides the name rule).
_FOLD_BY_ARGUMENT = {
    "aws_vpc_security_group_ingress_rule": "security_group_id",
    "aws_vpc_security_group_egress_rule": "security_group_id",
    "aws_default_network_acl": "default_network_acl_id",
    "aws_lambda_permission": "function_name",
    "aws_lambda_event_source_mapping": "function_name",
}
_AZ_INDEX = re.compile(r"\[(\d+)\]\s*$")


@dataclass
class Resource:
    address: str
    kind: str
    name: str
    attributes: dict[str, Any]
    refs: list[tuple[str, str]] = field(default_factory=list)  # (argument, address)


def build_graph(module: TerraformModule, title: str = "") -> Diagram:
    """The reference graph of every managed resource of ``module``."""
    return Builder(module, title).build()


class Builder:
    def __init__(self, module: TerraformModule, title: str) -> None:
        self.module = module
        self.title = title
        self.resources: dict[str, Resource] = {}
        for kind, name, attributes in module.iter_resources():
            address = f"{kind}.{name}"
            self.resources[address] = Resource(address, kind, name, attributes)
        for resource in self.resources.values():
            resource.refs = [
                (argument, target)
                for argument, target in references(resource.attributes)
                if target in self.resources and target != resource.address
            ]
        self.groups: dict[str, Group] = {}
        self._vpc_memo: dict[str, str | None] = {}

    # Which resources are drawn, and which are folded into another.
    def _fold_target(self, resource: Resource) -> str | None:
        argument = _FOLD_BY_ARGUMENT.get(resource.kind)
        if argument is not None:
            return next((t for a, t in resource.refs if a == argument), None)
        # The name rule: aws_s3_bucket_versioning configures the aws_s3_bucket it references.
        owners = [
            target
            for _, target in resource.refs
            if resource.kind.startswith(self.resources[target].kind + "_")
            and self.resources[target].kind not in NEVER_DRAWN  # VPC endpoints stay nodes
        ]
        return max(owners, key=lambda t: len(self.resources[t].kind), default=None)

    def build(self) -> Diagram:
        folded: dict[str, str] = {}
        for resource in self.resources.values():
            if resource.kind in NEVER_DRAWN:
                continue
            owner = self._fold_target(resource)
            if owner is not None:
                folded[resource.address] = owner

        def drawn_owner(address: str) -> str:
            seen = set()
            while address in folded and address not in seen:
                seen.add(address)
                address = folded[address]
            return address

        self._make_structural_groups()
        nodes: list[Node] = []
        details: dict[str, list[str]] = {}
        for address in folded:
            details.setdefault(drawn_owner(address), []).append(address)
        drawn = [
            r
            for r in self.resources.values()
            if r.address not in folded and r.kind not in NEVER_DRAWN
        ]
        for resource in sorted(drawn, key=lambda r: r.address):
            nodes.append(self._node(resource, tuple(sorted(details.get(resource.address, [])))))
        drawn_addresses = {node.id for node in nodes}
        edges: dict[tuple[str, str], set[str]] = {}
        for resource in self.resources.values():
            if resource.kind in NEVER_DRAWN:
                continue
            source = drawn_owner(resource.address)
            for argument, target in resource.refs:
                target = drawn_owner(target)
                if target == source or {source, target} - drawn_addresses:
                    continue  # placement already shows VPCs and subnets
                edges.setdefault((source, target), set()).add(argument)
        return Diagram(
            nodes=nodes,
            groups=self._used_groups(nodes),
            edges=[
                Edge(source, target, ", ".join(sorted(labels)), via=(source, target))
                for (source, target), labels in sorted(edges.items())
            ],
            legend=legend_for({node.category for node in nodes}),
            title=self.title,
            view="graph",
        )

    def _node(self, resource: Resource, details: tuple[str, ...]) -> Node:
        short, category = kind_info(resource.kind)
        if resource.kind == "aws_lb":
            kind = str(resource.attributes.get("load_balancer_type", "application"))
            short = {"application": "ALB", "network": "NLB", "gateway": "GWLB"}.get(kind, short)
        multiple = "count" in resource.attributes or "for_each" in resource.attributes
        label = f"{short}\n{resource.name}" + (" ×N" if multiple else "")
        _, color, shape = CATEGORIES[category]
        return Node(
            id=resource.address,
            kind=resource.kind,
            name=resource.name,
            label=label,
            category=category,
            color=color,
            shape=shape,
            group=self._placement(resource),
            multiple=multiple,
            details=details,
            addresses=(resource.address, *details),
        )

    # Groups: region → VPC → AZ → subnet.
    def _region_of(self, attributes: dict[str, Any]) -> str:
        alias = None
        provider = attributes.get("provider")
        if isinstance(provider, str):
            alias = provider.strip("${}").partition(".")[2] or None
        for name, settings in self.module.providers:
            if name == "aws" and settings.get("alias") == alias:
                return self._resolve_text(settings.get("region")) or "region"
        return "region"

    def _resolve_text(self, value: Any) -> str | None:
        """A literal, or a variable's default; None when only known at plan time."""
        if not isinstance(value, str):
            return None
        match = re.fullmatch(r"\$\{var\.([A-Za-z0-9_-]+)\}", value)
        if match:
            default = self.module.variables.get(match.group(1), {}).get("default")
            return default if isinstance(default, str) else None
        return None if "${" in value else value

    def _region_group(self, attributes: dict[str, Any]) -> str:
        region = self._region_of(attributes)
        group_id = f"region:{region}"
        if group_id not in self.groups:
            label = f"Region {region}" if region != "region" else "Region"
            self.groups[group_id] = Group(group_id, "region", label, None)
        return group_id

    def _make_structural_groups(self) -> None:
        for resource in self.resources.values():
            if resource.kind in VPC_KINDS:
                region = self._region_group(resource.attributes)
                cidr = self._resolve_text(resource.attributes.get("cidr_block"))
                label = f"VPC {resource.name}" + (f" ({cidr})" if cidr else "")
                self.groups[resource.address] = Group(
                    resource.address, "vpc", label, region, address=resource.address
                )
        public = self._public_subnets()
        for resource in self.resources.values():
            if resource.kind not in SUBNET_KINDS:
                continue
            vpc = next((t for a, t in resource.refs if a == "vpc_id" and t in self.groups), None)
            if vpc is None and resource.kind == "aws_default_subnet":
                defaults = [a for a, r in self.resources.items() if r.kind == "aws_default_vpc"]
                vpc = defaults[0] if len(defaults) == 1 else None  # one default VPC a region
            parent = vpc or self._region_group(resource.attributes)
            az = self._zone(resource)
            if az is not None:
                az_id = f"{parent}/az:{az}"
                if az_id not in self.groups:
                    self.groups[az_id] = Group(az_id, "az", az, parent)
                parent = az_id
            is_public = resource.address in public or (
                resource.attributes.get("map_public_ip_on_launch") is True
            )
            cidr = self._resolve_text(resource.attributes.get("cidr_block"))
            tier = "Public subnet" if is_public else "Private subnet"
            many = " (one per AZ)" if "count" in resource.attributes else ""
            label = f"{tier} {resource.name}{many}" + (f"\n{cidr}" if cidr else "")
            self.groups[resource.address] = Group(
                resource.address, "subnet", label, parent, resource.address, is_public
            )

    def _zone(self, subnet: Resource) -> str | None:
        if "count" in subnet.attributes or "for_each" in subnet.attributes:
            return None  # one subnet per zone: the group spans zones
        value = subnet.attributes.get("availability_zone")
        literal = self._resolve_text(value)
        if literal:
            return literal
        if isinstance(value, str):
            index = _AZ_INDEX.search(value.strip("${}"))
            if index:
                return f"AZ {int(index.group(1)) + 1}"
        return None

    def _public_subnets(self) -> set[str]:
        """Subnets associated with a route table that routes to an internet gateway."""
        public_tables = set()
        for resource in self.resources.values():
            routing = resource.kind in {"aws_route_table", "aws_default_route_table", "aws_route"}
            if routing and any(
                self.resources[t].kind == "aws_internet_gateway" for _, t in resource.refs
            ):
                table = resource.address
                if resource.kind == "aws_route":
                    table = next((t for a, t in resource.refs if a == "route_table_id"), table)
                public_tables.add(table)
        public = set()
        for resource in self.resources.values():
            if resource.kind == "aws_route_table_association":
                refs = dict(resource.refs)
                if refs.get("route_table_id") in public_tables and refs.get("subnet_id"):
                    public.add(refs["subnet_id"])
        return public

    def _placement(self, resource: Resource) -> str:
        subnets = self._subnets_of(resource)
        if len(subnets) == 1:
            return subnets.pop()
        if subnets:
            parents = {self.groups[s].parent for s in subnets}
            if len(parents) == 1:
                parent = parents.pop()
                if parent is not None:
                    return parent
            vpcs = {self._vpc_of_group(s) for s in subnets} - {None}
            if len(vpcs) == 1:
                return str(vpcs.pop())
        vpc = self._vpc_of(resource.address, depth=0)
        if vpc is not None:
            return vpc
        if resource.kind.startswith(GLOBAL_PREFIXES):
            if GLOBAL_GROUP not in self.groups:
                self.groups[GLOBAL_GROUP] = Group(GLOBAL_GROUP, "global", "Global", None)
            return GLOBAL_GROUP
        return self._region_group(resource.attributes)

    def _subnets_of(self, resource: Resource) -> set[str]:
        subnets = set()
        for _, target in resource.refs:
            kind = self.resources[target].kind
            if kind in SUBNET_KINDS and target in self.groups:
                subnets.add(target)
            elif kind in PASS_THROUGH_KINDS:
                subnets |= {t for _, t in self.resources[target].refs if t in self.groups} & {
                    r for r in self.resources if self.resources[r].kind in SUBNET_KINDS
                }
        return subnets

    def _vpc_of_group(self, group_id: str) -> str | None:
        group: Group | None = self.groups.get(group_id)
        while group is not None and group.kind != "vpc":
            group = self.groups.get(group.parent) if group.parent else None
        return group.id if group else None

    def _vpc_of(self, address: str, depth: int) -> str | None:
        """The one VPC a resource belongs to, through its references (a database → its
        security group → the VPC), or None."""
        if address in self._vpc_memo:
            return self._vpc_memo[address]
        self._vpc_memo[address] = None  # cycle guard
        resource = self.resources[address]
        vpcs: set[str] = set()
        for _, target in resource.refs:
            kind = self.resources[target].kind
            if kind in VPC_KINDS:
                vpcs.add(target)
            elif kind in SUBNET_KINDS or kind in PASS_THROUGH_KINDS:
                for subnet in self._subnets_of(resource):
                    vpc = self._vpc_of_group(subnet)
                    if vpc:
                        vpcs.add(vpc)
            elif depth < 4:
                found = self._vpc_of(target, depth + 1)
                if found:
                    vpcs.add(found)
        result = vpcs.pop() if len(vpcs) == 1 else None
        self._vpc_memo[address] = result
        return result

    def _used_groups(self, nodes: list[Node]) -> list[Group]:
        """Every group holding a node, with its ancestors, plus all VPCs and subnets."""
        keep = {node.group for node in nodes}
        keep |= {g.id for g in self.groups.values() if g.kind in {"vpc", "subnet"}}
        for group_id in list(keep):
            group = self.groups.get(group_id)
            while group is not None and group.parent:
                keep.add(group.parent)
                group = self.groups.get(group.parent)
        order = {"global": 0, "region": 0, "vpc": 1, "az": 2, "subnet": 3}
        return sorted(
            (g for g in self.groups.values() if g.id in keep), key=lambda g: (order[g.kind], g.id)
        )
