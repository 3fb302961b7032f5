"""The AWS layer the scanner, tagging and monitoring share (:mod:`autcloud.aws`).

One retry policy: a request AWS throttles is retried by botocore (shown against the moto
server, the throttled answer injected by a ``before-send`` hook); items a 200 answer lists as
throttled are retried by :func:`retry_leftovers` (shown through the tagger with botocore's
Stubber).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from autcloud.accounts.arns import SUPPORTED_KINDS
from autcloud.accounts.tagger import apply_tags
from autcloud.aws import (
    LISTINGS,
    AwsClients,
    CredentialsSecretError,
    Where,
    list_resources,
)
from autcloud.aws.retry import is_transient, retry_leftovers
from autcloud.scanner import ScanResult
from tests.scanner.conftest import REGION, MotoServer
from tests.scanner.seed import Seeded

THROTTLED = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def test_a_throttled_request_is_retried_by_botocore_then_succeeds(moto: MotoServer) -> None:
    """Against moto: the first ListTables request is answered 400 ThrottlingException."""
    clients = AwsClients(endpoint_url=moto.url)
    sent = {"requests": 0}

    def throttle_first(request: Any, **_: Any) -> AWSResponse | None:
        sent["requests"] += 1
        if sent["requests"] == 1:
            headers = {"x-amzn-ErrorType": "ThrottlingException"}
            return AWSResponse(request.url, 400, headers, _Body(THROTTLED))  # type: ignore[arg-type]
        return None  # the real request, to moto

    hooks: Any = clients.session.events  # a before-send answer replaces the HTTP request
    hooks.register_first("before-send.dynamodb.ListTables", throttle_first)
    answer = clients.client("dynamodb", REGION).list_tables()
    assert "TableNames" in answer
    assert clients.operations("dynamodb:ListTables") == 1  # one call ...
    assert clients.counter.http_requests == 2  # ... two requests: the throttled one retried


def test_items_left_throttled_in_a_200_answer_are_retried_with_backoff() -> None:
    """botocore's Stubber on the tagger's own client: TagResources answers 200 with one ARN
    throttled, then tags it on the second round (the tagger's loop, not a copy of it)."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    clients = AwsClients(session)
    client = clients.client("resourcegroupstaggingapi", REGION)  # the one apply_tags reuses
    arns = [f"arn:aws:sns:{REGION}:123456789012:topic-{i}" for i in range(3)]
    throttled = {"StatusCode": 400, "ErrorCode": "ThrottlingException", "ErrorMessage": "slow"}
    delays: list[float] = []

    with Stubber(client) as stub:
        first = {"ResourceARNList": arns, "Tags": {"Project": "shop"}}
        stub.add_response("tag_resources", {"FailedResourcesMap": {arns[1]: throttled}}, first)
        retried = {"ResourceARNList": [arns[1]], "Tags": {"Project": "shop"}}
        stub.add_response("tag_resources", {"FailedResourcesMap": {}}, retried)
        outcome = apply_tags(
            clients, REGION, arns, {"Project": "shop"}, base_delay_s=0.5, sleep=delays.append
        )
        stub.assert_no_pending_responses()
    assert sorted(outcome.tagged) == sorted(arns)
    assert outcome.failed == {}
    assert delays == [0.5]


def test_retrying_stops_after_the_attempts_and_returns_what_is_left() -> None:
    delays: list[float] = []
    left = retry_leftovers(lambda: ["arn"], attempts=4, base_delay_s=0.5, sleep=delays.append)
    assert left == ["arn"]
    assert delays == [0.5, 1.0, 2.0]  # exponential, none after the last attempt


def test_an_error_inside_an_attempt_is_not_retried_again() -> None:
    """botocore has already retried the request; the policy does not retry it once more."""
    calls: list[int] = []

    def attempt() -> list[str]:
        calls.append(1)
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        retry_leftovers(attempt, attempts=4, base_delay_s=0.5, sleep=lambda _: None)
    assert len(calls) == 1


def test_throttling_is_transient_and_a_service_fault_only_with_a_5xx_status() -> None:
    assert is_transient("ThrottlingException", 400)
    assert is_transient("ServiceUnavailable", 503)
    assert not is_transient("ServiceUnavailable", 400)
    assert not is_transient("AccessDenied", 403)


def test_a_credentials_secret_without_a_key_is_named_never_its_values() -> None:
    with pytest.raises(CredentialsSecretError) as raised:
        AwsClients.from_spec({}, {"AWS_ACCESS_KEY_ID": "AKIASECRETVALUE"})
    assert "AWS_SECRET_ACCESS_KEY" in str(raised.value)
    assert "AKIASECRETVALUE" not in str(raised.value)


def test_a_spec_endpoint_reaches_every_client(moto: MotoServer) -> None:
    clients = AwsClients.from_spec({"endpointURL": moto.url})
    assert clients.client("sqs", REGION).meta.endpoint_url == moto.url


def test_every_kind_a_project_tag_names_has_a_listing_except_kms_keys() -> None:
    """KMS keys come from the tagging API only: ListKeys lists AWS-managed keys too."""
    assert set(SUPPORTED_KINDS) - set(LISTINGS) == {"kms:key"}


def test_the_scanner_and_tagging_see_the_same_resources(
    moto: MotoServer, seeded: Seeded, full_scan: ScanResult
) -> None:
    clients = AwsClients(endpoint_url=moto.url)
    where = Where(clients, REGION, full_scan.account)
    listed = {resource.arn for resource in list_resources(where, "rds:db")}
    databases = ("aws_db_instance", "aws_rds_cluster_instance")
    scanned = {f.key for f in full_scan.resources if f.kind in databases}
    assert listed and listed == scanned
    vpcs = {resource.item["VpcId"] for resource in list_resources(where, "ec2:vpc")}
    assert vpcs == {f.key for f in full_scan.resources if f.kind in ("aws_vpc", "aws_default_vpc")}
