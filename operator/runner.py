"""Run the InfraDesign operator: kopf with AutCloud's settings, in the current thread."""

from __future__ import annotations

import asyncio
import threading

import kopf

from autcloud.operator.infradesign import OperatorRuntime, build_registry, kopf_settings
from autcloud.operator.settings import OperatorSettings

StopFlag = asyncio.Event | threading.Event


async def serve(
    runtime: OperatorRuntime,
    *,
    stop_flag: StopFlag | None = None,
    ready_flag: StopFlag | None = None,
    liveness_endpoint: str | None = None,
) -> None:
    """Run until stopped; kopf cancels every other task of this loop when it exits."""
    settings = runtime.settings
    await kopf.operator(
        registry=build_registry(runtime),
        settings=kopf_settings(settings),
        clusterwide=settings.clusterwide,
        namespaces=list(settings.namespaces),
        standalone=True,  # one replica; no KopfPeering resources needed
        stop_flag=stop_flag,
        ready_flag=ready_flag,
        liveness_endpoint=liveness_endpoint,
    )


def run(settings: OperatorSettings, *, liveness_endpoint: str | None = None) -> None:
    asyncio.run(serve(OperatorRuntime(settings), liveness_endpoint=liveness_endpoint))
