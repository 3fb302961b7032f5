"""CloudFront distributions (global), SQS queues, SNS topics and their subscriptions."""

from __future__ import annotations

import json
from typing import Any

from autcloud.agent.hcl import Block
from autcloud.aws import pages, tag_map
from autcloud.aws.clients import GLOBAL_SERVICE_REGION
from autcloud.aws.resources import cloudfront_items as _items
from autcloud.scanner.context import ScanContext
from autcloud.scanner.model import GLOBAL_REGION, Found, Json, Ref

# CloudFront's API lives in us-east-1 whatever region is scanned.
CLOUDFRONT_REGION = GLOBAL_SERVICE_REGION
PROVIDER_MAX_MESSAGE_SIZE = 262_144


def collect_cloudfront_distributions(ctx: ScanContext) -> list[Found]:
    client = ctx.client("cloudfront", CLOUDFRONT_REGION)
    summaries = [item.item for item in ctx.resources("cloudfront:distribution", CLOUDFRONT_REGION)]
    tag_sets = ctx.each(
        lambda d: tag_map(_items(client.list_tags_for_resource(Resource=d["ARN"]).get("Tags"))),
        summaries,
    )
    return [_distribution(d, tags) for d, tags in zip(summaries, tag_sets, strict=True)]


def _distribution(summary: dict[str, Any], tags: dict[str, str]) -> Found:
    origins = [_origin(origin) for origin in _items(summary.get("Origins"))]
    behaviours = [_behaviour(item, ordered=True) for item in _items(summary.get("CacheBehaviors"))]
    geo = (summary.get("Restrictions") or {}).get("GeoRestriction") or {}
    certificate = summary.get("ViewerCertificate") or {}
    default_certificate = bool(certificate.get("CloudFrontDefaultCertificate"))
    blocks: dict[str, Any] = {
        "origin": origins,
        "default_cache_behavior": _behaviour(summary.get("DefaultCacheBehavior") or {}, False),
        "restrictions": Block(
            "",
            body={
                "geo_restriction": Block(
                    "",
                    body={
                        "restriction_type": geo.get("RestrictionType", "none"),
                        "locations": _items(geo) or None,
                    },
                )
            },
        ),
        "viewer_certificate": Block(
            "",
            body={
                "cloudfront_default_certificate": default_certificate or None,
                "acm_certificate_arn": certificate.get("ACMCertificateArn") or None,
                "iam_certificate_id": certificate.get("IAMCertificateId") or None,
                "ssl_support_method": certificate.get("SSLSupportMethod"),
                "minimum_protocol_version": certificate.get("MinimumProtocolVersion"),
            },
        ),
    }
    if behaviours:
        blocks["ordered_cache_behavior"] = behaviours
    return Found(
        kind="aws_cloudfront_distribution",
        key=summary["ARN"],
        import_id=summary["Id"],
        name_hint=summary.get("Comment")
        or next(iter(_items(summary.get("Aliases"))), summary["Id"]),
        region=GLOBAL_REGION,
        tags=tags,
        arguments={
            "enabled": bool(summary.get("Enabled")),
            "comment": summary.get("Comment") or None,
            "aliases": _items(summary.get("Aliases")) or None,
            "price_class": summary.get("PriceClass"),
            "http_version": summary.get("HttpVersion"),
            "is_ipv6_enabled": summary.get("IsIPV6Enabled"),
            "web_acl_id": summary.get("WebACLId") or None,
        },
        blocks=blocks,
    )


def _origin(origin: dict[str, Any]) -> Block:
    domain = str(origin["DomainName"]).lower()
    # An S3 bucket or a load balancer found by the same scan becomes a reference (and an edge).
    if ".s3." in domain:
        domain_value: Any = Ref(domain, "bucket_regional_domain_name", literal=origin["DomainName"])
    elif domain.endswith(".elb.amazonaws.com"):
        domain_value = Ref(domain, "dns_name", literal=origin["DomainName"])
    else:
        domain_value = origin["DomainName"]
    body: dict[str, Any] = {
        "domain_name": domain_value,
        "origin_id": origin["Id"],
        "origin_path": origin.get("OriginPath") or None,
        "origin_access_control_id": origin.get("OriginAccessControlId") or None,
    }
    custom = origin.get("CustomOriginConfig")
    if custom:
        body["custom_origin_config"] = Block(
            "",
            body={
                "http_port": custom.get("HTTPPort", 80),
                "https_port": custom.get("HTTPSPort", 443),
                "origin_protocol_policy": custom.get("OriginProtocolPolicy", "https-only"),
                "origin_ssl_protocols": _items(custom.get("OriginSslProtocols")) or ["TLSv1.2"],
            },
        )
    s3 = origin.get("S3OriginConfig")
    if s3 is not None and not custom:
        body["s3_origin_config"] = Block(
            "", body={"origin_access_identity": s3.get("OriginAccessIdentity", "")}
        )
    return Block("", body=body)


