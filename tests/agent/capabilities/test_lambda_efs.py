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


EN = "Lambda (python3.11) that loads a model file from EFS through an access point at /models."


def test_the_function_mounts_the_access_point_under_mnt() -> None:
    module, ledger = _design(EN)
    function = next(iter(module.resources["aws_lambda_function"].values()))
    config = function["file_system_config"][0]
    assert config["arn"] == "${aws_efs_access_point.shared.arn}"
    assert config["local_mount_path"] == "/mnt/models"
    assert ledger["lambda.efs_mount_path"]["status"] == "honored"


def test_the_mounting_function_runs_in_the_vpc() -> None:
    module, _ = _design(EN)
    function = next(iter(module.resources["aws_lambda_function"].values()))
    assert "vpc_config" in function


def test_a_lambda_request_without_efs_mounts_nothing() -> None:
    module, _ = _design("Lambda (python3.11) behind an HTTP API that reads DynamoDB")
    for function in module.resources["aws_lambda_function"].values():
        assert "file_system_config" not in function
