"""The one table of list/describe calls: each kind of resource, how it is listed, as a :class:`Resource`.

Kinds are named as in their ARNs (``service:type``: ``ec2:instance``, ``rds:db``). The scanner
turns each resource's ``item`` (the API's own answer) into Terraform; tagging and monitoring use
its ARN, tags, VPC and name. A lister yields only resources that exist: terminated instances,
deleting VPCs and deleted or failed NAT gateways are gone for every reader alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autcloud.agent.datafile import load_yaml
from autcloud.aws.clients import AwsClients

GONE_STATES = frozenset({"terminated", "shutting-down", "deleting", "deleted", "failed"})

# Per-item calls (a bucket's location, a cluster's description) run through ``Where.each``:
# in order by default, in the scanner's bounded pool when it passes one.
Each = Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]


def _in_order(function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    return [function(item) for item in items]


@dataclass
class Resource:
    """One AWS resource. ``tags`` None: the listing call does not report them."""

    arn: str
    kind: str  # service:type, as in the ARN
    region: str
    tags: dict[str, str] | None = None
    vpc_id: str | None = None
    name: str | None = None  # the service's own name, where it differs from the ARN's id
    item: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Where:
    """The account and region a listing reads."""

    clients: AwsClients
    region: str
    account: str
    each: Each = _in_order

    def client(self, service: str) -> Any:
        return self.clients.client(service, self.region)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


Lister = Callable[[Where], Iterator[Resource]]
Listing = tuple[str, Lister]  # (kind, its lister)


def tag_map(
    tags: list[dict[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """AWS ``[{"Key": k, "Value": v}]`` lists as a dict (services differ in letter case)."""
    return {str(item[key]): str(item.get(value, "")) for item in tags or []}


def pages(client: Any, operation: str, result_key: str, **arguments: Any) -> Iterator[Any]:
    """Every item of a paginated list operation (botocore's paginator follows the tokens)."""
    paginator = client.get_paginator(operation)
    for page in paginator.paginate(**arguments):
        yield from page.get(result_key, []) or []


def _ec2(kind: str, operation: str, key: str, id_key: str) -> Listing:
    """An EC2 kind whose items carry their id, ``Tags`` and ``VpcId``."""
    path = kind.split(":", 1)[1]

    def lister(where: Where) -> Iterator[Resource]:
        for item in pages(where.client("ec2"), operation, key):
            if item.get("State") in GONE_STATES:
                continue
            yield Resource(
                where.arn("ec2", f"{path}/{item[id_key]}"),
                kind,
                where.region,
                tags=tag_map(item.get("Tags")),
                vpc_id=item[id_key] if kind == "ec2:vpc" else item.get("VpcId"),
                item=item,
            )

    return kind, lister


def _instances(where: Where) -> Iterator[Resource]:
    for reservation in pages(where.client("ec2"), "describe_instances", "Reservations"):
        for item in reservation.get("Instances", []):
            if item.get("State", {}).get("Name") in GONE_STATES:
                continue
            yield Resource(
                where.arn("ec2", f"instance/{item['InstanceId']}"),
                "ec2:instance",
                where.region,
                tags=tag_map(item.get("Tags")),
                vpc_id=item.get("VpcId"),
                item=item,
            )


def _internet_gateways(where: Where) -> Iterator[Resource]:
    for item in pages(where.client("ec2"), "describe_internet_gateways", "InternetGateways"):
        attached = [a["VpcId"] for a in item.get("Attachments", []) if a.get("VpcId")]
        yield Resource(
            where.arn("ec2", f"internet-gateway/{item['InternetGatewayId']}"),
            "ec2:internet-gateway",
            where.region,
            tags=tag_map(item.get("Tags")),
            vpc_id=attached[0] if attached else None,
            item=item,
        )


def _listed(
    kind: str,
    service: str,
    operation: str,
    key: str,
    arn: Callable[[Where, Any], str],
    *,
    name: str | None = None,
    tags: str | None = None,
    vpc: Callable[[Any], str | None] = lambda item: None,
) -> Listing:
    """A kind listed by one paginated call whose items are dicts: the ARN from ``arn``, the
    name from the ``name`` field, tags from the ``tags`` field, the VPC from ``vpc``."""

    def lister(where: Where) -> Iterator[Resource]:
        for item in pages(where.client(service), operation, key):
            yield Resource(
                arn(where, item),
                kind,
                where.region,
                tags=tag_map(item.get(tags)) if tags else None,
                vpc_id=vpc(item),
                name=item[name] if name else None,
                item=item,
            )

    return kind, lister


def _field(name: str) -> Callable[[Where, Any], str]:
    return lambda _, item: str(item[name])


def _names(
    kind: str,
    service: str,
    operation: str,
    key: str,
    field_name: str,
    *,
    arn: Callable[[Where, str], str] = lambda _, text: text,
    name: Callable[[str], str | None] = lambda _: None,
) -> Listing:
    """A kind whose list call answers names, URLs or ARNs only (tables, queues, clusters)."""

    def lister(where: Where) -> Iterator[Resource]:
        for text in pages(where.client(service), operation, key):
            yield Resource(
                arn(where, text), kind, where.region, name=name(text), item={field_name: text}
            )

    return kind, lister


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _buckets(where: Where) -> Iterator[Resource]:
    """ListBuckets is global: only the buckets whose home is this region."""
    s3 = where.client("s3")
    buckets = list(pages(s3, "list_buckets", "Buckets"))

    def home(bucket: dict[str, Any]) -> str:
        if bucket.get("BucketRegion"):
            return str(bucket["BucketRegion"])
        location = s3.get_bucket_location(Bucket=bucket["Name"]).get("LocationConstraint")
        region = location or "us-east-1"  # AWS answers null for us-east-1
        return "eu-west-1" if region == "EU" else str(region)

    for bucket, region in zip(buckets, where.each(home, buckets), strict=True):
        if region == where.region:
            name = bucket["Name"]
            yield Resource(
                f"arn:aws:s3:::{name}", "s3:bucket", where.region, name=name, item=bucket
            )


def _ecs_services(where: Where) -> Iterator[Resource]:
    ecs = where.client("ecs")
    for cluster in pages(ecs, "list_clusters", "clusterArns"):
        for arn in pages(ecs, "list_services", "serviceArns", cluster=cluster):
            item = {"serviceArn": arn, "clusterArn": cluster}
            yield Resource(arn, "ecs:service", where.region, item=item)


def _eks_clusters(where: Where) -> Iterator[Resource]:
    eks = where.client("eks")
    names = list(pages(eks, "list_clusters", "clusters"))
    for cluster in where.each(lambda name: eks.describe_cluster(name=name)["cluster"], names):
        yield Resource(
            cluster["arn"],
            "eks:cluster",
            where.region,
            tags=dict(cluster.get("tags") or {}),
            vpc_id=(cluster.get("resourcesVpcConfig") or {}).get("vpcId"),
            name=cluster["name"],
            item=cluster,
        )


def cloudfront_items(container: dict[str, Any] | None) -> list[Any]:
    """CloudFront's ``{"Quantity": n, "Items": [...]}`` lists."""
    return list((container or {}).get("Items") or [])


def _distributions(where: Where) -> Iterator[Resource]:
    for page in where.client("cloudfront").get_paginator("list_distributions").paginate():
        for item in cloudfront_items(page.get("DistributionList")):
            yield Resource(item["ARN"], "cloudfront:distribution", where.region, item=item)


def _vpc_at(path: list[str]) -> Callable[[Any], str | None]:
    """An item's VPC ID at ``path`` of its fields (an empty or missing one: no VPC)."""

    def vpc(item: Any) -> str | None:
        for key in path:
            item = (item or {}).get(key)
        return item or None

    return vpc


def _data_listings(path: Path) -> list[Listing]:
    """The listings of ``listings.yaml``: the calls that need no code of their own."""
    data = load_yaml(path)
    ec2 = [_ec2(kind, *row) for kind, row in data["ec2"].items()]
    listed = [
        _listed(
            kind,
            row["service"],
            row["call"],
            row["result"],
            _field(row["arn"]),
            name=row.get("name"),
            tags=row.get("tags"),
            vpc=_vpc_at(row["vpc"]) if "vpc" in row else lambda item: None,
        )
        for kind, row in data["listed"].items()
    ]
    return ec2 + listed


# Every kind read by the scanner, tagging or monitoring, and the call(s) that list it: the
# calls of listings.yaml, and the listers that need code of their own.
LISTINGS: dict[str, Lister] = dict(
    [
        *_data_listings(Path(__file__).resolve().parent / "listings.yaml"),
        ("ec2:instance", _instances),
        ("ec2:internet-gateway", _internet_gateways),
        ("s3:bucket", _buckets),
        _names(
            "dynamodb:table",
            "dynamodb",
            "list_tables",
            "TableNames",
            "TableName",
            arn=lambda where, name: where.arn("dynamodb", f"table/{name}"),
            name=str,
        ),
        _names("ecs:cluster", "ecs", "list_clusters", "clusterArns", "clusterArn"),
        ("ecs:service", _ecs_services),
        ("eks:cluster", _eks_clusters),
        _names(
            "sqs:queue",
            "sqs",
            "list_queues",
            "QueueUrls",
            "QueueUrl",
            arn=lambda where, url: where.arn("sqs", _queue_name(url)),
            name=_queue_name,
        ),
        _listed(
            "logs:log-group",
            "logs",
            "describe_log_groups",
            "logGroups",
            # the tagging API names log groups without the trailing :*
            lambda _, item: str(item["arn"]).removesuffix(":*"),
            name="logGroupName",
        ),
        ("cloudfront:distribution", _distributions),
        # kms:key: ListKeys includes AWS-managed keys, which cannot be tagged: the tagging API
        # (customer keys that carry tags) is the only source.
    ]
)


def list_resources(where: Where, kind: str) -> list[Resource]:
    """Every resource of ``kind`` in ``where``'s region (global kinds: read in us-east-1)."""
    return list(LISTINGS[kind](where))
