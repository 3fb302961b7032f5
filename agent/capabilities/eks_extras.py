"""EKS extras: the managed add-ons every cluster needs (VPC CNI, CoreDNS, kube-proxy, EBS CSI
driver with its own pod identity), node group sizes as stated, and a Fargate profile on request.

The add-ons apply to every EKS design; the Fargate profile only when asked for.
"""

from __future__ import annotations

import re
from typing import Any

from autcloud.agent.capabilities.base import EDGE, Capability, Parameter, Probe, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, Variable, interp, tags
from autcloud.agent.hcl import Block, Call, Expr

BLOCK = "eks_extras"
NODE_GROUP = "aws_eks_node_group.default"
ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver")
NEEDS_NODES = ("coredns", "aws-ebs-csi-driver")  # their pods must be scheduled somewhere
EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
_NODES = r"(?:worker\s+)?nodes?"
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
MIN_NODES = Parameter(
    key="eks.min_nodes",
    type="aws_eks_node_group",
    attribute="scaling_config.min_size",
    op="==",
    read=reader(
        rf"\b(\d{{1,4}})\s*(?:-|–|to)\s*\d{{1,4}}\s*{_NODES}\b"
        r"|\bmin(?:imum)?\s*(?:of\s*)?(\d{1,4})\b(?=[^.]{0,30}?\bnodes?\b)"
        r"|노드[^.]{0,20}?최소\s*(\d{1,4})",
        _first_number,
    ),
)
MAX_NODES = Parameter(
    key="eks.max_nodes",
    type="aws_eks_node_group",
    attribute="scaling_config.max_size",
    op="==",
    read=reader(
        rf"\b\d{{1,4}}\s*(?:-|–|to)\s*(\d{{1,4}})\s*{_NODES}\b"
        r"|\bmax(?:imum)?\s*(?:of\s*)?(\d{1,4})\b(?=[^.]{0,30}?\bnodes?\b)"
        r"|노드[^.]{0,30}?최대\s*(\d{1,4})",
        _first_number,
    ),
)
DESIRED_NODES = Parameter(
    key="eks.desired_nodes",
    type="aws_eks_node_group",
    attribute="scaling_config.desired_size",
    op="==",
    read=reader(
        r"\bdesired\s*(?:size\s*)?(?:of\s*)?(\d{1,4})\b(?=[^.]{0,30}?\bnodes?\b)"
        rf"|\b(\d{{1,4}})\s*desired\s*{_NODES}\b"
        r"|노드[^.]{0,30}?(?:기본|희망|평소)\s*(\d{1,4})",
        _first_number,
    ),
)
FARGATE_NAMESPACE = Parameter(
    key="eks.fargate_namespace",
    type="aws_eks_fargate_profile",
    attribute="selector.namespace",
    op="==",
    read=reader(
        r"\bnamespace\s+[\"'`]?([a-z0-9][a-z0-9-]{0,62})\b"
        r"|\b([a-z0-9][a-z0-9-]{0,62})[\"'`]?\s+namespace\b"
        r"|[\"'`]?([a-z0-9][a-z0-9-]{0,62})[\"'`]?\s*네임스페이스"
        r"|네임스페이스\s*[\"'`]?([a-z0-9][a-z0-9-]{0,62})",
        lambda m: next((g for g in m.groups() if g and g.lower() not in _NOT_NAMES), None),
    ),
)


def _pod_identity_trust() -> Call:
    return Call(
        "jsonencode",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "pods.eks.amazonaws.com"},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                }
            ],
        },
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


def build_addons(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_eks_cluster.main"):
        return
    bp.blocks.append(BLOCK)
    _sizes(bp, ctx)
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
                "policy": Call(
                    "jsonencode",
                    {
                        "Version": "2012-10-17",
                        "Statement": [
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
                        ],
                    },
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
    for addon in ADDONS:
        name = addon.replace("-", "_")
        body: dict[str, Any] = {
            "cluster_name": Expr("aws_eks_cluster.main.name"),
            "addon_name": addon,
            "resolve_conflicts_on_create": "OVERWRITE",
            "resolve_conflicts_on_update": "PRESERVE",
            "tags": tags(f"addon-{addon}"),
        }
        depends = []
        if addon in NEEDS_NODES and bp.has(NODE_GROUP):
            depends.append(Expr(NODE_GROUP))
        if addon == "aws-ebs-csi-driver":
            depends += [
                Expr("aws_eks_addon.eks_pod_identity_agent"),
                Expr("aws_eks_pod_identity_association.ebs_csi"),
            ]
        if depends:
            body["depends_on"] = depends
        bp.add(ResourceSpec("aws_eks_addon", name, "compute", reasons[addon], body, block=BLOCK))


def build_fargate_profile(bp: Blueprint, ctx: Context) -> None:
    if not bp.has("aws_eks_cluster.main"):
        bp.notes.append(
            "An EKS Fargate profile was asked for, but the design has no EKS cluster; ask for Kubernetes (EKS)."
        )
        return
    bp.blocks.append(BLOCK)
    namespace = bp.var(
        Variable(
            "eks_fargate_namespace",
            "string",
            "Kubernetes namespace whose pods run on Fargate.",
            str(ctx.req.params.get("eks.fargate_namespace") or "fargate"),
        )
    )
    bp.add(
        ResourceSpec(
            "aws_iam_role",
            "eks_fargate_pods",
            "compute",
            "The Fargate pods' identity: pull images and write logs.",
            {
                "name": interp("${local.name}-eks-fargate-pods"),
                "assume_role_policy": Call(
                    "jsonencode",
                    {
                        "Version": "2012-10-17",
                        "Statement": [
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
                        ],
                    },
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
                "selector": Block("selector", body={"namespace": namespace}),
                "depends_on": [Expr("aws_iam_role_policy_attachment.eks_fargate_pods")],
                "tags": tags("eks-fargate"),
            },
            block=BLOCK,
        ),
    )


CAPABILITIES = [
    Capability(
        key="eks_extras",
        summary="EKS managed add-ons (VPC CNI, CoreDNS, kube-proxy, EBS CSI) and node group sizes.",
        concepts=("service.eks_addons",),
        probes=(
            Probe("aws_eks_addon", (("addon_name", "==", "aws-ebs-csi-driver"),)),
            Probe("aws_eks_addon"),
        ),
        category="compute",
        build=build_addons,
        phase=EDGE,
        parameters=(MIN_NODES, MAX_NODES, DESIRED_NODES),
        scanner_types=("aws_eks_addon",),
        applies=lambda req: req.compute == "eks",
    ),
    Capability(
        key="eks_fargate_profile",
        summary="An EKS Fargate profile.",
        concepts=("service.eks_fargate_profile",),
        probes=(Probe("aws_eks_fargate_profile"),),
        category="compute",
        build=build_fargate_profile,
        phase=EDGE,
        parameters=(FARGATE_NAMESPACE,),
        scanner_types=("aws_eks_fargate_profile",),
    ),
]
