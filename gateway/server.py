"""Run the gateway until SIGINT/SIGTERM, closing SSE streams cleanly on the way out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from autcloud.gateway.app import GatewayConfig, create_app, create_metrics_app
from autcloud.gateway.auth import Authorizer

log = logging.getLogger("autcloud.gateway")


async def serve(
    config: GatewayConfig, authorizer: Authorizer, stop: asyncio.Event | None = None
) -> None:
    """Serve until ``stop`` is set (or a termination signal arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(signum, stop.set)
    app = create_app(config, authorizer)
    # Long-lived SSE responses hold connections open by design: no keep-alive timeout games,
    # and a short shutdown since the hub ends every stream itself.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, backlog=4096)
    await site.start()
    log.info("event=listening host=%s port=%d", config.host, config.port)
    metrics_runner: web.AppRunner | None = None
    try:
        if config.metrics_host is not None:
            metrics_runner = web.AppRunner(create_metrics_app(app), access_log=None)
            await metrics_runner.setup()
            await web.TCPSite(metrics_runner, config.metrics_host, config.metrics_port).start()
            log.info(
                "event=metrics_listening host=%s port=%d", config.metrics_host, config.metrics_port
            )
        await stop.wait()
    finally:
        log.info("event=stopping")
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        await runner.cleanup()
