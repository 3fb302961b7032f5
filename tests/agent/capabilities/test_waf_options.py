import asyncio
from functools import cache
from typing import Any

from autcloud.agent.capabilities.waf_options import _read_limit
from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def test_an_english_rate_limit_per_five_minutes_is_read() -> None:
    assert next(iter(_read_limit("a rate limit of 2000 requests per 5 minutes per IP")))[1] == 2000


def test_a_korean_rate_limit_per_ip_is_read() -> None:
    assert next(iter(_read_limit("IP당 5분 1000건 제한")))[1] == 1000


def test_the_stated_limit_lands_on_the_web_acl_and_is_honored() -> None:
    module, ledger = _design(
        "ECS Fargate API in Mumbai behind a load balancer with WAF, 500 requests per 5 minutes per IP"
    )
    rules = module.resources["aws_wafv2_web_acl"]["alb"]["rule"]
    limits = [
        r["statement"][0]["rate_based_statement"][0]["limit"]
        for r in rules
        if "rate_based_statement" in r["statement"][0]
    ]
    assert limits == [500]
    assert ledger["waf.rate_limit"]["status"] == "honored"


def test_a_named_sql_injection_rule_set_is_read_in_english_and_korean() -> None:
    from autcloud.agent.capabilities.waf_options import _read_group

    assert next(iter(_read_group("add the SQL injection rule set")))[1] == (
        "AWSManagedRulesSQLiRuleSet"
    )
    assert next(iter(_read_group("WAF에 SQL 인젝션 룰셋 적용")))[1] == "AWSManagedRulesSQLiRuleSet"


def test_the_named_managed_rule_group_lands_on_the_web_acl_and_is_honored() -> None:
    module, ledger = _design(
        "ECS Fargate API in Mumbai behind a load balancer with WAF and the SQL injection rule set"
    )
    rules = module.resources["aws_wafv2_web_acl"]["alb"]["rule"]
    names = [
        r["statement"][0]["managed_rule_group_statement"][0]["name"]
        for r in rules
        if "managed_rule_group_statement" in r["statement"][0]
    ]
    assert "AWSManagedRulesSQLiRuleSet" in names
    assert len({r["priority"] for r in rules}) == len(rules)
    assert ledger["waf.managed_rule_group"]["status"] == "honored"
