"""Run the operator: kopf with AutCloud's settings and every resource kind, in the current thread.

Beside the InfraDesign handlers (``infradesign.py``) one kopf registry carries the ProjectTag
and MonitorTarget handlers, the Prometheus ``/metrics`` server and, with a Redis URL, the chat
inbox; the last two start and stop with the operator (kopf startup and cleanup handlers).
With leader election, all of it starts only once this replica holds the Lease (``leader.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import kopf
from aiohttp import web

from autcloud.accounts import MetricsRegistry
from autcloud.operator.chat import ChatService
from autcloud.operator.infradesign import OperatorRuntime, build_registry, kopf_settings
from autcloud.operator.kube import KubeClient
from autcloud.operator.leader import EXIT_LEADERSHIP_LOST, LeaseElector, identity_for
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
    on_leadership_lost: Callable[[str], None] | None = None,
) -> None:
    """Run until stopped; kopf cancels every other task of this loop when it exits.

    With ``settings.leader_election`` it first waits as a standby until it holds the Lease
    (answering the liveness probe and ``/metrics`` meanwhile), then keeps renewing it beside
    kopf; losing it calls ``on_leadership_lost`` (default: end the process at once)."""
    settings = runtime.settings
    companions = companions or Companions()
    elector: LeaseElector | None = None
    if settings.leader_election is not None:
        elector = await _elect(settings, liveness_endpoint, companions)
    keeper = (
        asyncio.create_task(_keep(elector, on_leadership_lost or _exit_now), name="lease keeper")
        if elector is not None
        else None
    )
    try:
        await kopf.operator(
            registry=build_operator(runtime, companions),
            settings=kopf_settings(settings),
            clusterwide=settings.clusterwide,
            namespaces=list(settings.namespaces),
            # Never kopf peering: one replica, or replicas that elected a leader on a Lease.
            standalone=True,
            stop_flag=stop_flag,
            ready_flag=ready_flag,
            liveness_endpoint=liveness_endpoint,
        )
    finally:
        if keeper is not None:
            keeper.cancel()
        if elector is not None:
            await elector.release()
            await elector.kube.aclose()


async def _elect(
    settings: OperatorSettings, liveness_endpoint: str | None, companions: Companions
) -> LeaseElector:
    assert settings.leader_election is not None
    config = kopf_settings(settings)
    info = kopf.login_with_service_account(
        logger=log, settings=config
    ) or kopf.login_with_kubeconfig(logger=log, settings=config)
    if info is None:
        raise RuntimeError("no Kubernetes credentials (in-cluster service account or kubeconfig)")
    elector = LeaseElector(
        KubeClient(info), settings.leader_election, identity_for(settings.pod_name)
    )
    async with _standby_endpoints(liveness_endpoint, settings.metrics_listen, companions):
        await elector.acquire()
    return elector


@contextlib.asynccontextmanager
async def _standby_endpoints(
    liveness_endpoint: str | None, metrics_listen: str | None, companions: Companions
) -> AsyncIterator[None]:
    """While waiting, answer the liveness probe and serve ``/metrics`` (kopf and the
    companions take both ports over once this replica leads)."""
    runner: web.AppRunner | None = None
    metrics = MetricsServer(companions.metrics, metrics_listen) if metrics_listen else None
    if liveness_endpoint:
        url = urllib.parse.urlsplit(liveness_endpoint)
        app = web.Application()
        app.router.add_get(url.path or "/", _standby_probe)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, url.hostname or "0.0.0.0", url.port or 80).start()
    if metrics is not None:
        await metrics.start()
    try:
        yield
    finally:
        if metrics is not None:
            await metrics.stop()
        if runner is not None:
            await runner.cleanup()


async def _standby_probe(_: web.Request) -> web.Response:
    return web.json_response({"standby": True})


async def _keep(elector: LeaseElector, on_lost: Callable[[str], None]) -> None:
    reason = await elector.hold()
    log.critical("event=leadership_lost lease=%s reason=%s", elector.election.lease, reason)
    on_lost(reason)


def _exit_now(reason: str) -> None:
    """Stop every run at once: a run finishing beside the new leader could commit twice."""
    logging.shutdown()
    os._exit(EXIT_LEADERSHIP_LOST)


def run(settings: OperatorSettings, *, liveness_endpoint: str | None = None) -> None:
    # Everything imported so far lives as long as the process: frozen, it is skipped by the
    # full collections that each design's HCL parse would otherwise pay for (see cli.main).
    gc.freeze()
    asyncio.run(serve(OperatorRuntime(settings), liveness_endpoint=liveness_endpoint))
