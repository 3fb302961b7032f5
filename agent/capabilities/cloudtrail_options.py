"""CloudTrail data events: when the user asks that S3 object access be logged, the trail records
data events for the design's buckets (not its own log buckets, which would loop)."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.security import s3_data_event_selector
from autcloud.agent.patterns import patterns

PATTERNS = patterns("cloudtrail_options")

_DATA_EVENTS = reader(PATTERNS["data_events"], lambda m: "AWS::S3::Object")

_LOG_BUCKETS = {"trail", "logs", "access_logs", "log", "alb_logs", "cloudfront_logs"}


def build(bp: Blueprint, ctx: Context) -> None:
    trail = bp.find("aws_cloudtrail.main")
    if trail is None:
        return
    buckets = [
        r.address
        for r in bp.resources
        if r.type == "aws_s3_bucket" and not r.data_source and r.name not in _LOG_BUCKETS
    ]
    trail.body["event_selector"] = s3_data_event_selector(buckets)


CAPABILITY = declare(
    "cloudtrail_options", build=build, readers={"cloudtrail.data_events": _DATA_EVENTS}
)
