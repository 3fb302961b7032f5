"""The services priced since the review (Firehose, MSK, OpenSearch, Amazon MQ, VPNs, ...) against
literal figures: us-east-1 list prices as data/price-list/manual.json records them (several
agree with infracost's golden files, named there), never the look-up that produced them."""

from __future__ import annotations

import pytest

from autcloud.agent.cost import CostEstimate, CostLine, UsageAssumptions, estimate_cost
from autcloud.agent.tfparse import load_texts

VIRGINIA = "us-east-1"


def estimate(text: str, usage: UsageAssumptions | None = None) -> CostEstimate:
    return estimate_cost(load_texts({"main.tf": text}), VIRGINIA, usage)


def only(text: str, usage: UsageAssumptions | None = None) -> CostLine:
    (line,) = [item for item in estimate(text, usage).lines if item.monthly_usd or not item.priced]
    assert line.priced, line.basis
    return line


def test_msk_brokers_and_their_storage() -> None:
    line = only("""
resource "aws_msk_cluster" "main" {
  number_of_broker_nodes = 3
  broker_node_group_info {
    instance_type = "kafka.m7g.large"
    storage_info {
      ebs_storage_info { volume_size = 500 }
    }
  }
}""")
    # 3 × ($0.204 × 730 h + 500 GB × $0.10)
    assert line.monthly_usd == pytest.approx(596.76)


def test_msk_serverless() -> None:
    line = only('resource "aws_msk_serverless_cluster" "main" { cluster_name = "k" }')
    # $0.75 × 730 + 10 partitions × $0.0015 × 730 + 10 GB × ($0.10 in + $0.05 out + $0.10 stored)
    assert line.monthly_usd == pytest.approx(547.5 + 10.95 + 2.5)


def test_opensearch_data_nodes_and_volumes() -> None:
    line = only("""
resource "aws_opensearch_domain" "search" {
  cluster_config {
    instance_type  = "r6g.large.search"
    instance_count = 3
  }
  ebs_options {
    ebs_enabled = true
    volume_type = "gp3"
    volume_size = 100
  }
}""")
    # 3 × $0.167 × 730 + 3 × 100 GB × $0.122
    assert line.monthly_usd == pytest.approx(365.73 + 36.6)


def test_an_opensearch_type_the_table_lacks_is_not_priced_with_the_reason() -> None:
    result = estimate("""
resource "aws_opensearch_domain" "search" {
  cluster_config { instance_type = "x9.large.search" }
}""")
    (line,) = result.unpriced
    assert "x9.large.search is not in the price table" in line.basis


def test_firehose_ingest_and_format_conversion() -> None:
    plain = only('resource "aws_kinesis_firehose_delivery_stream" "s" { destination = "s3" }')
    assert plain.monthly_usd == pytest.approx(10 * 0.029)
    converted = only("""
resource "aws_kinesis_firehose_delivery_stream" "s" {
  destination = "extended_s3"
  extended_s3_configuration {
    data_format_conversion_configuration { enabled = true }
  }
}""")
    assert converted.monthly_usd == pytest.approx(10 * (0.029 + 0.018))


def test_firehose_into_a_vpc_pays_per_az_hour() -> None:
    line = only("""
resource "aws_kinesis_firehose_delivery_stream" "s" {
  destination = "opensearch"
  opensearch_configuration {
    vpc_config { subnet_ids = ["subnet-a", "subnet-b"] }
  }
}""")
    assert line.monthly_usd == pytest.approx(10 * 0.029 + 2 * 0.01 * 730 + 10 * 0.01)


def test_nat_data_processing_follows_the_usage() -> None:
    line = only('resource "aws_nat_gateway" "a" {}', UsageAssumptions(nat_gb_per_month=1000))
    assert line.monthly_usd == pytest.approx(730 * 0.045 + 1000 * 0.045)


def test_amazon_mq_cluster() -> None:
    line = only("""
resource "aws_mq_broker" "main" {
  engine_type        = "RabbitMQ"
  host_instance_type = "mq.m5.large"
  deployment_mode    = "CLUSTER_MULTI_AZ"
}""")
    assert line.monthly_usd == pytest.approx(3 * 0.288 * 730 + 20 * 0.10)


def test_vpns() -> None:
    assert only('resource "aws_vpn_connection" "o" { type = "ipsec.1" }').monthly_usd == (
        pytest.approx(36.5)
    )
    result = estimate("""
resource "aws_ec2_client_vpn_endpoint" "main" { client_cidr_block = "10.100.0.0/22" }
resource "aws_ec2_client_vpn_network_association" "a" {
  count                  = 2
  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.main.id
}""")
    by_address = {line.address: line.monthly_usd for line in result.lines}
    assert by_address["aws_ec2_client_vpn_endpoint.main"] == pytest.approx(880 * 0.05)
    assert by_address["aws_ec2_client_vpn_network_association.a"] == pytest.approx(2 * 73.0)


