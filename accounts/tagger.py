"""Add tags: ``TagResources`` in batches of 20 ARNs, per-ARN failures, backoff, service fallbacks.

``TagResources`` takes 1 to 20 ARNs and answers 200 even when some of them failed: the failures
are in ``FailedResourcesMap``. Throttling (of the call, or of single ARNs) is retried with
exponential backoff, by the AWS layer's one retry policy (:mod:`autcloud.aws.retry`); an ARN the tagging API refuses for good (some types are not supported
everywhere — an emulator refuses ELBv2 and SQS) is tagged through its own service's API instead.
Tagging is idempotent: setting a tag to the value it has changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.accounts.arns import parse_arn
from autcloud.aws import AwsClients, error_code
from autcloud.aws.retry import is_transient, retry_leftovers

log = logging.getLogger("autcloud.accounts")

BATCH = 20  # TagResources' limit of ARNs per call


@dataclass(frozen=True)
class TagFailure:
    arn: str
    reason: str  # the AWS error code
    message: str


@dataclass
class TagOutcome:
    tagged: list[str] = field(default_factory=list)
    failed: dict[str, TagFailure] = field(default_factory=dict)
    via_service_api: list[str] = field(default_factory=list)


def apply_tags(
    clients: AwsClients,
    region: str,
    arns: Iterable[str],
    tags: Mapping[str, str],
    *,
    attempts: int = 4,
    base_delay_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> TagOutcome:
    """Set ``tags`` on every ARN (all in ``region``); what could not be tagged is in ``failed``."""
    outcome = TagOutcome()
    client = clients.client("resourcegroupstaggingapi", region)
    pending = list(dict.fromkeys(arns))
    refused: dict[str, TagFailure] = {}

    def attempt() -> dict[str, TagFailure]:
        """One round over what is pending: the failures worth another round."""
        nonlocal pending
        retry: dict[str, TagFailure] = {}
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            try:
                answer = client.tag_resources(ResourceARNList=batch, Tags=dict(tags))
            except ClientError as error:
                code = error_code(error)
                failure_status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                target = retry if is_transient(code, failure_status) else refused
                for arn in batch:
                    target[arn] = TagFailure(arn, code, f"TagResources failed: {code}")
                continue
            failures = answer.get("FailedResourcesMap") or {}
            for arn in batch:
                info = failures.get(arn)
                if info is None:
                    outcome.tagged.append(arn)
                    continue
                code = str(info.get("ErrorCode", "Unknown"))
                failure = TagFailure(arn, code, str(info.get("ErrorMessage", "")))
                target = retry if is_transient(code, info.get("StatusCode")) else refused
                target[arn] = failure
        pending = list(retry)
        if retry:
            log.info("tagging retry region=%s arns=%d", region, len(retry))
        return retry

    outcome.failed.update(
        retry_leftovers(attempt, attempts=attempts, base_delay_s=base_delay_s, sleep=sleep)
    )
    if refused:
        _fall_back(clients, region, refused, tags, outcome)
    return outcome


def _fall_back(
    clients: AwsClients,
    region: str,
    refused: dict[str, TagFailure],
    tags: Mapping[str, str],
    outcome: TagOutcome,
) -> None:
    """Tag what the tagging API refused through each service's own API, where one exists."""
    by_service: dict[str, list[str]] = {}
    for arn in refused:
        by_service.setdefault(parse_arn(arn).service, []).append(arn)
    for service, arns in by_service.items():
        tagger = SERVICE_TAGGERS.get(service)
        if tagger is None:
            outcome.failed.update({arn: refused[arn] for arn in arns})
            continue
        for arn, error in tagger(clients, region, arns, dict(tags)).items():
            if error is None:
                outcome.tagged.append(arn)
                outcome.via_service_api.append(arn)
            else:
                outcome.failed[arn] = error


ServiceTagger = Callable[[AwsClients, str, list[str], dict[str, str]], dict[str, TagFailure | None]]


def _each(
    arns: list[str], call: Callable[[str], Any], operation: str
) -> dict[str, TagFailure | None]:
    results: dict[str, TagFailure | None] = {}
    for arn in arns:
        try:
            call(arn)
            results[arn] = None
        except ClientError as error:
            code = error_code(error)
            results[arn] = TagFailure(arn, code, f"{operation} failed: {code}")
        except BotoCoreError as error:
            results[arn] = TagFailure(arn, type(error).__name__, f"{operation} failed")
    return results


