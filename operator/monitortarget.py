"""kopf handlers for MonitorTarget: collect on create, change, start and each interval.

The same handlers as ProjectTag (``projecttag.py``, :func:`register_account_kind`); the
collection also replaces the target's series on ``/metrics``, and deleting the target removes
them (``MetricsRegistry.forget``). Deletion never touches AWS.
"""

from __future__ import annotations

from typing import Any

import kopf

from autcloud.accounts import AwsClients, reconcile_monitor_target
from autcloud.accounts.conditions import AccountResult
from autcloud.operator.projecttag import (
    AccountsContext,
    legacy_ids,
    register_account_kind,
)
from autcloud.operator.settings import MONITOR_TARGETS


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

    register_account_kind(
        registry,
        context,
        "MonitorTarget",
        MONITOR_TARGETS,
        domain,
        ids=legacy_ids(
            "register_monitor_targets", "reconcile_target", "recollect_target", "forget_target"
        ),
        forget=context.metrics.forget,  # its readings and insights leave /metrics
    )
