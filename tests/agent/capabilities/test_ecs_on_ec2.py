import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.ecs_on_ec2 import graviton
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


EN = (
    "ECS cluster on EC2 (not Fargate) using Graviton c7g.large instances from an auto scaling "
    "group, min 2 max 8, with a capacity provider. Service runs 4 copies of our API container."
)
KO = "워드프레스를 EC2 오토스케일링 최소 2대 최대 4대(t3.medium)로 운영하고 DB는 RDS MySQL로 해주세요."


def test_containers_on_named_ec2_instances_run_on_an_ec2_capacity_provider() -> None:
    module, ledger = _design(EN)
    template = module.resources["aws_launch_template"]["ecs"]
    assert template["instance_type"] == "c7g.large"
    group = module.resources["aws_autoscaling_group"]["ecs"]
    assert (group["min_size"], group["max_size"]) == (2, 8)
    provider = module.resources["aws_ecs_capacity_provider"]["ec2"]
    scaling = provider["auto_scaling_group_provider"][0]["managed_scaling"][0]
    assert scaling["status"] == "ENABLED"
    assert ledger["ecs.ec2_capacity"]["status"] == "honored"


def test_the_service_and_task_leave_fargate_for_the_capacity_provider() -> None:
    module, _ = _design(EN)
    service = module.resources["aws_ecs_service"]["app"]
    assert "launch_type" not in service
    assert "aws_ecs_capacity_provider.ec2" in str(service["capacity_provider_strategy"])
    task = module.resources["aws_ecs_task_definition"]["app"]
    assert task["requires_compatibilities"] == ["EC2"]
    assert task["runtime_platform"][0]["cpu_architecture"] == "ARM64"


def test_graviton_instances_boot_the_arm64_ecs_ami() -> None:
    module, _ = _design(EN)
    assert "arm64" in module.data["aws_ssm_parameter"]["ecs_ami"]["name"]
    assert graviton("m6gd.large") and not graviton("m6i.large")


def test_stated_copies_set_the_service_desired_count() -> None:
    module, ledger = _design(EN)
    assert module.variables["desired_count"]["default"] == 4
    assert ledger["ecs.desired_count"]["status"] == "honored"


def test_a_korean_wordpress_on_ec2_request_gets_the_stated_instance_type_and_bounds() -> None:
    module, ledger = _design(KO)
    assert module.resources["aws_launch_template"]["ecs"]["instance_type"] == "t3.medium"
    group = module.resources["aws_autoscaling_group"]["ecs"]
    assert (group["min_size"], group["max_size"]) == (2, 4)
    assert ledger["ecs.ec2_capacity"]["status"] == "honored"


def test_a_fargate_request_gets_no_ec2_capacity() -> None:
    module, _ = _design("Containers on ECS Fargate behind an ALB, 3 replicas, EC2 is not needed")
    assert "aws_ecs_capacity_provider" not in module.resources
