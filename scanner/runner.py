"""Run every collector for one region, in a bounded thread pool, and keep what is in scope."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from autcloud.aws import AwsClients, fatal_error
from autcloud.aws.errors import failure_code
from autcloud.scanner import (
    collect_compute,
    collect_data,
    collect_edge_messaging,
    collect_load_balancing,
    collect_network,
)
from autcloud.scanner.context import ScanContext
from autcloud.scanner.errors import ScanError
from autcloud.scanner.model import Found, KindFailure

log = logging.getLogger("autcloud.scanner")

Collector = Callable[[ScanContext], list[Found]]

# (name shown in failures, the collector). Each runs as one task of the pool.
COLLECTORS: tuple[tuple[str, Collector], ...] = (
    ("ec2:vpcs", collect_network.collect_vpcs),
    ("ec2:subnets", collect_network.collect_subnets),
    ("ec2:route-tables", collect_network.collect_route_tables),
    ("ec2:internet-gateways", collect_network.collect_internet_gateways),
    ("ec2:nat-gateways", collect_network.collect_nat_gateways),
    ("ec2:security-groups", collect_network.collect_security_groups),
    ("ec2:instances", collect_compute.collect_instances),
    ("autoscaling:groups", collect_compute.collect_autoscaling_groups),
    ("lambda:functions", collect_compute.collect_lambda_functions),
    ("ecs:clusters-and-services", collect_compute.collect_ecs),
    ("eks:clusters", collect_compute.collect_eks_clusters),
    ("elbv2:load-balancers", collect_load_balancing.collect_load_balancers),
    ("elbv2:target-groups", collect_load_balancing.collect_target_groups),
    ("rds:instances", collect_data.collect_rds_instances),
    ("rds:clusters", collect_data.collect_rds_clusters),
    ("s3:buckets", collect_data.collect_s3_buckets),
    ("elasticache:clusters", collect_data.collect_elasticache_clusters),
    ("elasticache:replication-groups", collect_data.collect_elasticache_replication_groups),
    ("dynamodb:tables", collect_data.collect_dynamodb_tables),
    ("cloudfront:distributions", collect_edge_messaging.collect_cloudfront_distributions),
    ("sqs:queues", collect_edge_messaging.collect_sqs_queues),
    ("sns:topics", collect_edge_messaging.collect_sns_topics),
)
GLOBAL_COLLECTORS = frozenset({"cloudfront:distributions"})

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@dataclass(frozen=True)
class TagFilter:
    """``KEY=VALUE`` (or ``KEY`` alone: any value) a resource must carry to be in scope."""

    key: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> TagFilter:
        key, sep, value = text.partition("=")
        if not key.strip():
            raise ValueError(f"--tag {text!r}: give KEY=VALUE (or KEY), e.g. --tag project=shop")
        return cls(key.strip(), value if sep else None)

    def matches(self, tags: dict[str, str]) -> bool:
        if self.key not in tags:
            return False
        return self.value is None or tags[self.key] == self.value

    def __str__(self) -> str:
        return self.key if self.value is None else f"{self.key}={self.value}"


@dataclass(frozen=True)
class ScanOptions:
    region: str
    tag: TagFilter | None = None
    concurrency: int = 8
    profile: str | None = None
    endpoint_url: str | None = None
    include_global: bool = True  # CloudFront: global, scanned with every region unless asked not

    def validate(self) -> None:
        if not _REGION.match(self.region):
            raise ValueError(f"--region {self.region!r} is not an AWS region name, e.g. eu-west-1")
        if not 1 <= self.concurrency <= 64:
            raise ValueError(f"--concurrency {self.concurrency}: choose 1 to 64")


@dataclass
class ScanResult:
    """Everything a scan produced: the resources in scope, kinds that failed, and the cost."""

    region: str
    account: str
    tag: TagFilter | None
    resources: list[Found]
    failures: list[KindFailure]
    out_of_scope: int
    started_at: str
    duration_s: float
    api_calls: int
    http_requests: int
    operations: Counter[str] = field(default_factory=Counter)


def scan(options: ScanOptions) -> ScanResult:
    """Scan one region. Raises :class:`ScanError` (bad credentials, unreachable endpoint)."""
    options.validate()
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    clients = AwsClients.for_profile(
        options.profile,
        options.region,
        endpoint_url=options.endpoint_url,  # None: botocore's own (AWS_ENDPOINT_URL, ...)
        max_attempts=8,
        pool_size=max(10, options.concurrency * 2),
        user_agent="autcloud-scanner",
    )
    identity = clients.identity()  # fails fast and clearly before any real work
    log.info("scan.start region=%s account=%s", options.region, identity["account"])
    collectors = [
        (name, collector)
        for name, collector in COLLECTORS
        if options.include_global or name not in GLOBAL_COLLECTORS
    ]
    found, failures = _run_collectors(clients, identity["account"], options, collectors)
    in_scope = scope(found, options.tag)
    in_scope.sort(key=lambda item: (item.kind, item.key))
    duration = time.perf_counter() - started
    log.info(
        "scan.done region=%s resources=%d failures=%d api_calls=%d seconds=%.2f",
        options.region,
        len(in_scope),
        len(failures),
        clients.counter.total,
        duration,
    )
    return ScanResult(
        region=options.region,
        account=identity["account"],
        tag=options.tag,
        resources=in_scope,
        failures=sorted(failures, key=lambda failure: failure.kind),
        out_of_scope=len(found) - len(in_scope),
        started_at=started_at,
        duration_s=duration,
        api_calls=clients.counter.total,
        http_requests=clients.counter.http_requests,
        operations=Counter(clients.counter.operations),
    )


def _run_collectors(
    clients: AwsClients,
    account: str,
    options: ScanOptions,
    collectors: Sequence[tuple[str, Collector]],
) -> tuple[list[Found], list[KindFailure]]:
    found: list[Found] = []
    failures: list[KindFailure] = []
    with (
        ThreadPoolExecutor(options.concurrency, thread_name_prefix="scan-details") as details,
        ThreadPoolExecutor(options.concurrency, thread_name_prefix="scan-kinds") as kinds,
    ):
        context = ScanContext(clients, options.region, account, details)
        futures: list[tuple[str, Future[list[Found]]]] = [
            (name, kinds.submit(collector, context)) for name, collector in collectors
        ]
        try:
            for name, future in futures:
                outcome = _outcome(name, future)
                if isinstance(outcome, KindFailure):
                    failures.append(outcome)
                else:
                    found.extend(outcome)
        except ScanError:
            for _, future in futures:
                future.cancel()
            raise
    return found, failures


def _outcome(name: str, future: Future[list[Found]]) -> list[Found] | KindFailure:
    try:
        return future.result()
    except (ClientError, BotoCoreError) as error:
        fatal = fatal_error(error, name)
        if fatal is not None:
            raise fatal from error
        code = failure_code(error)
        log.warning("scan.kind_failed kind=%s code=%s", name, code)
        return KindFailure(name, code, str(error))
    except (KeyError, TypeError, ValueError) as error:
        # An answer shaped unlike the API model (an emulator, a new field): report, go on.
        log.warning("scan.kind_failed kind=%s code=UnexpectedResponse", name)
        return KindFailure(name, "UnexpectedResponse", f"{type(error).__name__}: {error}")


def scope(found: list[Found], tag: TagFilter | None) -> list[Found]:
    """What the tag filter keeps. Objects with a parent (rules, listeners, associations,
    subscriptions) follow their parent: most of them cannot carry tags at all."""
    if tag is None:
        return list(found)
    by_key = {item.key: item for item in found}

    def kept(item: Found, depth: int = 0) -> bool:
        parent = by_key.get(item.parent) if item.parent else None
        if parent is not None and depth < 5:
            return kept(parent, depth + 1)
        return tag.matches(item.tags)

    return [item for item in found if kept(item)]
