"""With --redis-url, the ``ProgressPublished`` condition says whether a run's progress events
reached Redis; a Redis outage never keeps a design from becoming Ready and committing.

Real: redis-server (started, stopped mid-run, or never started), the design engine, the git
sink on a bare repository, the CRD schema. Not involved: Kubernetes (the domain entry point
``reconcile_reporting_progress`` is what the kopf handler calls).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from autcloud.agent.design import DesignResult, EventCallback, run_design
from autcloud.events import Event
from autcloud.gitsink import publish
from autcloud.operator.event_sink import GatewayEventSink, NullEventSink
from autcloud.operator.infradesign import OperatorRuntime, reconcile_reporting_progress
from autcloud.operator.reconcile import DesignRef, Outcome
from autcloud.operator.settings import OperatorSettings
from tests.crds.manifests import api_for
from tests.gateway.harness import RedisServer, free_port
from tests.gitsink.bare_remote import BareRemote

pytestmark = pytest.mark.asyncio
REF = DesignRef("shop", "web", 1)
WEB_API = "A containerised web API with PostgreSQL in Seoul"


@pytest.fixture
def remote(tmp_path: Path) -> BareRemote:
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    return bare


@pytest_asyncio.fixture
async def sinks() -> AsyncIterator[list[GatewayEventSink]]:
    opened: list[GatewayEventSink] = []
    yield opened
    for sink in opened:
        await sink.aclose(drain_timeout_s=0.5)  # Redis may be gone: do not wait long


def runtime(tmp_path: Path, events: Any, designer: Any = run_design) -> OperatorRuntime:
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "git-cache", diagram=False, allow_local_repositories=True
    )
    return OperatorRuntime(settings, designer=designer, publisher=publish, events=events)


def spec(remote: BareRemote) -> dict[str, Any]:
    return {"request": WEB_API, "git": {"repository": remote.url, "mode": "push"}}


def condition(outcome: Outcome, type_: str) -> dict[str, Any] | None:
    return next((c for c in outcome.status["conditions"] if c["type"] == type_), None)


def state(outcome: Outcome, type_: str) -> tuple[str, str] | None:
    """A condition's ``(status, reason)``, or None when the type is absent."""
    found = condition(outcome, type_)
    return None if found is None else (found["status"], found["reason"])


def stopping_redis_midway(server: RedisServer) -> Any:
    """The real design engine, with Redis killed once the run has emitted its first event."""

    async def designer(request: str, *, on_event: EventCallback, **kwargs: Any) -> DesignResult:
        def on_event_then_stop(event: Event) -> None:
            on_event(event)
            server.stop()  # SIGKILL, by pid; a no-op once stopped

        return await run_design(request, on_event=on_event_then_stop, **kwargs)

    return designer


async def test_with_redis_up_the_condition_says_the_events_were_published(
    tmp_path: Path, redis_server: RedisServer, remote: BareRemote, sinks: list[GatewayEventSink]
) -> None:
    sinks.append(sink := await GatewayEventSink.connect(redis_server.url))

    outcome = await reconcile_reporting_progress(runtime(tmp_path, sink), REF, spec(remote), {})

    assert state(outcome, "ProgressPublished") == ("True", "EventsPublished")


async def test_redis_stopped_mid_run_the_design_commits_and_the_condition_says_so(
    tmp_path: Path, redis_server: RedisServer, remote: BareRemote, sinks: list[GatewayEventSink]
) -> None:
    sinks.append(sink := await GatewayEventSink.connect(redis_server.url))
    operator = runtime(tmp_path, sink, stopping_redis_midway(redis_server))

    outcome = await reconcile_reporting_progress(operator, REF, spec(remote), {})

    assert remote.head("main") == outcome.status["git"]["commitSHA"]
    assert state(outcome, "Ready") == ("True", "Committed")
    assert state(outcome, "ProgressPublished") == ("False", "RedisUnavailable")
    assert "Redis is unavailable" in str(condition(outcome, "ProgressPublished"))


async def test_redis_never_started_the_design_is_ready_and_a_warning_event_names_redis(
    tmp_path: Path, remote: BareRemote, sinks: list[GatewayEventSink]
) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    sinks.append(sink := await GatewayEventSink.connect(nobody_listens))

    outcome = await reconcile_reporting_progress(runtime(tmp_path, sink), REF, spec(remote), {})

    assert state(outcome, "Ready") == ("True", "Committed") and outcome.committed
    assert state(outcome, "ProgressPublished") == ("False", "RedisUnavailable")
    assert [e.reason for e in outcome.events if e.type == "Warning"] == ["RedisUnavailable"]
    assert nobody_listens not in str(outcome.status)  # the URL may carry a password


async def test_without_redis_there_is_no_progress_condition(
    tmp_path: Path, remote: BareRemote
) -> None:
    operator = runtime(tmp_path, NullEventSink())

    outcome = await reconcile_reporting_progress(operator, REF, spec(remote), {})

    assert state(outcome, "Ready") == ("True", "Committed")
    assert state(outcome, "ProgressPublished") is None


async def test_the_condition_fits_the_crd_schema(
    tmp_path: Path, remote: BareRemote, sinks: list[GatewayEventSink]
) -> None:
    sinks.append(sink := await GatewayEventSink.connect(f"redis://127.0.0.1:{free_port()}/0"))
    outcome = await reconcile_reporting_progress(runtime(tmp_path, sink), REF, spec(remote), {})
    status = {key: value for key, value in outcome.status.items() if value is not None}
    api = api_for("InfraDesign")
    stored = api.create(
        {
            "apiVersion": "autcloud.io/v1alpha1",
            "kind": "InfraDesign",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": spec(remote),
        }
    ).object

    result = api.update_status(stored, status)

    assert result.object["status"]["conditions"] == status["conditions"]
