"""Count the AWS API operations and HTTP requests a run made (tests and benchmarks read them)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallCounter:
    """API operations (one per boto3 call) and HTTP requests (retries included), thread-safe.

    Registered on botocore's ``before-call`` and ``before-send`` events of a session."""

    operations: Counter[str] = field(default_factory=Counter)
    http_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_call(self, model: Any = None, **_: Any) -> None:
        name = f"{model.service_model.endpoint_prefix}:{model.name}" if model else "unknown"
        with self._lock:
            self.operations[name] += 1

    def on_send(self, **_: Any) -> None:
        with self._lock:
            self.http_requests += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.operations.values())

    def count(self, name: str) -> int:
        """How many times one operation ran, e.g. ``tagging:TagResources``."""
        with self._lock:
            return self.operations[name]
