"""The planner: which building blocks a request gets, and the dependency levels between them."""

from __future__ import annotations

import pytest

from autcloud.agent.catalog.base import Blueprint, ResourceSpec
from autcloud.agent.hcl import Expr
from autcloud.agent.planner import (
    NAT_PER_AZ_MIN_BUDGET_USD,
    Plan,
    PlanningError,
    order,
    plan_resources,
)
from autcloud.agent.requirements import gather, read_message

REQUESTS = [
    "a web API in Seoul",
    "A highly available web API in Tokyo with Aurora PostgreSQL, a Redis cache and 50k daily users",
    "an EC2 auto scaling group of m5.large instances in Oregon with MySQL",
    "an EKS cluster with 3 nodes in Frankfurt with Postgres and Redis",
    "a serverless REST API with DynamoDB in Singapore",
    "real-time chat over websockets on Lambda in Ireland",
    "a static website on www.acme.dev in Frankfurt",
    "a web app with CloudFront and WAF on shop.acme.io in Ireland",
    "ingest clickstream with Kinesis into a data lake queried by Athena",
    "nightly ML training batch jobs in Oregon",
    "queue workers with SQS and SNS notifications in Ohio",
    "run a job every 15 minutes on Lambda in Seoul with Postgres",
]


def plan_for(*messages: str) -> Plan:
    gathered = gather([read_message(text) for text in messages], assume_defaults=True)
    return plan_resources(gathered.requirements)


def types_of(plan: Plan) -> set[str]:
    return {spec.type for spec in plan.resources if not spec.data_source}


def body(plan: Plan, address: str) -> dict[str, object]:
    spec = plan.blueprint.find(address)
    assert spec is not None, f"{address} is not planned"
    return spec.body


def variable_default(plan: Plan, name: str) -> object:
    return plan.blueprint.variables[name].default


# --- levels and reasons --------------------------------------------------------------------


@pytest.mark.parametrize("request_text", REQUESTS)
def test_every_reference_points_to_a_lower_level(request_text: str) -> None:
    plan = plan_for(request_text)
    for spec in plan.resources:
        for reference in spec.references():
            assert plan.level_of[reference] < plan.level_of[spec.address], (
                f"{spec.address} (level {plan.level_of[spec.address]}) refers to "
                f"{reference} (level {plan.level_of[reference]})"
            )


@pytest.mark.parametrize("request_text", REQUESTS)
def test_each_resource_sits_one_level_above_its_deepest_reference(request_text: str) -> None:
    plan = plan_for(request_text)
    for spec in plan.resources:
        deepest = max((plan.level_of[r] for r in spec.references()), default=-1)
        assert plan.level_of[spec.address] == deepest + 1, spec.address


@pytest.mark.parametrize("request_text", REQUESTS)
def test_levels_list_every_resource_exactly_once(request_text: str) -> None:
    plan = plan_for(request_text)
    listed = [address for level in plan.levels for address in level]
    assert sorted(listed) == sorted(spec.address for spec in plan.resources)


@pytest.mark.parametrize("request_text", REQUESTS)
def test_every_resource_has_a_reason(request_text: str) -> None:
    plan = plan_for(request_text)
    assert all(spec.reason.strip() for spec in plan.resources)
    assert all(row["reason"] for row in plan.summary())


@pytest.mark.parametrize("request_text", REQUESTS)
def test_every_variable_a_resource_uses_is_declared(request_text: str) -> None:
    plan = plan_for(request_text)
    declared = set(plan.blueprint.variables)
    for spec in plan.resources:
        assert spec.variables() <= declared, f"{spec.address}: {spec.variables() - declared}"


def test_order_refuses_a_reference_to_an_undeclared_resource() -> None:
    bp = Blueprint()
    bp.add(ResourceSpec("aws_subnet", "a", "network", "x", {"vpc_id": Expr("aws_vpc.main.id")}))
    with pytest.raises(PlanningError, match=r"aws_vpc\.main"):
        order(bp)


def test_order_refuses_a_resource_declared_twice() -> None:
    bp = Blueprint()
    bp.add(
        ResourceSpec("aws_vpc", "main", "network", "x"),
        ResourceSpec("aws_vpc", "main", "network", "y"),
    )
    with pytest.raises(PlanningError, match="declared twice"):
        order(bp)


def test_order_refuses_a_reference_cycle() -> None:
    bp = Blueprint()
    bp.add(
        ResourceSpec("aws_sqs_queue", "a", "messaging", "x", {"p": Expr("aws_sqs_queue.b.arn")}),
        ResourceSpec("aws_sqs_queue", "b", "messaging", "y", {"p": Expr("aws_sqs_queue.a.arn")}),
    )
    with pytest.raises(PlanningError, match="cycle"):
        order(bp)


# --- availability and budget ---------------------------------------------------------------


