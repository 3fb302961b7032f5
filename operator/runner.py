"""Run the operator: kopf with AutCloud's settings and every resource kind, in the current thread.

Beside the InfraDesign handlers (``infradesign.py``) one kopf registry carries the ProjectTag
and MonitorTarget handlers, the Prometheus ``/metrics`` server and, with a Redis URL, the chat
inbox; the last two start and stop with the operator (kopf startup and cleanup handlers).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import kopf

from autcloud.accounts import MetricsRegistry
from autcloud.operator.chat import ChatService
from autcloud.operator.infradesign import OperatorRuntime, build_registry, kopf_settings
from autcloud.operator.metrics_server import MetricsServer, measured_designer
from autcloud.operator.monitortarget import register_monitor_targets
from autcloud.operator.projecttag import AccountsContext, register_project_tags
from autcloud.operator.settings import GROUP, PLURAL, VERSION, OperatorSettings

StopFlag = asyncio.Event | threading.Event
log = logging.getLogger("autcloud.operator.runner")


@dataclass
class Companions:
    """What runs beside the InfraDesign handlers; tests read the metrics port and chat from here."""

    metrics: MetricsRegistry = field(default_factory=MetricsRegistry)
    metrics_server: MetricsServer | None = None
    chat: ChatService | None = None
    accounts: AccountsContext | None = None


def build_operator(runtime: OperatorRuntime, companions: Companions) -> kopf.OperatorRegistry:
    settings = runtime.settings
    runtime.designer = measured_designer(runtime.designer, companions.metrics)
    registry = build_registry(runtime)
    context = AccountsContext(settings, companions.metrics, kube=lambda: runtime.kube)
    companions.accounts = context
    register_project_tags(registry, context)
    register_monitor_targets(registry, context)

    @kopf.on.startup(registry=registry)
    async def start_companions(**_: Any) -> None:
        if settings.metrics_listen is not None:
            companions.metrics_server = MetricsServer(companions.metrics, settings.metrics_listen)
            await companions.metrics_server.start()
        if settings.redis_url:
            companions.chat = ChatService(
                settings.redis_url, settings, lambda: runtime.kube, companions.metrics
            )
            await companions.chat.start()

    @kopf.on.delete(GROUP, VERSION, PLURAL, registry=registry, optional=True)
    async def forget_conversation(name: str, namespace: str | None, **_: Any) -> None:
        """A deleted design's chat count goes with it (``ChatService.forget``)."""
        if companions.chat is not None:
            await companions.chat.forget(namespace or "", name)

    @kopf.on.cleanup(registry=registry)
    async def stop_companions(**_: Any) -> None:
        if companions.chat is not None:
            await companions.chat.stop()
        if companions.metrics_server is not None:
            await companions.metrics_server.stop()

    return registry


async def serve(
    runtime: OperatorRuntime,
    *,
    stop_flag: StopFlag | None = None,
    ready_flag: StopFlag | None = None,
    liveness_endpoint: str | None = None,
    companions: Companions | None = None,
) -> None:
    """Run until stopped; kopf cancels every other task of this loop when it exits."""
    settings = runtime.settings
    await kopf.operator(
        registry=build_operator(runtime, companions or Companions()),
        settings=kopf_settings(settings),
        clusterwide=settings.clusterwide,
        namespaces=list(settings.namespaces),
        # Standalone: one replica, no KopfPeering resources. With a peering name, replicas
        # coordinate through that KopfPeering object and only one handles resources.
        standalone=settings.peering is None,
        peering_name=settings.peering,
        stop_flag=stop_flag,
        ready_flag=ready_flag,
        liveness_endpoint=liveness_endpoint,
    )


def run(settings: OperatorSettings, *, liveness_endpoint: str | None = None) -> None:
    # Everything imported so far lives as long as the process: frozen, it is skipped by the
    # full collections that each design's HCL parse would otherwise pay for (see cli.main).
    gc.freeze()
    asyncio.run(serve(OperatorRuntime(settings), liveness_endpoint=liveness_endpoint))
