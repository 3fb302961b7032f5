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


EN = "Analytics on Redshift with base capacity 32 RPUs on AWS"
KO = "레드시프트 데이터 웨어하우스 인프라 구성"


def test_the_namespace_is_encrypted_and_its_password_managed_by_secrets_manager() -> None:
    module, _ = _design(EN)
    namespace = module.resources["aws_redshiftserverless_namespace"]["warehouse"]
    assert namespace["manage_admin_password"] is True
    assert "aws_kms_key.main" in namespace["kms_key_id"]
    assert "admin_user_password" not in namespace


def test_the_workgroup_is_private_with_the_stated_base_capacity() -> None:
    module, ledger = _design(EN)
    workgroup = module.resources["aws_redshiftserverless_workgroup"]["warehouse"]
    assert workgroup["publicly_accessible"] is False
    assert "aws_subnet.private" in workgroup["subnet_ids"]
    assert module.variables["redshift_base_capacity"]["default"] == 32
    assert ledger["redshift.base_capacity"]["status"] == "honored"
    assert module.variables["az_count"]["default"] == 3  # Redshift Serverless needs three zones


def test_a_korean_request_gets_the_default_capacity_and_is_honored() -> None:
    module, ledger = _design(KO)
    assert module.variables["redshift_base_capacity"]["default"] == 8
    assert ledger["service.redshift"]["status"] == "honored"
    assert _evidence(ledger["service.redshift"]) == ["aws_redshiftserverless_workgroup.warehouse"]


def test_a_request_not_naming_a_warehouse_builds_no_redshift() -> None:
    module, _ = _design("A serverless API with DynamoDB")
    assert "aws_redshiftserverless_workgroup" not in module.resources


def test_a_quoted_namespace_names_the_namespace() -> None:
    module, ledger = _design(
        'Redshift Serverless in Tokyo: namespace "analytics", 8 RPU base capacity'
    )
    namespace = module.resources["aws_redshiftserverless_namespace"]["warehouse"]
    assert namespace["namespace_name"] == "analytics"
    assert ledger["redshift.namespace"]["status"] == "honored"
