"""WordPress on ECS Fargate: the official image, the design's MySQL database, and wp-content on
EFS so uploads, themes and plugins survive task replacement and are shared by every task.

The core pass builds the containers and the database; this adds only what it does not: the EFS
file system (unless the design already has one), its mount targets and a wp-content access point,
the task's EFS volume (TLS in transit, IAM-authorised), and the WordPress settings of the container.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from autcloud.agent.capabilities.base import GOVERNANCE, Capability, Probe
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, tags
from autcloud.agent.catalog.compute import security_group
from autcloud.agent.hcl import Block, Call, Expr, jsonencode

BLOCK = "wordpress"
IMAGE = "wordpress:6-php8.3-apache"
PORT = 80
WWW_DATA = 33  # uid/gid of www-data in the official image
CONTENT = "/var/www/html/wp-content"
NFS = 2049


def _rule(kind: str, name: str, reason: str, body: dict[str, Any]) -> ResourceSpec:
    return ResourceSpec(
        f"aws_vpc_security_group_{kind}_rule",
        name,
        "security",
        reason,
        {"description": reason, "ip_protocol": "tcp", "from_port": NFS, "to_port": NFS, **body},
        block=BLOCK,
    )


def _file_system(bp: Blueprint) -> tuple[str, str | None]:
    """(file system address, its security group address); builds one if the design has none."""
    existing = next((r for r in bp.resources if r.type == "aws_efs_file_system"), None)
    if existing is not None:
        group = None
        for target in (r for r in bp.resources if r.type == "aws_efs_mount_target"):
            groups = target.body.get("security_groups") or []
            text = " ".join(g.text for g in groups if isinstance(g, Expr))
            if existing.address in str(target.body.get("file_system_id")) and text.startswith(
                "aws_security_group."
            ):
                group = text.split()[0].rsplit(".", 1)[0]
        return existing.address, group
    security_group(
        bp,
        "wordpress_efs",
        "WordPress file system",
        "The file system's firewall: NFS from the WordPress tasks only.",
        BLOCK,
    )
    bp.add(
        ResourceSpec(
            "aws_efs_file_system",
            "wordpress",
            "storage",
            "Shared wp-content (uploads, themes, plugins) for every WordPress task; encrypted, elastic throughput.",
            {
                "creation_token": interp("${local.name}-wordpress"),
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
                "tags": tags("wordpress"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_backup_policy",
            "wordpress",
            "storage",
            "Backs the file system up daily with AWS Backup.",
            {
                "file_system_id": Expr("aws_efs_file_system.wordpress.id"),
                "backup_policy": Block("backup_policy", body={"status": "ENABLED"}),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_file_system_policy",
            "wordpress",
            "storage",
            "Refuses unencrypted connections and anonymous access.",
            {
                "file_system_id": Expr("aws_efs_file_system.wordpress.id"),
                "policy": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": {"AWS": "*"},
                                "Action": "*",
                                "Resource": Expr("aws_efs_file_system.wordpress.arn"),
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            },
                            {
                                "Sid": "AllowTaskRoleThroughAccessPoint",
                                "Effect": "Allow",
                                "Principal": {"AWS": Expr("aws_iam_role.task.arn")},
                                "Action": [
                                    "elasticfilesystem:ClientMount",
                                    "elasticfilesystem:ClientWrite",
                                ],
                                "Resource": Expr("aws_efs_file_system.wordpress.arn"),
                                "Condition": {
                                    "StringEquals": {
                                        "elasticfilesystem:AccessPointArn": Expr(
                                            "aws_efs_access_point.wp_content.arn"
                                        )
                                    }
                                },
                            },
                        ],
                    }
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_efs_mount_target",
            "wordpress",
            "storage",
            "One NFS endpoint per zone in the private subnets.",
            {
                "count": Expr("length(local.azs)"),
                "file_system_id": Expr("aws_efs_file_system.wordpress.id"),
                "subnet_id": Expr("aws_subnet.private[count.index].id"),
                "security_groups": [Expr("aws_security_group.wordpress_efs.id")],
            },
            block=BLOCK,
        ),
    )
    return "aws_efs_file_system.wordpress", "aws_security_group.wordpress_efs"


def _container(task: ResourceSpec) -> dict[str, Any] | None:
    definitions = task.body.get("container_definitions")
    if isinstance(definitions, Call) and isinstance(definitions.argument, list):
        return next((c for c in definitions.argument if c.get("name") == "app"), None)
    return None


def build(bp: Blueprint, ctx: Context) -> None:
    task = bp.find("aws_ecs_task_definition.app")
    container = _container(task) if task is not None else None
    if task is None or container is None or not bp.has("aws_vpc.main"):
        bp.notes.append(
            "WordPress runs on ECS Fargate; this design has no container service to run it on."
        )
        return
    bp.blocks.append(BLOCK)
    req = ctx.req
    if "container_image" in bp.variables and not req.container_image:
        bp.variables["container_image"] = replace(
            bp.variables["container_image"],
            default=IMAGE,
            description="Container image the service runs (the official WordPress image).",
        )
    if "container_port" in bp.variables and "container_port" not in req.stated:
        bp.variables["container_port"] = replace(bp.variables["container_port"], default=PORT)
        from_alb = bp.find("aws_vpc_security_group_ingress_rule.app_from_alb")
        if from_alb is not None:  # checkov reads port 80 without seeing the source is a group
            from_alb.comments = (
                *from_alb.comments,
                "checkov:skip=CKV_AWS_260:Port 80 is open to the load balancer's security group only, not 0.0.0.0/0",
            )

    file_system, efs_group = _file_system(bp)
    if efs_group and bp.has("aws_security_group.app"):
        bp.add(
            _rule(
                "ingress",
                "wordpress_efs_from_app",
                "NFS from the WordPress tasks only.",
                {
                    "security_group_id": Expr(f"{efs_group}.id"),
                    "referenced_security_group_id": Expr("aws_security_group.app.id"),
                },
            ),
            _rule(
                "egress",
                "app_to_wordpress_efs",
                "The WordPress tasks reach their file system.",
                {
                    "security_group_id": Expr("aws_security_group.app.id"),
                    "referenced_security_group_id": Expr(f"{efs_group}.id"),
                },
            ),
        )
    bp.add(
        ResourceSpec(
            "aws_efs_access_point",
            "wp_content",
            "storage",
            "The wp-content directory, owned by the web server's user, the only part of the file system tasks see.",
            {
                "file_system_id": Expr(f"{file_system}.id"),
                "posix_user": Block("posix_user", body={"uid": WWW_DATA, "gid": WWW_DATA}),
                "root_directory": Block(
                    "root_directory",
                    body={
                        "path": "/wp-content",
                        "creation_info": Block(
                            "creation_info",
                            body={
                                "owner_uid": WWW_DATA,
                                "owner_gid": WWW_DATA,
                                "permissions": "0755",
                            },
                        ),
                    },
                ),
                "tags": tags("wp-content"),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy",
            "task_wordpress_efs",
            "compute",
            "Lets the WordPress tasks mount and write wp-content, through its access point only.",
            {
                "name": "mount-wp-content",
                "role": Expr("aws_iam_role.task.id"),
                "policy": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "elasticfilesystem:ClientMount",
                                    "elasticfilesystem:ClientWrite",
                                ],
                                "Resource": Expr(f"{file_system}.arn"),
                                "Condition": {
                                    "StringEquals": {
                                        "elasticfilesystem:AccessPointArn": Expr(
                                            "aws_efs_access_point.wp_content.arn"
                                        )
                                    }
                                },
                            }
                        ],
                    }
                ),
            },
            block=BLOCK,
        ),
    )
    task.body["volume"] = Block(
        "volume",
        body={
            "name": "wp-content",
            "efs_volume_configuration": Block(
                "efs_volume_configuration",
                body={
                    "file_system_id": Expr(f"{file_system}.id"),
                    "transit_encryption": "ENABLED",
                    "authorization_config": Block(
                        "authorization_config",
                        body={
                            "access_point_id": Expr("aws_efs_access_point.wp_content.id"),
                            "iam": "ENABLED",
                        },
                    ),
                },
            ),
        },
    )
    container["mountPoints"] = [
        {"sourceVolume": "wp-content", "containerPath": CONTENT, "readOnly": False}
    ]
    # the image copies WordPress into /var/www/html when it starts, so the root must be writable
    container["readonlyRootFilesystem"] = False
    task.comments = (
        *task.comments,
        "checkov:skip=CKV_AWS_336:The official WordPress image installs itself into /var/www/html at start",
    )
    _database_settings(bp, container)
    task.reason = "WordPress (official image) on Fargate, wp-content on EFS over TLS."


def _database_settings(bp: Blueprint, container: dict[str, Any]) -> None:
    secret = next(
        (s["valueFrom"] for s in container.get("secrets", []) if s.get("name") == "DB_SECRET"), None
    )
    host = next(
        (e["value"] for e in container.get("environment", []) if e.get("name") == "DB_HOST"), None
    )
    if not (isinstance(secret, Expr) and host is not None):
        bp.notes.append(
            "WordPress needs a MySQL database: ask for MySQL (or Aurora MySQL) to get one wired in."
        )
        return
    environment = [
        {"name": "WORDPRESS_DB_HOST", "value": host},
        {"name": "WORDPRESS_DB_NAME", "value": Expr("var.database_name")},
    ]
    container["environment"] = sorted(
        [*container.get("environment", []), *environment], key=lambda e: e["name"]
    )
    container["secrets"] = sorted(
        [
            *container.get("secrets", []),
            {"name": "WORDPRESS_DB_USER", "valueFrom": Expr(f'"${{{secret.text}}}:username::"')},
            {
                "name": "WORDPRESS_DB_PASSWORD",
                "valueFrom": Expr(f'"${{{secret.text}}}:password::"'),
            },
        ],
        key=lambda s: s["name"],
    )


CAPABILITY = Capability(
    key="wordpress",
    summary="WordPress on ECS Fargate with MySQL and wp-content on EFS.",
    concepts=("service.wordpress",),
    probes=(
        Probe(
            "aws_ecs_task_definition",
            (("volume.efs_volume_configuration.transit_encryption", "==", "ENABLED"),),
        ),
    ),
    category="compute",
    build=build,
    phase=GOVERNANCE,
    requires=("efs",),
)
