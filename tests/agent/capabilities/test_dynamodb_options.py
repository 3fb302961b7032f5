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


EN = (
    "serverless api on lambda with dynamodb: enable dynamodb streams, TTL, a GSI on email and "
    "user_id, provisioned capacity 20 RCU 10 WCU"
)
KO = "람다 서버리스 api, 다이나모db 테이블에 dynamodb 스트림 켜고 ttl, email로 GSI 만들어줘"


def _table(module: TerraformModule) -> dict[str, Any]:
    table: dict[str, Any] = module.resources["aws_dynamodb_table"]["main"]
    return table


def test_streams_feed_the_lambda_function_with_least_privilege() -> None:
    module, ledger = _design(EN)
    assert _table(module)["stream_view_type"] == "NEW_AND_OLD_IMAGES"
    mapping = module.resources["aws_lambda_event_source_mapping"]["table_stream"]
    assert "aws_dynamodb_table.main.stream_arn" in mapping["event_source_arn"]
    assert (
        "dynamodb:GetRecords"
        in module.resources["aws_iam_role_policy"]["api_table_stream"]["policy"]
    )
    assert ledger["service.dynamodb_streams"]["status"] == "honored"


def test_ttl_and_the_stated_indexes_are_on_the_table() -> None:
    module, ledger = _design(EN)
    table = _table(module)
    assert table["ttl"][0] == {"attribute_name": "expires_at", "enabled": True}
    assert [i["hash_key"] for i in table["global_secondary_index"]] == ["email", "user_id"]
    assert {"name": "email", "type": "S"} in table["attribute"]
    assert ledger["dynamodb.gsi"]["value"] == ["email", "user_id"]
    assert ledger["dynamodb.gsi"]["status"] == "honored"


def test_provisioned_capacity_is_the_stated_units_with_auto_scaling() -> None:
    module, ledger = _design(EN)
    table = _table(module)
    assert (table["billing_mode"], table["read_capacity"], table["write_capacity"]) == (
        "PROVISIONED",
        20,
        10,
    )
    assert set(module.resources["aws_appautoscaling_target"]) >= {"table_read", "table_write"}
    assert ledger["dynamodb.read_capacity"]["status"] == "honored"


def test_a_korean_request_builds_streams_ttl_and_the_index() -> None:
    module, ledger = _design(KO)
    table = _table(module)
    assert table["stream_enabled"] is True
    assert table["ttl"][0]["enabled"] is True
    assert [i["hash_key"] for i in table["global_secondary_index"]] == ["email"]
    assert ledger["dynamodb.gsi"]["status"] == "honored"


def test_a_table_not_asked_for_options_stays_on_demand_without_streams() -> None:
    module, _ = _design("serverless api on lambda with dynamodb")
    table = _table(module)
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert "stream_enabled" not in table
    assert "aws_lambda_event_source_mapping" not in module.resources


def test_a_quoted_table_name_names_the_table() -> None:
    module, ledger = _design('An API on Lambda with a DynamoDB table "products" in Virginia')
    assert module.resources["aws_dynamodb_table"]["main"]["name"] == "products"
    assert ledger["dynamodb.table_name"]["status"] == "honored"


def test_a_korean_table_name_in_parentheses_names_the_table() -> None:
    module, _ = _design("람다 API, DynamoDB 테이블(device-state)에 저장. 런던 리전.")
    assert module.resources["aws_dynamodb_table"]["main"]["name"] == "device-state"


def test_a_stated_partition_key_replaces_the_default_key_schema() -> None:
    module, ledger = _design(
        "Lambda API with a DynamoDB customers table (partition key phone_number)"
    )
    table = module.resources["aws_dynamodb_table"]["main"]
    assert table["hash_key"] == "phone_number"
    assert "range_key" not in table
    assert [a["name"] for a in table["attribute"]] == ["phone_number"]
    assert ledger["dynamodb.hash_key"]["status"] == "honored"


def test_the_stated_stream_view_type_is_used() -> None:
    module, ledger = _design(
        'A Lambda API with a DynamoDB "profiles" table; that table\'s stream (new image) triggers a Lambda.'
    )
    table = module.resources["aws_dynamodb_table"]["main"]
    assert (table["stream_enabled"], table["stream_view_type"]) == (True, "NEW_IMAGE")
    assert ledger["dynamodb.stream_view"]["status"] == "honored"


def test_a_named_index_gets_that_name() -> None:
    module, _ = _design(
        "람다 API, DynamoDB 테이블, 판매자별 조회용 GSI sellerId-index 하나 추가. 서울 리전."
    )
    index = module.resources["aws_dynamodb_table"]["main"]["global_secondary_index"][0]
    assert (index["name"], index["hash_key"]) == ("sellerId-index", "sellerId")
