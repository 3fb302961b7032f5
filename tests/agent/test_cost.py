"""estimate_cost prices hand-written Terraform from the shipped table.

Expected figures are computed from the table itself (``price_of``), so the tests check the
arithmetic and the rules, not today's prices.
"""

from __future__ import annotations

import json

import pytest

from autcloud.agent.cost import (
    NO_CHARGE,
    NOT_PRICED,
    PRICED_TYPES,
    CostEstimate,
    CostLine,
    PriceNotFoundError,
    UsageAssumptions,
    default_table,
    estimate_cost,
    price_of,
)
from autcloud.agent.regions import REGIONS
from autcloud.agent.tfparse import load_texts

SEOUL = "ap-northeast-2"
VIRGINIA = "us-east-1"
HOURS = UsageAssumptions().hours_per_month


def estimate(text: str, region: str = SEOUL, usage: UsageAssumptions | None = None) -> CostEstimate:
    return estimate_cost(load_texts({"main.tf": text}), region, usage)


def line(result: CostEstimate, address: str) -> CostLine:
    return next(item for item in result.lines if item.address == address)


# --- the table ---------------------------------------------------------------------------------


def test_the_table_states_its_date_source_and_currency() -> None:
    table = default_table()
    assert table.as_of and table.source and table.currency == "USD"
    assert "approximate" in table.source.lower() or "approximate" in table.note.lower()


def test_the_table_prices_every_region_of_the_region_list() -> None:
    for region in REGIONS:
        assert price_of("nat_gateway_hour", region.code) > 0


@pytest.mark.parametrize("family", ["t3", "t4g", "m6i", "m7g", "c6i", "c7g", "r6i"])
def test_the_common_ec2_families_are_priced_up_to_2xlarge(family: str) -> None:
    names = default_table().names("ec2_instance_hour")
    assert f"{family}.large" in names and f"{family}.2xlarge" in names


def test_a_region_override_wins_over_the_multiplier() -> None:
    table = default_table()
    assert price_of("nat_gateway_hour", SEOUL) == table.region_overrides[SEOUL]["nat_gateway_hour"]


def test_a_regional_price_without_override_is_the_base_times_the_multiplier() -> None:
    table = default_table()
    base = price_of("ec2_instance_hour", VIRGINIA, "m6i.large")
    expected = base * table.region_multipliers["eu-central-1"]
    assert price_of("ec2_instance_hour", "eu-central-1", "m6i.large") == pytest.approx(expected)


def test_a_global_price_is_the_same_in_every_region() -> None:
    assert price_of("kms_key_month", SEOUL) == price_of("kms_key_month", VIRGINIA)


def test_an_unknown_kind_names_the_kinds_the_table_has() -> None:
    with pytest.raises(PriceNotFoundError, match="nat_gateway_hour"):
        price_of("teleporter_hour", SEOUL)


def test_an_unknown_name_names_the_names_the_kind_has() -> None:
    with pytest.raises(PriceNotFoundError, match=r"t3\.micro"):
        price_of("ec2_instance_hour", SEOUL, "z9.huge")


def test_an_unknown_region_is_refused_with_the_valid_codes() -> None:
    with pytest.raises(ValueError, match="ap-northeast-2"):
        price_of("nat_gateway_hour", "moon-base-1")


# --- free, unknown, totals -------------------------------------------------------------------


FREE_NETWORK = """
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" { vpc_id = aws_vpc.main.id }
resource "aws_security_group" "web" { vpc_id = aws_vpc.main.id }
resource "aws_route_table" "private" { vpc_id = aws_vpc.main.id }
resource "aws_iam_role" "task" { name = "task" }
"""


def test_free_resources_cost_nothing_and_say_so() -> None:
    result = estimate(FREE_NETWORK)
    assert [(item.monthly_usd, item.basis) for item in result.lines] == [(0.0, NO_CHARGE)] * 5
    assert result.total_usd == 0
    assert result.unpriced == []


