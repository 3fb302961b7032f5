"""One architecture diagram model for designs, scans and any Terraform folder.

:func:`build_diagram` reads a :class:`~autcloud.agent.tfparse.TerraformModule` and returns a
:class:`Diagram`: a node per resource (kind, category, AWS-like colour and shape), groups nested
region → VPC → availability zone → subnet, and edges from the ``${...}`` references between
resources. Placement is inferred from the same references: a subnet's ``vpc_id`` and
``availability_zone``, an instance's ``subnet_id``, a database's security groups' VPC, and so on.

Small resources that only configure another (bucket settings, security group rules, listeners,
route table associations, subscriptions) are folded into the resource they configure: their
references become that resource's edges, so the picture stays readable.

Outputs: :meth:`Diagram.to_json` (for the web page), :meth:`Diagram.to_dot`, and SVG/PNG through
graphviz ``dot`` (:meth:`Diagram.render_svg`, :meth:`Diagram.render_png`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from autcloud.agent.tfparse import TerraformModule, load_folder

SCHEMA = "autcloud.io/diagram/v1"
GLOBAL_GROUP = "global"
DOT_TIMEOUT_S = 120


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    id: str  # the Terraform address, e.g. "aws_db_instance.orders"
    kind: str  # the resource type
    name: str
    label: str
    category: str
    color: str
    shape: str
    group: str  # the innermost group holding it
    multiple: bool = False  # count / for_each: stands for several objects
    details: tuple[str, ...] = ()  # folded resources, e.g. "aws_s3_bucket_versioning.assets"


@dataclass(frozen=True)
class Group:
    id: str
    kind: str  # region | global | vpc | az | subnet
    label: str
    parent: str | None
    address: str | None = None  # the VPC or subnet resource behind it
    public: bool | None = None  # subnets: routed to an internet gateway


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str  # the argument holding the reference, e.g. "subnet_id"


@dataclass(frozen=True)
class LegendEntry:
    category: str
    label: str
    color: str
    shape: str


@dataclass
class Diagram:
    nodes: list[Node]
    groups: list[Group]
    edges: list[Edge]
    legend: list[LegendEntry]
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "title": self.title,
            "nodes": [asdict(node) for node in self.nodes],
            "groups": [asdict(group) for group in self.groups],
            "edges": [asdict(edge) for edge in self.edges],
            "legend": [asdict(entry) for entry in self.legend],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_dot(self) -> str:
        return _Dot(self).render()

    def render_svg(self, path: Path) -> Path:
        return _render(self.to_dot(), "svg", path)

    def render_png(self, path: Path) -> Path:
        return _render(self.to_dot(), "png", path)


class DiagramRenderError(RuntimeError):
    """graphviz is missing or failed; the message says how to fix it."""


# --- kinds: label, category, shape ----------------------------------------------------------

# Colours after the AWS architecture icon palette.
CATEGORIES: dict[str, tuple[str, str, str]] = {
    # category: (legend label, fill colour, graphviz shape)
    "network": ("Networking", "#8C4FFF", "box"),
    "compute": ("Compute and containers", "#ED7100", "box"),
    "data": ("Databases and storage", "#C925D1", "cylinder"),
    "edge": ("Edge and delivery", "#0073BB", "hexagon"),
    "messaging": ("Application integration", "#E7157B", "cds"),
    "security": ("Security and identity", "#DD344C", "octagon"),
    "observability": ("Monitoring and logs", "#759C3E", "note"),
    "analytics": ("Analytics", "#01A88D", "parallelogram"),
    "other": ("Other", "#7D8998", "box"),
}

_KINDS: dict[str, tuple[str, str]] = {
    # type: (short label, category)
    "aws_internet_gateway": ("Internet gateway", "network"),
    "aws_nat_gateway": ("NAT gateway", "network"),
    "aws_eip": ("Elastic IP", "network"),
    "aws_route_table": ("Route table", "network"),
    "aws_default_route_table": ("Main route table", "network"),
    "aws_vpc_endpoint": ("VPC endpoint", "network"),
    "aws_lb": ("Load balancer", "network"),
    "aws_alb": ("ALB", "network"),
    "aws_lb_target_group": ("Target group", "network"),
    "aws_route53_zone": ("Route 53 zone", "network"),
    "aws_route53_record": ("DNS record", "network"),
    "aws_instance": ("EC2", "compute"),
    "aws_launch_template": ("Launch template", "compute"),
    "aws_autoscaling_group": ("Auto Scaling", "compute"),
    "aws_lambda_function": ("Lambda", "compute"),
    "aws_ecs_cluster": ("ECS cluster", "compute"),
    "aws_ecs_service": ("ECS service", "compute"),
    "aws_ecs_task_definition": ("Task definition", "compute"),
    "aws_eks_cluster": ("EKS", "compute"),
    "aws_eks_node_group": ("EKS nodes", "compute"),
    "aws_ecr_repository": ("ECR", "compute"),
    "aws_db_instance": ("RDS", "data"),
    "aws_rds_cluster": ("Aurora", "data"),
    "aws_rds_cluster_instance": ("Aurora instance", "data"),
    "aws_elasticache_cluster": ("ElastiCache", "data"),
    "aws_elasticache_replication_group": ("ElastiCache", "data"),
    "aws_dynamodb_table": ("DynamoDB", "data"),
    "aws_s3_bucket": ("S3", "data"),
    "aws_efs_file_system": ("EFS", "data"),
    "aws_cloudfront_distribution": ("CloudFront", "edge"),
    "aws_wafv2_web_acl": ("WAF", "security"),
    "aws_apigatewayv2_api": ("API Gateway", "edge"),
    "aws_api_gateway_rest_api": ("API Gateway", "edge"),
    "aws_acm_certificate": ("Certificate", "security"),
    "aws_sqs_queue": ("SQS", "messaging"),
    "aws_sns_topic": ("SNS", "messaging"),
    "aws_cloudwatch_event_rule": ("EventBridge rule", "messaging"),
    "aws_sfn_state_machine": ("Step Functions", "messaging"),
    "aws_kinesis_stream": ("Kinesis", "analytics"),
    "aws_security_group": ("Security group", "security"),
    "aws_default_security_group": ("Default SG", "security"),
    "aws_iam_role": ("IAM role", "security"),
    "aws_iam_policy": ("IAM policy", "security"),
    "aws_kms_key": ("KMS key", "security"),
    "aws_secretsmanager_secret": ("Secret", "security"),
    "aws_cloudwatch_log_group": ("Log group", "observability"),
    "aws_cloudwatch_metric_alarm": ("Alarm", "observability"),
    "aws_flow_log": ("Flow log", "observability"),
    "aws_cloudtrail": ("CloudTrail", "observability"),
    "aws_athena_workgroup": ("Athena", "analytics"),
    "aws_glue_catalog_database": ("Glue", "analytics"),
}
_CATEGORY_BY_PREFIX = (
    ("aws_iam_", "security"),
    ("aws_kms_", "security"),
    ("aws_secretsmanager_", "security"),
    ("aws_wafv2_", "security"),
    ("aws_guardduty_", "security"),
    ("aws_securityhub_", "security"),
    ("aws_config_", "observability"),
    ("aws_cloudwatch_", "observability"),
    ("aws_cloudtrail", "observability"),
    ("aws_backup_", "data"),
    ("aws_s3_", "data"),
    ("aws_db_", "data"),
    ("aws_rds_", "data"),
    ("aws_elasticache_", "data"),
    ("aws_dynamodb_", "data"),
    ("aws_lambda_", "compute"),
    ("aws_ecs_", "compute"),
    ("aws_eks_", "compute"),
    ("aws_autoscaling_", "compute"),
    ("aws_cloudfront_", "edge"),
    ("aws_api_gateway", "edge"),
    ("aws_apigatewayv2_", "edge"),
    ("aws_sqs_", "messaging"),
    ("aws_sns_", "messaging"),
    ("aws_kinesis_", "analytics"),
    ("aws_athena_", "analytics"),
    ("aws_glue_", "analytics"),
    ("aws_vpc", "network"),
    ("aws_route", "network"),
    ("aws_lb", "network"),
    ("aws_network_", "network"),
)
VPC_KINDS = frozenset({"aws_vpc", "aws_default_vpc"})
SUBNET_KINDS = frozenset({"aws_subnet", "aws_default_subnet"})
# Resources that only collect subnets for another: not drawn; their subnets place the user.
PASS_THROUGH_KINDS = frozenset(
    {"aws_db_subnet_group", "aws_elasticache_subnet_group", "aws_redshift_subnet_group"}
)
_NEVER_DRAWN = VPC_KINDS | SUBNET_KINDS | PASS_THROUGH_KINDS
# Folded into the resource they configure, found by this argument (besides the name rule).
_FOLD_BY_ARGUMENT = {
    "aws_vpc_security_group_ingress_rule": "security_group_id",
    "aws_vpc_security_group_egress_rule": "security_group_id",
    "aws_default_network_acl": "default_network_acl_id",
    "aws_lambda_permission": "function_name",
    "aws_lambda_event_source_mapping": "function_name",
}
_GLOBAL_PREFIXES = (
    "aws_iam_",
    "aws_cloudfront_",
    "aws_route53_",
    "aws_organizations_",
    "aws_budgets_",
)
_REFERENCE = re.compile(
    r"(?<![\w.])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)(\[[^\]]*\])?"
)
_INTERPOLATION = re.compile(r"\$\{(.*?)\}", re.DOTALL)
_AZ_INDEX = re.compile(r"\[(\d+)\]\s*$")


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


# --- building -------------------------------------------------------------------------------


@dataclass
class _Resource:
    address: str
    kind: str
    name: str
    attributes: dict[str, Any]
    refs: list[tuple[str, str]] = field(default_factory=list)  # (argument, address)


def build_diagram(module: TerraformModule, title: str = "") -> Diagram:
    """The diagram of every managed resource of ``module``."""
    return _Builder(module, title).build()


def diagram_for_folder(folder: Path, title: str = "") -> Diagram:
    return build_diagram(load_folder(folder), title or folder.resolve().name)


class _Builder:
    def __init__(self, module: TerraformModule, title: str) -> None:
        self.module = module
        self.title = title
        self.resources: dict[str, _Resource] = {}
        for kind, name, attributes in module.iter_resources():
            address = f"{kind}.{name}"
            self.resources[address] = _Resource(address, kind, name, attributes)
        for resource in self.resources.values():
            resource.refs = [
                (argument, target)
                for argument, target in _references(resource.attributes)
                if target in self.resources and target != resource.address
            ]
        self.groups: dict[str, Group] = {}
        self._vpc_memo: dict[str, str | None] = {}

    # Which resources are drawn, and which are folded into another.
    def _fold_target(self, resource: _Resource) -> str | None:
        argument = _FOLD_BY_ARGUMENT.get(resource.kind)
        if argument is not None:
            return next((t for a, t in resource.refs if a == argument), None)
        # The name rule: aws_s3_bucket_versioning configures the aws_s3_bucket it references.
        owners = [
            target
            for _, target in resource.refs
            if resource.kind.startswith(self.resources[target].kind + "_")
            and self.resources[target].kind not in _NEVER_DRAWN  # VPC endpoints stay nodes
        ]
        return max(owners, key=lambda t: len(self.resources[t].kind), default=None)

    def build(self) -> Diagram:
        folded: dict[str, str] = {}
        for resource in self.resources.values():
            if resource.kind in _NEVER_DRAWN:
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
            if r.address not in folded and r.kind not in _NEVER_DRAWN
        ]
        for resource in sorted(drawn, key=lambda r: r.address):
            nodes.append(self._node(resource, tuple(sorted(details.get(resource.address, [])))))
        drawn_addresses = {node.id for node in nodes}
        edges: dict[tuple[str, str], set[str]] = {}
        for resource in self.resources.values():
            if resource.kind in _NEVER_DRAWN:
                continue
            source = drawn_owner(resource.address)
            for argument, target in resource.refs:
                target = drawn_owner(target)
                if target == source or {source, target} - drawn_addresses:
                    continue  # placement already shows VPCs and subnets
                edges.setdefault((source, target), set()).add(argument)
        used = sorted({node.category for node in nodes}, key=list(CATEGORIES).index)
        return Diagram(
            nodes=nodes,
            groups=self._used_groups(nodes),
            edges=[
                Edge(source, target, ", ".join(sorted(labels)))
                for (source, target), labels in sorted(edges.items())
            ],
            legend=[
                LegendEntry(cat, CATEGORIES[cat][0], CATEGORIES[cat][1], CATEGORIES[cat][2])
                for cat in used
            ],
            title=self.title,
        )

    def _node(self, resource: _Resource, details: tuple[str, ...]) -> Node:
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

    def _zone(self, subnet: _Resource) -> str | None:
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

    def _placement(self, resource: _Resource) -> str:
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
        if resource.kind.startswith(_GLOBAL_PREFIXES):
            if GLOBAL_GROUP not in self.groups:
                self.groups[GLOBAL_GROUP] = Group(GLOBAL_GROUP, "global", "Global", None)
            return GLOBAL_GROUP
        return self._region_group(resource.attributes)

    def _subnets_of(self, resource: _Resource) -> set[str]:
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


def _references(value: Any, argument: str = "") -> Iterator[tuple[str, str]]:
    """(top-level argument, address) of every resource reference inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _references(item, argument or key)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item, argument)
    elif isinstance(value, str) and "${" in value:
        for expression in _INTERPOLATION.findall(value):
            for match in _REFERENCE.finditer(expression):
                if match.group(1) in {"var", "local", "module", "data", "count", "each", "path"}:
                    continue
                yield argument, f"{match.group(1)}.{match.group(2)}"


