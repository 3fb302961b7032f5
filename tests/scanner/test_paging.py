"""Every paginated call and batching loop runs past its first page or batch, against moto.

One moto server is seeded with more resources than one page or one batch holds — 55 load
balancers (moto pages DescribeLoadBalancers at 50; DescribeTags and AddTags take 20 ARNs), 105
SNS topics (ListTopics pages at 100), 55 log groups (DescribeLogGroups pages at 50), an ECS cluster with 23 services (DescribeServices takes
10), 105 ECS clusters (DescribeClusters takes 100), 130 security groups to tag (TagResources
takes 20 ARNs; GetResources is asked for 100 a page) and 1,100 metric queries with data
(GetMetricData takes 500) — and each test asserts both that nothing is missing and, with the
AWS layer's call counter, that the extra pages or batches were really asked for.

Not reachable through moto: GetMetricData's own ``NextToken`` (moto answers every query in one
page, however many points), so only the 500-query batching of that call is exercised here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from autcloud.accounts import AwsClients
from autcloud.accounts.collector import QUERIES_PER_CALL, Target, collect, queries_for
from autcloud.accounts.discovery import discover, tagged_resources
from autcloud.accounts.metric_sets import DEFAULT_SETS
from autcloud.accounts.tagger import BATCH, apply_tags
from autcloud.scanner import ScanOptions, ScanResult, scan
from tests.accounts.seed import ACCOUNT, Aws
from tests.scanner.conftest import MotoServer, start_moto, stop

REGION = "eu-west-1"
BALANCERS = 55
TOPICS = 105
LOG_GROUPS = 55
SERVICES = 23
CLUSTERS = 105  # one of them is the cluster with the services
SECURITY_GROUPS = 130
INSTANCES = 1100 // len(DEFAULT_SETS["ec2:instance"].metrics) + 1  # > 1,100 queries


@pytest.fixture(scope="module")
def moto(aws_env: None) -> Iterator[MotoServer]:
    server = start_moto()
    yield server
    stop(server)


@pytest.fixture(scope="module")
def aws(moto: MotoServer) -> Aws:
    return Aws(moto.url, REGION)


@pytest.fixture(scope="module")
def seeded_scan(moto: MotoServer, aws: Aws) -> ScanResult:
    _seed_balancers(aws)
    for number in range(TOPICS):
        aws.sns.create_topic(Name=f"topic-{number:03d}")
    for number in range(LOG_GROUPS):
        aws.logs.create_log_group(logGroupName=f"/app/group-{number:02d}")
    _seed_ecs(aws)
    return scan(ScanOptions(region=REGION, endpoint_url=moto.url, include_global=False))


def _seed_balancers(aws: Aws) -> None:
    vpc = aws.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        aws.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate([f"{REGION}a", f"{REGION}b"])
    ]
    for number in range(BALANCERS):
        aws.elbv2.create_load_balancer(
            Name=f"web-{number:02d}",
            Subnets=subnets,
            Type="application",
            Tags=[{"Key": "Number", "Value": str(number)}],
        )


def _seed_ecs(aws: Aws) -> None:
    aws.ecs.create_cluster(clusterName="busy")
    task = aws.ecs.register_task_definition(
        family="web",
        containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    for number in range(SERVICES):
        aws.ecs.create_service(
            cluster="busy",
            serviceName=f"svc-{number:02d}",
            taskDefinition=task,
            desiredCount=0,
            tags=[{"key": "Number", "value": str(number)}],
        )
    for number in range(CLUSTERS - 1):
        aws.ecs.create_cluster(clusterName=f"idle-{number:03d}")


def of_kind(result: ScanResult, kind: str) -> list[str]:
    return sorted(found.name_hint for found in result.resources if found.kind == kind)


# --- the scanner: listings that page, per-item calls that batch -------------------------------


def test_every_load_balancer_is_scanned_across_listing_pages_and_tag_batches(
    seeded_scan: ScanResult,
) -> None:
    balancers = [found for found in seeded_scan.resources if found.kind == "aws_lb"]

    assert len(balancers) == BALANCERS
    assert sorted(int(found.tags["Number"]) for found in balancers) == list(range(BALANCERS))
    # moto pages DescribeLoadBalancers at 50; DescribeTags takes 20 ARNs: 55 -> 20 + 20 + 15
    assert seeded_scan.operations["elasticloadbalancing:DescribeLoadBalancers"] >= 2
    assert seeded_scan.operations["elasticloadbalancing:DescribeTags"] == 3


def test_every_topic_is_scanned_across_list_topics_pages(seeded_scan: ScanResult) -> None:
    assert len(of_kind(seeded_scan, "aws_sns_topic")) == TOPICS
    assert seeded_scan.operations["sns:ListTopics"] >= 2  # moto answers 100 a page


def test_every_log_group_is_discovered_across_describe_log_groups_pages(
    moto: MotoServer, seeded_scan: ScanResult
) -> None:
    clients = AwsClients(endpoint_url=moto.url)

    found = discover(clients, REGION, ["logs:log-group"], ACCOUNT)

    names = sorted(resource.name or "" for resource in found.resources)
    assert names == [f"/app/group-{number:02d}" for number in range(LOG_GROUPS)]
    assert clients.counter.count("logs:DescribeLogGroups") >= 2  # moto answers 50 a page


def test_every_ecs_service_and_cluster_is_scanned_across_describe_batches(
    seeded_scan: ScanResult,
) -> None:
    services = [found for found in seeded_scan.resources if found.kind == "aws_ecs_service"]

    assert len(services) == SERVICES
    assert sorted(int(found.tags["Number"]) for found in services) == list(range(SERVICES))
    assert len(of_kind(seeded_scan, "aws_ecs_cluster")) == CLUSTERS
    assert seeded_scan.operations["ecs:DescribeServices"] == 3  # 10 + 10 + 3
    assert seeded_scan.operations["ecs:DescribeClusters"] == 2  # 100 + 5


# --- accounts: tagging in batches, GetResources in pages --------------------------------------


def test_tagging_130_resources_takes_batches_of_20_and_get_resources_reads_every_page(
    moto: MotoServer, aws: Aws
) -> None:
    vpc = aws.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    groups = [
        aws.ec2.create_security_group(GroupName=f"sg-{n:03d}", Description="x", VpcId=vpc)[
            "GroupId"
        ]
        for n in range(SECURITY_GROUPS)
    ]
    arns = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group}" for group in groups]
    clients = AwsClients(endpoint_url=moto.url)

    outcome = apply_tags(clients, REGION, arns, {"Project": "paging"})
    found = tagged_resources(clients, REGION, ["ec2:security-group"], {"Project": "paging"})

    assert sorted(outcome.tagged) == sorted(arns) and not outcome.failed
    assert clients.counter.count("tagging:TagResources") == -(-SECURITY_GROUPS // BATCH)  # 7
    assert set(found) == set(arns)
    assert all(tags == {"Project": "paging"} for tags in found.values())
    assert clients.counter.count("tagging:GetResources") == 2  # 100 a page: 100 + 30
    described = aws.ec2.describe_security_groups(GroupIds=groups)["SecurityGroups"]
    assert all({"Key": "Project", "Value": "paging"} in g.get("Tags", []) for g in described)


def test_load_balancers_the_tagging_api_refuses_are_tagged_with_add_tags_in_batches(
    moto: MotoServer, aws: Aws, seeded_scan: ScanResult
) -> None:
    arns = [
        item["LoadBalancerArn"]
        for page in aws.elbv2.get_paginator("describe_load_balancers").paginate()
        for item in page["LoadBalancers"]
    ]
    clients = AwsClients(endpoint_url=moto.url)

    outcome = apply_tags(clients, REGION, arns, {"Project": "paging"}, base_delay_s=0)

    assert len(arns) == BALANCERS and sorted(outcome.via_service_api) == sorted(arns)
    assert not outcome.failed
    assert clients.counter.count("elasticloadbalancing:AddTags") == 3  # 20 + 20 + 15
    described = [
        description
        for start in range(0, len(arns), 20)
        for description in aws.elbv2.describe_tags(ResourceArns=arns[start : start + 20])[
            "TagDescriptions"
        ]
    ]
    assert all({"Key": "Project", "Value": "paging"} in d["Tags"] for d in described)


# --- accounts: GetMetricData, 500 queries a call ----------------------------------------------


def test_more_than_1000_metric_queries_take_three_calls_and_every_series_has_its_data(
    moto: MotoServer, aws: Aws
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    kind_set = DEFAULT_SETS["ec2:instance"]
    names = list(dict.fromkeys(metric.name for metric in kind_set.metrics))  # stats share one

    def value(n: int, name: str) -> float:
        return float(n * 10 + names.index(name))

    targets = [
        Target(f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-{n:017x}", "ec2:instance", REGION)
        for n in range(INSTANCES)
    ]
    data = [
        {
            "MetricName": name,
            "Dimensions": [{"Name": "InstanceId", "Value": f"i-{n:017x}"}],
            "Timestamp": now - timedelta(minutes=10),
            "Value": value(n, name),
        }
        for n in range(INSTANCES)
        for name in names
    ]
    for start in range(0, len(data), 500):
        aws.cloudwatch.put_metric_data(
            Namespace=kind_set.namespace, MetricData=data[start : start + 500]
        )
    queries = queries_for(targets, default_sets=True, extra=[])
    clients = AwsClients(endpoint_url=moto.url)

    series = collect(clients, queries, now=now)

    assert len(queries) > 2 * QUERIES_PER_CALL
    assert clients.counter.count("monitoring:GetMetricData") == 3
    readings = Counter(
        (s.query.target.arn, s.query.metric.label, s.latest[1] if s.latest else None)
        for s in series
    )
    expected = Counter(
        (targets[n].arn, metric.label, value(n, metric.name))
        for n in range(INSTANCES)
        for metric in kind_set.metrics
    )
    assert readings == expected
