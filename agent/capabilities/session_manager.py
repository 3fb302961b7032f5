"""AWS Systems Manager Session Manager: shell access without a bastion host or open SSH port.

Interface endpoints for ssm, ssmmessages and ec2messages keep sessions inside the VPC; the
session preferences document encrypts sessions with the KMS key and logs them to CloudWatch.
"""

from __future__ import annotations

import dataclasses

from autcloud.agent.capabilities.base import declare
from autcloud.agent.capabilities.vpc_endpoints import add_interface_endpoints
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, Variable, tags
from autcloud.agent.catalog.security import log_group
from autcloud.agent.hcl import Call, Expr, jsonencode

BLOCK = "session_manager"
SSM_SERVICES = ["ssm", "ssmmessages", "ec2messages"]


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    log_group(
        bp,
        "sessions",
        "/aws/ssm/${local.name}/sessions",
        "Every Session Manager session's input and output, for audit, encrypted.",
        "security",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_ssm_document",
            "session_preferences",
            "security",
            "Session Manager preferences: sessions encrypted with the KMS key, streamed to CloudWatch, idle timeout 20 minutes. "
            "(Import it first if the account already has SSM-SessionManagerRunShell.)",
            {
                "name": "SSM-SessionManagerRunShell",
                "document_type": "Session",
                "document_format": "JSON",
                "content": jsonencode(
                    {
                        "schemaVersion": "1.0",
                        "description": "Session Manager preferences",
                        "sessionType": "Standard_Stream",
                        "inputs": {
                            "s3BucketName": "",
                            "s3EncryptionEnabled": True,
                            "cloudWatchLogGroupName": Expr(
                                "aws_cloudwatch_log_group.sessions.name"
                            ),
                            "cloudWatchEncryptionEnabled": True,
                            "cloudWatchStreamingEnabled": True,
                            "kmsKeyId": Expr("aws_kms_key.main.key_id"),
                            "runAsEnabled": False,
                            "idleSessionTimeout": "20",
                            "shellProfile": {"linux": "", "windows": ""},
                        },
                    }
                ),
                "tags": tags("session-preferences"),
            },
            block=BLOCK,
        )
    )
    _let_instances_log(bp)
    if bp.has("aws_vpc.main"):
        _endpoints(bp)
    else:
        bp.notes.append(
            "Session Manager: the design has no VPC, so no endpoints were added; instances reach SSM over the internet."
        )


def _let_instances_log(bp: Blueprint) -> None:
    """Instance roles may decrypt session data and write the session log."""
    for spec in list(bp.resources):
        trust = spec.body.get("assume_role_policy") if spec.type == "aws_iam_role" else None
        if not (isinstance(trust, Call) and "ec2.amazonaws.com" in repr(trust.argument)):
            continue
        bp.add(
            ResourceSpec(
                "aws_iam_role_policy",
                f"{spec.name}_sessions",
                "security",
                "Lets the instances encrypt Session Manager sessions and write the session log.",
                {
                    "name": "session-manager-logging",
                    "role": Expr(f"aws_iam_role.{spec.name}.id"),
                    "policy": jsonencode(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                    "Resource": Expr("aws_kms_key.main.arn"),
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": [
                                        "logs:CreateLogStream",
                                        "logs:PutLogEvents",
                                        "logs:DescribeLogStreams",
                                    ],
                                    "Resource": Expr(
                                        '"${aws_cloudwatch_log_group.sessions.arn}:*"'
                                    ),
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": ["logs:DescribeLogGroups"],
                                    "Resource": "*",
                                },
                            ],
                        }
                    ),
                },
                block=BLOCK,
            )
        )


def _endpoints(bp: Blueprint) -> None:
    shared = bp.variables.get("interface_endpoint_services")
    if shared is not None and bp.has("aws_vpc_endpoint.interface"):
        # The VPC endpoints capability already runs interface endpoints: add SSM's to its set.
        services = list(shared.default or [])
        services += [s for s in SSM_SERVICES if s not in services]
        bp.variables[shared.name] = dataclasses.replace(shared, default=services)
        return
    add_interface_endpoints(
        bp,
        endpoint="ssm",
        group="ssm_endpoints",
        services=list(SSM_SERVICES),
        variable=Variable(
            "session_manager_endpoint_services",
            "set(string)",
            "Interface endpoints Session Manager needs inside the VPC.",
        ),
        reason="Interface endpoints for ssm, ssmmessages and ec2messages: sessions never leave "
        "the VPC, no bastion, no SSH.",
        block=BLOCK,
    )


CAPABILITY = declare("session_manager", build=build)
