"""S3 replication: every object of the main data bucket copied to a replica bucket, in another
region when one is named ("replicates to Paris", "오사카 리전 버킷에 복제"), with the replicas'
storage class as stated. The replica is private, versioned and encrypted with a key of its own
region; a least-privilege role does the copying.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities._dr_region import ensure_region
from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.capabilities.s3_lifecycle import (
    STORAGE_CLASS,
    _storage_class,
    ensure_data_bucket,
)
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, policy_document
from autcloud.agent.catalog.compute import role
from autcloud.agent.catalog.storage import add_bucket
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("s3_replication")

REGION_KEY, CLASS_KEY = "s3.replica_region", "s3.replica_storage_class"


def read_region(text: str) -> Iterator[tuple[str, Any]]:
    """The region a bucket replicates to."""
    from autcloud.agent.regions import find_region

    for pattern in (PATTERNS["region_en"], PATTERNS["region_ko"]):
        for match in pattern.finditer(text):
            sentence_start = max(text.rfind(".", 0, match.start()), 0)
            if not PATTERNS["about_s3"].search(text[sentence_start : match.end()]):
                continue
            region = find_region(match.group(1))
            if region is not None:
                yield match.group(0).strip(), region.code
                return


# Stays here: it is built from s3_lifecycle's storage-class words (its pattern file).
_CLASS_PATTERNS = reader(
    re.compile(
        rf"\breplicas?\b[^.;]{{0,30}}?{STORAGE_CLASS}|복제본\S*\s*(?:은|는|을|를)?\s*(?:스토리지\s*클래스\s*)?(?:를|을|은|는)?\s*{STORAGE_CLASS}",
        re.I,
    ),
    lambda m: _storage_class(next(g for g in m.groups() if g is not None)),
)


def _replica_bucket(bp: Blueprint, name: str, alias: str | None, locked: bool) -> str:
    replica = f"{name}_replica"
    add_bucket(
        bp,
        replica,
        f"Replica of the {name.replace('_', ' ')} bucket: every object copied here for disaster recovery.",
        transition_to_ia_days=None,
        region_alias=alias,
        replica_of=f"aws_s3_bucket.{name}",
        object_lock=locked,
    )
    return replica


def build(bp: Blueprint, ctx: Context) -> None:
    params = ctx.req.params
    region = params.get(REGION_KEY)
    region = str(region) if region and region != ctx.req.region else None
    storage_class = str(params.get(CLASS_KEY) or "STANDARD")
    name = ensure_data_bucket(bp)[0]
    source = bp.find(f"aws_s3_bucket.{name}")
    if source is None:
        return
    alias = ensure_region(bp, region) if region else None
    locked = bool(source.body.get("object_lock_enabled"))
    replica = _replica_bucket(bp, name, alias, locked)
    source.unskip("CKV_AWS_144")
    replica_key = f"aws_kms_key.{alias}.arn" if alias else "aws_kms_key.main.arn"
    role(
        bp,
        f"{name}_replication",
        "s3.amazonaws.com",
        f"The role S3 assumes to copy the {name.replace('_', ' ')} bucket's objects to the replica.",
        "security",
        "s3",
    )
    source_arn, replica_arn = f"aws_s3_bucket.{name}.arn", f"aws_s3_bucket.{replica}.arn"
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            f"{name}_replication",
            "security",
            "Reads the source bucket's versions and writes replicas, nothing else.",
            {
                "name": "replicate-objects",
                "role": Expr(f"aws_iam_role.{name}_replication.id"),
                "policy": policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                            "Resource": Expr(source_arn),
                        },
                        {
                            "Effect": "Allow",
                            "Action": [
                                "s3:GetObjectVersionForReplication",
                                "s3:GetObjectVersionAcl",
                                "s3:GetObjectVersionTagging",
                                "s3:GetObjectRetention",
                                "s3:GetObjectLegalHold",
                            ],
                            "Resource": Expr(f'"${{{source_arn}}}/*"'),
                        },
                        {
                            "Effect": "Allow",
                            "Action": [
                                "s3:ReplicateObject",
                                "s3:ReplicateDelete",
                                "s3:ReplicateTags",
                            ],
                            "Resource": Expr(f'"${{{replica_arn}}}/*"'),
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["kms:Decrypt"],
                            "Resource": Expr("aws_kms_key.main.arn"),
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                            "Resource": Expr(replica_key),
                        },
                    ]
                ),
            },
            block="s3",
        ),
        ResourceSpec(
            "aws_s3_bucket_replication_configuration",
            name,
            "storage",
            f"Copies every new object of the {name.replace('_', ' ')} bucket to the replica"
            f"{' in ' + region if region else ''}, stored as {storage_class}.",
            {
                "role": Expr(f"aws_iam_role.{name}_replication.arn"),
                "bucket": Expr(f"aws_s3_bucket.{name}.id"),
                "rule": Block(
                    "rule",
                    body={
                        "id": "replicate-everything",
                        "status": "Enabled",
                        "filter": Block("filter", body={"prefix": ""}),
                        "delete_marker_replication": Block(
                            "delete_marker_replication", body={"status": "Enabled"}
                        ),
                        "source_selection_criteria": Block(
                            "source_selection_criteria",
                            body={
                                "sse_kms_encrypted_objects": Block(
                                    "sse_kms_encrypted_objects", body={"status": "Enabled"}
                                )
                            },
                        ),
                        "destination": Block(
                            "destination",
                            body={
                                "bucket": Expr(replica_arn),
                                "storage_class": storage_class,
                                "encryption_configuration": Block(
                                    "encryption_configuration",
                                    body={"replica_kms_key_id": Expr(replica_key)},
                                ),
                            },
                        ),
                    },
                ),
                "depends_on": [
                    Expr(f"aws_s3_bucket_versioning.{name}"),
                    Expr(f"aws_s3_bucket_versioning.{replica}"),
                ],
            },
            block="s3",
        ),
    )


CAPABILITY = declare(
    "s3_replication", build=build, readers={REGION_KEY: read_region, CLASS_KEY: _CLASS_PATTERNS}
)