def test_step_functions() -> None:
    standard = only('resource "aws_sfn_state_machine" "w" { type = "STANDARD" }')
    assert standard.monthly_usd == pytest.approx(100_000 / 1000 * 0.025)
    express = only('resource "aws_sfn_state_machine" "w" { type = "EXPRESS" }')
    gb_hours = 1_000_000 * 0.2 / 3600 * 0.0625
    assert express.monthly_usd == pytest.approx(1.0 + gb_hours * 0.060012)


def test_lambda_provisioned_concurrency_follows_the_function_through_its_alias() -> None:
    result = estimate("""
resource "aws_lambda_function" "api" {
  memory_size   = 1024
  architectures = ["arm64"]
}
resource "aws_lambda_alias" "live" { function_name = aws_lambda_function.api.function_name }
resource "aws_lambda_provisioned_concurrency_config" "api" {
  function_name                     = aws_lambda_alias.live.function_name
  provisioned_concurrent_executions = 2
}""")
    line = next(i for i in result.lines if i.resource_type.endswith("concurrency_config"))
    assert line.monthly_usd == pytest.approx(2 * 1 * 730 * 3600 * 0.0000033334)


def test_rds_proxy_bills_the_vcpus_behind_it() -> None:
    result = estimate("""
resource "aws_rds_cluster" "main" { engine = "aurora-postgresql" }
resource "aws_rds_cluster_instance" "main" {
  count              = 2
  cluster_identifier = aws_rds_cluster.main.id
  instance_class     = "db.r6g.xlarge"
}
resource "aws_db_proxy" "main" { engine_family = "POSTGRESQL" }
resource "aws_db_proxy_default_target_group" "main" { db_proxy_name = aws_db_proxy.main.name }
resource "aws_db_proxy_target" "main" {
  db_proxy_name         = aws_db_proxy.main.name
  target_group_name     = aws_db_proxy_default_target_group.main.name
  db_cluster_identifier = aws_rds_cluster.main.cluster_identifier
}""")
    line = next(i for i in result.lines if i.address == "aws_db_proxy.main")
    assert line.monthly_usd == pytest.approx(2 * 4 * 0.015 * 730)  # 2 × db.r6g.xlarge: 8 vCPUs
    assert result.unpriced == []


def test_redshift_serverless_app_runner_and_usage_billed_services() -> None:
    workgroup = only('resource "aws_redshiftserverless_workgroup" "w" { base_capacity = 8 }')
    assert workgroup.monthly_usd == pytest.approx(8 * 60 * 0.375)
    runner = only("""
resource "aws_apprunner_service" "app" {
  instance_configuration {
    cpu    = "1024"
    memory = "2048"
  }
}""")
    assert runner.monthly_usd == pytest.approx(2 * 0.007 * 730 + 0.064 * 182.5)
    assert only('resource "aws_config_config_rule" "r" {}').monthly_usd == pytest.approx(5.0)
    assert only('resource "aws_config_configuration_recorder" "r" {}').monthly_usd == (
        pytest.approx(3.0)
    )
    assert only('resource "aws_guardduty_detector" "d" {}').monthly_usd == pytest.approx(7.0)
    assert only('resource "aws_securityhub_account" "a" {}').monthly_usd == pytest.approx(10.0)
    assert only('resource "aws_appsync_graphql_api" "g" {}').monthly_usd == pytest.approx(4.0)
    rule = only('resource "aws_iot_topic_rule" "t" {\n  kinesis {}\n  lambda {}\n}')
    assert rule.monthly_usd == pytest.approx(0.15 + 2 * 0.15)


def test_cognito_within_the_free_users_is_priced_at_zero() -> None:
    result = estimate('resource "aws_cognito_user_pool" "u" { name = "u" }')
    (line,) = result.lines
    assert line.priced and line.monthly_usd == 0 and "10,000 free" in line.basis
    busy = estimate(
        'resource "aws_cognito_user_pool" "u" { name = "u" }',
        UsageAssumptions(cognito_monthly_active_users=20_000),
    )
    assert busy.total_usd == pytest.approx(10_000 * 0.015)


def test_a_mixed_instances_group_finds_its_launch_template() -> None:
    result = estimate("""
resource "aws_launch_template" "app" { instance_type = "m6i.large" }
resource "aws_autoscaling_group" "app" {
  min_size         = 2
  desired_capacity = 2
  mixed_instances_policy {
    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.app.id
      }
    }
  }
}""")
    line = next(i for i in result.lines if i.address == "aws_autoscaling_group.app")
    assert line.priced and line.monthly_usd == pytest.approx(2 * (0.096 * 730 + 8 * 0.08))


def test_a_node_group_type_from_a_variable_is_priced() -> None:
    result = estimate("""
variable "node_instance_type" { default = "g5.xlarge" }
resource "aws_eks_node_group" "gpu" {
  instance_types = [var.node_instance_type]
  scaling_config { desired_size = 1 }
}""")
    (line,) = result.lines
    assert line.priced and line.monthly_usd == pytest.approx(1.006 * 730 + 20 * 0.08)
