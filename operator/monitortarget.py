"""kopf handlers for MonitorTarget: collect on create, change, start and each interval.

The same translation as ProjectTag (``projecttag.py``); the collection also replaces the
target's series on ``/metrics``, and deleting the target removes them
(``MetricsRegistry.forget``). Deletion never touches AWS.
"""

from __future__ import annotations

from typing import Any

import kopf

from autcloud.accounts import AwsClients, reconcile_monitor_target
from autcloud.operator.projecttag import (
    AccountResult,
    AccountsContext,
    reconcile_account_object,
)
from autcloud.operator.settings import GROUP, MONITOR_TARGETS, VERSION


def register_monitor_targets(registry: kopf.OperatorRegistry, context: AccountsContext) -> None:
    def domain(
        spec: dict[str, Any], clients: AwsClients, status: dict[str, Any], gen: int, owner: str
    ) -> AccountResult:
        return reconcile_monitor_target(
            spec,
            clients=clients,
            previous_status=status,
            generation=gen,
            registry=context.metrics,
            owner=owner,
        )

    @kopf.on.resume(GROUP, VERSION, MONITOR_TARGETS, registry=registry)
    @kopf.on.create(GROUP, VERSION, MONITOR_TARGETS, registry=registry)
    @kopf.on.update(GROUP, VERSION, MONITOR_TARGETS, field="spec", registry=registry)
    async def reconcile_target(
        meta: kopf.Meta,
        body: kopf.Body,
        patch: kopf.Patch,
        memo: kopf.Memo,
        **_: Any,
    ) -> None:
        if meta.get("deletionTimestamp"):
            return
        await reconcile_account_object("MonitorTarget", context, domain, body, patch, memo)

    @kopf.timer(
        GROUP,
        VERSION,
        MONITOR_TARGETS,
        interval=context.settings.accounts_check_seconds,
        registry=registry,
    )
    async def recollect_target(
        meta: kopf.Meta,
        name: str,
        namespace: str | None,
        body: kopf.Body,
        patch: kopf.Patch,
        memo: kopf.Memo,
        **_: Any,
    ) -> None:
        if context.is_due("MonitorTarget", namespace or "", name) and not meta.get(
            "deletionTimestamp"
        ):
            await reconcile_account_object("MonitorTarget", context, domain, body, patch, memo)

    @kopf.on.delete(GROUP, VERSION, MONITOR_TARGETS, registry=registry)
    async def forget_target(
        name: str, namespace: str | None, logger: kopf.Logger, **_: Any
    ) -> None:
        """The target's readings and insights leave /metrics; nothing in AWS changes."""
        context.metrics.forget(f"{namespace}/{name}")
        context.due.pop(("MonitorTarget", namespace or "", name), None)
        logger.info("event=monitor_target_deleted object=%s/%s", namespace, name)
