import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.dynamodb_options import (
    _traffic,
    read_replica_regions,
    read_tables,
    read_ttl_attribute,
)
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


EN = (
    'A Lambda API with two DynamoDB tables, provisioned capacity. "orders": 300 writes/s of '
    'items up to 2 KB and 800 eventually consistent reads/s of 8 KB items. "carts": on-demand, '
    "with TTL on expire_at."
)
KO = "람다 API, 데이터는 DynamoDB 테이블 두 개(주문, 상품)에 저장합니다."


def test_write_units_follow_item_size() -> None:
    assert next(_traffic("w")("300 writes/s of items up to 2 KB"))[1] == 600


def test_eventually_consistent_reads_take_half_a_unit_per_4_kb() -> None:
    assert next(_traffic("r")("800 eventually consistent reads/s of 8 KB items"))[1] == 800


def test_strongly_consistent_reads_take_a_unit_per_4_kb() -> None:
    assert next(_traffic("r")("2,000 strongly consistent reads/s of 4 KB items"))[1] == 2000


def test_ttl_attribute_is_read_from_the_words() -> None:
    assert next(read_ttl_attribute("sessions with TTL on expires_at"))[1] == "expires_at"


def test_quoted_tables_each_get_their_own_options() -> None:
    tables = next(read_tables(EN))[1]
    assert [t["name"] for t in tables] == ["orders", "carts"]
    assert tables[0]["options"]["billing"] == "provisioned"
    assert tables[1]["options"]["billing"] == "on-demand"


def test_korean_table_names_in_parentheses_are_read() -> None:
    assert [t["name"] for t in next(read_tables(KO))[1]] == ["orders", "products"]


def test_no_table_plan_without_dynamodb() -> None:
    assert list(read_tables("two tables (users, orders) in Postgres")) == []


def test_replica_region_of_a_global_table() -> None:
    text = "The sessions DynamoDB table is a global table with a replica in eu-west-3."
    assert next(read_replica_regions(text))[1] == ["eu-west-3"]


def test_english_request_builds_each_named_table_with_its_capacity() -> None:
    module, _ = _design(EN)
    tables = module.resources["aws_dynamodb_table"]
    assert tables["main"]["name"].endswith("-orders")
    assert tables["main"]["write_capacity"] == 600
    assert tables["main"]["read_capacity"] == 800
    assert tables["carts"]["billing_mode"] == "PAY_PER_REQUEST"
    assert tables["carts"]["ttl"][0]["attribute_name"] == "expire_at"


def test_tables_ask_is_honored_with_every_table_as_evidence() -> None:
    _, ledger = _design(EN)
    entry = ledger["dynamodb.tables"]
    assert entry["status"] == "honored"
    assert {e["address"] for e in entry["evidence"]} == {
        "aws_dynamodb_table.main",
        "aws_dynamodb_table.carts",
    }


def test_korean_request_builds_two_tables() -> None:
    module, ledger = _design(KO)
    assert len(module.resources["aws_dynamodb_table"]) == 2
    assert ledger["dynamodb.tables"]["status"] == "honored"


def test_application_may_use_every_table() -> None:
    module, _ = _design(EN)
    text = str(module.resources["aws_iam_role_policy"])
    assert "aws_dynamodb_table.carts.arn" in text


def test_global_table_has_a_replica_encrypted_in_its_region() -> None:
    module, ledger = _design(
        "Serverless API in Frankfurt; the DynamoDB table is a global table with a replica in Paris."
    )
    replica = module.resources["aws_dynamodb_table"]["main"]["replica"][0]
    assert replica["region_name"] == "eu-west-3"
    assert "aws_kms_key.dr_eu_west_3" in str(replica["kms_key_arn"])
    assert ledger["dynamodb.replica_regions"]["status"] == "honored"
