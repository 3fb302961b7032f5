"""What every collector gets: clients, the region, and a bounded pool for per-item calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from autcloud.scanner.aws import AwsAccess

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class ScanContext:
    """Shared by the collectors of one scan.

    ``details`` runs per-item calls (tags of each bucket, listeners of each load balancer). It is
    a pool separate from the one running the collectors, so a collector waiting on its details
    can never starve the pool it runs in.
    """

    access: AwsAccess
    region: str
    details: ThreadPoolExecutor

    def client(self, service: str, region: str | None = None) -> Any:
        return self.access.client(service, region)

    def each(self, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``function`` over ``items`` in the detail pool, results in input order."""
        return list(self.details.map(function, items))
