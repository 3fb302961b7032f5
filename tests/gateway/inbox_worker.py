"""An operator instance in its own process, for the SIGKILL test: ChatInbox over a file store.

The store is one file per design, one line per applied message id, checked before appending:
a stand-in for the InfraDesign conversation (no Kubernetes API server can run here).
Usage: python -m tests.gateway.inbox_worker REDIS_URL STORE_DIR CONSUMER
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from redis.asyncio import Redis

from autcloud.events import ChatRequest
from autcloud.operator.chat_inbox import ApplyOutcome, ChatInbox, InboxSettings


def file_store(root: Path):  # type: ignore[no-untyped-def]
    async def apply(request: ChatRequest) -> ApplyOutcome:
        path = root / f"{request.namespace}_{request.name}"
        held = path.read_text().split() if path.exists() else []
        if request.id in held:
            return ApplyOutcome.ALREADY_APPLIED
        await asyncio.sleep(0.003)  # the patch in flight: a kill can land here
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{request.id}\n".encode())  # one write: applied whole or not at all
        finally:
            os.close(fd)
        await asyncio.sleep(0.003)  # applied, not yet acknowledged: a kill can land here too
        return ApplyOutcome.APPLIED

    return apply


async def main(redis_url: str, root: Path, consumer: str) -> None:
    settings = InboxSettings(
        consumer=consumer,
        lease_ttl_ms=300,
        block_ms=100,
        claim_idle_ms=100,
        retry_delay_s=0.01,
        max_attempts=100,
    )
    await ChatInbox(Redis.from_url(redis_url), file_store(root), settings).run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3]))
