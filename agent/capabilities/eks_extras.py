"""EKS extras: the managed add-ons every cluster needs (VPC CNI, CoreDNS, kube-proxy, EBS CSI
driver with its own pod identity), node group sizes as stated, and a Fargate profile on request.

The add-ons apply to every EKS design; the Fargate profile only when asked for.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities._eks_node_groups import (
    apply_node_groups,
    apply_version,
    read_groups,
    read_version,
)
from autcloud.agent.capabilities.base import EveryValueParameter, declare, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    ResourceSpec,
    Variable,
    interp,
    policy_document,
    tags,
)
from autcloud.agent.hcl import Block, Call, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("eks_extras")

BLOCK = "eks_extras"
NODE_GROUP = "aws_eks_node_group.default"
ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver")
NEEDS_NODES = ("coredns", "aws-ebs-csi-driver")  # their pods must be scheduled somewhere
EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
_NOT_NAMES = {
    "the",
    "a",
    "an",
    "one",
    "its",
    "each",
    "every",
    "for",
    "in",
    "with",
    "and",
    "to",
    "on",
    "per",
}


def _first_number(match: re.Match[str]) -> int | None:
    for group in match.groups():
        if group is not None:
            return int(group) if 0 <= int(group) <= 1000 else None
    return None


# "node group with 3-10 nodes", "3 to 10 nodes", "min 3 max 10 nodes", "노드 최소 3개 최대 10개"
read_min_nodes = reader(PATTERNS["min_nodes"], _first_number)
read_max_nodes = reader(PATTERNS["max_nodes"], _first_number)
read_desired_nodes = reader(PATTERNS["desired_nodes"], _first_number)
read_fargate_namespace = reader(
    PATTERNS["fargate_namespace"],
    lambda m: next((g for g in m.groups() if g and g.lower() not in _NOT_NAMES), None),
)


def _read_namespaces(text: str) -> Iterator[tuple[str, Any]]:
    for match in PATTERNS["namespace_list"].finditer(text):
        listed = (match.group(1) or match.group(2)).lower()
        words = re.findall(PATTERNS.fragment("namespace"), listed)
        names = [
            w for w in dict.fromkeys(words) if w not in _NOT_NAMES and w not in ("및", "세", "개")
        ]
        if len(names) >= 2:
            yield match.group(0).strip(), names


@dataclasses.dataclass(frozen=True)
class NamespacesParameter(EveryValueParameter):
    """Proven when every stated namespace is selected by a Fargate profile."""


# "no EC2 nodes", "fargate only", "EC2 노드그룹 없이", "전부 Fargate 프로파일로만"
read_fargate_only = reader(PATTERNS["fargate_only"], lambda m: "kube-system")
read_efs_csi = reader(PATTERNS["efs_csi"], lambda m: "aws-efs-csi-driver")


def _pod_identity_trust() -> Call:
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ]
    )


def _sizes(bp: Blueprint, ctx: Context) -> None:
    """The node group's sizes from the stated numbers, kept consistent (min <= desired <= max)."""
    group = bp.find(NODE_GROUP)
    if group is None or not isinstance(group.body.get("scaling_config"), Block):
        return
    scaling = group.body["scaling_config"].body
    params = ctx.req.params
    minimum = int(params.get("eks.min_nodes", scaling["min_size"]))
    maximum = int(params.get("eks.max_nodes", scaling["max_size"]))
    if maximum < minimum:
        bp.notes.append(
            f"EKS nodes: a maximum of {maximum} is below the minimum of {minimum}; the maximum is raised to {minimum}."
        )
        maximum = minimum
    desired = int(params.get("eks.desired_nodes", scaling["desired_size"]))
    desired = min(max(desired, minimum), maximum)
    scaling.update({"min_size": minimum, "max_size": maximum, "desired_size": desired})
    group.reason = f"{desired} managed worker node(s) in the private subnets, scaling between {minimum} and {maximum}."


def _fargate_only(bp: Blueprint, ctx: Context) -> bool:
    """No EC2 nodes, as asked: the node group goes, and every pod runs on Fargate."""
    if "eks.fargate_only" not in ctx.req.params:
        return False
    gone = {r.address for r in bp.resources if r.type == "aws_eks_node_group"}
    bp.resources[:] = [r for r in bp.resources if r.address not in gone]
    bp.variables.pop("node_instance_type", None)
    return True


