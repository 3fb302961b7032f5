"""Found objects → Terraform files with ``import {}`` blocks (Terraform ≥ 1.5).

A plan of the export adopts what exists instead of creating it, and changes nothing: every
argument written is the live value the collectors read, and an argument with a provider default
that an import cannot record (:attr:`Found.unrecorded`) is ignored instead of being reset. References between exported
objects are written as expressions (``aws_vpc.main.id``), so Terraform knows the dependencies
and the diagram can draw them; a reference to something not exported keeps its literal ID.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autcloud.agent.hcl import Block, Expr, jsonencode, render_blocks
from autcloud.scanner.model import Found, Json, Ref, user_tags
from autcloud.scanner.naming import assign_names

TERRAFORM_VERSION = ">= 1.5.0"
AWS_PROVIDER_VERSION = ">= 5.0, < 6.0"

# One topic per file, in the order a reader meets them.
FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "network.tf",
        (
            "aws_vpc",
            "aws_default_vpc",
            "aws_subnet",
            "aws_default_subnet",
            "aws_internet_gateway",
            "aws_nat_gateway",
            "aws_route_table",
            "aws_default_route_table",
            "aws_route_table_association",
        ),
    ),
    (
        "security.tf",
        (
            "aws_security_group",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ),
    ),
    (
        "compute.tf",
        (
            "aws_instance",
            "aws_autoscaling_group",
            "aws_lambda_function",
        ),
    ),
    (
        "containers.tf",
        (
            "aws_ecs_cluster",
            "aws_ecs_service",
            "aws_eks_cluster",
        ),
    ),
    (
        "load_balancing.tf",
        (
            "aws_lb",
            "aws_lb_listener",
            "aws_lb_target_group",
        ),
    ),
    (
        "databases.tf",
        (
            "aws_db_instance",
            "aws_rds_cluster",
            "aws_rds_cluster_instance",
            "aws_elasticache_cluster",
            "aws_elasticache_replication_group",
            "aws_dynamodb_table",
        ),
    ),
    ("storage.tf", ("aws_s3_bucket",)),
    ("edge.tf", ("aws_cloudfront_distribution",)),
    (
        "messaging.tf",
        (
            "aws_sqs_queue",
            "aws_sns_topic",
            "aws_sns_topic_subscription",
        ),
    ),
)
OTHER_FILE = "other.tf"
IMPORTS_FILE = "imports.tf"


@dataclass(frozen=True)
class Export:
    """The rendered files, and the address each exported object got (by its key)."""

    files: dict[str, str]
    addresses: dict[str, str]


def export(found: Iterable[Found], region: str) -> Export:
    exported = [item for item in found if item.exported]
    names = assign_names(exported)
    addresses = {item.key: f"{item.kind}.{names[item.key]}" for item in exported}
    resolver = _Resolver(exported, addresses)
    by_file: dict[str, list[Block]] = {}
    imports: list[Block] = []
    ordered = sorted(exported, key=lambda item: (_kind_order(item.kind), addresses[item.key]))
    for item in ordered:
        by_file.setdefault(file_for(item.kind), []).append(resolver.resource(item, names[item.key]))
        imports.append(
            Block("import", body={"to": Expr(addresses[item.key]), "id": item.import_id})
        )
    files = {"versions.tf": render_blocks(_versions()), "providers.tf": _providers(region)}
    for name, blocks in by_file.items():
        files[name] = render_blocks(blocks)
    if imports:
        files[IMPORTS_FILE] = render_blocks(imports)
    return Export(files=files, addresses=addresses)


def file_for(kind: str) -> str:
    return next((name for name, kinds in FILES if kind in kinds), OTHER_FILE)


def _kind_order(kind: str) -> tuple[int, int, str]:
    for index, (_, kinds) in enumerate(FILES):
        if kind in kinds:
            return index, kinds.index(kind), kind
    return len(FILES), 0, kind


def _versions() -> list[Block]:
    provider = {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}
    return [
        Block(
            "terraform",
            body={
                "required_version": TERRAFORM_VERSION,
                "required_providers": Block("", body={"aws": provider}),
            },
        )
    ]


def _providers(region: str) -> str:
    return render_blocks(
        [
            Block(
                "provider",
                ("aws",),
                body={"region": region},
                comments=("The scanned region. Credentials come from the environment.",),
            )
        ]
    )


class _Resolver:
    """Turns :class:`Ref` and :class:`Json` values into expressions or literals."""

    def __init__(self, exported: list[Found], addresses: Mapping[str, str]) -> None:
        self._targets: dict[str, str] = {}
        for item in exported:
            self._targets[item.key] = addresses[item.key]
            for alias in item.aliases.values():
                self._targets.setdefault(alias.lower(), addresses[item.key])

    def resource(self, item: Found, name: str) -> Block:
        body: dict[str, Any] = {key: self.value(value) for key, value in item.arguments.items()}
        for block_type, blocks in item.blocks.items():
            resolved = self.value(blocks)
            if resolved:  # an empty list of blocks writes nothing
                body[block_type] = resolved
        tags = user_tags(item.tags)
        if item.taggable and tags:
            body["tags"] = tags
        ignored = list(dict.fromkeys((*item.ignore_changes, *item.unrecorded)))
        if ignored:
            body["lifecycle"] = Block("", body={"ignore_changes": [Expr(attr) for attr in ignored]})
        comments = item.notes
        if item.unrecorded:
            comments += (
                "not recorded by an import, so ignored rather than reset to a default: "
                + ", ".join(item.unrecorded),
            )
        return Block("resource", (item.kind, name), body=body, comments=comments)

    def value(self, value: Any) -> Any:
        if isinstance(value, Ref):
            address = self._targets.get(value.key) or self._targets.get(value.key.lower())
            return Expr(f"{address}.{value.attribute}") if address else value.fallback
        if isinstance(value, Json):
            return jsonencode(self.value(value.value))
        if isinstance(value, Block):
            return Block(value.type, value.labels, self.value(value.body), value.comments)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value
