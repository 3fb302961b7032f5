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


MIXED = (
    "EC2 auto scaling group behind an ALB, min 4 max 40, mixed instances (m5.large and "
    "m6i.large) with 50% Spot above base."
)
FIXED = "브로커는 EC2 c6g.large 3대 고정 (오토스케일링 그룹, 최소=최대=3), 서울 리전."


def test_mixed_instances_override_the_stated_types() -> None:
    module, ledger = _design(MIXED)
    policy = module.resources["aws_autoscaling_group"]["app"]["mixed_instances_policy"][0]
    overrides = policy["launch_template"][0]["override"]
    assert [o["instance_type"] for o in overrides] == ["m5.large", "m6i.large"]
    assert ledger["asg.mixed_types"]["status"] == "honored"


def test_the_spot_share_sets_the_on_demand_percentage_above_base() -> None:
    module, ledger = _design(MIXED)
    policy = module.resources["aws_autoscaling_group"]["app"]["mixed_instances_policy"][0]
    distribution = policy["instances_distribution"][0]
    assert distribution["on_demand_percentage_above_base_capacity"] == 50
    assert ledger["asg.on_demand_above_base"]["status"] == "honored"


def test_a_fixed_size_sets_min_and_max_alike() -> None:
    module, ledger = _design(FIXED)
    group = module.resources["aws_autoscaling_group"]["app"]
    assert (group["min_size"], group["max_size"], group["desired_capacity"]) == (3, 3, 3)
    assert ledger["asg.fixed_size"]["status"] == "honored"


def test_graviton_fleets_boot_an_arm64_image() -> None:
    module, _ = _design(FIXED)
    assert module.data["aws_ssm_parameter"]["al2023"]["name"].endswith("arm64")
