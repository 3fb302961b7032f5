"""One design run is one trace: reconcile → design → nodes → levels → resources, checks, publish.

Real: the design engine, git with a bare repository, the OpenTelemetry SDK. The exporter is the
SDK's in-memory one (the Zipkin path across processes is tests/gateway/test_tracing_zipkin.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from autcloud import tracing
from autcloud.agent.design import run_design
from autcloud.events import Event
from autcloud.gitsink import publish
from autcloud.operator.infradesign import OperatorRuntime, reconcile_reporting_progress
from autcloud.operator.reconcile import DesignRef
from autcloud.operator.settings import OperatorSettings
from tests.gitsink.bare_remote import BareRemote
from tests.operator.fakes import RecordingSink

pytestmark = pytest.mark.asyncio
REF = DesignRef("shop", "web", 1)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure("autcloud-operator", exporters=[exporter])
    yield exporter
    tracing.shutdown()


def by_name(finished: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in finished}


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    context = span.get_span_context()
    assert context is not None
    return context.span_id


def trace_id(span: ReadableSpan) -> int:
    context = span.get_span_context()
    assert context is not None
    return context.trace_id


async def run_one(tmp_path: Path, sink: Any) -> Any:
    remote = BareRemote(tmp_path / "remote.git")
    remote.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    settings = OperatorSettings(
        git_cache_dir=tmp_path / "cache", diagram=False, allow_local_repositories=True
    )
    runtime = OperatorRuntime(settings, designer=run_design, publisher=publish, events=sink)
    spec = {
        "request": "A containerised web API with PostgreSQL in Seoul",
        "git": {"repository": remote.url, "mode": "push"},
    }
    return await reconcile_reporting_progress(runtime, REF, spec, {})


async def test_a_design_run_is_one_trace_of_linked_spans(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    outcome = await run_one(tmp_path, RecordingSink())
    assert outcome.status["phase"] == "Ready"

    finished = spans.get_finished_spans()
    named = by_name(finished)
    root = named["reconcile InfraDesign"]
    assert root.parent is None
    assert {trace_id(span) for span in finished} == {trace_id(root)}, "one trace"
    assert root.attributes is not None and root.attributes["autcloud.design"] == "web"
    design = named["design"]
    assert parent_of(design) == span_id(root)
    for node in ("route", "gather", "plan", "combine", "validate"):
        assert parent_of(named[f"node {node}"]) == span_id(design), node
    level0 = named["level 0"]
    assert parent_of(level0) == span_id(design)
    generated = [span for span in finished if span.name.startswith("generate ")]
    assert len(generated) == outcome.status["resources"]["count"]
    assert {parent_of(span) for span in generated} <= {
        span_id(span) for span in finished if span.name.startswith("level ")
    }
    checks = [span for span in finished if span.name.startswith("check ")]
    assert {"check terraform fmt", "check references", "check cost"} <= {s.name for s in checks}
    assert {parent_of(span) for span in checks} == {span_id(named["node validate"])}
    assert parent_of(named["publish git"]) == span_id(root)
    assert parent_of(named["publish events"]) == span_id(root)
    for span in finished:  # children lie within their parents
        parent = next((p for p in finished if span_id(p) == parent_of(span)), None)
        if parent is not None:
            assert parent.start_time is not None and span.start_time is not None
            assert parent.start_time <= span.start_time, span.name


async def test_progress_events_carry_the_trace_of_the_span_that_sent_them(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    sink = RecordingSink()
    await run_one(tmp_path, sink)

    finished = spans.get_finished_spans()
    root = by_name(finished)["reconcile InfraDesign"]
    events: list[Event] = [event for _, _, event in sink.events]
    assert events and all(event.traceparent for event in events)
    known = {f"{span_id(span):016x}": span.name for span in finished}
    for event in events:
        version, trace, parent, flags = event.traceparent.split("-")
        assert version == "00" and int(flags, 16) & 1, event.traceparent  # sampled
        assert trace == f"{trace_id(root):032x}"
        assert parent in known, (event.type, event.traceparent)
    first = events[0]
    assert known[first.traceparent.split("-")[2]] == "node route"  # sent inside its node


async def test_without_configuration_nothing_is_traced(tmp_path: Path) -> None:
    sink = RecordingSink()
    await run_one(tmp_path, sink)

    assert all(event.traceparent == "" for _, _, event in sink.events)


async def test_an_exporter_this_process_cannot_run_is_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "jaeger")
    assert "OTEL_TRACES_EXPORTER: jaeger" in (tracing.start("autcloud-operator") or "")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin")
    monkeypatch.delenv("OTEL_EXPORTER_ZIPKIN_ENDPOINT", raising=False)
    assert "OTEL_EXPORTER_ZIPKIN_ENDPOINT" in (tracing.start("autcloud-operator") or "")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    assert "http/protobuf" in (tracing.start("autcloud-operator") or "")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert tracing.start("autcloud-operator") is None
