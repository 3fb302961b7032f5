"""A second region for disaster-recovery copies: its provider alias and its own KMS key.

KMS keys are regional: a replica bucket or a backup vault in another region is encrypted with a
customer-managed key of that region, administered by the account like the main key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import Parameter
from autcloud.agent.catalog.base import Blueprint, ResourceSpec, interp, tags
from autcloud.agent.hcl import Expr, jsonencode
from autcloud.agent.ledger import Evidence, attribute_values, instances
from autcloud.agent.tfparse import TerraformModule


def alias_of(region: str) -> str:
    return "dr_" + region.replace("-", "_")


@dataclass(frozen=True)
class RegionParameter(Parameter):
    """A resource of ``type`` in the stated region: its provider is that region's alias."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        alias = alias_of(str(value))
        for address, body in instances(module, self.type):
            if any(alias in str(v) for v in attribute_values(module, body, "provider")):
                return [Evidence(address=address, attribute="provider", op="contains", value=alias)]
        return []


def ensure_region(bp: Blueprint, region: str) -> str:
    """The provider alias of ``region`` (declared once), with ``aws_kms_key.<alias>`` in it."""
    alias = alias_of(region)
    bp.provider_regions[alias] = region
    if not bp.has(f"aws_kms_key.{alias}"):
        bp.add(
            ResourceSpec(
                "aws_kms_key",
                alias,
                "security",
                f"Encrypts the disaster-recovery copies in {region} (KMS keys are regional); rotated yearly.",
                {
                    "provider": Expr(f"aws.{alias}"),
                    "description": interp(f"${{local.name}} disaster-recovery copies in {region}"),
                    "enable_key_rotation": True,
                    "deletion_window_in_days": 30,
                    "policy": jsonencode(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "AccountAdministration",
                                    "Effect": "Allow",
                                    "Principal": {
                                        "AWS": Expr(
                                            '"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"'
                                        )
                                    },
                                    "Action": "kms:*",
                                    "Resource": "*",
                                }
                            ],
                        }
                    ),
                    "tags": tags(f"kms-{region}"),
                },
                block="kms",
            )
        )
    return alias
