"""One EC2 server: when a request on EC2 asks for a single instance ("one t3.micro server",
"EC2 m6i.large 1대"), the design runs one ``aws_instance`` (private subnet, IMDSv2, encrypted root
volume, Session Manager) instead of an Auto Scaling group.

The core pass builds the fleet (agent/catalog/compute.py add_ec2_fleet); this replaces its launch
template and Auto Scaling group with the instance, and registers the instance with the load
balancer's target group when the design has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, tags
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import Requirements

PATTERNS = patterns("single_instance")

BLOCK = "single_instance"
DEFAULT_ROOT_GB = 20


def _read_single(text: str) -> Iterator[tuple[str, Any]]:
    if PATTERNS["many"].search(text) or PATTERNS["containers"].search(text):
        return
    match = PATTERNS["one"].search(text)
    if match:
        yield match.group(0).strip(), "single"


def _drop(bp: Blueprint, addresses: set[str]) -> None:
    bp.resources[:] = [r for r in bp.resources if r.address not in addresses]


def build(bp: Blueprint, ctx: Context) -> None:
    template = bp.find("aws_launch_template.app")
    if template is None or not bp.has("aws_autoscaling_group.app"):
        bp.notes.append(
            "One EC2 instance was asked for, but the design has no EC2 fleet to replace."
        )
        return
    bp.blocks.append(BLOCK)
    req = ctx.req
    body = template.body
    root_gb = req.storage_gb or DEFAULT_ROOT_GB
    _drop(
        bp,
        {"aws_autoscaling_group.app", "aws_autoscaling_policy.app_cpu", "aws_launch_template.app"},
    )
    bp.outputs[:] = [o for o in bp.outputs if o.name != "autoscaling_group_name"]
    bp.add(
        ResourceSpec(
            "aws_instance",
            "app",
            "compute",
            f"The one server, in a private subnet: IMDSv2 only, encrypted {root_gb} GB root volume, "
            "reached through Session Manager (no SSH).",
            {
                "ami": body["image_id"],
                "instance_type": body["instance_type"],
                "subnet_id": Expr("aws_subnet.private[0].id"),
                "vpc_security_group_ids": body["vpc_security_group_ids"],
                "iam_instance_profile": Expr("aws_iam_instance_profile.app.name"),
                "associate_public_ip_address": False,
                "monitoring": True,
                "ebs_optimized": True,
                "metadata_options": body["metadata_options"],
                "root_block_device": Block(
                    "root_block_device",
                    body={
                        "volume_size": root_gb,
                        "volume_type": "gp3",
                        "encrypted": True,
                        "kms_key_id": Expr("aws_kms_key.main.arn"),
                        "delete_on_termination": True,
                    },
                ),
                "tags": tags("app"),
                "lifecycle": Block("lifecycle", body={"ignore_changes": [Expr("ami")]}),
            },
            block=BLOCK,
        )
    )
    if bp.has("aws_lb_target_group.app"):
        bp.add(
            ResourceSpec(
                "aws_lb_target_group_attachment",
                "app",
                "compute",
                "Registers the server with the load balancer's target group.",
                {
                    "target_group_arn": Expr("aws_lb_target_group.app.arn"),
                    "target_id": Expr("aws_instance.app.id"),
                },
                block=BLOCK,
            )
        )
    bp.out(Output("instance_id", "aws_instance.app.id", "ID of the server (for Session Manager)."))
    bp.notes.append(
        "One EC2 instance, as asked: no Auto Scaling group replaces it if it fails; "
        "AWS Backup or snapshots keep its data."
    )


def _applies(req: Requirements) -> bool:
    return req.compute == "ec2" and "ec2.single_instance" in req.params


CAPABILITY = declare(
    "single_instance", build=build, applies=_applies, readers={"ec2.single_instance": _read_single}
)