def _behaviour(behaviour: dict[str, Any], ordered: bool) -> Block:
    allowed = behaviour.get("AllowedMethods") or {}
    body: dict[str, Any] = {
        "path_pattern": behaviour.get("PathPattern") if ordered else None,
        "target_origin_id": behaviour.get("TargetOriginId"),
        "viewer_protocol_policy": behaviour.get("ViewerProtocolPolicy", "allow-all"),
        "allowed_methods": sorted(_items(allowed)) or ["GET", "HEAD"],
        "cached_methods": sorted(_items(allowed.get("CachedMethods"))) or ["GET", "HEAD"],
        "compress": behaviour.get("Compress"),
    }
    if behaviour.get("CachePolicyId"):
        body["cache_policy_id"] = behaviour["CachePolicyId"]
        body["origin_request_policy_id"] = behaviour.get("OriginRequestPolicyId") or None
    else:  # the legacy cache settings
        forwarded = behaviour.get("ForwardedValues") or {}
        body["forwarded_values"] = Block(
            "",
            body={
                "query_string": bool(forwarded.get("QueryString")),
                "headers": _items(forwarded.get("Headers")) or None,
                "cookies": Block(
                    "",
                    body={"forward": (forwarded.get("Cookies") or {}).get("Forward", "none")},
                ),
            },
        )
        body["min_ttl"] = behaviour.get("MinTTL")
        body["default_ttl"] = behaviour.get("DefaultTTL")
        body["max_ttl"] = behaviour.get("MaxTTL")
    return Block("", body=body)


def collect_sqs_queues(ctx: ScanContext) -> list[Found]:
    client = ctx.client("sqs")
    urls = [queue.item["QueueUrl"] for queue in ctx.resources("sqs:queue")]

    def details(url: str) -> tuple[dict[str, str], dict[str, str]]:
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        tags = client.list_queue_tags(QueueUrl=url).get("Tags") or {}
        return attributes.get("Attributes", {}), dict(tags)

    return [
        _queue(ctx, url, a, t) for url, (a, t) in zip(urls, ctx.each(details, urls), strict=True)
    ]


def _queue(ctx: ScanContext, url: str, attributes: dict[str, str], tags: dict[str, str]) -> Found:
    arn = attributes.get("QueueArn", url)
    name = arn.rsplit(":", 1)[-1]
    redrive: Any = None
    ignore: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    if attributes.get("RedrivePolicy"):
        text = attributes["RedrivePolicy"]
        policy = json.loads(text)
        target = policy.get("deadLetterTargetArn")
        # The live policy, values as AWS holds them (a count may be a string or a number).
        redrive = Json({**policy, "deadLetterTargetArn": Ref(target, "arn") if target else None})
        if text != _normalized_json(policy):
            # The provider stores the text as read and writes it back normalised: adopting a
            # differently spaced policy would rewrite it for nothing.
            ignore, notes = (
                ("redrive_policy",),
                ("redrive_policy is as live, but AWS answered it in a form the provider "
                 "normalises on apply: left as it is",),
            )  # fmt: skip

    def number(name: str) -> int | None:
        return int(attributes[name]) if attributes.get(name) else None

    max_size = number("MaximumMessageSize")
    if max_size is not None and max_size > PROVIDER_MAX_MESSAGE_SIZE:
        # SQS now allows 1 MiB, more than AWS provider 5.x accepts: leave it unmanaged.
        ignore += ("max_message_size",)
        notes += (
            f"max_message_size {max_size} is above what "
            f"the AWS provider 5.x accepts ({PROVIDER_MAX_MESSAGE_SIZE}): left unmanaged",
        )
        max_size = None

    return ctx.found(
        "aws_sqs_queue",
        url,
        name=name.removesuffix(".fifo"),
        tags=tags,
        arguments={
            "name": name,
            **_fifo(attributes, "FifoQueue", "fifo_queue"),
            "delay_seconds": number("DelaySeconds"),
            "max_message_size": max_size,
            "message_retention_seconds": number("MessageRetentionPeriod"),
            "receive_wait_time_seconds": number("ReceiveMessageWaitTimeSeconds"),
            "visibility_timeout_seconds": number("VisibilityTimeout"),
            "kms_master_key_id": attributes.get("KmsMasterKeyId") or None,
            "sqs_managed_sse_enabled": None
            if attributes.get("KmsMasterKeyId")
            else attributes.get("SqsManagedSseEnabled") == "true",
            "redrive_policy": redrive,
        },
        aliases={"arn": arn},
        ignore_changes=ignore,
        notes=notes,
    )


