"""The quality gate against the real tools: terraform validate with the real AWS provider,
checkov in its own virtualenv, and the intent checks; plus the fix loop on broken designs."""

from __future__ import annotations

import asyncio
import re

import pytest

from autcloud.agent.catalog.base import ResourceSpec
from autcloud.agent.design import DesignResult, DesignStatus, run_design
from autcloud.agent.providers.offline import OfflineProvider
from autcloud.agent.requirements import Requirements
from autcloud.agent.validation.checkov_tool import find_checkov_python
from tests.tooling import missing_tool, require_tool

REQUESTS = [
    "A containerised web API with PostgreSQL and Redis in Seoul, highly available, 50,000 daily users",
    "서울 리전에 웹서비스 인프라 구성해줘",
    "도쿄에 MySQL 쓰는 쇼핑몰 백엔드, 고가용성, 하루 10만 명",
    "A static marketing site with a CDN for example-startup.com in Frankfurt",
    "Serverless REST API with DynamoDB in Ireland",
    "A real-time chat backend on websockets with Lambda in Singapore",
    "EKS cluster with 3 nodes of m6i.large and Aurora PostgreSQL in Oregon, highly available",
    "EC2 auto scaling group of t3.medium instances behind a load balancer with MySQL in Sydney",
    "Queue workers processing jobs from SQS with PostgreSQL in Mumbai, alerts to ops@acme.io",
    "A data lake with Glue and Athena for clickstream analytics in Virginia",
    "Nightly batch jobs for ML training in Ohio",
    "A web app with a Kinesis event stream and SNS notifications in London",
    "Containers running ghcr.io/acme/api:1.4.2 on port 3000 with Postgres, domain api.acme.io, WAF, in Tokyo",
    "A scheduled job every 15 minutes that cleans up S3 files, in Paris",
    "PCI compliant payments API with Aurora MySQL in Seoul, no single point of failure",
    "오사카 리전에 컨테이너 기반 API 서버와 레디스 캐시, 예산 월 50만원",
    "A prototype web app with a small MySQL database in Stockholm, as cheap as possible",
    "Microservices on ECS with DynamoDB and SQS in Canada, budget $400 per month",
    "싱가포르에 서버리스 API와 DynamoDB, 이미지 업로드용 S3",
    "Highly available web service with PostgreSQL, Redis, a CDN and WAF for shop.example.com in Seoul",
    "스테이징 환경, 서울, ECS Fargate 서비스 하나 (nginx 이미지, 80포트) ALB로 공개, RDS PostgreSQL 16",
    "Go Lambda behind an API Gateway HTTP API with the custom domain api.orbit.ai, Seoul",
    "공개 API를 API Gateway REST API + 람다로, 앞에 CloudFront 두고 스테이지에 WAF, 도메인 open.datagil.kr",
]


@pytest.fixture(scope="module")
def tools() -> None:
    require_tool("terraform", "terraform validate runs the real AWS provider")
    python, problem = find_checkov_python()
    if python is None:
        missing_tool(problem)


def design(request: str, **kwargs: object) -> DesignResult:
    return asyncio.run(run_design(request, assume_defaults=True, deep_validation=True, **kwargs))  # type: ignore[arg-type]


def steps(result: DesignResult) -> dict[str, dict[str, object]]:
    return {step["name"]: step for step in result.document["validation"]["steps"]}


@pytest.mark.slow
@pytest.mark.parametrize("request_text", REQUESTS)
def test_designs_pass_terraform_validate_checkov_and_intent(tools: None, request_text: str) -> None:
    result = design(request_text)

    by_name = steps(result)
    assert by_name["terraform validate"]["status"] == "passed", by_name["terraform validate"][
        "findings"
    ]
    assert by_name["checkov"]["status"] == "passed", by_name["checkov"]["findings"]
    assert by_name["intent"]["status"] == "passed", by_name["intent"]["findings"]
    assert by_name["deploy checks"]["status"] == "passed", by_name["deploy checks"]["findings"]
    assert result.status is DesignStatus.DESIGNED
    assert result.document["validation"]["fix_iterations"] == [], (
        "the offline provider is right the first time"
    )
    skipped = result.document["validation"]["skipped_checks"]
    assert all(skip["reason"] for skip in skipped), "every deliberately skipped check has a reason"


class BreakingProvider(OfflineProvider):
    """A provider that writes what a careless generator would: stands in for a bad LLM answer."""

    name = "breaking"

    def __init__(self, edits: list[tuple[str, str, str]]) -> None:
        self.edits = edits  # (resource type, regex, replacement)

    async def generate(self, spec: ResourceSpec, requirements: Requirements) -> str:
        text = await super().generate(spec, requirements)
        for rtype, pattern, replacement in self.edits:
            if spec.type == rtype:
                text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
        return text


HA_POSTGRES = "A web API with PostgreSQL in Seoul, highly available"


@pytest.mark.slow
def test_public_database_is_caught_by_intent_and_repaired(tools: None) -> None:
    provider = BreakingProvider(
        [("aws_db_instance", r"publicly_accessible(\s*)= false", r"publicly_accessible\1= true")]
    )
    result = design(HA_POSTGRES, provider=provider)

    first = result.document["validation"]["fix_iterations"][0]
    assert any("publicly_accessible = false" in line for line in first["applied"])
    assert result.status is DesignStatus.DESIGNED
    assert re.search(r"publicly_accessible\s*= false", result.files["data.tf"])


@pytest.mark.slow
def test_single_az_database_for_an_ha_request_is_caught_and_repaired(tools: None) -> None:
    provider = BreakingProvider([("aws_db_instance", r"multi_az(\s*)= true", r"multi_az\1= false")])
    result = design(HA_POSTGRES, provider=provider)

    applied = [
        line for it in result.document["validation"]["fix_iterations"] for line in it["applied"]
    ]
    assert any("multi_az = true" in line for line in applied)
    assert result.status is DesignStatus.DESIGNED


@pytest.mark.slow
def test_wrong_engine_is_caught_by_intent_and_repaired(tools: None) -> None:
    provider = BreakingProvider(
        [("aws_db_instance", r'engine(\s*)= "postgres"', r'engine\1= "mysql"')]
    )
    result = design(HA_POSTGRES, provider=provider)

    applied = [
        line for it in result.document["validation"]["fix_iterations"] for line in it["applied"]
    ]
    assert any('engine = "postgres"' in line for line in applied), applied
    assert result.status is DesignStatus.DESIGNED


@pytest.mark.slow
def test_literal_password_is_caught_by_the_secrets_step_and_replaced(tools: None) -> None:
    provider = BreakingProvider(
        [
            (
                "aws_db_instance",
                r"^(\s*)manage_master_user_password(\s*)= true",
                r'\1password\2= "hunter2hunter2"',
            )
        ]
    )
    result = design(HA_POSTGRES, provider=provider)

    first = result.document["validation"]["fix_iterations"][0]
    assert any("literal password replaced" in line for line in first["applied"])
    assert "hunter2" not in "".join(result.files.values())
    assert result.status is DesignStatus.DESIGNED


@pytest.mark.slow
def test_an_unsupported_argument_is_reported_by_terraform_validate(tools: None) -> None:
    provider = BreakingProvider(
        [("aws_vpc", r"^(\s*)enable_dns_support(\s*)= true", r"\1enable_dns_magic\2= true")]
    )
    result = design("A web API in Seoul", provider=provider)

    validate = steps(result)["terraform validate"]
    assert validate["status"] == "failed"
    assert any("enable_dns_magic" in str(f) for f in validate["findings"])  # type: ignore[attr-defined]
    assert result.status is DesignStatus.INVALID
