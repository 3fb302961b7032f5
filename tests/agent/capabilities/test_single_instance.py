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


EN = "One m6i.large EC2 instance in a private subnet for our integration server, Session Manager only."
KO = "연동 서버는 EC2 m6i.large 1대(프라이빗 서브넷)입니다. 관리 접속은 세션 매니저로만. 도쿄 리전."


def test_one_stated_instance_is_an_aws_instance_not_a_fleet() -> None:
    module, ledger = _design(EN)
    instance = module.resources["aws_instance"]["app"]
    assert instance["instance_type"] == "${var.instance_type}"
    assert module.variables["instance_type"]["default"] == "m6i.large"
    assert "aws_autoscaling_group" not in module.resources
    assert ledger["ec2.single_instance"]["status"] == "honored"


def test_the_instance_is_private_encrypted_and_imdsv2_only() -> None:
    module, _ = _design(EN)
    instance = module.resources["aws_instance"]["app"]
    assert instance["associate_public_ip_address"] is False
    assert instance["root_block_device"][0]["encrypted"] is True
    assert instance["metadata_options"][0]["http_tokens"] == "required"


def test_a_korean_request_for_one_server_gets_one_instance() -> None:
    module, _ = _design(KO)
    assert "app" in module.resources["aws_instance"]


def test_an_auto_scaling_group_request_keeps_the_fleet() -> None:
    module, _ = _design(
        "Web app on EC2 t3.small in an auto scaling group, min 2 max 6, behind an ALB"
    )
    assert "aws_instance" not in module.resources
    assert "app" in module.resources["aws_autoscaling_group"]