def test_an_unknown_type_is_not_priced_and_listed_separately() -> None:
    # A type no pricer knows and no free list names (Neptune is not priced yet).
    result = estimate('resource "aws_neptune_cluster" "graph" { cluster_identifier = "g" }')
    graph = line(result, "aws_neptune_cluster.graph")
    assert (graph.monthly_usd, graph.basis, graph.priced) == (0.0, NOT_PRICED, False)
    assert [item.address for item in result.unpriced] == ["aws_neptune_cluster.graph"]


def test_the_total_is_the_sum_of_the_lines() -> None:
    result = estimate(
        'resource "aws_nat_gateway" "a" {}\nresource "aws_kms_key" "k" {}\n'
        'resource "aws_lb" "web" {}\n'
    )
    assert result.total_usd == pytest.approx(sum(item.monthly_usd for item in result.lines))


def test_data_sources_are_not_lines() -> None:
    result = estimate('data "aws_availability_zones" "all" {}\nresource "aws_kms_key" "k" {}')
    assert [item.address for item in result.lines] == ["aws_kms_key.k"]


def test_every_priced_type_yields_a_line_from_minimal_attributes() -> None:
    text = "\n".join(f'resource "{rtype}" "x" {{}}' for rtype in sorted(PRICED_TYPES))
    result = estimate(text)
    assert len(result.lines) == len(PRICED_TYPES)
    for item in result.unpriced:
        assert item.basis.startswith(f"{NOT_PRICED}: "), item


# --- EC2, counts and references ------------------------------------------------------------


def test_an_instance_is_priced_by_the_hour_with_its_root_volume() -> None:
    result = estimate('resource "aws_instance" "web" { instance_type = "t3.micro" }')
    expected = price_of("ec2_instance_hour", SEOUL, "t3.micro") * HOURS + 8 * price_of(
        "ebs_gb_month", SEOUL, "gp3"
    )
    assert line(result, "aws_instance.web").monthly_usd == pytest.approx(expected)


def test_count_multiplies_the_line() -> None:
    one = estimate('resource "aws_instance" "web" { instance_type = "t3.small" }')
    three = estimate('resource "aws_instance" "web" {\n count = 3\n instance_type = "t3.small"\n}')
    assert three.total_usd == pytest.approx(3 * one.total_usd)
    assert line(three, "aws_instance.web").basis.startswith("3 instances × (")


def test_count_resolves_from_a_variable_default() -> None:
    result = estimate(
        'variable "web_count" { default = 2 }\nresource "aws_kms_key" "k" { count = var.web_count }'
    )
    assert result.total_usd == pytest.approx(2 * price_of("kms_key_month", SEOUL))


def test_an_unknowable_count_is_priced_once_with_a_note() -> None:
    result = estimate('resource "aws_kms_key" "k" { count = length(var.names) }')
    kms = line(result, "aws_kms_key.k")
    assert kms.monthly_usd == pytest.approx(price_of("kms_key_month", SEOUL))
    assert "unknown before apply" in kms.basis


def test_count_zero_creates_nothing() -> None:
    result = estimate('resource "aws_nat_gateway" "a" { count = 0 }')
    assert result.total_usd == 0


def test_for_each_over_a_literal_set_counts_its_members() -> None:
    result = estimate('resource "aws_kms_key" "k" { for_each = ["a", "b", "c"] }')
    assert result.total_usd == pytest.approx(3 * price_of("kms_key_month", SEOUL))


def test_an_instance_type_from_a_variable_default_is_priced() -> None:
    result = estimate(
        'variable "size" { default = "m7g.large" }\n'
        'resource "aws_instance" "app" { instance_type = var.size }'
    )
    hourly = price_of("ec2_instance_hour", SEOUL, "m7g.large")
    assert line(result, "aws_instance.app").monthly_usd > hourly * HOURS


