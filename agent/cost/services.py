"""Pricers for managed services billed by the item or by use: security, observability,
messaging, streaming and analytics."""

from __future__ import annotations

import re

from autcloud.agent.cost.context import Attrs, Priced, Pricer, PricingContext, qty, usd


def _monthly(kind: str, what: str) -> Pricer:
    """A pricer for something billed a flat amount a month (a key, a secret, an alarm)."""

    def price(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
        monthly = ctx.price(kind)
        return Priced(monthly, f"{what} @ {usd(monthly)}/month")

    return price


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


def _per_million(rtype: str, kind: str, what: str) -> Pricer:
    """A pricer for ``messages_per_month`` shared by resources of ``rtype``."""

    def price(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
        millions = ctx.usage.messages_per_month * ctx.share(rtype) / 1e6
        per_million = ctx.price(kind)
        return Priced(millions * per_million, f"{qty(millions)}M {what} @ {usd(per_million)}/M")

    return price


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


def price_glue_work(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    hours = ctx.usage.glue_dpu_hours_per_month * ctx.share("aws_glue_crawler", "aws_glue_job")
    per_dpu = ctx.price("glue_dpu_hour")
    return Priced(hours * per_dpu, f"{qty(hours)} DPU-h @ {usd(per_dpu)}/DPU-h")


def price_athena_workgroup(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    tb = ctx.usage.athena_tb_scanned_per_month * ctx.share("aws_athena_workgroup")
    per_tb = ctx.price("athena_tb_scanned")
    return Priced(tb * per_tb, f"{qty(tb)} TB scanned @ {usd(per_tb)}/TB")


def price_glue_catalog(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    return Priced(0.0, "no charge (Data Catalog: the first million objects are free)")


SERVICE_PRICERS: dict[str, Pricer] = {
    "aws_kms_key": _monthly("kms_key_month", "customer managed key"),
    "aws_secretsmanager_secret": _monthly("secretsmanager_secret_month", "secret"),
    "aws_ssm_parameter": price_ssm_parameter,
    "aws_cloudwatch_log_group": price_log_group,
    "aws_cloudwatch_metric_alarm": price_metric_alarm,
    "aws_cloudwatch_dashboard": _monthly("cloudwatch_dashboard_month", "dashboard"),
    "aws_cloudtrail": price_cloudtrail,
    "aws_sqs_queue": price_sqs_queue,
    "aws_sns_topic": _per_million("aws_sns_topic", "sns_publish_million", "publishes"),
    "aws_cloudwatch_event_bus": _per_million(
        "aws_cloudwatch_event_bus", "eventbridge_event_million", "custom events"
    ),
    "aws_scheduler_schedule": price_schedule,
    "aws_kinesis_stream": price_kinesis_stream,
    "aws_glue_crawler": price_glue_work,
    "aws_glue_job": price_glue_work,
    "aws_glue_catalog_database": price_glue_catalog,
    "aws_glue_catalog_table": price_glue_catalog,
    "aws_athena_workgroup": price_athena_workgroup,
}
