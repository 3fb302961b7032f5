"""Stand-ins for the pieces a domain test does not exercise (each says what it replaces)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import Any

from autcloud.agent.design import DesignResult, EventCallback
from autcloud.agent.providers.base import ResourceProvider
from autcloud.agent.state import Hints, Turn
from autcloud.events import Event, NodeFinished, NodeStarted
from autcloud.gitsink import GitSinkError, GitTarget, PublishOptions, PublishResult
from autcloud.operator.targets import SECRET_TYPE_LABEL, SecretValue


class CannedDesigner:
    """Replaces the design engine with a result it produced earlier, and counts the calls."""

    def __init__(self, result: DesignResult, *, delay: float = 0.0) -> None:
        self.result = result
        self.delay = delay
        self.calls: list[dict[str, Any]] = []
        self.running = 0
        self.most_at_once = 0

    async def __call__(
        self,
        request: str,
        *,
        conversation: list[Turn] | None = None,
        hints: Hints | None = None,
        assume_defaults: bool = False,
        deep_validation: bool = False,
        on_event: EventCallback | None = None,
        provider: ResourceProvider | None = None,
    ) -> DesignResult:
        self.calls.append({"request": request, "conversation": conversation, "hints": hints})
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            if on_event is not None:
                on_event(NodeStarted(node="gather"))
                on_event(NodeFinished(node="gather", duration_ms=1.5))
            await asyncio.sleep(self.delay)
        finally:
            self.running -= 1
        return copy.deepcopy(self.result)


class RecordingPublisher:
    """Replaces the git sink: records what it was asked to publish, or raises ``error``."""

    def __init__(self, error: GitSinkError | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self,
        target: GitTarget,
        files: Mapping[str, bytes],
        *,
        message: str,
        design_id: str,
        pr_title: str = "",
        pr_body: str = "",
        token: str | None = None,
        options: PublishOptions | None = None,
    ) -> PublishResult:
        self.calls.append(
            {"target": target, "files": dict(files), "token": token, "pr_body": pr_body}
        )
        if self.error is not None:
            raise self.error
        return PublishResult("a" * 40, f"autcloud/{design_id}", None, True)


class Secrets:
    """Replaces the Kubernetes API's Secrets: ``{(namespace, name): {key: value}}``, with
    ``labels`` per Secret (``types`` is the short form: the autcloud.io/secret-type label)."""

    def __init__(
        self,
        values: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
        *,
        labels: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
        types: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.values = dict(values or {})
        self.labels = {key: dict(value) for key, value in (labels or {}).items()}
        for key, kind in (types or {}).items():
            self.labels.setdefault(key, {})[SECRET_TYPE_LABEL] = kind

    async def __call__(self, namespace: str, name: str, key: str) -> str | None:
        return self.values.get((namespace, name), {}).get(key)

    async def labeled(self, namespace: str, name: str, key: str) -> SecretValue | None:
        if (namespace, name) not in self.values:
            return None
        value = self.values[(namespace, name)].get(key)
        return SecretValue(value, self.labels.get((namespace, name), {}))


class RecordingSink:
    """An EventSink that keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, Event]] = []

    def emit(self, namespace: str, name: str, event: Event) -> None:
        self.events.append((namespace, name, event))

    async def aclose(self) -> None:
        return None