def test_an_instance_type_without_a_known_value_is_not_priced_with_the_reason() -> None:
    result = estimate('resource "aws_instance" "app" { instance_type = var.size }')
    app = line(result, "aws_instance.app")
    assert not app.priced and "unknown before apply" in app.basis
    assert result.unpriced == [app]


def test_an_instance_type_missing_from_the_table_is_not_priced_with_the_reason() -> None:
    # Not an EC2 type (yet): a type the offer files do not list is reported, never guessed.
    result = estimate('resource "aws_instance" "app" { instance_type = "m99.large" }')
    assert "m99.large is not in the price table" in line(result, "aws_instance.app").basis


AUTOSCALED = """
resource "aws_launch_template" "web" {
  instance_type = "t4g.small"
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 30
      volume_type = "gp3"
    }
  }
}
resource "aws_autoscaling_group" "web" {
  min_size = 2
  max_size = 6
  %s
  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
}
"""


def _server_month(instance_type: str, disk_gb: float) -> float:
    return price_of("ec2_instance_hour", SEOUL, instance_type) * HOURS + disk_gb * price_of(
        "ebs_gb_month", SEOUL, "gp3"
    )


def test_an_autoscaling_group_runs_its_desired_capacity_of_the_template() -> None:
    result = estimate(AUTOSCALED % "desired_capacity = 3")
    group = line(result, "aws_autoscaling_group.web")
    assert group.monthly_usd == pytest.approx(3 * _server_month("t4g.small", 30))


def test_an_autoscaling_group_without_desired_capacity_runs_its_minimum() -> None:
    result = estimate(AUTOSCALED % "")
    group = line(result, "aws_autoscaling_group.web")
    assert group.monthly_usd == pytest.approx(2 * _server_month("t4g.small", 30))


# --- containers and functions ----------------------------------------------------------------


def _fargate(arch: str, desired: str, scaling: str = "") -> str:
    return f"""
resource "aws_ecs_task_definition" "api" {{
  family = "api"
  cpu    = "512"
  memory = "2048"
  requires_compatibilities = ["FARGATE"]
  runtime_platform {{ cpu_architecture = "{arch}" }}
}}
resource "aws_ecs_service" "api" {{
  task_definition = aws_ecs_task_definition.api.arn
  launch_type     = "FARGATE"
  {desired}
}}
{scaling}
"""


def _task_month(arch: str) -> float:
    return (
        0.5 * price_of("fargate_vcpu_hour", SEOUL, arch)
        + 2 * price_of("fargate_gb_hour", SEOUL, arch)
    ) * HOURS


def test_a_fargate_service_is_its_task_size_times_its_desired_count() -> None:
    result = estimate(_fargate("X86_64", "desired_count = 3"))
    assert line(result, "aws_ecs_service.api").monthly_usd == pytest.approx(
        3 * _task_month("x86_64")
    )


def test_an_arm_task_uses_the_arm_prices() -> None:
    result = estimate(_fargate("ARM64", "desired_count = 1"))
    assert line(result, "aws_ecs_service.api").monthly_usd == pytest.approx(_task_month("arm64"))


def test_autoscaling_minimum_raises_the_running_task_count() -> None:
    scaling = """
resource "aws_appautoscaling_target" "api" {
  min_capacity = 2
  max_capacity = 10
  resource_id = "service/main/${aws_ecs_service.api.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace = "ecs"
}"""
    result = estimate(_fargate("X86_64", "desired_count = 1", scaling))
    assert line(result, "aws_ecs_service.api").monthly_usd == pytest.approx(
        2 * _task_month("x86_64")
    )


def test_a_service_on_ec2_capacity_is_priced_on_the_capacity_lines() -> None:
    text = 'resource "aws_ecs_service" "api" {\n launch_type = "EC2"\n desired_count = 2\n}'
    assert line(estimate(text), "aws_ecs_service.api").monthly_usd == 0