# --- graphviz -------------------------------------------------------------------------------

_GROUP_STYLE = {
    # kind: (border colour, style, font colour)
    "global": ("#232F3E", "dashed", "#232F3E"),
    "region": ("#00A4A6", "dashed", "#00A4A6"),
    "vpc": ("#8C4FFF", "solid", "#8C4FFF"),
    "az": ("#147EBA", "dashed", "#147EBA"),
    "subnet_public": ("#7AA116", "solid", "#248814"),
    "subnet_private": ("#00A4A6", "solid", "#147EBA"),
}
_GROUP_FILL = {"vpc": "#F9F6FF", "subnet_public": "#F2F8EB", "subnet_private": "#E6F6F7"}


def _q(text: str) -> str:
    """A DOT double-quoted string (newlines become centred line breaks)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class _Dot:
    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.children: dict[str | None, list[Group]] = {}
        for group in diagram.groups:
            self.children.setdefault(group.parent, []).append(group)
        self.members: dict[str, list[Node]] = {}
        for node in diagram.nodes:
            self.members.setdefault(node.group, []).append(node)

    def render(self) -> str:
        big = len(self.diagram.nodes) > 150
        lines = [
            "digraph autcloud {",
            f"  graph [rankdir=LR, compound=true, fontname=Helvetica, fontsize=16, "
            f"labelloc=t, label={_q(self.diagram.title or 'Architecture')}, "
            f"nodesep=0.3, ranksep={0.5 if big else 0.8}, splines={'line' if big else 'true'}, "
            f'pad=0.3, bgcolor="#FFFFFF"];',
            '  node [fontname=Helvetica, fontsize=11, style="filled,rounded", '
            'fontcolor="#FFFFFF", penwidth=0, margin="0.15,0.08"];',
            '  edge [color="#545B64", fontname=Helvetica, fontsize=9, arrowsize=0.7, '
            'fontcolor="#545B64"];',
        ]
        for group in self.children.get(None, []):
            lines.extend(self._cluster(group, 1))
        for node in self.members.get("", []):
            lines.append("  " + self._node(node))
        for edge in self.diagram.edges:
            label = "" if len(self.diagram.edges) > 80 else f", label={_q(edge.label)}"
            lines.append(
                f"  {_q(edge.source)} -> {_q(edge.target)} [tooltip={_q(edge.label)}{label}];"
            )
        lines.extend(self._legend())
        if not self.diagram.nodes:
            lines.append('  empty [label="No resources", shape=plaintext, fontcolor="#545B64"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _node(self, node: Node) -> str:
        tooltip = node.id + "".join(f"\n+ {d}" for d in node.details)
        shape = node.shape
        style = "filled" if shape != "box" else "filled,rounded"
        if node.multiple:
            style += ",bold"
            shape = "box3d" if shape == "box" else shape
        return (
            f"{_q(node.id)} [label={_q(node.label)}, shape={shape}, style={_q(style)}, "
            f"fillcolor={_q(node.color)}, tooltip={_q(tooltip)}];"
        )

    def _cluster(self, group: Group, depth: int) -> list[str]:
        pad = "  " * depth
        style_key = group.kind
        if group.kind == "subnet":
            style_key = "subnet_public" if group.public else "subnet_private"
        border, style, font = _GROUP_STYLE[style_key]
        fill = _GROUP_FILL.get(style_key, "#FFFFFF")
        safe_id = re.sub(r"[^A-Za-z0-9_]", "_", group.id)
        lines = [
            f"{pad}subgraph cluster_{safe_id} {{",
            f"{pad}  label={_q(group.label)}; labeljust=l; fontsize=12; fontcolor={_q(font)};",
            f'{pad}  style="{style},filled"; color={_q(border)}; fillcolor={_q(fill)}; penwidth=1.5;',
        ]
        for node in self.members.get(group.id, []):
            lines.append(f"{pad}  {self._node(node)}")
        for child in self.children.get(group.id, []):
            lines.extend(self._cluster(child, depth + 1))
        if not self.members.get(group.id) and not self.children.get(group.id):
            # graphviz drops empty clusters: an invisible point keeps the subnet on the page
            lines.append(f"{pad}  {_q('empty:' + group.id)} [shape=point, style=invis];")
        lines.append(f"{pad}}}")
        return lines

    def _legend(self) -> list[str]:
        if not self.diagram.legend:
            return []
        lines = [
            "  subgraph cluster_legend {",
            '    label="Legend"; labeljust=l; fontsize=12; style="rounded"; color="#AAB7B8";',
        ]
        previous = None
        for entry in self.diagram.legend:
            style = "filled,rounded" if entry.shape == "box" else "filled"
            node_id = _q(f"legend:{entry.category}")
            lines.append(
                f"    {node_id} [label={_q(entry.label)}, shape={entry.shape}, "
                f"style={_q(style)}, fillcolor={_q(entry.color)}, fontsize=9];"
            )
            if previous:
                lines.append(f"    {previous} -> {node_id} [style=invis];")
            previous = node_id
        lines.append("  }")
        return lines


def _render(dot_text: str, fmt: str, path: Path) -> Path:
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramRenderError(
            "graphviz `dot` is not installed: install graphviz (apt-get install graphviz, "
            "brew install graphviz) to draw SVG/PNG diagrams; diagram.json needs nothing"
        )
    try:
        result = subprocess.run(
            [dot, f"-T{fmt}", "-o", str(path)],
            input=dot_text.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise DiagramRenderError(
            f"graphviz took over {DOT_TIMEOUT_S}s drawing {path.name}"
        ) from error
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()[:500]
        raise DiagramRenderError(f"graphviz failed drawing {path.name}: {message}")
    return path


def write_diagram(
    folder: Path, diagram: Diagram | None = None, formats: tuple[str, ...] = ("json", "svg")
) -> list[Path]:
    """Write ``diagram.<format>`` files into ``folder`` (the folder's own diagram by default)."""
    diagram = diagram or diagram_for_folder(folder)
    written = []
    for fmt in formats:
        target = folder / f"diagram.{fmt}"
        if fmt == "json":
            target.write_text(diagram.to_json(), encoding="utf-8")
        elif fmt == "dot":
            target.write_text(diagram.to_dot(), encoding="utf-8")
        elif fmt == "svg":
            diagram.render_svg(target)
        elif fmt == "png":
            diagram.render_png(target)
        else:
            raise ValueError(f"diagram format {fmt!r}: choose json, dot, svg or png")
        written.append(target)
    return written


def markdown_embed(svg_path: str = "diagram.svg", alt: str = "Architecture diagram") -> str:
    """The line a pull request body uses to show the design's diagram."""
    return f"![{alt}]({svg_path})"
