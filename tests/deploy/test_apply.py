"""Designs applied for real: ``terraform apply`` with the real AWS provider against a moto server.

A design that validates can still fail at apply (RDS refused touching backup and maintenance
windows; S3 refused logging into a bucket that did not let its logging service write). These tests
apply whole designs and fail on any error; a resource type moto cannot create is left out by name,
with its reason, in ``moto_gaps.py`` — never the whole design.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import load_texts
from tests.deploy.harness import apply, left_out, override_text
from tests.deploy.moto_gaps import MOTO_GAPS
from tests.scanner.conftest import MotoServer

# The two designs run on CI; `make test-deploy` adds the rest.
CI_SUBSET = {
    "container-api-postgres": "A containerised web API with PostgreSQL in Seoul, highly available",
    "event-driven-serverless": (
        "Event-driven serverless: an S3 upload bucket sends events to an SQS queue, a Lambda "
        "consumes the queue and writes to a DynamoDB table. Seoul."
    ),
}
MORE = {
    "static-site-cdn": "A static marketing site with a CDN for example-startup.com in Frankfurt",
    "queue-workers": "Queue workers processing jobs from SQS with PostgreSQL in Mumbai, alerts to ops@acme.io",
    "ec2-fleet-mysql": "EC2 auto scaling group of t3.medium instances behind a load balancer with MySQL in Sydney",
    "kinesis-sns-web": "A web app with a Kinesis event stream and SNS notifications in London",
    "aurora-pci": "PCI compliant payments API with Aurora MySQL in Seoul, no single point of failure",
    "http-api-domain": "Go Lambda behind an API Gateway HTTP API with the custom domain api.orbit.ai, Seoul",
    "korean-web": "서울 리전에 웹서비스 인프라 구성해줘",
}


def _design_into(folder: Path, request: str) -> None:
    result = asyncio.run(run_design(request, assume_defaults=True))
    assert result.files, result.document.get("refusal") or result.document.get("questions")
    for name, text in result.files.items():
        (folder / name).write_text(text, encoding="utf-8")


def _applies(moto: MotoServer, folder: Path, request: str) -> None:
    moto.reset()
    _design_into(folder, request)
    outcome = apply(folder, moto.url)
    gaps = "\n".join(f"  left out {a}: {why}" for a, why in outcome.left_out.items())
    assert outcome.succeeded, "\n".join(outcome.errors) or outcome.log[-3000:]
    assert outcome.added >= outcome.blocks - 5, f"only {outcome.added} created\n{gaps}"
    # Only a named moto gap, or what refers to one, may be left out.
    for address, why in outcome.left_out.items():
        assert address.split(".")[0] in MOTO_GAPS or why.startswith("refers to "), address


@pytest.mark.slow
@pytest.mark.parametrize("request_text", CI_SUBSET.values(), ids=CI_SUBSET.keys())
def test_the_design_applies(
    terraform_ready: None, moto_account: MotoServer, tmp_path: Path, request_text: str
) -> None:
    _applies(moto_account, tmp_path, request_text)


@pytest.mark.slow
@pytest.mark.deploy_all
@pytest.mark.parametrize("request_text", MORE.values(), ids=MORE.keys())
def test_more_designs_apply(
    terraform_ready: None, moto_account: MotoServer, tmp_path: Path, request_text: str
) -> None:
    _applies(moto_account, tmp_path, request_text)


def test_a_moto_gap_leaves_out_its_resource_and_what_refers_to_it_only() -> None:
    module = load_texts(
        {
            "main.tf": """
resource "aws_ecs_cluster" "main" { name = "c" }
resource "aws_appautoscaling_target" "app" { resource_id = "service/${aws_ecs_cluster.main.name}/s" }
resource "aws_appautoscaling_policy" "cpu" { resource_id = aws_appautoscaling_target.app.resource_id }
resource "aws_cloudwatch_metric_alarm" "cpu" { alarm_actions = [aws_appautoscaling_policy.cpu.arn] }
"""
        }
    )
    excluded = left_out(module)
    assert set(excluded) == {
        "aws_appautoscaling_target.app",
        "aws_appautoscaling_policy.cpu",
        "aws_cloudwatch_metric_alarm.cpu",
    }
    assert "ListTagsForResource" in excluded["aws_appautoscaling_target.app"]
    assert excluded["aws_cloudwatch_metric_alarm.cpu"].startswith(
        "refers to aws_appautoscaling_policy.cpu"
    )


def test_the_override_points_every_provider_block_at_the_emulator() -> None:
    module = load_texts(
        {
            "providers.tf": """
provider "aws" { region = "ap-northeast-2" }
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}
"""
        }
    )
    text = override_text(module, "http://127.0.0.1:1")
    assert text.count('provider "aws" {') == 2
    assert 'alias = "us_east_1"' in text
    assert '    s3 = "http://127.0.0.1:1"' in text
