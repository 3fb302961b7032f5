"""WordPress on ECS Fargate: the official image, the design's MySQL database, and wp-content on
EFS so uploads, themes and plugins survive task replacement and are shared by every task.

The core pass builds the containers and the database, and the EFS capability (required) the shared
file system mounted into the task over TLS; this points that mount at wp-content, owned by the web
server's user, and sets the WordPress image, port and database settings of the container.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.capabilities.efs import remount
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Call, Expr

BLOCK = "wordpress"
IMAGE = "wordpress:6-php8.3-apache"
PORT = 80
WWW_DATA = 33  # uid/gid of www-data in the official image
CONTENT = "/var/www/html/wp-content"


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
            from_alb.skip(
                "CKV_AWS_260",
                "Port 80 is open to the load balancer's security group only, not 0.0.0.0/0",
            )

    # The shared file system (efs.py, required) holds wp-content, owned by the web server's user.
    remount(
        bp,
        path="/wp-content",
        uid=WWW_DATA,
        container_path=CONTENT,
        purpose="The wp-content directory, the only part of the file system tasks see",
    )
    # the image copies WordPress into /var/www/html when it starts, so the root must be writable
    container["readonlyRootFilesystem"] = False
    task.skip(
        "CKV_AWS_336", "The official WordPress image installs itself into /var/www/html at start"
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


CAPABILITY = declare("wordpress", build=build)