def test_lambda_is_requests_plus_gb_seconds() -> None:
    usage = UsageAssumptions(lambda_invocations_per_month=3_000_000, lambda_average_duration_ms=100)
    result = estimate('resource "aws_lambda_function" "f" { memory_size = 1024 }', usage=usage)
    expected = 3 * price_of("lambda_request_million", SEOUL) + 3_000_000 * 0.1 * 1 * price_of(
        "lambda_gb_second", SEOUL, "x86_64"
    )
    assert result.total_usd == pytest.approx(expected)


def test_usage_is_shared_by_resources_of_a_kind_rather_than_repeated() -> None:
    one = estimate('resource "aws_lambda_function" "a" { memory_size = 256 }')
    two = estimate(
        'resource "aws_lambda_function" "a" { memory_size = 256 }\n'
        'resource "aws_lambda_function" "b" { memory_size = 256 }'
    )
    assert two.total_usd == pytest.approx(one.total_usd)


# --- databases and caches --------------------------------------------------------------------


def _database(multi_az: str) -> str:
    return f"""
resource "aws_db_instance" "orders" {{
  engine            = "postgres"
  instance_class    = "db.t4g.medium"
  allocated_storage = 50
  storage_type      = "gp3"
  multi_az          = {multi_az}
}}"""


def test_a_single_az_database_is_instance_hours_plus_storage() -> None:
    result = estimate(_database("false"))
    expected = price_of("rds_instance_hour", SEOUL, "db.t4g.medium") * HOURS + 50 * price_of(
        "rds_storage_gb_month", SEOUL, "gp3"
    )
    assert result.total_usd == pytest.approx(expected)


def test_multi_az_doubles_a_database() -> None:
    single = estimate(_database("false")).total_usd
    assert estimate(_database("true")).total_usd == pytest.approx(2 * single)


def test_a_multi_az_basis_shows_the_doubling() -> None:
    basis = line(estimate(_database("true")), "aws_db_instance.orders").basis
    assert "2 × db.t4g.medium Multi-AZ × 730 h" in basis


def test_multi_az_resolves_from_a_variable_default() -> None:
    text = 'variable "ha" { default = true }\n' + _database("var.ha")
    assert estimate(text).total_usd == pytest.approx(estimate(_database("true")).total_usd)


def test_aurora_serverless_pays_the_average_acus_between_its_bounds() -> None:
    usage = UsageAssumptions(aurora_acu_utilisation=0.5)
    text = """
resource "aws_rds_cluster" "main" {
  engine = "aurora-postgresql"
  serverlessv2_scaling_configuration {
    min_capacity = 1
    max_capacity = 5
  }
}
resource "aws_rds_cluster_instance" "writer" {
  cluster_identifier = aws_rds_cluster.main.id
  instance_class     = "db.serverless"
}"""
    writer = line(estimate(text, usage=usage), "aws_rds_cluster_instance.writer")
    assert writer.monthly_usd == pytest.approx(
        3 * price_of("aurora_serverless_v2_acu_hour", SEOUL) * HOURS
    )


def test_an_aurora_instance_class_uses_the_aurora_prices() -> None:
    text = 'resource "aws_rds_cluster_instance" "r" { instance_class = "db.r6g.large" }'
    assert estimate(text).total_usd == pytest.approx(
        price_of("aurora_instance_hour", SEOUL, "db.r6g.large") * HOURS
    )


def test_a_replication_group_pays_for_each_cache_cluster() -> None:
    text = """
resource "aws_elasticache_replication_group" "cache" {
  node_type          = "cache.t4g.small"
  num_cache_clusters = 3
}"""
    assert estimate(text).total_usd == pytest.approx(
        3 * price_of("elasticache_node_hour", SEOUL, "cache.t4g.small") * HOURS
    )


