"""The shared billing formulas (agent/cost/formulas.py), through estimate_cost as callers run it,
against literal us-east-1 figures from data/price-list/manual.json."""

from __future__ import annotations

import pytest

from autcloud.agent.cost import CostLine, UsageAssumptions, estimate_cost
from autcloud.agent.tfparse import load_texts


def lines(text: str) -> dict[str, CostLine]:
    estimate = estimate_cost(load_texts({"main.tf": text}), "us-east-1", UsageAssumptions())
    return {line.address: line for line in estimate.lines}


def test_a_flat_monthly_price_is_the_price_itself() -> None:
    found = lines('resource "aws_route53_health_check" "web" { type = "HTTPS" }')
    line = found["aws_route53_health_check.web"]
    assert line.monthly_usd == pytest.approx(0.5)
    assert line.basis == "health check @ $0.5/month"


def test_an_hourly_price_runs_all_month() -> None:
    line = lines('resource "aws_eip" "nat" { domain = "vpc" }')["aws_eip.nat"]
    assert line.monthly_usd == pytest.approx(0.005 * 730)
    assert line.basis == "public IPv4 × 730 h @ $0.005/h"


def test_a_usage_figure_is_shared_by_the_resources_of_the_type() -> None:
    found = lines("""
resource "aws_efs_file_system" "a" {}
resource "aws_efs_file_system" "b" {}
""")
    # efs_storage_gb (10 GB) split over two file systems, at $0.30/GB-month
    for address in ("aws_efs_file_system.a", "aws_efs_file_system.b"):
        assert found[address].monthly_usd == pytest.approx(5 * 0.3)
        assert found[address].basis == "5 GB Standard @ $0.3/GB-month"


def test_a_usage_figure_can_be_shared_across_types() -> None:
    found = lines("""
resource "aws_glue_crawler" "raw" {
  name          = "raw"
  role          = "arn:aws:iam::123456789012:role/glue"
  database_name = "raw"
}
resource "aws_glue_job" "etl" {
  name     = "etl"
  role_arn = "arn:aws:iam::123456789012:role/glue"
  command { script_location = "s3://scripts/etl.py" }
}
""")
    # glue_dpu_hours_per_month (2 DPU-h) split between the crawler and the job, at $0.44/DPU-h
    for address in ("aws_glue_crawler.raw", "aws_glue_job.etl"):
        assert found[address].monthly_usd == pytest.approx(0.44)
        assert found[address].basis == "1 DPU-h @ $0.44/DPU-h"


def test_a_figure_in_millions_is_shown_in_millions() -> None:
    found = lines("""
resource "aws_sns_topic" "a" { name = "a" }
resource "aws_sns_topic" "b" { name = "b" }
""")
    line = found["aws_sns_topic.a"]
    # messages_per_month (1M) split over two topics: 0.5M publishes at $0.50/M
    assert line.monthly_usd == pytest.approx(0.25)
    assert line.basis == "0.5M publishes @ $0.5/M"
