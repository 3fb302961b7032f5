"""EKS as stated: version, several node groups, Fargate-only clusters, the EFS CSI add-on."""

from __future__ import annotations

import asyncio

from autcloud.agent.capabilities._eks_node_groups import read_node_groups
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import load_texts


def _module(request: str):  # type: ignore[no-untyped-def]
    result = asyncio.run(run_design(request, assume_defaults=True))
    return load_texts(result.files)


def test_two_stated_node_groups_are_read_with_their_own_sizes() -> None:
    groups = read_node_groups(
        'EKS with two node groups: "system" on t3.large (min 2, max 3) and "apps" on '
        "m6i.xlarge Spot (min 3, max 15, desired 3)."
    )
    assert [(g["instance_types"], g["min"], g["max"], g.get("spot")) for g in groups] == [
        (["t3.large"], 2, 3, None),
        (["m6i.xlarge"], 3, 15, True),
    ]


def test_a_gpu_node_group_gets_the_nvidia_ami_and_its_own_resource() -> None:
    module = _module(
        "EKS in Oregon: a general node group (m6i.large, 2 nodes) and a GPU node group of "
        "g5.xlarge that scales from 0 to 4."
    )
    groups = module.resources["aws_eks_node_group"]
    assert len(groups) == 2
    assert any("NVIDIA" in str(g["ami_type"]) for g in groups.values())


def test_a_stated_version_sets_the_cluster_version() -> None:
    module = _module("EKS 1.29 cluster in Seoul with a node group of t3.large.")
    assert module.variables["kubernetes_version"]["default"] == "1.29"


def test_a_korean_fargate_only_cluster_has_no_node_group_and_profiles_each_namespace() -> None:
    module = _module(
        "시드니 리전 EKS, EC2 노드그룹 없이 전부 Fargate 프로파일로만, 네임스페이스 default, kube-system, app."
    )
    assert "aws_eks_node_group" not in module.resources
    selectors = module.resources["aws_eks_fargate_profile"]["main"]["selector"]
    names = {s["namespace"] for s in selectors}
    assert {"kube-system", "app"} <= names


def test_the_efs_csi_driver_add_on_is_built_when_named() -> None:
    module = _module(
        "EKS cluster in Ohio with a t3.xlarge node group and the EFS CSI driver add-on."
    )
    names = {a["addon_name"] for a in module.resources["aws_eks_addon"].values()}
    assert "aws-efs-csi-driver" in names


def test_a_later_change_updates_only_the_group_it_names() -> None:
    from types import SimpleNamespace

    from autcloud.agent.capabilities._eks_node_groups import folded_groups, read_groups

    first = list(
        read_groups(
            "기본 노드그룹 t3.xlarge 온디맨드 최소 3 최대 6, 배치용은 스팟으로 c6i.2xlarge 최소 0 최대 10"
        )
    )
    change = list(read_groups("스팟 노드 그룹 최대 20대로 늘려줘"))
    asks = [
        SimpleNamespace(key="eks.node_groups", value=v, negated=False) for _, v in first + change
    ]
    groups = folded_groups(SimpleNamespace(asks=asks, params={"eks.node_groups": change[0][1]}))
    spot = [g for g in groups if g.get("spot")]
    assert len(groups) == 2
    assert (spot[0]["min"], spot[0]["max"]) == (0, 20)
    assert [g["max"] for g in groups if not g.get("spot")] == [6]


def test_cache_nodes_are_not_kubernetes_node_groups() -> None:
    from autcloud.agent.capabilities._eks_node_groups import read_node_groups

    assert read_node_groups("EC2 auto scaling group, Memcached with 2 cache.m6g.large nodes") == []
