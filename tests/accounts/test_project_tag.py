"""ProjectTag's domain reconcile against a real moto server over HTTP.

API calls are counted with botocore's ``before-call`` event (AwsClients.counter). Failures
moto cannot produce — throttling and per-ARN failures inside a 200 answer — are injected with
botocore event hooks on the client, as each test says.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest

from autcloud.accounts import AwsClients, reconcile_project_tag
from autcloud.accounts.tagger import BATCH
from tests.accounts.conftest import REGION
from tests.accounts.seed import Aws, Seeded, seed_kinds
from tests.scanner.conftest import MotoServer

TAG = {"key": "Project", "value": "shop"}


def no_sleep(_: float) -> None:
    """Backoff delays are skipped in tests; the number of rounds is what is checked."""


def spec(**extra: Any) -> dict[str, Any]:
    return {"tag": TAG, "regions": [REGION], **extra}


@pytest.fixture
def seeded(moto: MotoServer) -> Seeded:
    return seed_kinds(Aws(moto.url, REGION))


def carried_tags(moto: MotoServer) -> dict[str, dict[str, str]]:
    """What the tagging API says each resource carries (a second opinion on enforce)."""
    tagging = Aws(moto.url, REGION).resourcegroupstaggingapi
    items = tagging.get_resources()["ResourceTagMappingList"]
    return {i["ResourceARN"]: {t["Key"]: t["Value"] for t in i["Tags"]} for i in items}


def test_report_mode_lists_every_kind_untagged_and_plans_the_diff(
    clients: AwsClients, seeded: Seeded
) -> None:
    result = reconcile_project_tag(spec(), clients=clients)
    untagged = {entry["arn"] for entry in result.status_patch["untagged"]}
    assert set(seeded.arns.values()) <= untagged
    planned = {c["arn"]: c["add"] for c in result.status_patch["plannedChanges"]}
    assert planned[seeded.arns["rds:db"]] == {"Project": "shop"}
    assert result.status_patch["counts"]["tagged"] == 0
    assert clients.operations("tagging:TagResources") == 0


def test_report_mode_changes_nothing_in_the_account(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    reconcile_project_tag(spec(), clients=clients)
    assert not any("Project" in tags for tags in carried_tags(moto).values())


def test_enforce_tags_every_supported_kind(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    result = reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    assert result.status_patch["counts"]["untagged"] == 0
    assert result.status_patch["counts"]["failed"] == 0
    after = reconcile_project_tag(spec(), clients=AwsClients(endpoint_url=moto.url))
    assert after.status_patch["counts"]["untagged"] == 0
    assert after.status_patch["counts"]["tagged"] == len(after.matched) >= len(seeded.arns)


def test_enforce_batches_tag_resources_at_twenty_arns(clients: AwsClients, seeded: Seeded) -> None:
    result = reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    # ELBv2 and SQS go through their service APIs in moto (the tagging API refuses them).
    through_tagging_api = [
        a for a in result.planned if ":elasticloadbalancing:" not in a and ":sqs:" not in a
    ]
    assert len(through_tagging_api) > BATCH
    assert clients.operations("tagging:TagResources") == math.ceil(len(through_tagging_api) / BATCH)


def test_elbv2_refused_by_the_tagging_api_is_tagged_with_add_tags(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    assert clients.operations("elasticloadbalancing:AddTags") == 1  # load balancer and target group
    elbv2 = Aws(moto.url, REGION).elbv2
    arn = seeded.arns["elasticloadbalancing:loadbalancer"]
    tags = elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
    assert {"Key": "Project", "Value": "shop"} in tags


def test_enforce_is_idempotent(clients: AwsClients, seeded: Seeded, moto: MotoServer) -> None:
    reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    again = AwsClients(endpoint_url=moto.url)
    result = reconcile_project_tag(spec(mode="enforce"), clients=again, sleep=no_sleep)
    assert again.operations("tagging:TagResources") == 0
    assert result.status_patch["plannedChanges"] == []
    assert result.events == []


def test_per_arn_throttling_inside_a_200_answer_is_retried(
    clients: AwsClients, seeded: Seeded
) -> None:
    """Injected: an after-call hook adds a ThrottlingException for two ARNs to the first answer."""
    state = {"calls": 0}

    def throttle_two(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        state["calls"] += 1
        if state["calls"] == 1:
            arns = sorted(a for a in seeded.arns.values() if ":ec2:" in a)[:2]
            parsed["FailedResourcesMap"] = {
                a: {
                    "StatusCode": 400,
                    "ErrorCode": "ThrottlingException",
                    "ErrorMessage": "Rate exceeded",
                }
                for a in arns
            }

    clients.session.events.register(
        "after-call.resource-groups-tagging-api.TagResources", throttle_two
    )
    delays: list[float] = []
    result = reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=delays.append)
    assert result.status_patch["counts"]["failed"] == 0
    assert len(delays) == 1  # one backoff round for the two ARNs
    assert (
        clients.operations("tagging:TagResources")
        == math.ceil((len(result.planned) - 3) / BATCH) + 1
    )


def test_a_throttled_call_backs_off_exponentially_then_succeeds(
    clients: AwsClients, seeded: Seeded
) -> None:
    """Injected: a before-call hook answers the first two TagResources calls with a 400 Throttling."""
    state = {"calls": 0}

    def throttle_call(**_: Any) -> tuple[Any, dict[str, Any]] | None:
        state["calls"] += 1
        if state["calls"] <= 2:
            error = {
                "Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
            return SimpleNamespace(status_code=400), error
        return None

    # A before-call handler's answer replaces the HTTP call (the stubs type handlers as -> None).
    hooks: Any = clients.session.events
    hooks.register("before-call.resource-groups-tagging-api.TagResources", throttle_call)
    delays: list[float] = []
    result = reconcile_project_tag(
        spec(mode="enforce", resourceKinds=["ec2:vpc"]), clients=clients, sleep=delays.append
    )
    assert result.status_patch["counts"]["failed"] == 0
    assert delays == [0.5, 1.0]


def test_permanent_per_arn_failure_is_reported_with_its_reason(
    clients: AwsClients, seeded: Seeded
) -> None:
    """Injected: the tagging API refuses the table (AccessDenied, in a 200 answer) and so does
    DynamoDB's own TagResource (a before-call hook answering 400)."""
    table = seeded.arns["dynamodb:table"]

    def refuse_table(parsed: dict[str, Any], **_: Any) -> None:
        parsed["FailedResourcesMap"] = {
            table: {
                "StatusCode": 403,
                "ErrorCode": "AccessDeniedException",
                "ErrorMessage": "not allowed",
            }
        }

    def refuse_fallback(**_: Any) -> tuple[Any, dict[str, Any]]:
        error = {
            "Error": {"Code": "AccessDeniedException", "Message": "no"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return SimpleNamespace(status_code=400), error

    clients.session.events.register(
        "after-call.resource-groups-tagging-api.TagResources", refuse_table
    )
    hooks: Any = clients.session.events  # the stubs type handlers as -> None
    hooks.register("before-call.dynamodb.TagResource", refuse_fallback)
    result = reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    assert result.status_patch["failed"] == [
        {
            "arn": table,
            "reason": "AccessDeniedException",
            "message": "dynamodb:TagResource failed: AccessDeniedException",
        }
    ]
    ready = result.status_patch["conditions"][0]
    assert (ready["status"], ready["reason"]) == ("False", "PartiallyTagged")
    assert ("Warning", "TagFailed") in [(e[0], e[1]) for e in result.events]


def test_overwrite_never_reports_a_different_value_without_changing_it(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    arn = seeded.arns["ec2:instance"]
    Aws(moto.url, REGION).ec2.create_tags(
        Resources=[seeded.instance_id], Tags=[{"Key": "Project", "Value": "legacy"}]
    )
    result = reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    entry = next(u for u in result.status_patch["untagged"] if u["arn"] == arn)
    assert entry["currentValue"] == "legacy"
    assert arn not in result.planned
    assert carried_tags(moto)[arn]["Project"] == "legacy"


def test_overwrite_always_replaces_a_different_value(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    arn = seeded.arns["ec2:instance"]
    Aws(moto.url, REGION).ec2.create_tags(
        Resources=[seeded.instance_id], Tags=[{"Key": "Project", "Value": "legacy"}]
    )
    reconcile_project_tag(spec(mode="enforce", overwrite="always"), clients=clients, sleep=no_sleep)
    assert carried_tags(moto)[arn]["Project"] == "shop"


def test_rescan_detects_drift_and_enforce_repairs_it(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    first = reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    Aws(moto.url, REGION).ec2.delete_tags(Resources=[seeded.instance_id], Tags=[{"Key": "Project"}])
    second = reconcile_project_tag(
        spec(mode="enforce"),
        clients=AwsClients(endpoint_url=moto.url),
        previous_status=first.status_patch,
        sleep=no_sleep,
    )
    assert second.newly_tagged == [seeded.arns["ec2:instance"]]
    assert ("Warning", "DriftDetected") in [(e[0], e[1]) for e in second.events]


def test_report_rescan_lists_drift_as_untagged(
    clients: AwsClients, seeded: Seeded, moto: MotoServer
) -> None:
    reconcile_project_tag(spec(mode="enforce"), clients=clients, sleep=no_sleep)
    baseline = reconcile_project_tag(spec(), clients=AwsClients(endpoint_url=moto.url))
    Aws(moto.url, REGION).ec2.delete_tags(Resources=[seeded.instance_id], Tags=[{"Key": "Project"}])
    after = reconcile_project_tag(
        spec(), clients=AwsClients(endpoint_url=moto.url), previous_status=baseline.status_patch
    )
    assert [u["arn"] for u in after.status_patch["untagged"]] == [seeded.arns["ec2:instance"]]
    assert any(e[1] == "DriftDetected" for e in after.events)


def test_vpc_selector_keeps_resources_of_that_vpc(clients: AwsClients, seeded: Seeded) -> None:
    result = reconcile_project_tag(spec(selectors={"vpcIds": [seeded.vpc_id]}), clients=clients)
    assert seeded.arns["ec2:instance"] in {r.arn for r in result.matched}
    assert seeded.arns["dynamodb:table"] not in {r.arn for r in result.matched}  # no VPC
    assert all(r.vpc_id == seeded.vpc_id for r in result.matched)


def test_name_pattern_matches_the_name_tag_or_name(clients: AwsClients, seeded: Seeded) -> None:
    result = reconcile_project_tag(spec(selectors={"namePattern": "^shop-"}), clients=clients)
    assert {r.arn for r in result.matched} == {seeded.arns["ec2:vpc"], seeded.arns["s3:bucket"]}


def test_arn_selector_and_kinds_narrow_the_scan(clients: AwsClients, seeded: Seeded) -> None:
    arn = seeded.arns["rds:db"]
    result = reconcile_project_tag(
        spec(resourceKinds=["rds:db"], selectors={"arns": [arn]}), clients=clients
    )
    assert [r.arn for r in result.matched] == [arn]
    assert clients.operations("ec2:DescribeInstances") == 0


def test_an_invalid_name_pattern_stalls_with_invalid_selector(clients: AwsClients) -> None:
    result = reconcile_project_tag(spec(selectors={"namePattern": "("}), clients=clients)
    stalled = next(c for c in result.status_patch["conditions"] if c["type"] == "Stalled")
    assert (stalled["status"], stalled["reason"]) == ("True", "InvalidSelector")
    assert "spec.selectors.namePattern" in stalled["message"]


def test_an_unreachable_endpoint_is_retried_not_stalled(aws_env: None) -> None:
    clients = AwsClients(endpoint_url="http://127.0.0.1:9", max_attempts=1)
    result = reconcile_project_tag(spec(), clients=clients)
    ready = result.status_patch["conditions"][0]
    assert ready["reason"] == "EndpointUnreachable"
    assert result.requeue_after_s == 60


def test_ready_transition_time_is_kept_while_status_stays(
    clients: AwsClients, seeded: Seeded
) -> None:
    from datetime import UTC, datetime, timedelta

    first_time = datetime(2026, 1, 1, tzinfo=UTC)
    first = reconcile_project_tag(
        spec(resourceKinds=["sqs:queue"]), clients=clients, now=first_time
    )
    later = reconcile_project_tag(
        spec(resourceKinds=["sqs:queue"]),
        clients=clients,
        now=first_time + timedelta(hours=1),
        previous_status=first.status_patch,
    )
    assert later.status_patch["conditions"][0]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert later.status_patch["lastScanTime"] == "2026-01-01T01:00:00Z"
    assert later.requeue_after_s == 3600


def test_enforce_with_arns_that_do_not_exist_warns_naming_them(
    clients: AwsClients, seeded: Seeded
) -> None:
    real = seeded.arns["sqs:queue"]
    ghosts = [
        f"arn:aws:sqs:{REGION}:123456789012:deleted-queue",
        f"arn:aws:sqs:{REGION}:123456789012:misspeled-queue",
    ]
    result = reconcile_project_tag(
        spec(mode="enforce", resourceKinds=["sqs:queue"], selectors={"arns": [real, *ghosts]}),
        clients=clients,
        sleep=no_sleep,
    )

    assert result.unknown_arns == sorted(ghosts)
    conditions = {c["type"]: c for c in result.status_patch["conditions"]}
    found = conditions["ArnsFound"]
    assert (found["status"], found["reason"]) == ("False", "UnknownArns")
    assert all(ghost in found["message"] for ghost in ghosts)
    assert real not in found["message"]
    assert "2 of 3" in found["message"]
    warnings = [e for e in result.events if e[:2] == ("Warning", "UnknownArns")]
    assert len(warnings) == 1 and ghosts[0] in warnings[0][2]
    assert result.newly_tagged == [real]  # the ARNs that exist are still tagged


def test_arns_that_all_exist_say_so(clients: AwsClients, seeded: Seeded) -> None:
    arn = seeded.arns["sqs:queue"]
    result = reconcile_project_tag(
        spec(resourceKinds=["sqs:queue"], selectors={"arns": [arn]}), clients=clients
    )

    found = next(c for c in result.status_patch["conditions"] if c["type"] == "ArnsFound")
    assert (found["status"], found["reason"]) == ("True", "AllFound")
    assert not [e for e in result.events if e[1] == "UnknownArns"]
