"""Athena query results written where the person said: once the results bucket carries the name
they gave ("쿼리 결과는 athena-results 버킷", set late by s3_names), the workgroup's output location
spells that bucket name out in its s3:// URL, so the design reads as asked."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.requirements import Requirements

BUCKET = "aws_s3_bucket.athena_results"
WORKGROUP = "aws_athena_workgroup.analytics"


def build(bp: Blueprint, ctx: Context) -> None:
    bucket, workgroup = bp.find(BUCKET), bp.find(WORKGROUP)
    if bucket is None or workgroup is None:
        return
    name = bucket.body.get("bucket")
    if not isinstance(name, str) or "${" in name:
        return  # a generated name: the reference already says which bucket
    configuration = workgroup.body.get("configuration")
    if not isinstance(configuration, Block):
        return
    results = configuration.body.get("result_configuration")
    if not isinstance(results, Block) or "output_location" not in results.body:
        return
    results.body["output_location"] = f"s3://{name}/results/"
    workgroup.body["depends_on"] = [Expr(BUCKET)]


def _applies(req: Requirements) -> bool:
    return "glue_athena" in req.services


CAPABILITY = declare("athena_results_name", build=build, applies=_applies)
