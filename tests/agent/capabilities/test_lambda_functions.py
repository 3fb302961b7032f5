import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.lambda_functions import _read_count, _read_names
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def test_named_functions_are_each_built() -> None:
    module, ledger = _design(
        "Serverless in Seoul: two Lambdas (collect, post-to-slack) run every weekday at 9am."
    )
    functions = module.resources["aws_lambda_function"]
    assert {"collect", "post_to_slack"} <= set(functions)
    assert ledger["lambda.names"]["status"] == "honored"


def test_a_number_of_functions_builds_that_many() -> None:
    module, ledger = _design("need a kubernetes cluster + postgres + a couple lamdas for webhooks")
    assert len(module.resources["aws_lambda_function"]) >= 2
    assert ledger["lambda.count"]["status"] == "honored"


def test_korean_counts_and_names_are_read() -> None:
    text = "주문 람다 3개(order-create, order-cancel, order-refund)의 에러 알람"
    assert [v for _, v in _read_count(text)] == [3]
    assert [v for _, v in _read_names(text)] == ["order_create / order_cancel / order_refund"]


def test_routes_each_with_their_own_function_count_as_functions() -> None:
    text = "WebSocket API with $connect, $disconnect and sendmessage routes, each backed by its own Lambda."
    assert [v for _, v in _read_count(text)] == [3]


def test_one_function_is_no_statement_of_several() -> None:
    assert list(_read_count("A Lambda function behind an HTTP API")) == []