def _fifo(attributes: dict[str, str], flag: str, argument: str) -> dict[str, Any]:
    """A queue's or topic's FIFO arguments: ``argument`` (written only for a FIFO one, whose
    attribute ``flag`` is "true") and content-based deduplication (FIFO only)."""
    fifo = attributes.get(flag) == "true"
    deduplication = attributes.get("ContentBasedDeduplication") == "true"
    return {argument: fifo or None, "content_based_deduplication": deduplication if fifo else None}


def _normalized_json(value: Any) -> str:
    """JSON as the provider normalises a policy it stores (Go's encoding: compact, keys sorted)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def collect_sns_topics(ctx: ScanContext) -> list[Found]:
    client = ctx.client("sns")
    arns = [topic.arn for topic in ctx.resources("sns:topic")]

    def details(arn: str) -> tuple[dict[str, str], dict[str, str], list[dict[str, Any]]]:
        attributes = client.get_topic_attributes(TopicArn=arn).get("Attributes", {})
        tags = tag_map(client.list_tags_for_resource(ResourceArn=arn).get("Tags"))
        subscriptions = list(
            pages(client, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
        )
        return attributes, tags, subscriptions

    found: list[Found] = []
    for arn, (attributes, tags, subscriptions) in zip(arns, ctx.each(details, arns), strict=True):
        name = arn.rsplit(":", 1)[-1]
        found.append(
            ctx.found(
                "aws_sns_topic",
                arn,
                name=name.removesuffix(".fifo"),
                tags=tags,
                arguments={
                    "name": name,
                    "display_name": attributes.get("DisplayName") or None,
                    **_fifo(attributes, "FifoTopic", "fifo_topic"),
                    "kms_master_key_id": attributes.get("KmsMasterKeyId") or None,
                },
            )
        )
        found.extend(_subscription(ctx, name, item) for item in subscriptions)
    return found


def _subscription(ctx: ScanContext, topic_name: str, item: dict[str, Any]) -> Found:
    endpoint = str(item.get("Endpoint", ""))
    protocol = str(item.get("Protocol", ""))
    pending = not str(item.get("SubscriptionArn", "")).startswith("arn:")
    # Only ARN endpoints become references; an e-mail or URL endpoint stays literal.
    endpoint_value: Any = Ref(endpoint, "arn") if endpoint.startswith("arn:") else endpoint
    return ctx.found(
        "aws_sns_topic_subscription",
        str(item.get("SubscriptionArn")) if not pending else f"{item['TopicArn']}#{endpoint}",
        imported_as=str(item.get("SubscriptionArn")),
        name=f"{topic_name}_to_{endpoint.rsplit(':', 1)[-1] or protocol}",
        arguments={
            "topic_arn": Ref(item["TopicArn"], "arn"),
            "protocol": protocol,
            "endpoint": endpoint_value,
        },
        parent=item["TopicArn"],
        taggable=False,
        skip_reason="pending confirmation: there is nothing to import yet" if pending else None,
        # Terraform-only settings (how long terraform waits for a confirmation).
        unrecorded=("confirmation_timeout_in_minutes", "endpoint_auto_confirms"),
    )
