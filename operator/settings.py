"""What a person can tune when running the InfraDesign operator (``autcloud operator`` flags)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autcloud.gitsink import default_cache_dir
from autcloud.gitsink.policy import TargetPolicy, parse_hosts
from autcloud.operator.selector import Selector
from autcloud.operator.spec import ProviderSpec

GROUP = "autcloud.io"
VERSION = "v1alpha1"
PLURAL = "infradesigns"
FINALIZER = "autcloud.io/finalizer"
# kopf keeps its own bookkeeping (handler progress, the last handled spec) in annotations with
# this prefix, never in status: the CRD's status schema would prune it.
ANNOTATIONS_PREFIX = "autcloud.io"
PROJECT_TAGS = "projecttags"
DEFAULT_CHAT_GROUP = "autcloud-operator"
# A Redis consumer-group name travels in commands and key names: keep it to a safe alphabet.
_CHAT_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
MONITOR_TARGETS = "monitortargets"
MIN_LEASE_SECONDS = 2


@dataclass(frozen=True)
class LeaderElection:
    """``autcloud operator --leader-election NAME``: the Lease and how fast it changes hands."""

    lease: str
    namespace: str
    lease_seconds: int = 15

    def __post_init__(self) -> None:
        if self.lease_seconds < MIN_LEASE_SECONDS:
            raise ValueError(
                f"lease duration {self.lease_seconds} s: give at least {MIN_LEASE_SECONDS}, e.g. 15"
            )

    @property
    def retry_seconds(self) -> float:
        """How often the leader renews and a candidate tries (client-go's 2 s for 15 s)."""
        return self.lease_seconds * 2 / 15

    @property
    def renew_deadline_seconds(self) -> float:
        """A leader without a successful renewal for this long has lost (10 s for 15 s)."""
        return self.lease_seconds * 2 / 3

    @property
    def takeover_seconds(self) -> float:
        """The longest a standby waits after its leader died: the lease plus one retry."""
        return self.lease_seconds + self.retry_seconds


@dataclass(frozen=True)
class OperatorSettings:
    """``namespaces`` empty means every namespace (cluster-wide)."""

    namespaces: tuple[str, ...] = ()
    max_concurrent_runs: int = 4
    git_cache_dir: Path = field(default_factory=default_cache_dir)
    redis_url: str | None = None
    deep_validation: bool = False
    diagram: bool = True  # diagram.svg when graphviz's `dot` is installed
    retry_delay_seconds: float = 30.0  # first backoff for retryable failures
    max_retry_delay_seconds: float = 600.0
    secret_recheck_seconds: float = 60.0  # a missing Secret is looked for again this often
    # None: the only replica (kopf standalone). Else replicas elect a leader on a Lease
    # (leader.py): one works, the others wait until it is gone.
    leader_election: LeaderElection | None = None
    # Only objects whose labels match (None: all): shards objects between operator releases.
    selector: Selector | None = None
    # HOST:PORT for Prometheus /metrics; None serves nothing (the CLI defaults to 0.0.0.0:9090).
    metrics_listen: str | None = None
    # How often ProjectTag/MonitorTarget timers check whether a re-scan is due; the due time
    # itself follows each object's spec (schedule.intervalMinutes / intervalMinutes).
    accounts_check_seconds: float = 60.0
    pod_name: str = field(default_factory=socket.gethostname)  # the chat inbox's consumer name
    # The chat inbox's Redis consumer group: one per operator deployment sharing a Redis, so
    # each deployment sees every message (each applies those of the namespaces it serves).
    chat_group: str = DEFAULT_CHAT_GROUP
    # Where designs may send their files and credentials (docs/security.md). Off by default:
    # local repositories are the operator's own disk (for the local demo and tests only), and
    # http:// would carry a Secret's token in clear. Empty host lists allow any host.
    allow_local_repositories: bool = False
    allow_insecure_http: bool = False
    allowed_git_hosts: frozenset[str] = frozenset()
    allowed_provider_hosts: frozenset[str] = frozenset()
    # The model of designs whose spec.provider names none (--default-provider/-model/-base-url)
    # and its API key ($OPENAI_API_KEY of the operator; kept out of reprs and logs).
    default_llm: ProviderSpec = field(default_factory=ProviderSpec)
    default_llm_api_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.max_concurrent_runs < 1:
            raise ValueError(
                f"max_concurrent_runs: {self.max_concurrent_runs} must be at least 1, e.g. 4"
            )
        if self.metrics_listen is not None:
            parse_listen(self.metrics_listen)  # raises naming the fix
        check_chat_group(self.chat_group)
        parse_hosts(self.allowed_git_hosts | self.allowed_provider_hosts)  # raises naming the fix

    def handles(self, labels: Mapping[str, str] | None) -> bool:
        """Whether this operator's ``--selector`` takes an object with these labels."""
        return self.selector is None or self.selector.matches(labels)

    def label_filter(self) -> Callable[..., bool] | None:
        """kopf's ``when=`` for every handler; None (no selector) handles every object."""
        selector = self.selector
        if selector is None:
            return None

        def selected(labels: Mapping[str, str], **_: Any) -> bool:
            return selector.matches(labels)

        return selected

    @property
    def clusterwide(self) -> bool:
        return not self.namespaces

    @property
    def git_policy(self) -> TargetPolicy:
        return TargetPolicy(
            self.allow_local_repositories, self.allow_insecure_http, self.allowed_git_hosts
        )

    @property
    def provider_policy(self) -> TargetPolicy:
        # A model server is never a local repository; only http:// and the hosts apply.
        return TargetPolicy(False, self.allow_insecure_http, self.allowed_provider_hosts)


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::]:9090`` for IPv6) as a host and a port; ValueError names the fix."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT; e.g. 0.0.0.0:9090")
    return host.strip("[]") or "0.0.0.0", int(port)


def check_chat_group(name: str) -> None:
    """ValueError naming the fix unless ``name`` suits a Redis consumer group."""
    if not _CHAT_GROUP.match(name):
        raise ValueError(
            f"chat group {name!r}: use 1-100 letters, digits, '.', '_', ':' or '-', "
            f"starting with a letter or digit, e.g. {DEFAULT_CHAT_GROUP}-team-a"
        )
