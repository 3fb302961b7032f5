"""What a person can tune when running the InfraDesign operator (``autcloud operator`` flags)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autcloud.gitsink import default_cache_dir

GROUP = "autcloud.io"
VERSION = "v1alpha1"
PLURAL = "infradesigns"
FINALIZER = "autcloud.io/finalizer"
# kopf keeps its own bookkeeping (handler progress, the last handled spec) in annotations with
# this prefix, never in status: the CRD's status schema would prune it.
ANNOTATIONS_PREFIX = "autcloud.io"


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

    def __post_init__(self) -> None:
        if self.max_concurrent_runs < 1:
            raise ValueError(
                f"max_concurrent_runs: {self.max_concurrent_runs} must be at least 1, e.g. 4"
            )

    @property
    def clusterwide(self) -> bool:
        return not self.namespaces
