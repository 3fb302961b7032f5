"""Find the resources of some kinds in one region, with their tags, VPC and name.

The Resource Groups Tagging API (``GetResources``) lists, in few calls, every resource that
carries — or once carried — a tag; a resource that never had one is invisible to it. The AWS
layer's listings (:data:`autcloud.aws.LISTINGS`: ``DescribeInstances``, ``ListFunctions``, ...,
the calls the scanner makes too) therefore find every resource of a kind, and say which VPC it
sits in; the tagging API supplies the tags of those whose listing does not. A listing that
fails (permission missing, API not offered) leaves its kind to the tagging API alone and is
reported as a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.accounts.arns import GLOBAL_KINDS, kind_of, parse_arn
from autcloud.aws import LISTINGS, AwsClients, Resource, Where, list_resources, pages, tag_map
from autcloud.aws.clients import GLOBAL_SERVICE_REGION
from autcloud.aws.errors import failure_code

log = logging.getLogger("autcloud.accounts")


def display_name(resource: Resource) -> str:
    """The Name tag, else the service's own name, else the ARN's id."""
    if resource.tags and resource.tags.get("Name"):
        return resource.tags["Name"]
    return resource.name or parse_arn(resource.arn).resource_id


@dataclass
class Discovery:
    resources: list[Resource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
            return kind, list_resources(where, kind)
        except (ClientError, BotoCoreError) as error:
            return kind, failure_code(error)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, [k for k in kinds if k in LISTINGS]))
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
        elif kind_of(arn) not in covered:  # a kind without a (working) listing
            listed[arn] = Resource(arn, str(kind_of(arn)), region, tags=resource_tags)
        # else: the listing did not see it: deleted since, and the tagging API lags behind
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