def test_high_availability_gets_a_nat_gateway_per_zone_three_zones_and_multi_az_data() -> None:
    plan = plan_for("a highly available web API in Seoul with PostgreSQL and Redis")
    assert body(plan, "aws_nat_gateway.main")["count"] == Expr("var.az_count")  # one per zone
    assert variable_default(plan, "az_count") == 3
    assert body(plan, "aws_db_instance.main")["multi_az"] is True
    assert body(plan, "aws_elasticache_replication_group.main")["multi_az_enabled"] is True


def test_standard_availability_shares_one_nat_gateway_over_two_zones() -> None:
    plan = plan_for("a web API in Seoul with PostgreSQL")
    assert body(plan, "aws_nat_gateway.main")["count"] == Expr("1")
    assert variable_default(plan, "az_count") == 2
    assert body(plan, "aws_db_instance.main")["multi_az"] is False


def test_high_availability_on_a_small_budget_keeps_one_nat_gateway_and_says_so() -> None:
    plan = plan_for("a highly available web API in Seoul with PostgreSQL, budget $150/month")
    assert body(plan, "aws_nat_gateway.main")["count"] == Expr("1")
    assert body(plan, "aws_db_instance.main")["multi_az"] is True
    assert any("One NAT gateway" in note for note in plan.blueprint.notes)


def test_a_won_budget_above_the_threshold_keeps_a_nat_gateway_per_zone() -> None:
    plan = plan_for("고가용성 웹 API, 도쿄, PostgreSQL, 예산 월 100만원")
    assert NAT_PER_AZ_MIN_BUDGET_USD < 1_000_000 / 1_500  # well above, at any sane rate
    assert body(plan, "aws_nat_gateway.main")["count"] == Expr("var.az_count")  # one per zone


def test_aurora_gets_a_reader_in_another_zone_when_highly_available() -> None:
    plan = plan_for("a highly available web API with Aurora PostgreSQL in Tokyo")
    assert variable_default(plan, "aurora_instance_count") == 2


# --- engines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "address", "engine"),
    [
        ("a web API with PostgreSQL in Seoul", "aws_db_instance.main", "postgres"),
        ("a web API with MySQL in Seoul", "aws_db_instance.main", "mysql"),
        ("a web API with Aurora PostgreSQL in Seoul", "aws_rds_cluster.main", "aurora-postgresql"),
        ("a web API with Aurora MySQL in Seoul", "aws_rds_cluster.main", "aurora-mysql"),
    ],
)
def test_relational_engine_choice_picks_the_right_resource(
    request_text: str, address: str, engine: str
) -> None:
    plan = plan_for(request_text)
    assert body(plan, address)["engine"] == engine
    other = "aws_rds_cluster" if address.startswith("aws_db_instance") else "aws_db_instance"
    assert other not in types_of(plan)


def test_relational_databases_keep_their_password_in_secrets_manager() -> None:
    plan = plan_for("a web API with PostgreSQL in Seoul")
    db = body(plan, "aws_db_instance.main")
    assert db["manage_master_user_password"] is True
    assert "password" not in db


def test_dynamodb_is_a_table_and_needs_no_vpc() -> None:
    plan = plan_for("a serverless API with DynamoDB in Seoul")
    assert "aws_dynamodb_table" in types_of(plan)
    assert "aws_vpc" not in types_of(plan)
    assert "aws_db_instance" not in types_of(plan)


def test_a_redis_cache_is_an_elasticache_replication_group_in_the_vpc() -> None:
    plan = plan_for("a web API with a Redis cache in Seoul")
    assert {"aws_elasticache_replication_group", "aws_vpc"} <= types_of(plan)


def test_a_follow_up_removing_the_cache_removes_elasticache() -> None:
    plan = plan_for("a web API with Postgres and a Redis cache in Seoul", "레디스 빼줘")
    assert "aws_elasticache_replication_group" not in types_of(plan)
    assert "aws_db_instance" in types_of(plan)


# --- compute and workload paths ------------------------------------------------------------


def test_a_web_api_runs_on_ecs_fargate_behind_a_load_balancer() -> None:
    plan = plan_for("a web API in Seoul")
    assert {"aws_ecs_service", "aws_lb", "aws_lb_listener", "aws_vpc"} <= types_of(plan)


def test_kubernetes_gets_eks_and_a_node_group_instead_of_ecs() -> None:
    plan = plan_for("an EKS cluster with 3 nodes of m6i.large in Frankfurt")
    assert {"aws_eks_cluster", "aws_eks_node_group"} <= types_of(plan)
    assert "aws_ecs_service" not in types_of(plan)
    scaling = body(plan, "aws_eks_node_group.default")["scaling_config"]
    assert scaling.body["desired_size"] == 3  # type: ignore[attr-defined]
    assert variable_default(plan, "node_instance_type") == "m6i.large"


