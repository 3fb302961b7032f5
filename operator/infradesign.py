"""kopf handlers for InfraDesign: translate between the Kubernetes object and :mod:`reconcile`.

Create, spec update and operator start (resume) all run the same reconcile; kopf runs one
handler per object at a time, and a semaphore caps runs across objects. Deletion is guarded by
the finalizer ``autcloud.io/finalizer`` (see :func:`release`): committed work stays in Git.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import kopf

from autcloud.agent.design import run_design
from autcloud.gitsink import GitSinkError, PublishOptions, publish
from autcloud.operator.conditions import Condition, ConditionStatus, merge_conditions
from autcloud.operator.conversation_archive import full_spec
from autcloud.operator.event_sink import EventSink, NullEventSink, PublishReport, RunEventSink
from autcloud.operator.kube import KubeApiError, KubeClient
from autcloud.operator.reconcile import (
    Dependencies,
    DesignCache,
    Designer,
    DesignRef,
    EventPoster,
    KubeEvent,
    Outcome,
    Publisher,
    now_rfc3339,
    reconcile,
)
from autcloud.operator.release import closing_token, release_git
from autcloud.operator.settings import (
    ANNOTATIONS_PREFIX,
    FINALIZER,
    GROUP,
    PLURAL,
    VERSION,
    OperatorSettings,
)
from autcloud.operator.spec import InvalidSpecError, parse_spec
from autcloud.operator.targets import RefusedError, SecretValue
from autcloud.tracing import tracer

log = logging.getLogger("autcloud.operator.infradesign")
PROGRESS_CONDITION = "ProgressPublished"  # only with --redis-url: did the run's events get out


@dataclass
class OperatorRuntime:
    """What the handlers share in one operator process."""

    settings: OperatorSettings
    designer: Designer = run_design
    publisher: Publisher = publish
    events: EventSink = field(default_factory=NullEventSink)
    kube: KubeClient | None = None
    slots: asyncio.Semaphore | None = None
    designs: DesignCache = field(default_factory=DesignCache)  # made, not yet pushed
    runs: int = 0  # design runs started (for tests and benchmarks)
    commits: int = 0  # publishes that made a commit


def kopf_settings(settings: OperatorSettings) -> kopf.OperatorSettings:
    config = kopf.OperatorSettings()
    config.persistence.finalizer = FINALIZER
    config.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATIONS_PREFIX)
    config.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATIONS_PREFIX, key="last-handled-configuration"
    )
    # Kubernetes Events carry the milestones we post ourselves, not every log line.
    config.posting.level = logging.CRITICAL
    config.queueing.worker_limit = None
    return config


def build_registry(runtime: OperatorRuntime) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.startup(registry=registry)
    async def start(logger: kopf.Logger, **_: Any) -> None:
        runtime.slots = asyncio.Semaphore(runtime.settings.max_concurrent_runs)
        if runtime.settings.redis_url:
            runtime.events = await _connect_events(runtime.settings.redis_url, logger)
        logger.info(
            "event=operator_started max_concurrent_runs=%d redis=%s",
            runtime.settings.max_concurrent_runs,
            "on" if runtime.settings.redis_url else "off",
        )

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        info = kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)
        if info is not None:
            runtime.kube = KubeClient(info)
        return info

    @kopf.on.cleanup(registry=registry)
    async def stop(**_: Any) -> None:
        await runtime.events.aclose()
        if runtime.kube is not None:
            await runtime.kube.aclose()

    mine = runtime.settings.label_filter()  # --selector: only the objects of this shard

    @kopf.on.resume(GROUP, VERSION, PLURAL, when=mine, registry=registry)
    @kopf.on.create(GROUP, VERSION, PLURAL, when=mine, registry=registry)
    @kopf.on.update(GROUP, VERSION, PLURAL, field="spec", when=mine, registry=registry)
    async def reconcile_design(
        spec: kopf.Spec,
        status: kopf.Status,
        meta: kopf.Meta,
        name: str,
        namespace: str | None,
        body: kopf.Body,
        patch: kopf.Patch,
        logger: kopf.Logger,
        retry: int,
        **_: Any,
    ) -> None:
        if meta.get("deletionTimestamp"):
            return
        ref = DesignRef(namespace or "", name, int(meta.get("generation") or 1))

        def post_event(event: KubeEvent) -> None:
            kopf.event(body, type=event.type, reason=event.reason, message=event.message)

        try:  # a long conversation's earlier turns live in archive chunks
            whole = await full_spec(runtime.kube, namespace or "", meta, spec)
        except KubeApiError as error:
            raise kopf.TemporaryError(
                str(error), delay=runtime.settings.retry_delay_seconds
            ) from None
        outcome = await reconcile_reporting_progress(
            runtime, ref, whole, dict(status), attempt=retry, post_event=post_event
        )
        if outcome.ran:
            runtime.runs += 1
        if outcome.committed:
            runtime.commits += 1
        _apply(outcome, body, patch, logger, ref)

    @kopf.on.delete(GROUP, VERSION, PLURAL, when=mine, registry=registry)
    async def release(
        spec: kopf.Spec,
        name: str,
        namespace: str | None,
        body: kopf.Body,
        logger: kopf.Logger,
        retry: int,
        **_: Any,
    ) -> None:
        """Deleting an InfraDesign never touches AWS; Git follows spec.git.onDelete."""
        try:
            git = parse_spec(name, dict(spec)).git
        except InvalidSpecError:
            git = None
        kube = runtime.kube
        try:
            token = await closing_token(
                namespace or "",
                git,
                runtime.settings.git_policy,
                kube.read_labeled_secret if kube is not None else None,
            )
        except RefusedError as refused:  # let the object go; nothing is sent anywhere
            message = f"Deleted; nothing in Git was closed: {refused.message}"
            kopf.event(body, type="Warning", reason=refused.reason, message=message)
            logger.warning(
                "event=release_refused design=%s/%s reason=%s", namespace, name, refused.reason
            )
            return
        try:
            released = await asyncio.to_thread(release_git, name, git, token)
        except GitSinkError as error:
            delay = min(
                runtime.settings.max_retry_delay_seconds,
                runtime.settings.retry_delay_seconds * 2.0 ** min(retry, 16),
            )
            message = (
                f"{error.reason}: {error.message}; retrying in {delay:.0f} s (set "
                "spec.git.onDelete to Retain to let the object go now)"
            )
            kopf.event(body, type="Warning", reason="GitPushFailed", message=message)
            raise kopf.TemporaryError(message, delay=delay) from None
        kopf.event(body, type=released.type, reason=released.reason, message=released.message)
        logger.info(
            "event=design_deleted design=%s/%s on_delete=%s result=%s",
            namespace,
            name,
            git.on_delete if git else "-",
            released.reason,
        )

    return registry


async def reconcile_reporting_progress(
    runtime: OperatorRuntime,
    ref: DesignRef,
    spec: Mapping[str, Any],
    status: Mapping[str, Any],
    *,
    attempt: int = 0,
    post_event: EventPoster | None = None,
) -> Outcome:
    """One reconcile; after a run, the ``ProgressPublished`` condition says whether its progress
    events reached Redis. A Redis outage never changes the design's own outcome."""
    events = RunEventSink(runtime.events)
    deps = _dependencies(runtime, ref, status, events)
    deps.post_event = post_event
    attributes = {"k8s.namespace.name": ref.namespace, "autcloud.design": ref.name}
    with tracer().start_as_current_span("reconcile InfraDesign", attributes=attributes) as span:
        outcome = await reconcile(ref, spec, status, deps, attempt=attempt)
        span.set_attribute("autcloud.phase", str(outcome.status.get("phase", "")))
        if outcome.ran:
            with tracer().start_as_current_span("publish events"):
                report = await events.report()
            if report is not None:
                _note_progress(outcome, report, ref)
    return outcome


