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


EN = "Serverless API on Lambda in Node 20 with 1GB memory and a 15 minute timeout"
KO = "람다 서버리스 API, 파이썬 3.12, 메모리 512MB, 타임아웃 30초"


def test_an_english_request_sets_runtime_memory_and_timeout_on_every_function() -> None:
    module, ledger = _design(EN)
    assert module.variables["lambda_runtime"]["default"] == "nodejs20.x"
    function = module.resources["aws_lambda_function"]["api"]
    assert function["memory_size"] == 1024
    assert function["timeout"] == 900
    for key in ("lambda.runtime", "lambda.memory_mb", "lambda.timeout_s"):
        assert ledger[key]["status"] == "honored"
        assert _evidence(ledger[key]) == ["aws_lambda_function.api"]


def test_a_korean_request_sets_the_stated_values() -> None:
    module, ledger = _design(KO)
    assert module.variables["lambda_runtime"]["default"] == "python3.12"
    function = module.resources["aws_lambda_function"]["api"]
    assert (function["memory_size"], function["timeout"]) == (512, 30)
    assert ledger["lambda.timeout_s"]["value"] == 30


def test_go_runs_on_the_os_only_runtime_with_a_bootstrap_handler() -> None:
    module, _ = _design("A serverless API on Lambda written in Go")
    assert module.variables["lambda_runtime"]["default"] == "provided.al2023"
    assert module.resources["aws_lambda_function"]["api"]["handler"] == "bootstrap"


def test_every_function_gets_the_settings_including_the_scheduled_job() -> None:
    module, _ = _design("Serverless API on Lambda with a nightly job, memory 2048 MB")
    assert {f["memory_size"] for f in module.resources["aws_lambda_function"].values()} == {2048}


def test_memory_in_a_request_without_functions_is_not_a_lambda_setting() -> None:
    _, ledger = _design("A containerized web app on ECS, tasks with 512 MB memory")
    assert "lambda.memory_mb" not in ledger
