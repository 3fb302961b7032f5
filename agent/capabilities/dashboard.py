"""A CloudWatch dashboard with a row of graphs for each part the design has: load balancer,
API, ECS service, databases, Lambda functions, queues and tables."""

from __future__ import annotations

from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp
from autcloud.agent.hcl import Expr, jsonencode

Metric = tuple[str, str, str]  # (metric name, statistic, label)


def _rows(bp: Blueprint) -> list[tuple[str, str, list[tuple[str, Expr]], list[Metric]]]:
    """(title, namespace, dimensions, metrics) for each thing worth watching."""
    rows: list[tuple[str, str, list[tuple[str, Expr]], list[Metric]]] = []
    for spec in bp.resources:
        if spec.data_source:
            continue
        address = spec.address
        if spec.type == "aws_lb":
            rows.append((
                f"Load balancer {spec.name}",
                "AWS/ApplicationELB",
                [("LoadBalancer", Expr(f"{address}.arn_suffix"))],
                [("RequestCount", "Sum", "Requests"), ("HTTPCode_Target_5XX_Count", "Sum", "5xx"),
                 ("TargetResponseTime", "p95", "p95 latency (s)")],
            ))  # fmt: skip
        elif spec.type == "aws_apigatewayv2_api":
            rows.append((
                f"API {spec.name}",
                "AWS/ApiGateway",
                [("ApiId", Expr(f"{address}.id"))],
                [("Count", "Sum", "Requests"), ("5xx", "Sum", "5xx"), ("Latency", "p95", "p95 latency (ms)")],
            ))  # fmt: skip
        elif spec.type == "aws_ecs_service" and bp.has("aws_ecs_cluster.main"):
            rows.append((
                f"ECS service {spec.name}",
                "AWS/ECS",
                [("ClusterName", Expr("aws_ecs_cluster.main.name")), ("ServiceName", Expr(f"{address}.name"))],
                [("CPUUtilization", "Average", "CPU %"), ("MemoryUtilization", "Average", "Memory %")],
            ))  # fmt: skip
        elif spec.type == "aws_db_instance":
            rows.append((
                f"Database {spec.name}",
                "AWS/RDS",
                [("DBInstanceIdentifier", Expr(f"{address}.identifier"))],
                [("CPUUtilization", "Average", "CPU %"), ("DatabaseConnections", "Average", "Connections"),
                 ("FreeStorageSpace", "Minimum", "Free storage (bytes)")],
            ))  # fmt: skip
        elif spec.type == "aws_rds_cluster":
            rows.append((
                f"Aurora cluster {spec.name}",
                "AWS/RDS",
                [("DBClusterIdentifier", Expr(f"{address}.cluster_identifier"))],
                [("CPUUtilization", "Average", "CPU %"), ("DatabaseConnections", "Average", "Connections"),
                 ("FreeableMemory", "Minimum", "Freeable memory (bytes)")],
            ))  # fmt: skip
        elif spec.type == "aws_lambda_function":
            rows.append((
                f"Function {spec.name}",
                "AWS/Lambda",
                [("FunctionName", Expr(f"{address}.function_name"))],
                [("Invocations", "Sum", "Invocations"), ("Errors", "Sum", "Errors"),
                 ("Duration", "p95", "p95 duration (ms)"), ("Throttles", "Sum", "Throttles")],
            ))  # fmt: skip
        elif spec.type == "aws_sqs_queue" and "dlq" not in spec.name and "dead" not in spec.name:
            rows.append((
                f"Queue {spec.name}",
                "AWS/SQS",
                [("QueueName", Expr(f"{address}.name"))],
                [("ApproximateNumberOfMessagesVisible", "Maximum", "Waiting"),
                 ("ApproximateAgeOfOldestMessage", "Maximum", "Oldest (s)")],
            ))  # fmt: skip
        elif spec.type == "aws_dynamodb_table":
            rows.append((
                f"Table {spec.name}",
                "AWS/DynamoDB",
                [("TableName", Expr(f"{address}.name"))],
                [("ConsumedReadCapacityUnits", "Sum", "Reads"), ("ConsumedWriteCapacityUnits", "Sum", "Writes"),
                 ("ThrottledRequests", "Sum", "Throttled")],
            ))  # fmt: skip
    return rows


def _widgets(bp: Blueprint) -> list[dict[str, Any]]:
    widgets: list[dict[str, Any]] = []
    y = 0
    for title, namespace, dimensions, metrics in _rows(bp):
        width = 24 // len(metrics)
        for index, (metric, stat, label) in enumerate(metrics):
            line: list[Any] = [namespace, metric]
            for name, value in dimensions:
                line += [name, value]
            widgets.append(
                {
                    "type": "metric",
                    "x": index * width,
                    "y": y,
                    "width": width,
                    "height": 6,
                    "properties": {
                        "title": f"{title}: {label}",
                        "region": Expr("var.region"),
                        "stat": stat,
                        "period": 300,
                        "view": "timeSeries",
                        "metrics": [line],
                    },
                }
            )
        y += 6
    if not widgets:
        widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": 0,
                "width": 24,
                "height": 3,
                "properties": {
                    "markdown": "Nothing with metrics yet: add widgets as the workload grows."
                },
            }
        )
    return widgets


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("dashboard")
    watched = sorted({title.split(" ")[0] for title, *_ in _rows(bp)})
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_dashboard",
            "main",
            "observability",
            "One CloudWatch dashboard with the design's key metrics"
            + (f" ({', '.join(watched).lower()})." if watched else "."),
            {
                "dashboard_name": interp("${local.name}-overview"),
                "dashboard_body": jsonencode({"widgets": _widgets(bp)}),
            },
            block="dashboard",
        )
    )
    bp.out(
        Output(
            "dashboard_url",
            '"https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards:name=${aws_cloudwatch_dashboard.main.dashboard_name}"',
            "Link to the CloudWatch dashboard.",
        )
    )


CAPABILITY = declare("dashboard", build=build)