def test_an_on_demand_table_pays_per_request_and_a_provisioned_one_per_capacity_hour() -> None:
    usage = UsageAssumptions(
        dynamodb_reads_per_month=2e6, dynamodb_writes_per_month=1e6, dynamodb_storage_gb=0
    )
    on_demand = estimate(
        'resource "aws_dynamodb_table" "t" { billing_mode = "PAY_PER_REQUEST" }', usage=usage
    )
    provisioned = estimate(
        'resource "aws_dynamodb_table" "t" {\n read_capacity = 10\n write_capacity = 5\n}',
        usage=usage,
    )
    assert on_demand.total_usd == pytest.approx(
        2 * price_of("dynamodb_read_request_million", SEOUL)
        + price_of("dynamodb_write_request_million", SEOUL)
    )
    assert provisioned.total_usd == pytest.approx(
        (10 * price_of("dynamodb_rcu_hour", SEOUL) + 5 * price_of("dynamodb_wcu_hour", SEOUL))
        * HOURS
    )


# --- network and edge ------------------------------------------------------------------------


def test_a_nat_gateway_is_hours_plus_processed_gigabytes() -> None:
    usage = UsageAssumptions(nat_gb_per_month=100)
    result = estimate('resource "aws_nat_gateway" "a" {}', usage=usage)
    expected = price_of("nat_gateway_hour", SEOUL) * HOURS + 100 * price_of("nat_gateway_gb", SEOUL)
    assert result.total_usd == pytest.approx(expected)


def test_the_same_design_costs_what_each_region_charges() -> None:
    text = 'resource "aws_nat_gateway" "a" {}\nresource "aws_instance" "b" { instance_type = "m6i.large" }'
    usage = UsageAssumptions(nat_gb_per_month=0)
    for region in (SEOUL, VIRGINIA, "sa-east-1"):
        expected = (
            price_of("nat_gateway_hour", region)
            + price_of("ec2_instance_hour", region, "m6i.large")
        ) * HOURS + 8 * price_of("ebs_gb_month", region, "gp3")
        assert estimate(text, region, usage).total_usd == pytest.approx(expected)
    assert estimate(text, SEOUL).total_usd > estimate(text, VIRGINIA).total_usd


def test_a_load_balancer_is_hours_plus_capacity_units() -> None:
    usage = UsageAssumptions(alb_average_lcu=2)
    result = estimate('resource "aws_lb" "web" { load_balancer_type = "application" }', usage=usage)
    expected = (price_of("alb_hour", SEOUL) + 2 * price_of("alb_lcu_hour", SEOUL)) * HOURS
    assert result.total_usd == pytest.approx(expected)


def test_a_gateway_endpoint_is_free_and_an_interface_endpoint_pays_per_az() -> None:
    usage = UsageAssumptions(vpc_endpoint_gb_per_month=0)
    gateway = estimate('resource "aws_vpc_endpoint" "s3" { vpc_endpoint_type = "Gateway" }')
    interface = estimate(
        'resource "aws_vpc_endpoint" "ecr" {\n vpc_endpoint_type = "Interface"\n'
        ' subnet_ids = ["subnet-a", "subnet-b", "subnet-c"]\n}',
        usage=usage,
    )
    assert gateway.total_usd == 0
    assert interface.total_usd == pytest.approx(
        3 * price_of("vpc_interface_endpoint_hour", SEOUL) * HOURS
    )


def test_a_web_acl_pays_for_itself_its_rules_and_its_requests() -> None:
    usage = UsageAssumptions(requests_per_month=10_000_000)
    text = """
resource "aws_wafv2_web_acl" "edge" {
  rule { name = "common" }
  rule { name = "bad-inputs" }
}"""
    expected = (
        price_of("waf_web_acl_month", SEOUL)
        + 2 * price_of("waf_rule_month", SEOUL)
        + 10 * price_of("waf_request_million", SEOUL)
    )
    assert estimate(text, usage=usage).total_usd == pytest.approx(expected)