def _pod_identity(bp: Blueprint, name: str, service_account: str, policy: str, why: str) -> None:
    bp.add(
        ResourceSpec(
            "aws_iam_role",
            name,
            "compute",
            why,
            {
                "name": interp(f"${{local.name}}-{name.replace('_', '-')}"),
                "assume_role_policy": _pod_identity_trust(),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy_attachment",
            name,
            "compute",
            f"Grants the AWS-managed policy {policy.rsplit('/', 1)[-1]}, which the driver needs to work.",
            {"role": Expr(f"aws_iam_role.{name}.name"), "policy_arn": policy},
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_eks_pod_identity_association",
            name,
            "compute",
            "Hands the driver's role to its service account, without an OIDC provider.",
            {
                "cluster_name": Expr("aws_eks_cluster.main.name"),
                "namespace": "kube-system",
                "service_account": service_account,
                "role_arn": Expr(f"aws_iam_role.{name}.arn"),
                "tags": tags(name.replace("_", "-")),
            },
            block=BLOCK,
        ),
    )


def build_addons(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_eks_cluster.main"):
        return
    bp.blocks.append(BLOCK)
    apply_version(bp, ctx)
    fargate_only = _fargate_only(bp, ctx)
    if not fargate_only and not apply_node_groups(bp, ctx):
        _sizes(bp, ctx)
    node_groups = [Expr(r.address) for r in bp.resources if r.type == "aws_eks_node_group"]
    bp.add(
        ResourceSpec(
            "aws_iam_role",
            "ebs_csi",
            "compute",
            "The EBS CSI driver's identity (EKS Pod Identity): create, attach and encrypt volumes.",
            {"name": interp("${local.name}-ebs-csi"), "assume_role_policy": _pod_identity_trust()},
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy_attachment",
            "ebs_csi",
            "compute",
            "Grants the AWS-managed policy AmazonEBSCSIDriverPolicy, which the driver needs to work.",
            {
                "role": Expr("aws_iam_role.ebs_csi.name"),
                "policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy",
            "ebs_csi_kms",
            "compute",
            "Lets the driver create volumes encrypted with the project key.",
            {
                "name": "encrypt-volumes",
                "role": Expr("aws_iam_role.ebs_csi.id"),
                "policy": policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "kms:CreateGrant",
                                "kms:Decrypt",
                                "kms:DescribeKey",
                                "kms:Encrypt",
                                "kms:GenerateDataKeyWithoutPlaintext",
                                "kms:ReEncrypt*",
                            ],
                            "Resource": Expr("aws_kms_key.main.arn"),
                        }
                    ]
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_eks_pod_identity_association",
            "ebs_csi",
            "compute",
            "Hands the driver's role to its service account, without an OIDC provider.",
            {
                "cluster_name": Expr("aws_eks_cluster.main.name"),
                "namespace": "kube-system",
                "service_account": EBS_CSI_SERVICE_ACCOUNT,
                "role_arn": Expr("aws_iam_role.ebs_csi.arn"),
                "tags": tags("ebs-csi"),
            },
            block=BLOCK,
        ),
    )
    reasons = {
        "vpc-cni": "Pod networking: each pod gets an address in the VPC (managed, kept patched).",
        "kube-proxy": "Service routing on every node (managed, kept patched).",
        "eks-pod-identity-agent": "Hands IAM roles to pods (EKS Pod Identity).",
        "coredns": "Cluster DNS (managed, kept patched).",
        "aws-ebs-csi-driver": "Persistent volumes on EBS for stateful pods.",
    }
    addons = [a for a in ADDONS if not (fargate_only and a == "aws-ebs-csi-driver")]
    if fargate_only:  # EBS volumes do not attach to Fargate pods
        bp.resources[:] = [r for r in bp.resources if not r.name.startswith("ebs_csi")]
    if "eks.efs_csi" in ctx.req.params:
        addons.append("aws-efs-csi-driver")
        _pod_identity(
            bp,
            "efs_csi",
            "efs-csi-controller-sa",
            "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",
            "The EFS CSI driver's identity (EKS Pod Identity): create access points for volumes.",
        )
        reasons["aws-efs-csi-driver"] = "Shared persistent volumes on EFS (ReadWriteMany)."
    for addon in addons:
        name = addon.replace("-", "_")
        body: dict[str, Any] = {
            "cluster_name": Expr("aws_eks_cluster.main.name"),
            "addon_name": addon,
            "resolve_conflicts_on_create": "OVERWRITE",
            "resolve_conflicts_on_update": "PRESERVE",
            "tags": tags(f"addon-{addon}"),
        }
        depends = []
        if addon in (*NEEDS_NODES, "aws-efs-csi-driver"):
            depends += node_groups
        if addon in ("aws-ebs-csi-driver", "aws-efs-csi-driver"):
            driver = addon.split("-")[1]
            depends += [
                Expr("aws_eks_addon.eks_pod_identity_agent"),
                Expr(f"aws_eks_pod_identity_association.{driver}_csi"),
            ]
        if addon == "coredns" and fargate_only:
            body["configuration_values"] = Call("jsonencode", {"computeType": "Fargate"})
            depends.append(Expr("aws_eks_fargate_profile.main"))
        if depends:
            body["depends_on"] = depends
        bp.add(ResourceSpec("aws_eks_addon", name, "compute", reasons[addon], body, block=BLOCK))


def build_fargate_profile(bp: Blueprint, ctx: Context) -> None:
    cluster = bp.require(
        "aws_eks_cluster.main",
        "An EKS Fargate profile was asked for, but the design has no EKS cluster; ask for Kubernetes (EKS).",
    )
    if cluster is None:
        return
    bp.blocks.append(BLOCK)
    params = ctx.req.params
    stated = params.get("eks.fargate_namespaces") or [
        params.get("eks.fargate_namespace") or "fargate"
    ]
    if "eks.fargate_only" in params:
        stated = [*stated, "kube-system"]  # CoreDNS must run somewhere
    namespaces = list(dict.fromkeys(str(n) for n in stated))[:5]  # a profile takes 5 selectors
    namespace = bp.var(
        Variable(
            "eks_fargate_namespace",
            "string",
            "Kubernetes namespace whose pods run on Fargate.",
            str(namespaces[0]),
        )
    )
    others = namespaces[1:]
    bp.add(
        ResourceSpec(
            "aws_iam_role",
            "eks_fargate_pods",
            "compute",
            "The Fargate pods' identity: pull images and write logs.",
            {
                "name": interp("${local.name}-eks-fargate-pods"),
                "assume_role_policy": policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "eks-fargate-pods.amazonaws.com"},
                            "Condition": {
                                "ArnLike": {
                                    "aws:SourceArn": Expr(
                                        '"arn:aws:eks:${var.region}:${data.aws_caller_identity.current.account_id}:fargateprofile/${aws_eks_cluster.main.name}/*"'
                                    )
                                }
                            },
                        }
                    ]
                ),
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_iam_role_policy_attachment",
            "eks_fargate_pods",
            "compute",
            "Grants the AWS-managed policy AmazonEKSFargatePodExecutionRolePolicy, which Fargate pods need.",
            {
                "role": Expr("aws_iam_role.eks_fargate_pods.name"),
                "policy_arn": "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy",
            },
            block=BLOCK,
        ),
        ResourceSpec(
            "aws_eks_fargate_profile",
            "main",
            "compute",
            "Runs the namespace's pods on Fargate in the private subnets: no nodes to manage.",
            {
                "cluster_name": Expr("aws_eks_cluster.main.name"),
                "fargate_profile_name": "main",
                "pod_execution_role_arn": Expr("aws_iam_role.eks_fargate_pods.arn"),
                "subnet_ids": Expr("aws_subnet.private[*].id"),
                "selector": [Block("selector", body={"namespace": namespace})]
                + [Block("selector", body={"namespace": n}) for n in others],
                "depends_on": [Expr("aws_iam_role_policy_attachment.eks_fargate_pods")],
                "tags": tags("eks-fargate"),
            },
            block=BLOCK,
        ),
    )


CAPABILITIES = [
    declare(
        "eks_extras",
        build=build_addons,
        readers={
            "eks.min_nodes": read_min_nodes,
            "eks.max_nodes": read_max_nodes,
            "eks.desired_nodes": read_desired_nodes,
            "eks.version": read_version,
            "eks.node_groups": read_groups,
            "eks.efs_csi": read_efs_csi,
        },
        applies=lambda req: req.compute == "eks",
    ),
    declare(
        "eks_fargate_profile",
        build=build_fargate_profile,
        readers={
            "eks.fargate_namespace": read_fargate_namespace,
            "eks.fargate_namespaces": _read_namespaces,
            "eks.fargate_only": read_fargate_only,
        },
    ),
]
