"""Amazon ECR: a private image repository with immutable tags, scan on push, KMS encryption and
a lifecycle policy that keeps the last 30 images."""

from __future__ import annotations

from autcloud.agent.capabilities._names import identifier, name_reader
from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.patterns import patterns

PATTERNS = patterns("ecr")

KEEP_IMAGES = 30


KEY = "ecr.names"
read_names = name_reader(
    PATTERNS.fragment("repository"), PATTERNS.fragment("repository_ko"), many=True
)


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("ecr")
    stated = ctx.req.params.get(KEY)
    names = [str(n) for n in stated] if isinstance(stated, list) else []
    _repository(bp, "app", names[0] if names else None)
    for name in names[1:]:
        _repository(bp, identifier(name), name)
    bp.out(
        Output(
            "ecr_repository_url",
            "aws_ecr_repository.app.repository_url",
            "Push images here (docker push <url>:<tag>).",
        )
    )


def _repository(bp: Blueprint, resource: str, name: str | None) -> None:
    if bp.has(f"aws_ecr_repository.{resource}"):
        return
    what = f"The {name} images'" if name else "The application's"
    bp.add(
        ResourceSpec(
            "aws_ecr_repository",
            resource,
            "compute",
            f"{what} private image registry: immutable tags, every push scanned, encrypted with the KMS key.",
            {
                "name": name or interp("${local.name}/app"),
                "image_tag_mutability": "IMMUTABLE",
                "force_delete": False,
                "image_scanning_configuration": Block(
                    "image_scanning_configuration", body={"scan_on_push": True}
                ),
                "encryption_configuration": Block(
                    "encryption_configuration",
                    body={"encryption_type": "KMS", "kms_key": Expr("aws_kms_key.main.arn")},
                ),
                "tags": tags(f"{name or 'app'}-images"),
            },
            block="ecr",
        ),
        ResourceSpec(
            "aws_ecr_lifecycle_policy",
            resource,
            "compute",
            f"Keeps the last {KEEP_IMAGES} images and expires older ones, so storage stays bounded.",
            {
                "repository": Expr(f"aws_ecr_repository.{resource}.name"),
                "policy": jsonencode(
                    {
                        "rules": [
                            {
                                "rulePriority": 1,
                                "description": f"Keep the last {KEEP_IMAGES} images",
                                "selection": {
                                    "tagStatus": "any",
                                    "countType": "imageCountMoreThan",
                                    "countNumber": KEEP_IMAGES,
                                },
                                "action": {"type": "expire"},
                            }
                        ]
                    }
                ),
            },
            block="ecr",
        ),
    )


CAPABILITY = declare("ecr", build=build, readers={KEY: read_names})
