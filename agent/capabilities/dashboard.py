"""A CloudWatch dashboard with a row of graphs for each part the design has: load balancer,
API, ECS service, databases, Lambda functions, queues and tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, Output, ResourceSpec, interp
from autcloud.agent.datafile import load_yaml
from autcloud.agent.hcl import Expr, jsonencode

Metric = tuple[str, str, str]  # (metric name, statistic, label)


# The dashboard's rows by resource type: title, namespace, dimensions and metrics.
_ROWS: dict[str, dict[str, Any]] = load_yaml(Path(__file__).resolve().parent / "dashboard.yaml")


def _watched(bp: Blueprint, spec: ResourceSpec) -> bool:
    if spec.data_source or spec.type not in _ROWS:
        return False
    if spec.type == "aws_ecs_service":
        return bp.has("aws_ecs_cluster.main")  # its ClusterName dimension names that cluster
    if spec.type == "aws_sqs_queue":
        return "dlq" not in spec.name and "dead" not in spec.name  # dead-letter queues stay quiet
    return True


def _rows(bp: Blueprint) -> list[tuple[str, str, list[tuple[str, Expr]], list[Metric]]]:
    """(title, namespace, dimensions, metrics) for each thing worth watching."""
    rows: list[tuple[str, str, list[tuple[str, Expr]], list[Metric]]] = []
    for spec in bp.resources:
        if not _watched(bp, spec):
            continue
        row = _ROWS[spec.type]
        dimensions = [
            (name, Expr(value.format(address=spec.address)))
            for name, value in row["dimensions"].items()
        ]
        metrics: list[Metric] = [(metric, stat, label) for metric, stat, label in row["metrics"]]
        rows.append((f"{row['title']} {spec.name}", row["namespace"], dimensions, metrics))
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
