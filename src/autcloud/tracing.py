"""Tracing with OpenTelemetry, configured only by the standard ``OTEL_*`` variables.

``OTEL_TRACES_EXPORTER`` names where spans go: ``otlp`` (OTLP over HTTP/protobuf to
``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), ``zipkin`` (Zipkin
JSON v2 to ``OTEL_EXPORTER_ZIPKIN_ENDPOINT``), ``console`` (stdout), or ``none``; a
comma-separated list sends to several. Unset means ``none``: nothing leaves the process unless
asked (the SDK's own default would be OTLP to localhost). The SDK reads the rest itself:
``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER(_ARG)``,
``OTEL_BSP_*``, ``OTEL_EXPORTER_*_HEADERS``/``_TIMEOUT``.

Without :func:`configure`, every span is OpenTelemetry's no-op span: the workflow, the
operator and the gateway call :func:`tracer` unconditionally and pay almost nothing.

Across processes the W3C ``traceparent`` travels in the progress events and chat messages
(``autcloud.events``): :func:`current_traceparent` writes it, :func:`context_from` reads it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

INSTRUMENTATION = "autcloud"
EXPORTERS = ("otlp", "zipkin", "console", "none")
_PROPAGATOR = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None


class TracingConfigError(ValueError):
    """An ``OTEL_*`` setting this process cannot honour; the message names it and the fix."""


def tracer() -> trace.Tracer:
    """The tracer every component uses: this process's provider once :func:`configure` set one
    up, else the global one (a no-op unless something else installed a provider)."""
    provider = _provider if _provider is not None else trace.get_tracer_provider()
    return provider.get_tracer(INSTRUMENTATION)


def configure(service_name: str, *, exporters: Sequence[SpanExporter] | None = None) -> bool:
    """Set up tracing for this process from the environment; True when spans are exported.

    ``service_name`` is the default for ``OTEL_SERVICE_NAME`` (``autcloud-operator``, ...).
    ``exporters`` replaces the environment's choice (tests pass an in-memory exporter).
    """
    global _provider
    chosen = list(exporters) if exporters is not None else exporters_from_environment()
    if not chosen:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service_name}
    provider = TracerProvider(resource=Resource.create(attributes))
    for exporter in chosen:
        # An exporter given in code (a test's) sees each span at once; network ones batch.
        processor = SimpleSpanProcessor if exporters is not None else BatchSpanProcessor
        provider.add_span_processor(processor(exporter))
    if _provider is not None:
        _provider.shutdown()
    _provider = provider
    return True


def start(service_name: str) -> str | None:
    """:func:`configure` from the environment for a command's process; the problem as one
    line naming the variable and its fix, or None (then call :func:`shutdown` at exit)."""
    try:
        configure(service_name)
    except TracingConfigError as error:
        return str(error)
    return None


def exporters_from_environment() -> list[SpanExporter]:
    """The exporters ``OTEL_TRACES_EXPORTER`` names (empty: none)."""
    names = [
        name.strip().lower()
        for name in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",")
        if name.strip()
    ]
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER: {', '.join(unknown)} is not available here; use "
            f"{', '.join(EXPORTERS)} (comma-separated for several)"
        )
    return [_exporter(name) for name in dict.fromkeys(names) if name != "none"]


def _exporter(name: str) -> SpanExporter:
    if name == "zipkin":
        if not os.environ.get("OTEL_EXPORTER_ZIPKIN_ENDPOINT"):
            raise TracingConfigError(
                "OTEL_EXPORTER_ZIPKIN_ENDPOINT: not set; name the collector, e.g. "
                "http://zipkin.observability:9411/api/v2/spans"
            )
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        return ZipkinExporter()
    if name == "otlp":
        protocol = os.environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        )
        if protocol != "http/protobuf":
            raise TracingConfigError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not available here; use "
                "http/protobuf (a collector's port 4318)"
            )
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    return ConsoleSpanExporter()


def shutdown() -> None:
    """Send what is buffered and stop exporting (at process exit)."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None


def current_traceparent() -> str:
    """The W3C ``traceparent`` of the current span, or "" when there is no sampled span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent", "")


def context_from(traceparent: str) -> otel_context.Context | None:
    """A context whose parent is the span ``traceparent`` names (None for "" or a bad value)."""
    if not traceparent:
        return None
    extracted = _PROPAGATOR.extract({"traceparent": traceparent})
    span = trace.get_current_span(extracted)
    return extracted if span.get_span_context().is_valid else None
