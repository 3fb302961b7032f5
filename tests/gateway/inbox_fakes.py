"""A stand-in for the InfraDesign API (no Kubernetes API server can run here).

Each design's conversation records the ids of the messages it holds, as the real spec does;
``apply`` is idempotent by message id, which is the contract ChatInbox relies on.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from autcloud.events import ChatRequest
from autcloud.operator.chat_inbox import ApplyOutcome, PermanentApplyError


class FakeDesignStore:
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random(1)
        self.conversations: dict[tuple[str, str], list[str]] = {}
        self.calls = 0
        self.redeliveries = 0
        self.failing: dict[str, str] = {}  # message id -> error to raise every time
        self.missing: set[tuple[str, str]] = set()  # designs that do not exist
        self.foreign: set[tuple[str, str]] = set()  # designs another deployment manages
        # Called at "before-patch" / "after-patch": lets a test kill the consumer right there.
        self.on_phase: Callable[[str], None] = lambda phase: None

    async def apply(self, request: ChatRequest) -> ApplyOutcome:
        self.calls += 1
        design = (request.namespace, request.name)
        if design in self.foreign:
            return ApplyOutcome.NOT_MINE
        if design in self.missing:
            raise PermanentApplyError(f"infradesign {request.name} not found")
        if request.id in self.failing:
            raise RuntimeError(self.failing[request.id])
        self.on_phase("before-patch")
        await asyncio.sleep(self.rng.random() * 0.002)  # the PATCH on its way
        conversation = self.conversations.setdefault(design, [])
        if request.id in conversation:
            self.redeliveries += 1
            return ApplyOutcome.ALREADY_APPLIED
        conversation.append(request.id)
        self.on_phase("after-patch")
        await asyncio.sleep(self.rng.random() * 0.002)  # the answer on its way back
        return ApplyOutcome.APPLIED
