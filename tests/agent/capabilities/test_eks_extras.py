import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


EN = "A Kubernetes (EKS) platform with a node group of 3-10 nodes and a Fargate profile for the jobs namespace"
KO = "EKS 쿠버네티스, 노드 최소 3개 최대 10개, 애드온 포함"


def test_every_eks_design_gets_the_managed_add_ons() -> None:
    module, _ = _design("A Kubernetes (EKS) platform")
    names = {body["addon_name"] for body in module.resources["aws_eks_addon"].values()}
    assert {"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"} <= names


def test_the_ebs_csi_driver_gets_its_own_role_through_pod_identity() -> None:
    module, _ = _design("A Kubernetes (EKS) platform")
    association = module.resources["aws_eks_pod_identity_association"]["ebs_csi"]
    assert association["service_account"] == "ebs-csi-controller-sa"


def test_an_english_request_sizes_the_node_group_as_stated() -> None:
    module, ledger = _design(EN)
    scaling = module.resources["aws_eks_node_group"]["default"]["scaling_config"][0]
    assert (scaling["min_size"], scaling["max_size"]) == (3, 10)
    assert ledger["eks.min_nodes"]["status"] == "honored"
    assert _evidence(ledger["eks.max_nodes"]) == ["aws_eks_node_group.default"]


def test_a_korean_request_sizes_the_node_group_as_stated() -> None:
    module, ledger = _design(KO)
    scaling = module.resources["aws_eks_node_group"]["default"]["scaling_config"][0]
    assert (scaling["min_size"], scaling["max_size"]) == (3, 10)
    assert ledger["service.eks_addons"]["status"] == "honored"


def test_a_fargate_profile_is_built_for_the_stated_namespace() -> None:
    module, ledger = _design(EN)
    profile = module.resources["aws_eks_fargate_profile"]["main"]
    assert "var.eks_fargate_namespace" in str(profile["selector"])
    assert module.variables["eks_fargate_namespace"]["default"] == "jobs"
    assert ledger["service.eks_fargate_profile"]["status"] == "honored"
    assert ledger["eks.fargate_namespace"]["status"] == "honored"


def test_a_design_without_eks_gets_no_add_ons() -> None:
    module, _ = _design("A containerised web API with PostgreSQL")
    assert "aws_eks_addon" not in module.resources