def _note_progress(outcome: Outcome, report: PublishReport, ref: DesignRef) -> None:
    flag: ConditionStatus = "True" if report.published else "False"
    outcome.status["conditions"] = merge_conditions(
        outcome.status.get("conditions"),
        [Condition(PROGRESS_CONDITION, flag, report.reason, report.message)],
        generation=ref.generation,
        now=now_rfc3339(),
    )
    if not report.published:
        outcome.events.append(KubeEvent("Warning", report.reason, report.message))
        log.warning(
            "event=progress_not_published design=%s/%s reason=%s",
            ref.namespace,
            ref.name,
            report.reason,
        )


def _dependencies(
    runtime: OperatorRuntime, ref: DesignRef, status: Mapping[str, Any], events: EventSink
) -> Dependencies:
    settings = runtime.settings
    conditions: list[dict[str, Any]] = list(status.get("conditions") or [])

    async def report_phase(phase: str) -> None:
        nonlocal conditions
        if runtime.kube is None:
            return
        conditions = merge_conditions(
            conditions,
            [
                Condition("Ready", "False", "InProgress", f"A design run is working ({phase})."),
                Condition("Reconciling", "True", phase, f"{phase}."),
            ],
            generation=ref.generation,
            now=now_rfc3339(),
        )
        await runtime.kube.patch_design_status(
            ref.namespace, ref.name, {"phase": phase, "conditions": conditions}
        )

    async def read_secret(namespace: str, name: str, key: str) -> str | None:
        if runtime.kube is None:
            raise RuntimeError("not logged in to Kubernetes")
        return await runtime.kube.read_secret(namespace, name, key)

    async def read_labeled_secret(namespace: str, name: str, key: str) -> SecretValue | None:
        if runtime.kube is None:
            raise RuntimeError("not logged in to Kubernetes")
        return await runtime.kube.read_labeled_secret(namespace, name, key)

    return Dependencies(
        designer=runtime.designer,
        publisher=runtime.publisher,
        read_secret=read_secret,
        read_labeled_secret=read_labeled_secret,
        git_policy=settings.git_policy,
        provider_policy=settings.provider_policy,
        publish_options=PublishOptions(cache_dir=settings.git_cache_dir),
        run_slots=runtime.slots,
        events=events,
        report_phase=report_phase,
        deep_validation=settings.deep_validation,
        diagram=settings.diagram,
        retry_delay_seconds=settings.retry_delay_seconds,
        max_retry_delay_seconds=settings.max_retry_delay_seconds,
        recheck_seconds=settings.secret_recheck_seconds,
        designs=runtime.designs,
        default_llm=settings.default_llm,
        default_llm_api_key=settings.default_llm_api_key,
    )


def _apply(
    outcome: Outcome, body: kopf.Body, patch: kopf.Patch, logger: kopf.Logger, ref: DesignRef
) -> None:
    for key, value in outcome.status.items():
        patch.status[key] = value
    for event in outcome.events:
        kopf.event(body, type=event.type, reason=event.reason, message=event.message)
    logger.info(
        "event=reconciled design=%s/%s phase=%s ran=%s committed=%s",
        ref.namespace,
        ref.name,
        outcome.status.get("phase", "-"),
        outcome.ran,
        outcome.committed,
    )
    if outcome.retry_after is not None:
        raise kopf.TemporaryError(outcome.retry_message, delay=outcome.retry_after)


async def _connect_events(redis_url: str, logger: kopf.Logger) -> EventSink:
    try:
        from autcloud.operator.event_sink import GatewayEventSink

        return await GatewayEventSink.connect(redis_url)
    except ImportError as error:
        logger.warning("event=redis_unavailable error=%s; progress events are not published", error)
        return NullEventSink()
