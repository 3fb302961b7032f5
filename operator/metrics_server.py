"""Prometheus ``/metrics`` for the operator: a small aiohttp server beside kopf.

The registry is :class:`autcloud.accounts.MetricsRegistry` (readings of MonitorTargets and the
operator's own health). The server lives on the operator's event loop: started by a kopf
startup handler, stopped by the cleanup handler.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from autcloud.accounts import CONTENT_TYPE, MetricsRegistry
from autcloud.agent.design import DesignResult
from autcloud.operator.reconcile import Designer
from autcloud.operator.settings import parse_listen

log = logging.getLogger("autcloud.operator.metrics")
_ENGINE = "autcloud_engine"  # the unwrapped designer, kept on the wrapper


class MetricsServer:
    """Serves ``GET /metrics`` on ``HOST:PORT`` (port 0: any free port, see :attr:`port`)."""

    def __init__(self, metrics: MetricsRegistry, listen: str) -> None:
        self.metrics = metrics
        self.host, self.port = parse_listen(listen)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp keeps the bound sockets here; needed to learn port 0
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("event=metrics_serving listen=%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve(self, _: web.Request) -> web.Response:
        body = self.metrics.exposition()
        # CONTENT_TYPE carries parameters ("; version=0.0.4; charset=utf-8"): set it raw.
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def measured_designer(designer: Designer, metrics: MetricsRegistry) -> Designer:
    """The design engine, timed as ``InfraDesign`` reconciles (runs that reach the engine).

    Wrapping the engine rather than the kopf handler: the handler lives in ``infradesign.py``;
    unchanged inputs skip the engine, so they are not counted (they take milliseconds)."""

    engine: Designer = getattr(designer, _ENGINE, designer)  # never time a run twice

    async def run(request: str, **kwargs: Any) -> DesignResult:
        with metrics.reconcile("InfraDesign"):
            return await engine(request, **kwargs)

    setattr(run, _ENGINE, engine)
    return run
