"""Find the resources of some kinds in one region, with their tags, VPC and name.

The Resource Groups Tagging API (``GetResources``) lists, in few calls, every resource that
carries — or once carried — a tag; a resource that never had one is invisible to it. Service
listers (``DescribeInstances``, ``ListFunctions``, ...) therefore find every resource of a kind,
and say which VPC it sits in; the tagging API supplies the tags of those whose lister does not.
A lister that fails (permission missing, API not offered) leaves its kind to the tagging API
alone and is reported as a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.accounts.arns import GLOBAL_KINDS, kind_of, parse_arn
from autcloud.accounts.clients import GLOBAL_SERVICE_REGION, AwsClients
from autcloud.scanner.aws import error_code, pages
from autcloud.scanner.model import tag_map

log = logging.getLogger("autcloud.accounts")


@dataclass
class Resource:
    """One resource of a supported kind. ``tags`` None: not known yet (the tagging API says)."""

    arn: str
    kind: str
    region: str
    tags: dict[str, str] | None = None
    vpc_id: str | None = None
    name: str | None = None

    @property
    def display_name(self) -> str:
        """The Name tag, else the service's own name, else the ARN's id."""
        if self.tags and self.tags.get("Name"):
            return self.tags["Name"]
        return self.name or parse_arn(self.arn).resource_id


@dataclass
class Discovery:
    resources: list[Resource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Where:
    clients: AwsClients
    region: str
    account: str

    def client(self, service: str) -> Any:
        return self.clients.client(service, self.region)


Lister = Callable[[Where], Iterable[Resource]]


def _ec2(
    where: Where, operation: str, key: str, kind: str, id_key: str, path: str
) -> Iterator[Resource]:
    for item in pages(where.client("ec2"), operation, key):
        yield Resource(
            arn=f"arn:aws:ec2:{where.region}:{where.account}:{path}/{item[id_key]}",
            kind=kind,
            region=where.region,
            tags=tag_map(item.get("Tags")),
            vpc_id=item.get("VpcId") if kind != "ec2:vpc" else item[id_key],
        )


def _instances(where: Where) -> Iterator[Resource]:
    for reservation in pages(where.client("ec2"), "describe_instances", "Reservations"):
        for item in reservation.get("Instances", []):
            if item.get("State", {}).get("Name") in ("terminated", "shutting-down"):
                continue
            yield Resource(
                arn=f"arn:aws:ec2:{where.region}:{where.account}:instance/{item['InstanceId']}",
                kind="ec2:instance",
                region=where.region,
                tags=tag_map(item.get("Tags")),
                vpc_id=item.get("VpcId"),
            )


def _internet_gateways(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("ec2"), "describe_internet_gateways", "InternetGateways"):
        attached = [a["VpcId"] for a in item.get("Attachments", []) if a.get("VpcId")]
        yield Resource(
            arn=f"arn:aws:ec2:{where.region}:{where.account}:internet-gateway/{item['InternetGatewayId']}",
            kind="ec2:internet-gateway",
            region=where.region,
            tags=tag_map(item.get("Tags")),
            vpc_id=attached[0] if attached else None,
        )


def _nat_gateways(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("ec2"), "describe_nat_gateways", "NatGateways"):
        if item.get("State") in ("deleted", "deleting"):
            continue
        yield Resource(
            arn=f"arn:aws:ec2:{where.region}:{where.account}:natgateway/{item['NatGatewayId']}",
            kind="ec2:natgateway",
            region=where.region,
            tags=tag_map(item.get("Tags")),
            vpc_id=item.get("VpcId"),
        )


def _rds_instances(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("rds"), "describe_db_instances", "DBInstances"):
        yield Resource(
            arn=item["DBInstanceArn"],
            kind="rds:db",
            region=where.region,
            tags=tag_map(item.get("TagList")),
            vpc_id=(item.get("DBSubnetGroup") or {}).get("VpcId"),
            name=item["DBInstanceIdentifier"],
        )


def _rds_clusters(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("rds"), "describe_db_clusters", "DBClusters"):
        yield Resource(
            arn=item["DBClusterArn"],
            kind="rds:cluster",
            region=where.region,
            tags=tag_map(item.get("TagList")),
            name=item["DBClusterIdentifier"],
        )


def _buckets(where: Where) -> Iterator[Resource]:
    # ListBuckets is global: keep the buckets of this region only.
    s3 = where.client("s3")
    for item in s3.list_buckets().get("Buckets", []):
        region = item.get("BucketRegion")
        if region is None:
            location = s3.get_bucket_location(Bucket=item["Name"]).get("LocationConstraint")
            region = location or "us-east-1"
        if region == where.region:
            yield Resource(
                f"arn:aws:s3:::{item['Name']}", "s3:bucket", where.region, name=item["Name"]
            )


def _functions(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("lambda"), "list_functions", "Functions"):
        yield Resource(
            arn=item["FunctionArn"],
            kind="lambda:function",
            region=where.region,
            vpc_id=(item.get("VpcConfig") or {}).get("VpcId") or None,
            name=item["FunctionName"],
        )


def _cache_clusters(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("elasticache"), "describe_cache_clusters", "CacheClusters"):
        yield Resource(
            item["ARN"], "elasticache:cluster", where.region, name=item["CacheClusterId"]
        )


def _load_balancers(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("elbv2"), "describe_load_balancers", "LoadBalancers"):
        yield Resource(
            item["LoadBalancerArn"],
            "elasticloadbalancing:loadbalancer",
            where.region,
            vpc_id=item.get("VpcId"),
            name=item["LoadBalancerName"],
        )


def _target_groups(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("elbv2"), "describe_target_groups", "TargetGroups"):
        yield Resource(
            item["TargetGroupArn"],
            "elasticloadbalancing:targetgroup",
            where.region,
            vpc_id=item.get("VpcId"),
            name=item["TargetGroupName"],
        )


def _tables(where: Where) -> Iterator[Resource]:
    for name in pages(where.client("dynamodb"), "list_tables", "TableNames"):
        arn = f"arn:aws:dynamodb:{where.region}:{where.account}:table/{name}"
        yield Resource(arn, "dynamodb:table", where.region, name=name)


def _queues(where: Where) -> Iterator[Resource]:
    for url in pages(where.client("sqs"), "list_queues", "QueueUrls"):
        name = url.rstrip("/").rsplit("/", 1)[-1]
        yield Resource(
            f"arn:aws:sqs:{where.region}:{where.account}:{name}",
            "sqs:queue",
            where.region,
            name=name,
        )


def _topics(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("sns"), "list_topics", "Topics"):
        yield Resource(item["TopicArn"], "sns:topic", where.region)


def _log_groups(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("logs"), "describe_log_groups", "logGroups"):
        arn = str(item["arn"]).removesuffix(":*")  # the tagging API names log groups without :*
        yield Resource(arn, "logs:log-group", where.region, name=item["logGroupName"])


def _secrets(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("secretsmanager"), "list_secrets", "SecretList"):
        yield Resource(
            item["ARN"],
            "secretsmanager:secret",
            where.region,
            tags=tag_map(item.get("Tags")),
            name=item["Name"],
        )


def _ecs_clusters(where: Where) -> Iterator[Resource]:
    for arn in pages(where.client("ecs"), "list_clusters", "clusterArns"):
        yield Resource(arn, "ecs:cluster", where.region)


def _ecs_services(where: Where) -> Iterator[Resource]:
    ecs = where.client("ecs")
    for cluster in pages(ecs, "list_clusters", "clusterArns"):
        for arn in pages(ecs, "list_services", "serviceArns", cluster=cluster):
            yield Resource(arn, "ecs:service", where.region)


def _eks_clusters(where: Where) -> Iterator[Resource]:
    eks = where.client("eks")
    for name in pages(eks, "list_clusters", "clusters"):
        cluster = eks.describe_cluster(name=name)["cluster"]
        yield Resource(
            cluster["arn"],
            "eks:cluster",
            where.region,
            tags=dict(cluster.get("tags") or {}),
            vpc_id=(cluster.get("resourcesVpcConfig") or {}).get("vpcId"),
            name=name,
        )


def _distributions(where: Where) -> Iterator[Resource]:
    listing = where.client("cloudfront").list_distributions().get("DistributionList", {})
    for item in listing.get("Items", []) or []:
        yield Resource(item["ARN"], "cloudfront:distribution", where.region)


def _volumes(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("ec2"), "describe_volumes", "Volumes"):
        yield Resource(
            f"arn:aws:ec2:{where.region}:{where.account}:volume/{item['VolumeId']}",
            "ec2:volume",
            where.region,
            tags=tag_map(item.get("Tags")),
        )


LISTERS: dict[str, Lister] = {
    "ec2:instance": _instances,
    "ec2:vpc": lambda w: _ec2(w, "describe_vpcs", "Vpcs", "ec2:vpc", "VpcId", "vpc"),
    "ec2:subnet": lambda w: _ec2(
        w, "describe_subnets", "Subnets", "ec2:subnet", "SubnetId", "subnet"
    ),
    "ec2:security-group": lambda w: _ec2(
        w,
        "describe_security_groups",
        "SecurityGroups",
        "ec2:security-group",
        "GroupId",
        "security-group",
    ),
    "ec2:natgateway": _nat_gateways,
    "ec2:internet-gateway": _internet_gateways,
    "ec2:volume": _volumes,
    "rds:db": _rds_instances,
    "rds:cluster": _rds_clusters,
    "s3:bucket": _buckets,
    "lambda:function": _functions,
    "elasticache:cluster": _cache_clusters,
    "elasticloadbalancing:loadbalancer": _load_balancers,
    "elasticloadbalancing:targetgroup": _target_groups,
    "dynamodb:table": _tables,
    "ecs:cluster": _ecs_clusters,
    "ecs:service": _ecs_services,
    "eks:cluster": _eks_clusters,
    "sqs:queue": _queues,
    "sns:topic": _topics,
    "logs:log-group": _log_groups,
    "secretsmanager:secret": _secrets,
    "cloudfront:distribution": _distributions,
    # kms:key: ListKeys includes AWS-managed keys, which cannot be tagged: the tagging API
    # (customer keys that carry tags) is the only source.
}


def tagged_resources(
    clients: AwsClients, region: str, kinds: Iterable[str], tag_filter: dict[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """``GetResources``: ARN to tags, for resources of ``kinds`` (that carry or carried tags).

    Filters by service, not by ``service:type`` (some emulators answer nothing for type
    filters such as ``elasticache:cluster``); the kind is read back from each ARN.
    """
    wanted = set(kinds)
    services = sorted({kind.split(":", 1)[0] for kind in wanted})
    arguments: dict[str, Any] = {"ResourceTypeFilters": services, "ResourcesPerPage": 100}
    if tag_filter:
        arguments["TagFilters"] = [{"Key": k, "Values": [v]} for k, v in tag_filter.items()]
    found: dict[str, dict[str, str]] = {}
    client = clients.client("resourcegroupstaggingapi", region)
    for item in pages(client, "get_resources", "ResourceTagMappingList", **arguments):
        arn = str(item["ResourceARN"]).removesuffix(":*")
        if kind_of(arn) in wanted:
            found[arn] = tag_map(item.get("Tags"))
    return found


def account_id(clients: AwsClients, region: str) -> str:
    return str(clients.client("sts", region).get_caller_identity()["Account"])


def discover(clients: AwsClients, region: str, kinds: Iterable[str], account: str) -> Discovery:
    """Every resource of ``kinds`` in ``region`` (global kinds: pass ``us-east-1``)."""
    kinds = list(kinds)
    where = Where(clients, region, account)
    result = Discovery()
    listed: dict[str, Resource] = {}
    covered: set[str] = set()

    def run(kind: str) -> tuple[str, list[Resource] | str]:
        try:
            return kind, list(LISTERS[kind](where))
        except ClientError as error:
            return kind, error_code(error)
        except BotoCoreError as error:
            return kind, type(error).__name__

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, [k for k in kinds if k in LISTERS]))
    for kind, outcome in outcomes:
        if isinstance(outcome, str):
            result.warnings.append(
                f"{kind} in {region}: the service API failed ({outcome}); only resources the "
                "tagging API knows (ones that carry tags) were seen"
            )
            continue
        covered.add(kind)
        for resource in outcome:
            listed[resource.arn] = resource
    tags = tagged_resources(clients, region, kinds)
    for arn, resource_tags in tags.items():
        if arn in listed:
            if listed[arn].tags is None:
                listed[arn].tags = resource_tags
        elif kind_of(arn) not in covered:  # a kind without a (working) lister
            listed[arn] = Resource(arn, str(kind_of(arn)), region, tags=resource_tags)
        # else: the lister did not see it: deleted since, and the tagging API lags behind
    for resource in listed.values():
        if resource.tags is None:
            resource.tags = {}
    result.resources = sorted(listed.values(), key=lambda r: r.arn)
    return result


def regions_to_scan(regions: Iterable[str], kinds: Iterable[str]) -> dict[str, list[str]]:
    """Region to kinds: regional kinds in every region, global kinds once, in us-east-1."""
    kinds = list(kinds)
    regional = [k for k in kinds if k not in GLOBAL_KINDS]
    plan: dict[str, list[str]] = {region: list(regional) for region in regions}
    global_kinds = [k for k in kinds if k in GLOBAL_KINDS]
    if global_kinds:
        plan.setdefault(GLOBAL_SERVICE_REGION, [])
        plan[GLOBAL_SERVICE_REGION] = plan[GLOBAL_SERVICE_REGION] + global_kinds
    return {region: ks for region, ks in plan.items() if ks}