def test_the_first_trail_is_free_and_a_second_is_not() -> None:
    result = estimate('resource "aws_cloudtrail" "a" {}\nresource "aws_cloudtrail" "b" {}')
    assert line(result, "aws_cloudtrail.a").monthly_usd == 0
    assert line(result, "aws_cloudtrail.b").monthly_usd > 0


def test_a_log_group_pays_ingestion_and_its_retained_storage() -> None:
    usage = UsageAssumptions(log_ingest_gb_per_month=10)
    result = estimate(
        'resource "aws_cloudwatch_log_group" "app" { retention_in_days = 90 }', usage=usage
    )
    expected = 10 * price_of("cloudwatch_logs_ingest_gb", SEOUL) + 30 * price_of(
        "cloudwatch_logs_storage_gb_month", SEOUL
    )
    assert result.total_usd == pytest.approx(expected)


def test_fewer_hours_a_month_lower_hourly_lines() -> None:
    usage = UsageAssumptions(hours_per_month=365, nat_gb_per_month=0)
    result = estimate('resource "aws_nat_gateway" "a" {}', usage=usage)
    assert result.total_usd == pytest.approx(365 * price_of("nat_gateway_hour", SEOUL))


# --- the result ------------------------------------------------------------------------------


def test_the_total_converts_to_won_at_the_tables_fixed_rate() -> None:
    result = estimate('resource "aws_nat_gateway" "a" {}')
    assert result.total_krw == pytest.approx(result.total_usd * default_table().krw_per_usd)


def test_the_total_converts_to_won_at_a_given_rate() -> None:
    result = estimate('resource "aws_nat_gateway" "a" {}')
    assert result.krw(1500) == pytest.approx(result.total_usd * 1500)


def test_a_non_positive_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        estimate('resource "aws_kms_key" "k" {}').krw(0)


def test_the_estimate_serialises_with_its_assumptions_and_provenance() -> None:
    result = estimate('resource "aws_nat_gateway" "a" {}\nresource "aws_opensearch_domain" "s" {}')
    data = json.loads(json.dumps(result.to_dict()))
    assert data["region"] == SEOUL
    assert data["as_of"] == default_table().as_of
    assert data["usage"]["hours_per_month"] == HOURS
    assert data["unpriced"] == ["aws_opensearch_domain.s"]
    assert data["total_usd"] == round(result.total_usd, 2)


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="us-east-1"):
        estimate('resource "aws_kms_key" "k" {}', region="mars-1")


def test_a_bucket_pays_storage_and_requests() -> None:
    usage = UsageAssumptions(
        s3_storage_gb=200, s3_put_requests_per_month=50_000, s3_get_requests_per_month=2_000_000
    )
    expected = (
        200 * price_of("s3_standard_gb_month", SEOUL)
        + 50 * price_of("s3_put_request_thousand", SEOUL)
        + 2_000 * price_of("s3_get_request_thousand", SEOUL)
    )
    assert estimate('resource "aws_s3_bucket" "assets" {}', usage=usage).total_usd == pytest.approx(
        expected
    )


def test_fargate_spot_tasks_are_priced_at_the_spot_rate_after_the_on_demand_base() -> None:
    text = """
resource "aws_ecs_task_definition" "app" {
  requires_compatibilities = ["FARGATE"]
  cpu    = "1024"
  memory = "2048"
}
resource "aws_ecs_service" "app" {
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 5
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 3
  }
}
"""
    service = line(estimate(text, VIRGINIA), "aws_ecs_service.app")
    # 1 base + 4 split 1:3 -> 2 on demand, 3 on Spot; us-east-1 rates from the AWS Fargate page.
    on_demand = 2 * (1 * 0.04048 + 2 * 0.004445) * 730
    spot = 3 * (1 * 0.01334053 + 2 * 0.00146489) * 730
    assert service.monthly_usd == pytest.approx(on_demand + spot, abs=0.01)
