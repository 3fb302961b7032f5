"""Lambda with EFS: when the request mounts EFS in a Lambda function ("loads a model from EFS",
"EFS를 람다에 /mnt/models로"), the function mounts the design's EFS access point (built by the efs
capability) at /mnt/<path>. The function moves into the VPC's private subnets (EFS is reached
through its mount targets), gets the VPC execution policy and only the EFS client permissions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities._event_wiring import role_policy
from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.catalog.compute import egress, lambda_vpc_config
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import Requirements

PATTERNS = patterns("lambda_efs")

KEY = "lambda.efs_mount_path"
BLOCK = "lambda_efs"
ACCESS_POINT = "aws_efs_access_point.shared"
DEFAULT_PATH = "/mnt/efs"

_MNT = re.compile(r"(/mnt/[A-Za-z0-9_-]+)")


def _read_mount(text: str) -> Iterator[tuple[str, Any]]:
    """The function's mount path: a /mnt/ path as stated, else /mnt/ and the access point's folder."""
    efs = PATTERNS["efs"].search(text)
    if efs is None or not PATTERNS["lambda"].search(text):
        return
    mounted = _MNT.search(text)
    if mounted:
        yield mounted.group(0), mounted.group(1)
        return
    folder = PATTERNS["path"].search(text)
    if folder:
        yield folder.group(0).strip(), "/mnt/" + (folder.group(1) or folder.group(2)).strip("/")
        return
    yield efs.group(0), DEFAULT_PATH


def _into_vpc(bp: Blueprint, function: ResourceSpec) -> None:
    if "vpc_config" in function.body:
        return
    vpc_config = lambda_vpc_config(bp)
    if bp.has("aws_security_group.efs") and not bp.has(
        "aws_vpc_security_group_egress_rule.lambda_nfs_out"
    ):
        egress(
            bp,
            "lambda_nfs_out",
            "lambda",
            2049,
            "NFS to the file system's mount targets in the VPC.",
            target_group="efs",
            block=BLOCK,
        )
    function.body["vpc_config"] = vpc_config
    function.unskip("CKV_AWS_117")
    attachment = bp.find(f"aws_iam_role_policy_attachment.{function.name}_lambda")
    if attachment is not None:
        attachment.body["policy_arn"] = (
            "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
        )


def build(bp: Blueprint, ctx: Context) -> None:
    path = ctx.req.params.get(KEY)
    functions = [r for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source]
    if not isinstance(path, str) or not functions:
        return
    if not bp.has(ACCESS_POINT) or not bp.has("aws_vpc.main"):
        bp.notes.append(
            "Lambda with EFS: the design has no EFS access point to mount; none mounted."
        )
        return
    bp.blocks.append(BLOCK)
    function = functions[0]
    _into_vpc(bp, function)
    function.body["file_system_config"] = Block(
        "file_system_config",
        body={"arn": Expr(f"{ACCESS_POINT}.arn"), "local_mount_path": path},
    )
    depends = list(function.body.get("depends_on") or [])
    depends.append(Expr("aws_efs_mount_target.shared"))
    function.body["depends_on"] = depends
    role_policy(
        bp,
        function.name,
        "efs",
        f"Lets the {function.name} function mount the file system through its access point.",
        [
            {
                "Effect": "Allow",
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": Expr("aws_efs_file_system.shared.arn"),
                "Condition": {
                    "StringEquals": {
                        "elasticfilesystem:AccessPointArn": Expr(f"{ACCESS_POINT}.arn")
                    }
                },
            }
        ],
        BLOCK,
    )
    function.reason += f" Mounts the shared EFS access point at {path}."


def _applies(req: Requirements) -> bool:
    return KEY in req.params


CAPABILITY = declare("lambda_efs", build=build, applies=_applies, readers={KEY: _read_mount})
