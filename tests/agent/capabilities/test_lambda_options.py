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


def test_reserved_concurrency_as_stated_in_korean() -> None:
    module, ledger = _design(
        "API Gateway REST API로 받아서 발급 람다는 동시성 20으로 제한(예약 동시성)해서 DynamoDB에 씁니다."
    )
    for function in module.resources["aws_lambda_function"].values():
        assert function["reserved_concurrent_executions"] == 20
    assert ledger["lambda.reserved_concurrency"]["status"] == "honored"


def test_provisioned_concurrency_keeps_an_alias_warm() -> None:
    module, ledger = _design("Lambda API behind an HTTP API with provisioned concurrency of 2")
    config = module.resources["aws_lambda_provisioned_concurrency_config"]["api"]
    assert config["provisioned_concurrent_executions"] == 2
    assert module.resources["aws_lambda_function"]["api"]["publish"] is True
    assert "api_live" in module.resources["aws_lambda_alias"]
    assert ledger["lambda.provisioned_concurrency"]["status"] == "honored"


def test_stream_mapping_options_as_stated() -> None:
    module, ledger = _design(
        "Kinesis data stream with 3 shards. A Lambda consumer reads batches of 500 with a "
        "parallelization factor of 4, starting from TRIM_HORIZON."
    )
    mappings = [
        m
        for m in module.resources["aws_lambda_event_source_mapping"].values()
        if "aws_kinesis_stream" in str(m["event_source_arn"])
    ]
    assert mappings
    assert {
        (m["batch_size"], m["parallelization_factor"], m["starting_position"]) for m in mappings
    } == {(500, 4, "TRIM_HORIZON")}
    for key in ("lambda.batch_size", "lambda.parallelization_factor", "lambda.starting_position"):
        assert ledger[key]["status"] == "honored"


def test_runtime_after_a_sentence_end_and_provided_runtime_are_read() -> None:
    from autcloud.agent.capabilities.lambda_options import _read_runtime

    assert [v for _, v in _read_runtime("람다는 전부 Node 20. 리전은 오레곤")] == ["nodejs20.x"]
    assert "provided.al2023" in [v for _, v in _read_runtime("람다(Go, provided.al2023 런타임)")]


def test_megabytes_listed_with_the_function_settings_are_its_memory() -> None:
    from autcloud.agent.capabilities.lambda_options import _read_memory

    text = "Lambda (python3.11, 3008 MB, 5 min timeout) that loads a 2 GB model file"
    assert [v for _, v in _read_memory(text)] == [3008]
