"""Amazon ECR: a private image repository with immutable tags, scan on push, KMS encryption and
a lifecycle policy that keeps the last 30 images."""

from __future__ import annotations

from autcloud.agent.capabilities.base import COMPUTE, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp, tags
from autcloud.agent.hcl import Block, Expr, jsonencode

KEEP_IMAGES = 30


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("ecr")
    bp.add(
        ResourceSpec(
            "aws_ecr_repository",
            "app",
            "compute",
            "The application's private image registry: immutable tags, every push scanned, encrypted with the KMS key.",
            {
                "name": interp("${local.name}/app"),
                "image_tag_mutability": "IMMUTABLE",
                "force_delete": False,
                "image_scanning_configuration": Block(
                    "image_scanning_configuration", body={"scan_on_push": True}
                ),
                "encryption_configuration": Block(
                    "encryption_configuration",
                    body={"encryption_type": "KMS", "kms_key": Expr("aws_kms_key.main.arn")},
                ),
                "tags": tags("app-images"),
            },
            block="ecr",
        ),
        ResourceSpec(
            "aws_ecr_lifecycle_policy",
            "app",
            "compute",
            f"Keeps the last {KEEP_IMAGES} images and expires older ones, so storage stays bounded.",
            {
                "repository": Expr("aws_ecr_repository.app.name"),
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
    bp.out(
        Output(
            "ecr_repository_url",
            "aws_ecr_repository.app.repository_url",
            "Push images here (docker push <url>:<tag>).",
        )
    )


CAPABILITY = Capability(
    key="ecr",
    summary="Amazon ECR private image repository.",
    concepts=("service.ecr",),
    probes=(Probe("aws_ecr_repository"),),
    category="compute",
    build=build,
    phase=COMPUTE,
    scanner_types=("aws_ecr_repository",),
)
