"""The fidelity suite's fact checker (eval/facts.py) and runner (eval/run.py), per eval/README.md."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autcloud.agent.tfparse import TerraformModule, load_texts
from tests.tooling import require_tool

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "eval" / "run.py"


def _load_facts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_facts", ROOT / "eval" / "facts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


facts = _load_facts()

DESIGNED: dict[str, Any] = {"status": "designed", "region": "eu-central-1", "cost": None}


def tf(text: str) -> TerraformModule:
    return load_texts({"main.tf": textwrap.dedent(text)})


def check(fact: dict[str, Any], text: str = "", document: dict[str, Any] | None = None) -> Any:
    facts.validate_fact({"class": "service", "says": "words", **fact})
    return facts.check_fact(fact, tf(text), DESIGNED if document is None else document)


def with_ledger(*entries: dict[str, Any], cost: object = None) -> dict[str, Any]:
    return {**DESIGNED, "cost": cost, "requirements": {"ledger": list(entries)}}


KINESIS = """
resource "aws_kinesis_stream" "events" {
  name        = "events"
  shard_count = 1
}
"""


# --- region -----------------------------------------------------------------------------------


def test_region_holds_when_the_design_region_is_the_code() -> None:
    assert check({"region": "eu-central-1"})[0] is True


def test_region_misses_naming_the_design_region() -> None:
    ok, detail = check({"region": "ap-northeast-1"})
    assert ok is False
    assert "eu-central-1" in detail


# --- resource and where -----------------------------------------------------------------------


def test_resource_holds_when_a_resource_of_the_type_exists() -> None:
    assert check({"resource": "aws_kinesis_stream"}, KINESIS)[0] is True


def test_resource_misses_when_no_resource_of_the_type_exists() -> None:
    ok, detail = check({"resource": "aws_sqs_queue"}, KINESIS)
    assert ok is False
    assert detail == "no aws_sqs_queue in the design"


def test_resource_where_miss_explains_what_was_found() -> None:
    ok, detail = check(
        {"resource": "aws_kinesis_stream", "where": {"shard_count": ">= 20"}}, KINESIS
    )
    assert ok is False
    assert detail == "no aws_kinesis_stream has shard_count >= 20 (found: events shard_count=1)"


def test_where_numeric_comparison_coerces_numeric_strings() -> None:
    text = 'resource "aws_kinesis_stream" "events" {\n  shard_count = "24"\n}\n'
    assert check({"resource": "aws_kinesis_stream", "where": {"shard_count": "> 20"}}, text)[0]


def test_where_scalar_compares_strings_case_insensitively() -> None:
    text = 'resource "aws_apigatewayv2_api" "ws" {\n  protocol_type = "WEBSOCKET"\n}\n'
    fact = {"resource": "aws_apigatewayv2_api", "where": {"protocol_type": "websocket"}}
    assert check(fact, text)[0] is True


def test_where_scalar_misses_on_a_different_value() -> None:
    text = 'resource "aws_apigatewayv2_api" "ws" {\n  protocol_type = "HTTP"\n}\n'
    fact = {"resource": "aws_apigatewayv2_api", "where": {"protocol_type": "WEBSOCKET"}}
    assert check(fact, text)[0] is False


def test_where_number_equals_the_same_number_written_as_a_string() -> None:
    text = 'resource "aws_lb_target_group" "app" {\n  port = "3000"\n}\n'
    assert check({"resource": "aws_lb_target_group", "where": {"port": 3000}}, text)[0] is True


def test_where_regex_searches_case_insensitively() -> None:
    text = 'resource "aws_db_instance" "main" {\n  engine_version = "16.4"\n}\n'
    assert check({"resource": "aws_db_instance", "where": {"engine_version": "~ ^16"}}, text)[0]
    assert not check({"resource": "aws_db_instance", "where": {"engine_version": "~ ^15"}}, text)[0]


def test_where_list_holds_when_the_value_contains_every_item() -> None:
    text = """
    resource "aws_db_instance" "main" {
      enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
    }
    """
    fact = {
        "resource": "aws_db_instance",
        "where": {"enabled_cloudwatch_logs_exports": ["POSTGRESQL"]},
    }
    assert check(fact, text)[0] is True
    fact["where"] = {"enabled_cloudwatch_logs_exports": ["postgresql", "audit"]}
    assert check(fact, text)[0] is False


def test_where_path_goes_through_nested_blocks() -> None:
    text = """
    resource "aws_dynamodb_table" "sessions" {
      ttl {
        enabled        = true
        attribute_name = "expires_at"
      }
    }
    """
    assert check({"resource": "aws_dynamodb_table", "where": {"ttl.enabled": True}}, text)[0]
    assert not check({"resource": "aws_dynamodb_table", "where": {"ttl.enabled": False}}, text)[0]


def test_where_path_through_a_list_of_blocks_holds_if_any_element_holds() -> None:
    text = """
    resource "aws_lb_listener" "https" {
      default_action {
        type = "authenticate-oidc"
      }
      default_action {
        type = "forward"
      }
    }
    """
    fact = {"resource": "aws_lb_listener", "where": {"default_action.type": "forward"}}
    assert check(fact, text)[0] is True


def test_where_misses_when_the_attribute_is_absent() -> None:
    ok, detail = check(
        {"resource": "aws_kinesis_stream", "where": {"retention_period": 24}}, KINESIS
    )
    assert ok is False
    assert "retention_period missing" in detail


def test_where_requires_every_condition_on_the_same_resource() -> None:
    text = """
    resource "aws_kinesis_stream" "a" {
      shard_count      = 1
      retention_period = 48
    }
    resource "aws_kinesis_stream" "b" {
      shard_count      = 4
      retention_period = 24
    }
    """
    fact = {"resource": "aws_kinesis_stream", "where": {"shard_count": 4, "retention_period": 48}}
    assert check(fact, text)[0] is False


# --- resolution -------------------------------------------------------------------------------


def test_where_resolves_a_variable_to_its_default() -> None:
    text = """
    variable "shards" {
      default = 32
    }
    resource "aws_kinesis_stream" "events" {
      shard_count = var.shards
    }
    """
    assert check({"resource": "aws_kinesis_stream", "where": {"shard_count": ">= 20"}}, text)[0]


def test_where_resolves_a_local_through_a_variable() -> None:
    text = """
    variable "runtime" {
      default = "python3.12"
    }
    locals {
      runtime = var.runtime
    }
    resource "aws_lambda_function" "fn" {
      runtime = local.runtime
    }
    """
    assert check({"resource": "aws_lambda_function", "where": {"runtime": "python3.12"}}, text)[0]


def test_resolution_substitutes_references_inside_a_longer_string() -> None:
    text = """
    variable "project" {
      default = "tallyho"
    }
    resource "aws_sqs_queue" "jobs" {
      name = "${var.project}-jobs"
    }
    """
    assert check({"resource": "aws_sqs_queue", "where": {"name": "tallyho-jobs"}}, text)[0]


def test_resolution_of_a_reference_cycle_stops() -> None:
    text = """
    locals {
      a = local.b
      b = local.a
    }
    resource "aws_sqs_queue" "jobs" {
      name = local.a
    }
    """
    assert check({"resource": "aws_sqs_queue", "where": {"name": "jobs"}}, text)[0] is False


def test_a_resource_reference_is_compared_as_written() -> None:
    text = """
    resource "aws_kms_key" "main" {}
    resource "aws_sqs_queue" "jobs" {
      kms_master_key_id = aws_kms_key.main.arn
    }
    """
    fact = {"resource": "aws_sqs_queue", "where": {"kms_master_key_id": "~ aws_kms_key"}}
    assert check(fact, text)[0] is True


# --- absent -----------------------------------------------------------------------------------


def test_absent_holds_when_no_resource_of_the_type_exists() -> None:
    assert check({"absent": "aws_nat_gateway"}, KINESIS)[0] is True


def test_absent_misses_when_a_resource_of_the_type_exists() -> None:
    ok, detail = check({"absent": "aws_kinesis_stream"}, KINESIS)
    assert ok is False
    assert "aws_kinesis_stream.events" in detail


def test_absent_with_where_holds_when_no_resource_matches() -> None:
    assert check({"absent": "aws_kinesis_stream", "where": {"shard_count": "> 1"}}, KINESIS)[0]


def test_absent_with_where_misses_when_a_resource_matches() -> None:
    assert not check({"absent": "aws_kinesis_stream", "where": {"shard_count": 1}}, KINESIS)[0]


# --- count ------------------------------------------------------------------------------------


def test_count_counts_a_resource_without_meta_argument_as_one() -> None:
    assert check({"count": {"resource": "aws_kinesis_stream", "min": 1, "max": 1}}, KINESIS)[0]


def test_count_reads_a_literal_count_meta_argument() -> None:
    text = 'resource "aws_nat_gateway" "main" {\n  count = 2\n}\n'
    assert check({"count": {"resource": "aws_nat_gateway", "min": 2, "max": 2}}, text)[0]
    assert not check({"count": {"resource": "aws_nat_gateway", "max": 1}}, text)[0]


def test_count_reads_a_count_from_a_variable_default() -> None:
    text = """
    variable "az_count" {
      default = 3
    }
    resource "aws_nat_gateway" "main" {
      count = var.az_count
    }
    """
    assert check({"count": {"resource": "aws_nat_gateway", "min": 3, "max": 3}}, text)[0]


def test_count_takes_an_unresolvable_count_as_one() -> None:
    text = """
    variable "ha" {}
    resource "aws_nat_gateway" "main" {
      count = var.ha ? 2 : 1
    }
    """
    assert check({"count": {"resource": "aws_nat_gateway", "min": 1, "max": 1}}, text)[0]


def test_count_reads_for_each_over_a_variable_list() -> None:
    text = """
    variable "azs" {
      default = ["a", "b", "c"]
    }
    resource "aws_subnet" "private" {
      for_each = toset(var.azs)
    }
    """
    assert check({"count": {"resource": "aws_subnet", "min": 3, "max": 3}}, text)[0]


def test_count_reads_for_each_over_a_local_map() -> None:
    text = """
    locals {
      queues = { orders = 1, refunds = 2 }
    }
    resource "aws_sqs_queue" "q" {
      for_each = local.queues
    }
    """
    assert check({"count": {"resource": "aws_sqs_queue", "min": 2, "max": 2}}, text)[0]


def test_count_reads_length_of_a_slice() -> None:
    text = """
    variable "az_count" {
      default = 3
    }
    locals {
      azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)
    }
    resource "aws_subnet" "private" {
      count = length(local.azs)
    }
    """
    assert check({"count": {"resource": "aws_subnet", "min": 3, "max": 3}}, text)[0]


def test_count_reads_a_conditional_count_on_a_variable() -> None:
    text = """
    variable "ha" {
      default = true
    }
    resource "aws_nat_gateway" "main" {
      count = var.ha ? 3 : 1
    }
    """
    assert check({"count": {"resource": "aws_nat_gateway", "min": 3, "max": 3}}, text)[0]


def test_where_resolves_each_value_per_for_each_instance() -> None:
    text = """
    variable "alert_emails" {
      default = ["ops@tallyho.io", "cto@tallyho.io"]
    }
    resource "aws_sns_topic_subscription" "email" {
      for_each = toset(var.alert_emails)
      protocol = "email"
      endpoint = each.value
    }
    """
    fact = {"resource": "aws_sns_topic_subscription", "where": {"endpoint": "cto@tallyho.io"}}
    assert check(fact, text)[0] is True
    fact = {
        "count": {
            "resource": "aws_sns_topic_subscription",
            "where": {"endpoint": "~ cto"},
            "max": 1,
        }
    }
    assert check(fact, text)[0] is True


def test_count_adds_up_matching_resources_only() -> None:
    text = """
    resource "aws_subnet" "public" {
      count = 2
      tags  = { Tier = "public" }
    }
    resource "aws_subnet" "private" {
      count = 3
      tags  = { Tier = "private" }
    }
    """
    fact = {
        "count": {"resource": "aws_subnet", "where": {"tags.Tier": "private"}, "min": 3, "max": 3}
    }
    assert check(fact, text)[0] is True
    ok, detail = check({"count": {"resource": "aws_subnet", "min": 6}}, text)
    assert ok is False
    assert "5 aws_subnet instances" in detail


# --- link -------------------------------------------------------------------------------------

QUEUE_AND_FUNCTION = """
resource "aws_sqs_queue" "jobs" {}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
}
"""


def test_link_holds_on_a_direct_reference() -> None:
    text = (
        QUEUE_AND_FUNCTION
        + """
    resource "aws_sqs_queue_policy" "jobs" {
      queue_url = aws_sqs_queue.jobs.id
    }
    """
    )
    assert check({"link": ["aws_sqs_queue_policy", "aws_sqs_queue"]}, text)[0] is True


def test_link_holds_on_a_reference_in_the_reverse_direction() -> None:
    text = """
    resource "aws_sqs_queue" "jobs" {}
    resource "aws_sqs_queue_policy" "jobs" {
      queue_url = aws_sqs_queue.jobs.id
    }
    """
    assert check({"link": ["aws_sqs_queue", "aws_sqs_queue_policy"]}, text)[0] is True


def test_link_holds_through_a_third_resource() -> None:
    text = (
        QUEUE_AND_FUNCTION
        + """
    resource "aws_lambda_event_source_mapping" "jobs" {
      event_source_arn = aws_sqs_queue.jobs.arn
      function_name    = aws_lambda_function.worker.arn
    }
    """
    )
    ok, detail = check({"link": ["aws_lambda_function", "aws_sqs_queue"]}, text)
    assert ok is True
    assert "aws_lambda_event_source_mapping.jobs" in detail


def test_link_finds_a_reference_inside_jsonencode() -> None:
    text = """
    resource "aws_sqs_queue" "jobs" {}
    resource "aws_iam_policy" "send" {
      policy = jsonencode({
        Statement = [{ Action = "sqs:SendMessage", Resource = aws_sqs_queue.jobs.arn }]
      })
    }
    """
    assert check({"link": ["aws_iam_policy", "aws_sqs_queue"]}, text)[0] is True


def test_link_finds_a_reference_inside_an_interpolated_string() -> None:
    text = """
    resource "aws_s3_bucket" "site" {}
    resource "aws_s3_bucket_policy" "site" {
      policy = "{\\"Resource\\": \\"${aws_s3_bucket.site.arn}/*\\"}"
    }
    """
    assert check({"link": ["aws_s3_bucket_policy", "aws_s3_bucket"]}, text)[0] is True


def test_link_follows_depends_on() -> None:
    text = """
    resource "aws_internet_gateway" "main" {}
    resource "aws_eip" "nat" {
      depends_on = [aws_internet_gateway.main]
    }
    """
    assert check({"link": ["aws_eip", "aws_internet_gateway"]}, text)[0] is True


def test_link_misses_when_nothing_refers_across() -> None:
    ok, detail = check({"link": ["aws_lambda_function", "aws_sqs_queue"]}, QUEUE_AND_FUNCTION)
    assert ok is False
    assert "no reference between aws_lambda_function and aws_sqs_queue" in detail


def test_link_misses_when_a_type_is_missing() -> None:
    ok, detail = check({"link": ["aws_lambda_function", "aws_sns_topic"]}, QUEUE_AND_FUNCTION)
    assert ok is False
    assert "aws_sns_topic" in detail


def test_link_ignores_a_string_that_only_looks_like_a_reference() -> None:
    text = (
        QUEUE_AND_FUNCTION
        + """
    resource "aws_ssm_parameter" "note" {
      value = "aws_sqs_queue.jobs and aws_lambda_function.worker"
    }
    """
    )
    assert check({"link": ["aws_lambda_function", "aws_sqs_queue"]}, text)[0] is False


# --- no_open_ingress --------------------------------------------------------------------------


def test_no_open_ingress_holds_for_private_rules_and_open_egress() -> None:
    text = """
    resource "aws_security_group" "app" {
      ingress {
        from_port   = 443
        to_port     = 443
        protocol    = "tcp"
        cidr_blocks = ["10.0.0.0/16"]
      }
      egress {
        from_port   = 0
        to_port     = 0
        protocol    = "-1"
        cidr_blocks = ["0.0.0.0/0"]
      }
    }
    resource "aws_lb" "internal" {
      internal = true
    }
    """
    assert check({"no_open_ingress": True}, text)[0] is True


def test_no_open_ingress_misses_an_open_inline_ingress_block() -> None:
    text = """
    resource "aws_security_group" "web" {
      ingress {
        from_port   = 22
        to_port     = 22
        protocol    = "tcp"
        cidr_blocks = ["0.0.0.0/0"]
      }
    }
    """
    ok, detail = check({"no_open_ingress": True}, text)
    assert ok is False
    assert "aws_security_group.web" in detail


def test_no_open_ingress_misses_an_open_security_group_rule_of_type_ingress() -> None:
    text = """
    variable "everyone" {
      default = ["0.0.0.0/0"]
    }
    resource "aws_security_group_rule" "ssh" {
      type        = "ingress"
      from_port   = 22
      to_port     = 22
      protocol    = "tcp"
      cidr_blocks = var.everyone
    }
    """
    assert check({"no_open_ingress": True}, text)[0] is False


def test_no_open_ingress_ignores_an_open_security_group_rule_of_type_egress() -> None:
    text = """
    resource "aws_security_group_rule" "out" {
      type        = "egress"
      from_port   = 0
      to_port     = 0
      protocol    = "-1"
      cidr_blocks = ["0.0.0.0/0"]
    }
    """
    assert check({"no_open_ingress": True}, text)[0] is True


def test_no_open_ingress_misses_an_open_vpc_ingress_rule() -> None:
    text = """
    resource "aws_vpc_security_group_ingress_rule" "https_v6" {
      security_group_id = "sg-1"
      cidr_ipv6         = "::/0"
      from_port         = 443
      to_port           = 443
      ip_protocol       = "tcp"
    }
    """
    assert check({"no_open_ingress": True}, text)[0] is False


def test_no_open_ingress_misses_an_internet_facing_load_balancer() -> None:
    text = """
    resource "aws_lb" "app" {
      internal = false
    }
    """
    ok, detail = check({"no_open_ingress": True}, text)
    assert ok is False
    assert "aws_lb.app" in detail


def test_no_open_ingress_holds_for_an_internet_facing_balancer_admitting_only_an_office() -> None:
    text = """
    resource "aws_lb" "app" {
      internal        = false
      security_groups = [aws_security_group.alb.id]
    }
    resource "aws_vpc_security_group_ingress_rule" "office" {
      security_group_id = aws_security_group.alb.id
      cidr_ipv4         = "203.0.113.0/24"
    }
    """
    assert check({"no_open_ingress": True}, text)[0] is True


# --- value_anywhere ---------------------------------------------------------------------------


def test_value_anywhere_finds_text_in_a_resolved_attribute() -> None:
    text = """
    variable "domain" {
      default = "Tallyho.io"
    }
    resource "aws_acm_certificate" "api" {
      domain_name = "api.${var.domain}"
    }
    """
    assert check({"value_anywhere": "API.tallyho.io"}, text)[0] is True


def test_value_anywhere_finds_text_in_a_variable_default() -> None:
    text = 'variable "alert_emails" {\n  default = ["ops@tallyho.io"]\n}\n'
    assert check({"value_anywhere": "ops@tallyho.io"}, text)[0] is True


def test_value_anywhere_finds_text_in_a_local() -> None:
    text = 'locals {\n  team = "payments"\n}\n'
    assert check({"value_anywhere": "Payments"}, text)[0] is True


def test_value_anywhere_misses_text_written_nowhere() -> None:
    assert check({"value_anywhere": "ops@tallyho.io"}, KINESIS)[0] is False


# --- cost_at_most_usd -------------------------------------------------------------------------


def test_cost_at_most_holds_under_the_limit() -> None:
    assert check({"cost_at_most_usd": 800}, document={**DESIGNED, "cost": {"total_usd": 612.4}})[0]


def test_cost_at_most_misses_over_the_limit() -> None:
    ok, detail = check(
        {"cost_at_most_usd": 500}, document={**DESIGNED, "cost": {"total_usd": 612.4}}
    )
    assert ok is False
    assert "612.40" in detail


def test_cost_at_most_misses_without_a_cost_estimate() -> None:
    assert check({"cost_at_most_usd": 500})[0] is False


def test_cost_at_most_holds_when_the_ledger_reports_the_budget_in_conflict() -> None:
    document = with_ledger(
        {
            "quote": "under 100 USD",
            "kind": "budget",
            "key": "budget",
            "value": 100,
            "status": "conflict",
        },
        cost={"total_usd": 612.4},
    )
    assert check({"cost_at_most_usd": 100}, document=document)[0] is True


def test_cost_at_most_misses_when_the_ledger_says_the_budget_was_honored() -> None:
    document = with_ledger(
        {
            "quote": "under 100 USD",
            "kind": "budget",
            "key": "budget",
            "value": 100,
            "status": "honored",
        },
        cost={"total_usd": 612.4},
    )
    assert check({"cost_at_most_usd": 100}, document=document)[0] is False


# --- any_of -----------------------------------------------------------------------------------


def test_any_of_holds_when_one_listed_fact_holds() -> None:
    fact = {"any_of": [{"resource": "aws_msk_cluster"}, {"resource": "aws_kinesis_stream"}]}
    assert check(fact, KINESIS)[0] is True


def test_any_of_misses_when_no_listed_fact_holds() -> None:
    fact = {"any_of": [{"resource": "aws_msk_cluster"}, {"absent": "aws_kinesis_stream"}]}
    ok, detail = check(fact, KINESIS)
    assert ok is False
    assert "aws_msk_cluster" in detail


# --- unsupported asks -------------------------------------------------------------------------


def test_unsupported_is_reported_when_an_unsupported_quote_contains_the_words() -> None:
    document = with_ledger({"quote": "host it on a SageMaker endpoint", "status": "unsupported"})
    assert facts.unsupported_reported("sagemaker", document)[0] is True


def test_unsupported_is_reported_when_the_quote_is_contained_in_the_words() -> None:
    document = with_ledger({"quote": "SageMaker", "status": "unsupported"})
    assert facts.unsupported_reported("a SageMaker endpoint", document)[0] is True


def test_unsupported_is_reported_when_the_value_contains_the_words() -> None:
    document = with_ledger({"quote": "the model", "value": "sagemaker", "status": "unsupported"})
    assert facts.unsupported_reported("SageMaker", document)[0] is True


def test_unsupported_is_not_reported_by_an_entry_of_another_status() -> None:
    document = with_ledger({"quote": "SageMaker", "status": "honored"})
    assert facts.unsupported_reported("SageMaker", document)[0] is False


def test_unsupported_is_not_reported_without_a_ledger() -> None:
    ok, detail = facts.unsupported_reported("SageMaker", DESIGNED)
    assert ok is False
    assert "no ledger" in detail


# --- validation -------------------------------------------------------------------------------


def test_validation_rejects_an_unknown_fact_form() -> None:
    with pytest.raises(facts.FactSyntaxError, match="exists"):
        facts.validate_fact({"class": "service", "says": "x", "exists": "aws_sqs_queue"})


def test_validation_rejects_unknown_where_syntax() -> None:
    fact = {"class": "parameter", "says": "x", "resource": "aws_sqs_queue", "where": {"a": "!= 3"}}
    with pytest.raises(facts.FactSyntaxError) as raised:
        facts.validate_fact(fact, "facts[2]")
    assert raised.value.field == "facts[2].where.a"


def test_validation_rejects_an_unknown_class() -> None:
    with pytest.raises(facts.FactSyntaxError, match="class"):
        facts.validate_fact({"class": "security", "says": "x", "resource": "aws_sqs_queue"})


# --- the runner -------------------------------------------------------------------------------


def run_eval(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUNNER), "--requests", str(folder), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def test_a_malformed_request_file_exits_2_naming_the_file_and_the_field(tmp_path: Path) -> None:
    (tmp_path / "en-bad.yaml").write_text(
        textwrap.dedent(
            """\
            id: en-bad
            language: en
            source: test
            request: A queue in Tokyo
            facts:
              - {class: service, says: queue, resource: aws_sqs_queue}
              - {class: parameter, says: queue, resource: aws_sqs_queue, where: {delay_seconds: "!= 3"}}
            """
        ),
        encoding="utf-8",
    )
    completed = run_eval(tmp_path)
    assert completed.returncode == 2
    assert "en-bad.yaml" in completed.stderr
    assert "facts[1].where.delay_seconds" in completed.stderr


FINAL_LINE = re.compile(
    r"^fidelity: (\d+\.\d)% of (\d+) facts in (\d+) requests \(unsupported reported: (\d+(?:\.\d)?)%\)$"
)


@pytest.mark.slow
def test_the_runner_ends_with_the_fidelity_line(tmp_path: Path) -> None:
    (tmp_path / "en-cdn.yaml").write_text(
        textwrap.dedent(
            """\
            id: en-cdn
            language: en
            source: test
            request: A static website with a CDN in Tokyo
            facts:
              - {class: region, says: Tokyo, region: ap-northeast-1}
              - {class: service, says: CDN, resource: aws_cloudfront_distribution}
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "en-miss.yaml").write_text(
        textwrap.dedent(
            """\
            id: en-miss
            language: en
            source: test
            request: A static website with a CDN in Tokyo
            facts:
              - {class: region, says: Tokyo, region: eu-west-1}
              - {class: service, says: website, resource: aws_no_such_thing}
            unsupported:
              - says: a quantum annealer
            """
        ),
        encoding="utf-8",
    )
    completed = run_eval(tmp_path, "--misses")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    match = FINAL_LINE.match(lines[-1])
    assert match is not None, lines[-1]
    assert match.groups() == ("50.0", "4", "2", "0.0"), completed.stdout
    assert any(line.strip().startswith("en-miss · region · Tokyo · ") for line in lines)
    assert any("en-miss · unsupported · a quantum annealer" in line for line in lines)


def test_a_variable_inside_an_expression_is_read_as_its_default() -> None:
    text = """
variable "container_port" {
  default = 3000
}
resource "aws_ecs_task_definition" "app" {
  container_definitions = jsonencode([{ name = "app", portMappings = [{ containerPort = var.container_port }] }])
}
"""
    ok, _ = check(
        {"resource": "aws_ecs_task_definition", "where": {"container_definitions": "~ 3000"}}, text
    )
    missed, _ = check(
        {"resource": "aws_ecs_task_definition", "where": {"container_definitions": "~ 8080"}}, text
    )
    assert ok and not missed


@pytest.mark.slow
def test_deep_runs_terraform_validate_and_checkov_on_every_design(tmp_path: Path) -> None:
    require_tool("terraform", "--deep runs terraform validate")
    (tmp_path / "en-site.yaml").write_text(
        textwrap.dedent(
            """\
            id: en-site
            language: en
            source: test
            request: A static website with a CDN in Tokyo
            facts:
              - {class: region, says: Tokyo, region: ap-northeast-1}
            """
        ),
        encoding="utf-8",
    )
    completed = run_eval(tmp_path, "--deep", "-j", "1")
    assert completed.returncode == 0, completed.stderr
    assert "deep validation: 1 of 1 designs pass terraform validate and checkov" in completed.stdout
