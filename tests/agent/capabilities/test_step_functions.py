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


EN = "An order saga on AWS Step Functions with steps validate, charge, ship"
KO = "서버리스 API를 만들고 스텝 펑션으로 검증, 결제, 배송 단계를 순서대로 실행해줘"


def test_named_steps_become_lambda_functions_chained_in_order() -> None:
    module, _ = _design(EN)
    for step in ("validate", "charge", "ship"):
        assert step in module.resources["aws_lambda_function"]
    machine = module.resources["aws_sfn_state_machine"]["workflow"]
    assert machine["type"] == "STANDARD"
    definition = machine["definition"]
    assert 'StartAt = "validate"' in definition
    assert (
        definition.index("aws_lambda_function.validate.arn")
        < definition.index("aws_lambda_function.charge.arn")
        < definition.index("aws_lambda_function.ship.arn")
    )
    assert "Retry" in definition


def test_the_state_machine_is_traced_and_logs_to_an_encrypted_log_group() -> None:
    module, _ = _design(EN)
    machine = module.resources["aws_sfn_state_machine"]["workflow"]
    assert machine["tracing_configuration"][0]["enabled"] is True
    logging = machine["logging_configuration"][0]
    assert logging["level"] == "ALL"
    assert "aws_cloudwatch_log_group.state_machine" in logging["log_destination"]
    group = module.resources["aws_cloudwatch_log_group"]["state_machine"]
    assert "aws_kms_key.main" in group["kms_key_id"]


def test_the_role_invokes_exactly_the_step_functions() -> None:
    module, _ = _design(EN)
    policy = module.resources["aws_iam_role_policy"]["state_machine"]["policy"]
    for step in ("validate", "charge", "ship"):
        assert f"aws_lambda_function.{step}.arn" in policy
    assert "aws_lambda_function.api.arn" not in policy


def test_korean_step_names_are_translated_and_honored_in_the_ledger() -> None:
    module, ledger = _design(KO)
    assert {"validate", "charge", "ship"} <= set(module.resources["aws_lambda_function"])
    entry = ledger["sfn.steps"]
    assert entry["status"] == "honored"
    assert entry["value"] == "validate / charge / ship"
    assert ledger["service.step_functions"]["status"] == "honored"
    assert _evidence(ledger["service.step_functions"]) == ["aws_sfn_state_machine.workflow"]


def test_without_named_steps_the_design_functions_are_chained() -> None:
    module, _ = _design("A serverless API on Lambda with DynamoDB, orchestrated by a state machine")
    definition = module.resources["aws_sfn_state_machine"]["workflow"]["definition"]
    assert "aws_lambda_function.api.arn" in definition


def test_technology_names_are_not_read_as_steps() -> None:
    _, ledger = _design("A web API with Redis and Lambda functions")
    assert "sfn.steps" not in ledger


def test_a_request_not_naming_step_functions_builds_no_state_machine() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_sfn_state_machine" not in module.resources


def test_a_step_list_ends_where_the_sentence_moves_on() -> None:
    _, ledger = _design(
        "A Step Functions workflow with steps validate, enrich and store, an EventBridge bus"
    )
    assert ledger["sfn.steps"]["quote"] == "steps validate, enrich and store"
    assert ledger["sfn.steps"]["value"] == "validate / enrich / store"
