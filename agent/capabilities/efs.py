"""Amazon EFS: a shared file system, encrypted with the project key, cold files to Infrequent
Access after 30 days, backed up by AWS Backup, mounted from the private subnets over NFS, with
an access point that fixes the POSIX identity and root directory. The design's ECS task mounts
it (a task volume through the access point, TLS and IAM authorisation) when there is one."""

from __future__ import annotations

import re

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    deny_without_tls,
    policy_document,
    tags,
)
from autcloud.agent.catalog.compute import egress, ingress, security_group
from autcloud.agent.catalog.network import add_network
from autcloud.agent.hcl import Block, Call, Expr

TASK = "aws_ecs_task_definition.app"
MOUNT_PATH = "/mnt/shared"

BLOCK = "efs"
NFS_PORT = 2049


PATH_KEY = "efs.access_point_path"
_PATH = reader(
    re.compile(
        r"\baccess\s+point\s+(?:at|on|for|rooted\s+at|with\s+root)\s+[\"'`]?(/[A-Za-z0-9_./-]*[A-Za-z0-9_-])"
        r"|액세스\s*포인트\S*\s*(?:경로\s*)?(?:는|은)?\s*[\"'`(]?(/[A-Za-z0-9_./-]*[A-Za-z0-9_-])"
        r"|[\"'`(]?(/[A-Za-z0-9_./-]*[A-Za-z0-9_-])[\"'`)]?\s*(?:에|경로의?)\s*액세스\s*포인트",
        re.I,
    ),
    lambda m: next(g for g in m.groups() if g is not None),
)


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append(BLOCK)
    path = str(ctx.req.params.get(PATH_KEY) or "/app")
    if not bp.has("aws_vpc.main"):
        add_network(bp, ctx, isolated_subnets=False)
    security_group(
        bp,
        "efs",
        "EFS mount targets",
        "The file system's firewall: NFS from inside the VPC only.",
        BLOCK,
    )
    ingress(
        bp,
        "efs_nfs_in",
        "efs",
        NFS_PORT,
        "NFS to the mount targets from inside the VPC.",
        cidr=Expr("aws_vpc.main.cidr_block"),
        block=BLOCK,
        description="NFS (TLS via the EFS mount helper) from inside the VPC.",
    )
    bp.add(
        ResourceSpec(
            "aws_efs_file_system",
            "shared",
            "storage",
            "Shared POSIX storage for every task and instance: encrypted with the project key, "
            "files unread for 30 days move to Infrequent Access and back on first read.",
            {
                "creation_token": Expr('"${local.name}-shared"'),
                "encrypted": True,
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "performance_mode": "generalPurpose",
                "throughput_mode": "elastic",
                "lifecycle_policy": [
                    Block("lifecycle_policy", body={"transition_to_ia": "AFTER_30_DAYS"}),
                    Block(
                        "lifecycle_policy",
                        body={"transition_to_primary_storage_class": "AFTER_1_ACCESS"},
                    ),
                ],
                "tags": tags("shared"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_backup_policy",
            "shared",
            "storage",
            "Turns on automatic daily AWS Backup of the file system.",
            {
                "file_system_id": Expr("aws_efs_file_system.shared.id"),
                "backup_policy": Block("backup_policy", body={"status": "ENABLED"}),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_file_system_policy",
            "shared",
            "storage",
            "Refuses every NFS connection that is not encrypted in transit (TLS).",
            {
                "file_system_id": Expr("aws_efs_file_system.shared.id"),
                "policy": policy_document(
                    [
                        deny_without_tls(
                            "DenyUnencryptedTransport",
                            {"AWS": "*"},
                            "*",
                            Expr("aws_efs_file_system.shared.arn"),
                        )
                    ]
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_mount_target",
            "shared",
            "storage",
            "One mount target per private subnet, so every zone mounts locally.",
            {
                "count": Expr("length(aws_subnet.private)"),
                "file_system_id": Expr("aws_efs_file_system.shared.id"),
                "subnet_id": Expr("aws_subnet.private[count.index].id"),
                "security_groups": [Expr("aws_security_group.efs.id")],
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_access_point",
            "shared",
            "storage",
            f"The application's way in: files owned by uid/gid 1000 under {path}, whatever the client claims.",
            {
                "file_system_id": Expr("aws_efs_file_system.shared.id"),
                **_identity(path, 1000, "0750"),
                "tags": tags("shared-app"),
            },
            block=BLOCK,
        ),
    )
    _mount_in_task(bp)
    bp.out(
        Output(
            "efs_file_system_id", "aws_efs_file_system.shared.id", "ID of the shared file system."
        ),
        Output(
            "efs_access_point_id",
            "aws_efs_access_point.shared.id",
            "Access point the application mounts.",
        ),
    )


def _identity(path: str, uid: int, permissions: str) -> dict[str, Block]:
    """An access point's POSIX user (uid = gid, whatever the client claims) and its root
    directory ``path``, created owned by that user with ``permissions``."""
    return {
        "posix_user": Block("posix_user", body={"uid": uid, "gid": uid}),
        "root_directory": Block(
            "root_directory",
            body={
                "path": path,
                "creation_info": Block(
                    "creation_info",
                    body={"owner_uid": uid, "owner_gid": uid, "permissions": permissions},
                ),
            },
        ),
    }


def remount(bp: Blueprint, *, path: str, uid: int, container_path: str, purpose: str) -> None:
    """Point the shared file system's access point and the task's mount at another directory,
    owned by another POSIX user (WordPress: wp-content as www-data)."""
    point = bp.find("aws_efs_access_point.shared")
    if point is None:
        return
    point.body.update(_identity(path, uid, "0755"))
    point.reason = (
        f"{purpose}: files owned by uid/gid {uid} under {path}, whatever the client claims."
    )
    task = bp.find(TASK)
    definitions = task.body.get("container_definitions") if task is not None else None
    if isinstance(definitions, Call) and isinstance(definitions.argument, list):
        for container in definitions.argument:
            for mount in container.get("mountPoints", []) if isinstance(container, dict) else []:
                if mount.get("sourceVolume") == "shared":
                    mount["containerPath"] = container_path


def _mount_in_task(bp: Blueprint) -> None:
    """The ECS task mounts the file system through the access point: a task volume, a mount
    point in the container, the task role's client permissions and NFS out of its firewall."""
    task = bp.find(TASK)
    if task is None:
        return
    existing = task.body.get("volume")
    volumes = existing if isinstance(existing, list) else [existing] if existing else []
    task.body["volume"] = [
        *volumes,
        Block(
            "volume",
            body={
                "name": "shared",
                "efs_volume_configuration": Block(
                    "efs_volume_configuration",
                    body={
                        "file_system_id": Expr("aws_efs_file_system.shared.id"),
                        "transit_encryption": "ENABLED",
                        "authorization_config": Block(
                            "authorization_config",
                            body={
                                "access_point_id": Expr("aws_efs_access_point.shared.id"),
                                "iam": "ENABLED",
                            },
                        ),
                    },
                ),
            },
        ),
    ]
    definitions = task.body.get("container_definitions")
    if isinstance(definitions, Call) and isinstance(definitions.argument, list):
        for container in definitions.argument:
            if isinstance(container, dict):
                container.setdefault("mountPoints", []).append(
                    {"sourceVolume": "shared", "containerPath": MOUNT_PATH, "readOnly": False}
                )
    task.reason += f" Mounts the shared EFS file system at {MOUNT_PATH}."
    if bp.has("aws_iam_role.task"):
        bp.add(
            ResourceSpec(
                "aws_iam_role_policy",
                "task_efs",
                "compute",
                "Lets the task mount and write the shared file system, through its access point only.",
                {
                    "name": "mount-shared-efs",
                    "role": Expr("aws_iam_role.task.id"),
                    "policy": policy_document(
                        [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "elasticfilesystem:ClientMount",
                                    "elasticfilesystem:ClientWrite",
                                ],
                                "Resource": Expr("aws_efs_file_system.shared.arn"),
                                "Condition": {
                                    "StringEquals": {
                                        "elasticfilesystem:AccessPointArn": Expr(
                                            "aws_efs_access_point.shared.arn"
                                        )
                                    }
                                },
                            }
                        ]
                    ),
                },
                block=BLOCK,
            )
        )
    if bp.has("aws_security_group.app"):
        egress(
            bp,
            "app_to_efs",
            "app",
            NFS_PORT,
            "The application tasks reach the file system's mount targets over NFS.",
            target_group="efs",
            block=BLOCK,
        )


CAPABILITY = declare("efs", build=build, readers={PATH_KEY: _PATH})