def _pairs(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


def _ec2(
    clients: AwsClients, region: str, arns: list[str], tags: dict[str, str]
) -> dict[str, TagFailure | None]:
    ec2 = clients.client("ec2", region)
    ids = {parse_arn(arn).resource_id: arn for arn in arns}
    try:
        ec2.create_tags(Resources=list(ids), Tags=_pairs(tags))  # up to 1000 ids a call
    except ClientError:  # one bad id fails the whole call: find which, one by one
        return _each(
            arns,
            lambda arn: ec2.create_tags(Resources=[parse_arn(arn).resource_id], Tags=_pairs(tags)),
            "ec2:CreateTags",
        )
    return dict.fromkeys(arns)


def _elbv2(
    clients: AwsClients, region: str, arns: list[str], tags: dict[str, str]
) -> dict[str, TagFailure | None]:
    elbv2 = clients.client("elbv2", region)
    results: dict[str, TagFailure | None] = {}
    for start in range(0, len(arns), BATCH):  # AddTags takes 20 ARNs too
        batch = arns[start : start + BATCH]
        try:
            elbv2.add_tags(ResourceArns=batch, Tags=_pairs(tags))
            results.update(dict.fromkeys(batch))
        except ClientError:
            results.update(
                _each(
                    batch,
                    lambda a: elbv2.add_tags(ResourceArns=[a], Tags=_pairs(tags)),
                    "elbv2:AddTags",
                )
            )
    return results


def _sqs(
    clients: AwsClients, region: str, arns: list[str], tags: dict[str, str]
) -> dict[str, TagFailure | None]:
    sqs = clients.client("sqs", region)

    def tag(arn: str) -> None:
        parsed = parse_arn(arn)
        url = sqs.get_queue_url(QueueName=parsed.resource, QueueOwnerAWSAccountId=parsed.account)
        sqs.tag_queue(QueueUrl=url["QueueUrl"], Tags=tags)

    return _each(arns, tag, "sqs:TagQueue")


def _s3(
    clients: AwsClients, region: str, arns: list[str], tags: dict[str, str]
) -> dict[str, TagFailure | None]:
    s3 = clients.client("s3", region)

    def tag(arn: str) -> None:
        # PutBucketTagging replaces the whole set: merge with the tags the bucket has.
        bucket = parse_arn(arn).resource
        try:
            current = s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except ClientError as error:
            if error_code(error) != "NoSuchTagSet":
                raise
            current = []
        merged = {t["Key"]: t["Value"] for t in current} | tags
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _pairs(merged)})

    return _each(arns, tag, "s3:PutBucketTagging")


@dataclass(frozen=True)
class _TagCall:
    """A service's own one-resource tagging call: ``method(**{arn: ARN, tags: TAGS})``."""

    method: str  # the client method, e.g. tag_resource; the IAM action is its CamelCase name
    arn: str  # the parameter that names the resource
    tags: str  # the parameter that carries the tags
    pairs: tuple[str, str] | None = ("Key", "Value")  # None: the tags as a {key: value} map
    wrapper: str | None = None  # the pairs wrapped in {wrapper: [...]} (CloudFront's Items)

    def arguments(self, arn: str, tags: dict[str, str]) -> dict[str, Any]:
        value: Any = tags if self.pairs is None else _pairs(tags, *self.pairs)
        if self.wrapper is not None:
            value = {self.wrapper: value}
        return {self.arn: arn, self.tags: value}


def _one_by_one(service: str, call: _TagCall) -> ServiceTagger:
    operation = f"{service}:{''.join(word.title() for word in call.method.split('_'))}"

    def tagger(
        clients: AwsClients, region: str, arns: list[str], tags: dict[str, str]
    ) -> dict[str, TagFailure | None]:
        method = getattr(clients.client(service, region), call.method)
        return _each(arns, lambda arn: method(**call.arguments(arn, tags)), operation)

    return tagger


# The services whose tagging call takes one resource at a time.
_TAG_CALLS: dict[str, _TagCall] = {
    "rds": _TagCall("add_tags_to_resource", "ResourceName", "Tags"),
    "elasticache": _TagCall("add_tags_to_resource", "ResourceName", "Tags"),
    "lambda": _TagCall("tag_resource", "Resource", "Tags", pairs=None),
    "dynamodb": _TagCall("tag_resource", "ResourceArn", "Tags"),
    "sns": _TagCall("tag_resource", "ResourceArn", "Tags"),
    "logs": _TagCall("tag_resource", "resourceArn", "tags", pairs=None),
    "secretsmanager": _TagCall("tag_resource", "SecretId", "Tags"),
    "ecs": _TagCall("tag_resource", "resourceArn", "tags", pairs=("key", "value")),
    "eks": _TagCall("tag_resource", "resourceArn", "tags", pairs=None),
    "kms": _TagCall("tag_resource", "KeyId", "Tags", pairs=("TagKey", "TagValue")),
    "cloudfront": _TagCall("tag_resource", "Resource", "Tags", wrapper="Items"),
}

SERVICE_TAGGERS: dict[str, ServiceTagger] = {
    "ec2": _ec2,
    "elasticloadbalancing": _elbv2,
    "sqs": _sqs,
    "s3": _s3,
    **{service: _one_by_one(service, call) for service, call in _TAG_CALLS.items()},
}