def test_ec2_gets_an_auto_scaling_group_with_the_named_instance_type() -> None:
    plan = plan_for("an EC2 auto scaling group of m5.large instances, 2 to 8 instances")
    assert {"aws_autoscaling_group", "aws_launch_template"} <= types_of(plan)
    assert variable_default(plan, "instance_type") == "m5.large"
    group = body(plan, "aws_autoscaling_group.app")
    assert (group["min_size"], group["max_size"]) == (2, 8)


def test_serverless_gets_lambda_behind_an_http_api() -> None:
    plan = plan_for("a serverless REST API in Seoul")
    assert {"aws_lambda_function", "aws_apigatewayv2_api"} <= types_of(plan)
    assert body(plan, "aws_apigatewayv2_api.main")["protocol_type"] == "HTTP"
    assert "aws_vpc" not in types_of(plan)


def test_realtime_on_lambda_gets_a_websocket_api() -> None:
    plan = plan_for("real-time chat over websockets on Lambda in Ireland")
    assert body(plan, "aws_apigatewayv2_api.main")["protocol_type"] == "WEBSOCKET"


def test_a_static_site_is_s3_behind_cloudfront_without_servers() -> None:
    plan = plan_for("a static website in Frankfurt")
    types = types_of(plan)
    assert {"aws_cloudfront_distribution", "aws_s3_bucket"} <= types
    assert not types & {"aws_vpc", "aws_lb", "aws_ecs_service", "aws_lambda_function"}


def test_a_static_site_on_a_domain_gets_a_certificate_and_dns() -> None:
    plan = plan_for("a static website on www.acme.dev")
    assert {"aws_acm_certificate", "aws_route53_zone", "aws_route53_record"} <= types_of(plan)
    assert variable_default(plan, "domain_name") == "www.acme.dev"
    assert plan.blueprint.needs_us_east_1  # CloudFront certificates live in us-east-1


def test_a_data_lake_gets_glue_and_athena_without_a_vpc() -> None:
    plan = plan_for("a data lake with Glue and Athena")
    assert {"aws_glue_catalog_database", "aws_athena_workgroup", "aws_s3_bucket"} <= types_of(plan)
    assert "aws_vpc" not in types_of(plan)


def test_batch_jobs_get_aws_batch_in_the_vpc() -> None:
    plan = plan_for("ML training batch jobs with ghcr.io/acme/train:2.0")
    types = types_of(plan)
    assert {
        "aws_batch_compute_environment",
        "aws_batch_job_queue",
        "aws_batch_job_definition",
    } <= types
    assert "aws_vpc" in types
    assert variable_default(plan, "batch_job_image") == "ghcr.io/acme/train:2.0"


def test_a_schedule_gets_an_eventbridge_schedule_with_the_named_rate() -> None:
    plan = plan_for("run a job every 15 minutes in Seoul")
    assert "aws_scheduler_schedule" in types_of(plan)
    assert variable_default(plan, "schedule_expression") == "rate(15 minutes)"


@pytest.mark.parametrize(
    ("request_text", "resource_type"),
    [
        ("a web API with an SQS queue in Seoul", "aws_sqs_queue"),
        ("a web API with SNS notifications in Seoul", "aws_sns_topic"),
        ("a web API with a Kinesis event stream in Seoul", "aws_kinesis_stream"),
        ("a web API with a web application firewall in Seoul", "aws_wafv2_web_acl"),
        ("a web app with CloudFront in Seoul", "aws_cloudfront_distribution"),
        ("store uploaded images in S3 for a web API", "aws_s3_bucket"),
    ],
)
def test_named_features_get_their_resources(request_text: str, resource_type: str) -> None:
    assert resource_type in types_of(plan_for(request_text))


def test_a_waf_on_an_application_load_balancer_is_regional() -> None:
    plan = plan_for("a PCI DSS payments API in Seoul")
    acls = [s for s in plan.resources if s.type == "aws_wafv2_web_acl"]
    assert [acl.body["scope"] for acl in acls] == ["REGIONAL"]


def test_a_waf_in_front_of_cloudfront_is_global() -> None:
    plan = plan_for("a web app with CloudFront and WAF in Ireland")
    acls = [s for s in plan.resources if s.type == "aws_wafv2_web_acl"]
    assert [acl.body["scope"] for acl in acls] == ["CLOUDFRONT"]


def test_every_design_has_encryption_audit_and_alerts() -> None:
    for request_text in REQUESTS:
        types = types_of(plan_for(request_text))
        assert {"aws_kms_key", "aws_cloudtrail", "aws_sns_topic"} <= types, request_text


def test_alert_emails_become_the_alert_variable() -> None:
    plan = plan_for("a web API in Tokyo; alerts to ops@acme.io and dev@acme.io")
    assert variable_default(plan, "alert_emails") == ["ops@acme.io", "dev@acme.io"]
