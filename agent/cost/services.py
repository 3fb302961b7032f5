"""Pricers for managed services billed by the item or by use: security, observability,
messaging, streaming, workflows, identity and analytics."""

from __future__ import annotations

import re

from autcloud.agent.cost.context import Attrs, Priced, Pricer, PricingContext, qty, usd
from autcloud.agent.cost.formulas import millions_pricer, monthly_pricer, usage_pricer


def price_ssm_parameter(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    if attrs.text("tier", "Standard") != "Advanced":
        return Priced(0.0, "no charge (standard parameter)")
    monthly = ctx.price("ssm_advanced_parameter_month")
    return Priced(monthly, f"advanced parameter @ {usd(monthly)}/month")


def price_log_group(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    ingest = ctx.usage.log_ingest_gb_per_month * ctx.share("aws_cloudwatch_log_group")
    retention_days = attrs.number("retention_in_days", 0)
    if retention_days > 0:
        months = min(retention_days / 30.0, 12.0)
        kept = f"{qty(retention_days)}-day retention"
    else:
        months = ctx.usage.log_retention_months_if_unset
        kept = f"never expires: {qty(months)} months assumed"
    stored = ingest * months
    per_ingest = ctx.price("cloudwatch_logs_ingest_gb")
    per_stored = ctx.price("cloudwatch_logs_storage_gb_month")
    return Priced(
        ingest * per_ingest + stored * per_stored,
        f"{qty(ingest)} GB ingested @ {usd(per_ingest)}/GB + {qty(stored)} GB stored ({kept})"
        f" @ {usd(per_stored)}/GB-month",
    )


def price_metric_alarm(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    queries = [q for q in attrs.blocks("metric_query") if q.block("metric") is not None]
    metrics = float(len(queries) or 1)
    per_metric = ctx.price("cloudwatch_alarm_month")
    return Priced(metrics * per_metric, f"{qty(metrics)} alarm metrics @ {usd(per_metric)}/month")


def price_cloudtrail(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    trails = sorted(ctx.module.resources.get("aws_cloudtrail", {}))
    name = address.split(".", 1)[1]
    if trails and trails[0] == name:
        return Priced(0.0, "no charge (the first copy of management events is free)")
    hundreds = ctx.usage.cloudtrail_events_per_month / 100_000
    per_100k = ctx.price("cloudtrail_management_event_100k")
    return Priced(
        hundreds * per_100k,
        f"additional trail: {qty(hundreds * 100_000)} management events @ {usd(per_100k)}/100k",
    )


REQUESTS_PER_SQS_MESSAGE = 3  # send, receive, delete


def price_sqs_queue(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    kind = "fifo" if attrs.flag("fifo_queue", False) else "standard"
    messages = ctx.usage.messages_per_month * ctx.share("aws_sqs_queue")
    requests = messages * REQUESTS_PER_SQS_MESSAGE / 1e6
    per_million = ctx.price("sqs_request_million", kind)
    return Priced(
        requests * per_million,
        f"{qty(messages)} {kind} messages × {REQUESTS_PER_SQS_MESSAGE} requests"
        f" @ {usd(per_million)}/M requests",
    )


_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_PER_MONTH = {"minute": 43_800.0, "hour": 730.0, "day": 30.4}
CRON_INVOCATIONS_ASSUMED = 30.4  # a cron schedule is taken as daily


def invocations_per_month(expression: str) -> float:
    """Invocations a month of a schedule: exact for ``rate(...)``, daily for ``cron(...)``."""
    match = _RATE.match(expression.strip())
    if match is None:
        return CRON_INVOCATIONS_ASSUMED
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    return _PER_MONTH[unit] / amount


def price_schedule(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    expression = attrs.text("schedule_expression", "cron(0 0 * * ? *)")
    invocations = invocations_per_month(expression)
    per_million = ctx.price("scheduler_invocation_million")
    return Priced(
        invocations / 1e6 * per_million,
        f"{qty(invocations)} invocations ({expression}) @ {usd(per_million)}/M",
    )


def price_kinesis_stream(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    details = attrs.block("stream_mode_details")
    mode = details.text("stream_mode", "PROVISIONED") if details else "PROVISIONED"
    gb = ctx.usage.stream_gb_per_month * ctx.share("aws_kinesis_stream")
    if mode == "ON_DEMAND":
        hourly = ctx.price("kinesis_on_demand_stream_hour")
        per_gb = ctx.price("kinesis_on_demand_gb_in")
        return Priced(
            hourly * ctx.hours + gb * per_gb,
            f"on-demand stream × {qty(ctx.hours)} h @ {usd(hourly)}/h + {qty(gb)} GB written"
            f" @ {usd(per_gb)}/GB",
        )
    shards = attrs.number("shard_count", 1)
    per_shard = ctx.price("kinesis_shard_hour")
    # A PUT payload unit is 25 KB: a GB written is about 40,000 units.
    units = gb * 1024 * 1024 / 25 / 1e6
    per_unit = ctx.price("kinesis_put_unit_million")
    return Priced(
        shards * per_shard * ctx.hours + units * per_unit,
        f"{qty(shards)} shards × {qty(ctx.hours)} h @ {usd(per_shard)}/h + {qty(units)}M PUT"
        f" units @ {usd(per_unit)}/M",
    )


# Crawlers and jobs share the DPU-hours.
price_glue_work = usage_pricer(
    "glue_dpu_hours_per_month",
    "glue_dpu_hour",
    "DPU-h",
    "/DPU-h",
    shared_by=("aws_glue_crawler", "aws_glue_job"),
)


def price_glue_catalog(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    return Priced(0.0, "no charge (Data Catalog: the first million objects are free)")


def price_firehose(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    gb = ctx.usage.firehose_gb_per_month * ctx.share("aws_kinesis_firehose_delivery_stream")
    per_gb = ctx.price("firehose_ingest_gb")
    monthly = gb * per_gb
    basis = f"{qty(gb)} GB ingested @ {usd(per_gb)}/GB"
    for config in attrs.blocks("extended_s3_configuration"):
        conversion = config.block("data_format_conversion_configuration")
        if conversion is not None and conversion.flag("enabled", True):
            per_converted = ctx.price("firehose_format_conversion_gb")
            monthly += gb * per_converted
            basis += f" + {qty(gb)} GB converted @ {usd(per_converted)}/GB"
        partitioning = config.block("dynamic_partitioning_configuration")
        if partitioning is not None and partitioning.flag("enabled", False):
            basis += "; dynamic partitioning not estimated"
    vpc = next(
        (
            block.block("vpc_config")
            for key in ("opensearch_configuration", "elasticsearch_configuration")
            for block in attrs.blocks(key)
            if block.block("vpc_config") is not None
        ),
        None,
    )
    if vpc is not None:
        subnets = vpc.strings("subnet_ids")
        azs = float(len(subnets)) if subnets else 2.0
        if subnets is None:
            attrs.notes.append("subnet_ids unknown before apply; assumed 2 AZs")
        per_az = ctx.price("firehose_vpc_az_hour")
        per_vpc_gb = ctx.price("firehose_vpc_gb")
        monthly += azs * per_az * ctx.hours + gb * per_vpc_gb
        basis += (
            f" + VPC delivery in {qty(azs)} AZs × {qty(ctx.hours)} h @ {usd(per_az)}/h"
            f" + {qty(gb)} GB @ {usd(per_vpc_gb)}/GB"
        )
    return Priced(monthly, basis)


EXPRESS_MEMORY_GB = 0.0625  # Express workflows bill duration in 64 MB steps; the smallest assumed


def price_state_machine(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    share = ctx.share("aws_sfn_state_machine")
    if attrs.text("type", "STANDARD") == "EXPRESS":
        requests = ctx.usage.messages_per_month * share
        gb_hours = requests * ctx.usage.lambda_average_duration_ms / 1000 / 3600 * EXPRESS_MEMORY_GB
        per_million = ctx.price("sfn_express_request_million")
        per_gb_hour = ctx.price("sfn_express_gb_hour")
        return Priced(
            requests / 1e6 * per_million + gb_hours * per_gb_hour,
            f"Express: {qty(requests)} runs @ {usd(per_million)}/M + {qty(gb_hours)} GB-h"
            f" (64 MB × {qty(ctx.usage.lambda_average_duration_ms)} ms) @ {usd(per_gb_hour)}/GB-h",
        )
    transitions = ctx.usage.state_transitions_per_month * share
    per_thousand = ctx.price("sfn_transition_thousand")
    return Priced(
        transitions / 1000 * per_thousand,
        f"{qty(transitions)} state transitions @ {usd(per_thousand)}/1,000",
    )


IOT_ACTIONS = (
    "cloudwatch_alarm",
    "cloudwatch_logs",
    "cloudwatch_metric",
    "dynamodb",
    "dynamodbv2",
    "elasticsearch",
    "firehose",
    "http",
    "iot_analytics",
    "iot_events",
    "kafka",
    "kinesis",
    "lambda",
    "republish",
    "s3",
    "sns",
    "sqs",
    "step_functions",
    "timestream",
)


def price_iot_topic_rule(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    triggered = ctx.usage.messages_per_month * ctx.share("aws_iot_topic_rule") / 1e6
    actions = float(sum(len(attrs.blocks(key)) for key in IOT_ACTIONS))
    per_rule = ctx.price("iot_rule_million")
    per_action = ctx.price("iot_action_million")
    return Priced(
        triggered * (per_rule + actions * per_action),
        f"{qty(triggered)}M rules triggered @ {usd(per_rule)}/M + {qty(triggered)}M × "
        f"{qty(actions)} actions @ {usd(per_action)}/M (device messaging not estimated)",
    )


COGNITO_FREE_MAU = 10_000  # Essentials: the first 10,000 monthly active users are free


def price_cognito_user_pool(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    users = ctx.usage.cognito_monthly_active_users * ctx.share("aws_cognito_user_pool")
    billed = max(0.0, users - COGNITO_FREE_MAU)
    per_user = ctx.price("cognito_mau")
    return Priced(
        billed * per_user,
        f"{qty(users)} monthly active users, {qty(COGNITO_FREE_MAU)} free, {qty(billed)} billed"
        f" @ {usd(per_user)}/MAU (Essentials)",
    )


def price_guardduty(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    events = ctx.usage.cloudtrail_events_per_month / 1e6
    logs = ctx.usage.flow_log_gb_per_month
    per_million = ctx.price("guardduty_event_million")
    per_gb = ctx.price("guardduty_log_gb")
    return Priced(
        events * per_million + logs * per_gb,
        f"{qty(events)}M CloudTrail events @ {usd(per_million)}/M + {qty(logs)} GB flow/DNS logs"
        f" @ {usd(per_gb)}/GB (protection plans not estimated)",
    )


SERVICE_PRICERS: dict[str, Pricer] = {
    "aws_kms_key": monthly_pricer("kms_key_month", "customer managed key"),
    "aws_secretsmanager_secret": monthly_pricer("secretsmanager_secret_month", "secret"),
    "aws_ssm_parameter": price_ssm_parameter,
    "aws_cloudwatch_log_group": price_log_group,
    "aws_cloudwatch_metric_alarm": price_metric_alarm,
    "aws_cloudwatch_dashboard": monthly_pricer("cloudwatch_dashboard_month", "dashboard"),
    "aws_cloudtrail": price_cloudtrail,
    "aws_sqs_queue": price_sqs_queue,
    "aws_sns_topic": millions_pricer("messages_per_month", "sns_publish_million", "publishes"),
    "aws_cloudwatch_event_bus": millions_pricer(
        "messages_per_month", "eventbridge_event_million", "custom events"
    ),
    "aws_scheduler_schedule": price_schedule,
    "aws_kinesis_stream": price_kinesis_stream,
    "aws_glue_crawler": price_glue_work,
    "aws_glue_job": price_glue_work,
    "aws_glue_catalog_database": price_glue_catalog,
    "aws_glue_catalog_table": price_glue_catalog,
    "aws_athena_workgroup": usage_pricer(
        "athena_tb_scanned_per_month", "athena_tb_scanned", "TB scanned", "/TB"
    ),
    "aws_kinesis_firehose_delivery_stream": price_firehose,
    "aws_sfn_state_machine": price_state_machine,
    "aws_iot_topic_rule": price_iot_topic_rule,
    "aws_cognito_user_pool": price_cognito_user_pool,
    "aws_guardduty_detector": price_guardduty,
    "aws_appsync_graphql_api": usage_pricer(
        "requests_per_month", "appsync_request_million", "GraphQL requests", "/1M", per=1e6
    ),
    "aws_config_configuration_recorder": usage_pricer(
        "config_items_per_month", "config_item", "configuration items", ""
    ),
    "aws_config_config_rule": usage_pricer(
        "config_rule_evaluations_per_month", "config_rule_evaluation", "rule evaluations", ""
    ),
    "aws_securityhub_account": usage_pricer(
        "security_hub_checks_per_month", "securityhub_check", "security checks", ""
    ),
    "aws_cloudwatch_event_archive": usage_pricer(
        "event_archive_gb_per_month", "eventbridge_archive_gb", "GB of events archived", ""
    ),
    "aws_sesv2_email_identity": usage_pricer(
        "emails_per_month", "ses_email_thousand", "emails", "/1,000", per=1e3
    ),
}
