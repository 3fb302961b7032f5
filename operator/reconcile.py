"""One reconcile of an InfraDesign, without kopf: spec and old status in, status patch and events out.

The kopf handlers (``infradesign.py``) only translate: they call :func:`reconcile`, write
``Outcome.status`` through the status subresource, post ``Outcome.events`` as Kubernetes
Events and turn ``Outcome.retry_after`` into ``kopf.TemporaryError``. Everything the run
touches outside this process (the design engine, git, Secrets, progress events) comes in
through :class:`Dependencies`, so tests hand in real or fake pieces at will.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal, Protocol

from autcloud.agent.design import DesignResult, DesignStatus, EventCallback
from autcloud.agent.document import ProviderNotes
from autcloud.agent.providers.base import ResourceProvider
from autcloud.agent.providers.openai_compatible import DEFAULT_BASE_URL, OpenAICompatibleProvider
from autcloud.agent.state import Hints, Turn
from autcloud.events import Event, LevelStarted, NodeStarted
from autcloud.gitsink import (
    GitSinkError,
    GitTarget,
    PublishOptions,
    PublishResult,
    parse_target,
    render_pull_request_body,
)
from autcloud.gitsink.policy import TargetPolicy
from autcloud.gitsink.target import GitHubRepository
from autcloud.operator import summary
from autcloud.operator.account_import import (
    AWS_SECRET_KEYS,
    IMPORTED_FOLDER,
    AccountImport,
    AccountImporter,
    AccountImportError,
    parse_account_import,
    scan_account,
)
from autcloud.operator.conditions import Condition, merge_conditions
from autcloud.operator.event_sink import EventSink, NullEventSink
from autcloud.operator.files import design_files
from autcloud.operator.run_events import closing_events
from autcloud.operator.spec import (
    DesignInput,
    InvalidSpecError,
    ProviderSpec,
    input_hash,
    names_provider,
    parse_spec,
)
from autcloud.operator.targets import (
    LabeledSecretReader,
    RefusedError,
    check_targets,
    read_typed_secret,
    without_labels,
)
from autcloud.tracing import current_traceparent, tracer

log = logging.getLogger("autcloud.operator.reconcile")

EventType = Literal["Normal", "Warning"]
# Phases a finished run leaves behind; an unchanged input in one of them needs no new run.
SETTLED_PHASES = frozenset({"Ready", "Refused", "NeedsInput"})
# The workflow's nodes (agent/graph.py names them), and the phase each one means; a test
# holds this table to the graph. dispatch_level starts each level of generation.
NODE_PHASES = {
    "route": "Gathering",
    "gather": "Gathering",
    "plan": "Planning",
    "dispatch_level": "Generating",
    "generate_resource": "Generating",
    "next_level": "Generating",
    "combine": "Generating",
    "validate": "Validating",
    "fix": "Validating",
}
# git sink reasons a person must act on (a token, a repository name, the target).
PERMANENT_GIT_REASONS = frozenset({"GitAuthFailed", "RepositoryNotFound", "InvalidTarget"})
# spec.provider.name values this operator can run (bedrock is in the API, not yet here).
SUPPORTED_PROVIDERS = ("offline", "openai")


class Designer(Protocol):
    async def __call__(
        self,
        request: str,
        *,
        conversation: list[Turn] | None = ...,
        hints: Hints | None = ...,
        assume_defaults: bool = ...,
        deep_validation: bool = ...,
        on_event: EventCallback | None = ...,
        provider: ResourceProvider | None = ...,
    ) -> DesignResult: ...


class Publisher(Protocol):
    def __call__(
        self,
        target: GitTarget,
        files: Mapping[str, bytes],
        *,
        message: str,
        design_id: str,
        pr_title: str = ...,
        pr_body: str = ...,
        token: str | None = ...,
        options: PublishOptions | None = ...,
    ) -> PublishResult: ...


# (namespace, name, key) -> the value, or None when the Secret or the key does not exist.
SecretReader = Callable[[str, str, str], Awaitable[str | None]]
# Called with each new phase while a run works (the handler writes it to status at once).
PhaseReporter = Callable[[str], Awaitable[None]]
# Posts a Kubernetes Event at once (the handler hands in kopf.event for its object).
EventPoster = Callable[["KubeEvent"], None]
# spec.provider (not offline) and its API key (None: the server needs none) -> a provider.
ProviderFactory = Callable[[ProviderSpec, str | None], ResourceProvider]


def build_provider(spec: ProviderSpec, api_key: str | None) -> ResourceProvider:
    """A fresh provider for one run (it reports that run's fallbacks in design.json)."""
    if spec.name != "openai" or not spec.model:
        raise InvalidSpecError(f"spec.provider.name: {spec.name!r} cannot be built here")
    try:
        return OpenAICompatibleProvider(
            model=spec.model, base_url=spec.base_url or DEFAULT_BASE_URL, api_key=api_key
        )
    except ValueError as error:
        raise InvalidSpecError(
            "spec.provider." + str(error).replace("base_url", "baseURL", 1)
        ) from None


@dataclass(frozen=True)
class DesignRef:
    namespace: str
    name: str
    generation: int


class DesignCache:
    """Designs made but not yet published, by object and input hash, in this process.

    A push that failed (retryable, or permanent until a Secret is fixed) is retried with the
    design already made: the same input hash gives the same files, and the workflow does not
    run again. A restarted operator has an empty cache and designs once more."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._items: dict[tuple[str, str], tuple[str, DesignResult]] = {}

    def get(self, ref: DesignRef, digest: str) -> DesignResult | None:
        held = self._items.get((ref.namespace, ref.name))
        return held[1] if held is not None and held[0] == digest else None

    def put(self, ref: DesignRef, digest: str, result: DesignResult) -> None:
        key = (ref.namespace, ref.name)
        self._items.pop(key, None)
        self._items[key] = (digest, result)
        while len(self._items) > self.capacity:
            self._items.pop(next(iter(self._items)))

    def discard(self, ref: DesignRef) -> None:
        self._items.pop((ref.namespace, ref.name), None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class KubeEvent:
    type: EventType
    reason: str
    message: str


@dataclass
class Dependencies:
    designer: Designer
    publisher: Publisher
    read_secret: SecretReader
    publish_options: PublishOptions = field(default_factory=PublishOptions)
    run_slots: asyncio.Semaphore | None = None  # the cap on concurrent runs
    events: EventSink = field(default_factory=NullEventSink)
    report_phase: PhaseReporter | None = None
    # Posts an Event the moment it happens (DesignStarted). None: it goes into Outcome.events.
    post_event: EventPoster | None = None
    deep_validation: bool = False
    diagram: bool = True
    retry_delay_seconds: float = 30.0
    max_retry_delay_seconds: float = 600.0
    recheck_seconds: float = 60.0  # how often a stalled design looks again (a fixed Secret)
    # Designs whose push failed, reused by the retry (the runtime holds one for the process).
    designs: DesignCache = field(default_factory=DesignCache)
    importer: AccountImporter = field(default_factory=lambda: scan_account)
    make_provider: ProviderFactory = build_provider
    # Where designs may send files and credentials (the operator's --allow-* flags). The
    # defaults are the strict ones: no local repositories, no credentials over http://.
    git_policy: TargetPolicy = field(default_factory=TargetPolicy)
    provider_policy: TargetPolicy = field(default_factory=TargetPolicy)
    # Reads git and provider Secrets with their labels. None: ``read_secret``, which sees no
    # labels, so every such Secret is refused (fail closed).
    read_labeled_secret: LabeledSecretReader | None = None
    # The model of designs whose spec names none (``autcloud operator --default-provider``),
    # and its API key (from the operator's environment, never from a design's namespace).
    default_llm: ProviderSpec = field(default_factory=ProviderSpec)
    default_llm_api_key: str | None = field(default=None, repr=False)


@dataclass
class Outcome:
    """What the handler writes back. ``retry_after`` set: raise a TemporaryError after writing."""

    status: dict[str, Any]
    events: list[KubeEvent] = field(default_factory=list)
    retry_after: float | None = None
    retry_message: str = ""
    ran: bool = False
    committed: bool = False


def now_rfc3339() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def reconcile(
    ref: DesignRef,
    spec: Mapping[str, Any],
    status: Mapping[str, Any],
    deps: Dependencies,
    *,
    attempt: int = 0,
    now: Callable[[], str] = now_rfc3339,
) -> Outcome:
    """Bring the status up to date with the spec, running the design workflow when needed.

    A reconcile that ran the workflow, published, or stopped at an error ends the design's
    progress stream with what its status now says (``error``, ``commit.pushed``, ``done``)."""
    outcome = await _reconcile(ref, spec, status, deps, attempt=attempt, now=now)
    if outcome.ran or "lastError" in outcome.status or outcome.status.get("git"):
        traceparent = current_traceparent()
        for event in closing_events(outcome.status, retrying=outcome.retry_after is not None):
            deps.events.emit(ref.namespace, ref.name, replace(event, traceparent=traceparent))
    return outcome


async def _reconcile(
    ref: DesignRef,
    spec: Mapping[str, Any],
    status: Mapping[str, Any],
    deps: Dependencies,
    *,
    attempt: int,
    now: Callable[[], str],
) -> Outcome:
    builder = _StatusBuilder(ref, status, now)
    try:
        design = parse_spec(ref.name, spec)
    except InvalidSpecError as error:
        return builder.stalled("InvalidSpec", str(error), phase="Failed")
    if design.suspend:
        return builder.suspended()
    if design.provider not in SUPPORTED_PROVIDERS:
        return builder.stalled(
            "InvalidSpec",
            f"spec.provider.name: {design.provider!r} is not available in this operator yet; "
            "use 'offline' (the built-in provider) or 'openai' (any OpenAI-compatible server)",
            phase="Failed",
            ready_reason="ProviderUnavailable",
        )
    # Before anything is read or run: where the design would send its files and credentials.
    # Checked on every reconcile (also an unchanged, settled one): the operator's flags may
    # have changed since. A refusal waits for a spec change (no retry).
    try:
        check_targets(design, git_policy=deps.git_policy, provider_policy=deps.provider_policy)
    except RefusedError as refused:
        return builder.stalled(refused.reason, refused.message, phase="Failed")
    digest = input_hash(spec)
    if status.get("inputHash") == digest and status.get("phase") in SETTLED_PHASES:
        return Outcome(status={"observedGeneration": ref.generation})
    token: str | None = None
    api_key: str | None = None
    if not names_provider(spec) and deps.default_llm.name != "offline":
        # The operator's own default (its flags, not the design's): past the target policy,
        # which guards where a design may send a Secret of its namespace.
        design = replace(design, provider=deps.default_llm.name, llm=deps.default_llm)
        api_key = deps.default_llm_api_key
    # The design's own Secrets, each used only when labelled for its use (git or llm).
    read_secret = partial(
        read_typed_secret,
        deps.read_labeled_secret or without_labels(deps.read_secret),
        ref.namespace,
        recheck_seconds=deps.recheck_seconds,
    )
    try:
        if design.git is not None and design.git.secret is not None:
            token = await read_secret(design.git.secret, kind="git")
        if design.llm.name != "offline" and design.llm.secret is not None:
            api_key = await read_secret(design.llm.secret, kind="llm")
    except RefusedError as refused:
        # The fix is on the Secret, not the spec: look again now and then.
        return builder.stalled(
            refused.reason, refused.message, phase="Failed", recheck=deps.recheck_seconds
        )
    provider: ResourceProvider | None = None
    if design.llm.name != "offline":
        try:
            provider = deps.make_provider(design.llm, api_key)
        except InvalidSpecError as error:
            return builder.stalled("InvalidSpec", str(error), phase="Failed")
    run = _Run(ref, design, digest, token, builder, deps, attempt, spec.get("importExisting"))
    slots = deps.run_slots or contextlib.nullcontext()
    async with slots:
        return await _run(run, provider)


@dataclass(frozen=True)
class _Run:
    """What one reconcile's run designs and publishes, and where it reports."""

    ref: DesignRef
    design: DesignInput
    digest: str
    token: str | None = field(repr=False)
    builder: _StatusBuilder
    deps: Dependencies
    attempt: int
    account: Any = None  # spec.importExisting, when set


async def _run(run: _Run, provider: ResourceProvider | None = None) -> Outcome:
    ref, design, builder, deps = run.ref, run.design, run.builder, run.deps
    reused = deps.designs.get(ref, run.digest)
    if reused is not None:
        return await _publish_again(run, reused)
    run_id = f"{ref.name}-{uuid.uuid4().hex[:12]}"
    builder.status["runID"] = run_id
    started = KubeEvent("Normal", "DesignStarted", f"Design run {run_id} started.")
    events: list[KubeEvent] = []
    if deps.post_event is not None:
        try:
            deps.post_event(started)
        except Exception as error:  # an Event is a courtesy; the run goes on
            log.warning("event=post_event_failed reason=DesignStarted error=%s", error)
    else:
        events.append(started)
    log.info("event=run_started design=%s/%s run=%s", ref.namespace, ref.name, run_id)
    builder.begin_run()
    phases = _PhaseQueue(deps.report_phase)
    phases.put("Gathering")

    def on_event(event: Event) -> None:
        phase = phase_of(event)
        if phase:
            phases.put(phase)
        deps.events.emit(ref.namespace, ref.name, event)

    # The provider is handed over only when the spec names one: the engine's default is offline.
    chosen = {"provider": provider} if provider is not None else {}
    try:
        result = await deps.designer(
            design.request,
            conversation=design.conversation,
            hints=design.hints,
            assume_defaults=design.assume_defaults,
            deep_validation=deps.deep_validation,
            on_event=on_event,
            **chosen,
        )
    except Exception as error:  # a bug in the engine: report it and retry with backoff
        log.exception("event=run_crashed design=%s/%s run=%s", ref.namespace, ref.name, run_id)
        await phases.close()
        return builder.retrying(
            "DesignFailed",
            f"The design workflow failed ({type(error).__name__}); retrying.",
            _backoff(deps, run.attempt, None),
            events,
        )
    events.extend(_fallback_events(result.document))
    outcome = await _settle(run, result, phases)
    await phases.close()
    outcome.events[:0] = events
    outcome.ran = True
    return outcome


async def _publish_again(run: _Run, result: DesignResult) -> Outcome:
    """A retry of a failed push: the design this input already produced, published again."""
    log.info(
        "event=publish_retry design=%s/%s attempt=%d reused_design=true",
        run.ref.namespace,
        run.ref.name,
        run.attempt,
    )
    phases = _PhaseQueue(run.deps.report_phase)
    try:
        outcome = await _settle(run, result, phases)
    finally:
        await phases.close()
    return outcome


async def _settle(run: _Run, result: DesignResult, phases: _PhaseQueue) -> Outcome:
    ref, design, digest, builder, deps = run.ref, run.design, run.digest, run.builder, run.deps
    document = result.document
    builder.from_document(document)
    if result.status is DesignStatus.REFUSED:
        return builder.refused(result.refusal or "The request was refused.", digest)
    if result.status is DesignStatus.NEEDS_INPUT:
        return builder.needs_input(digest)
    if result.status is DesignStatus.INVALID:
        return builder.validation_failed(digest)
    builder.validated()
    if design.git is None:
        if run.account is not None:
            builder.imported = Condition(
                "Imported", "False", "NoGitTarget", "spec.git is not set: nowhere to import into."
            )
        return builder.ready_without_git(digest)
    phases.put("Committing")
    await phases.flush()
    files, note = design_files(
        result.files, document, diagram=deps.diagram, title=f"{ref.namespace}/{ref.name}"
    )
    extra = [KubeEvent("Normal", "DiagramSkipped", f"{note}.")] if note else []
    if run.account is not None:
        imported, import_event, builder.imported = await _import_account(ref, run.account, deps)
        files.update({f"{IMPORTED_FOLDER}/{name}": data for name, data in imported.items()})
        extra.append(import_event)
    target = design.git.target
    body = render_pull_request_body(
        summary.pull_request_summary(ref.name, document), files=sorted(files)
    )
    try:
        with tracer().start_as_current_span(
            "publish git", attributes={"autcloud.git.mode": target.mode}
        ):
            published = await asyncio.to_thread(
                deps.publisher,
                target,
                files,
                message=_commit_message(ref, document),
                design_id=ref.name,
                pr_title=f"AutCloud design {ref.name}",
                pr_body=body,
                token=run.token,
                options=deps.publish_options,
            )
    except GitSinkError as error:
        deps.designs.put(ref, digest, result)  # the retry publishes this design, not a new one
        outcome = builder.git_failed(error, _backoff(deps, run.attempt, error.retry_after), deps)
        outcome.events[:0] = extra
        return outcome
    deps.designs.discard(ref)
    outcome = builder.committed(published, target, digest)
    outcome.events[:0] = extra
    return outcome


async def _import_account(
    ref: DesignRef, spec: Any, deps: Dependencies
) -> tuple[dict[str, bytes], KubeEvent, Condition]:
    """Scan the account for spec.importExisting: the export, an Event and the Imported
    condition. A failure is reported and never blocks the design."""
    try:
        request = parse_account_import(spec)
        credentials = await _aws_credentials(ref, request, deps)
        imported = await asyncio.to_thread(deps.importer, request, credentials)
    except AccountImportError as error:
        message = f"spec.importExisting: {error}; the design was committed without it."
        log.warning("event=import_failed design=%s/%s", ref.namespace, ref.name)
        return (
            {},
            KubeEvent("Warning", "ImportFailed", message),
            Condition("Imported", "False", "ImportFailed", message),
        )
    where = f"{request.region} (tag {request.tag_key}={request.tag_value})"
    summary_text = f"Imported {imported.exported} resources from {where} into {IMPORTED_FOLDER}/"
    if imported.failed_kinds:
        message = (
            f"{summary_text}, but could not scan {', '.join(imported.failed_kinds)} "
            f"(see {IMPORTED_FOLDER}/inventory.json)."
        )
        return (
            imported.files,
            KubeEvent("Warning", "PartialScan", message),
            Condition("Imported", "True", "PartialScan", message),
        )
    message = f"{summary_text}."
    return (
        imported.files,
        KubeEvent("Normal", "Imported", message),
        Condition("Imported", "True", "Imported", message),
    )


async def _aws_credentials(
    ref: DesignRef, request: AccountImport, deps: Dependencies
) -> dict[str, str] | None:
    """The Secret's AWS keys, or None: the operator's own identity (IRSA, Pod Identity, env)."""
    if request.secret_name is None:
        return None
    values = {
        key: await deps.read_secret(ref.namespace, request.secret_name, key)
        for key in AWS_SECRET_KEYS
    }
    missing = [key for key in AWS_SECRET_KEYS[:2] if not values[key]]
    if missing:
        raise AccountImportError(
            f"credentials.secretRef: Secret {request.secret_name!r} in namespace "
            f"{ref.namespace!r} lacks {', '.join(missing)} (or does not exist); add the key(s)"
        )
    return {key: value for key, value in values.items() if value}


def _fallback_events(document: Mapping[str, Any]) -> list[KubeEvent]:
    """A Warning when the model's answers were not used for some resources (the design is still
    whole: the catalog rendered those)."""
    if not document.get("provider_notes"):
        return []
    notes = ProviderNotes.model_validate(document["provider_notes"])
    if not notes.fallbacks:
        return []
    reasons = ", ".join(sorted({fallback.reason for fallback in notes.fallbacks}))
    total = len(notes.fallbacks) + len(notes.accepted)
    return [
        KubeEvent(
            "Warning",
            "ProviderFallback",
            f"{len(notes.fallbacks)} of {total} resources were rendered by the built-in catalog "
            f"instead of model {notes.model} ({reasons}); see provider_notes in design.json.",
        )
    ]


def _commit_message(ref: DesignRef, document: Mapping[str, Any]) -> str:
    count = len(document.get("resources") or [])
    region = document.get("region") or "?"
    return (
        f"AutCloud design {ref.namespace}/{ref.name}: {count} resources in {region}\n\n"
        f"Request: {str(document.get('request', ''))[:500]}\n"
    )


def _stall_note(recheck: float | None = None, what: str = "the same checks") -> str:
    """What a stalled design waits for, and when (or whether) it looks again by itself."""
    if recheck is None:
        return "Not checked again automatically: waiting for a change of the spec."
    return (
        f"Checking again every {recheck:.0f} s: {what}, without designing again; "
        "a change of the spec starts over at once."
    )


def _backoff(deps: Dependencies, attempt: int, at_least: float | None) -> float:
    delay = min(deps.max_retry_delay_seconds, deps.retry_delay_seconds * 2.0 ** min(attempt, 16))
    return max(delay, at_least or 0.0)


def phase_of(event: Event) -> str | None:
    """The phase an event of the workflow moves the design into, or None."""
    if isinstance(event, NodeStarted):
        return NODE_PHASES.get(event.node)
    if isinstance(event, LevelStarted):
        return NODE_PHASES["dispatch_level"]
    return None


class _PhaseQueue:
    """Reports phases in order from the engine's synchronous callback, one status patch at a time."""

    def __init__(self, reporter: PhaseReporter | None) -> None:
        self._reporter = reporter
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._last = ""
        self._task = asyncio.create_task(self._drain()) if reporter else None

    def put(self, phase: str) -> None:
        if self._task is not None and phase != self._last:
            self._last = phase
            self._queue.put_nowait(phase)

    async def flush(self) -> None:
        if self._task is not None:
            await self._queue.join()

    async def close(self) -> None:
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
            self._task = None

    async def _drain(self) -> None:
        assert self._reporter is not None
        while True:
            phase = await self._queue.get()
            try:
                if phase is None:
                    return
                if self._queue.empty():  # skip phases already overtaken by a newer one
                    try:
                        await self._reporter(phase)
                    except Exception as error:  # progress is best effort; the result is not
                        log.warning("event=phase_report_failed phase=%s error=%s", phase, error)
            finally:
                self._queue.task_done()


class _StatusBuilder:
    """Builds the status patch: every outcome sets phase and the five conditions together."""

    def __init__(self, ref: DesignRef, old: Mapping[str, Any], clock: Callable[[], str]) -> None:
        self.ref = ref
        self.old = old
        self.clock = clock
        self.status: dict[str, Any] = {"observedGeneration": ref.generation}
        self.imported: Condition | None = None  # set when spec.importExisting was acted on
        self.asks_honored: Condition | None = None  # set once a design has a ledger

    def _finish(
        self,
        phase: str,
        conditions: list[Condition],
        events: list[KubeEvent],
        *,
        digest: str | None = None,
    ) -> Outcome:
        self.status["phase"] = phase
        if self.imported is not None:
            conditions = [*conditions, self.imported]
        if self.asks_honored is not None:
            conditions = [*conditions, self.asks_honored]
        wanted = conditions + self._not_yet({c.type for c in conditions})
        # Read the clock now, not when the reconcile began: a condition that flips at the end
        # of a ten-minute run flipped then.
        self.status["conditions"] = merge_conditions(
            self.old.get("conditions"), wanted, generation=self.ref.generation, now=self.clock()
        )
        if digest is not None:
            self.status["inputHash"] = digest
        return Outcome(status=self.status, events=events)

    def _error(self, reason: str, message: str) -> None:
        self.status["lastError"] = {"reason": reason, "message": message, "time": self.clock()}

    def begin_run(self) -> None:
        """A run starts: Ready goes False and Reconciling True now (as the phase reports write
        them), so a condition the run's end sets back flips again, at the end's time."""
        conditions = merge_conditions(
            self.old.get("conditions"),
            [
                Condition("Ready", "False", "InProgress", "A design run is working."),
                Condition("Reconciling", "True", "Gathering", "Gathering."),
            ],
            generation=self.ref.generation,
            now=self.clock(),
        )
        self.old = {**self.old, "conditions": conditions}

    def _not_yet(self, given: set[str]) -> list[Condition]:
        """Validated/Committed before anything was validated or committed."""
        conditions = self.old.get("conditions") or []
        known = {c.get("type") for c in conditions} | given
        result = []
        if "Validated" not in known:
            result.append(
                Condition("Validated", "Unknown", "NotValidated", "No output validated yet.")
            )
        if "Committed" not in known:
            result.append(Condition("Committed", "Unknown", "Pending", "Nothing committed yet."))
        return result

    def from_document(self, document: Mapping[str, Any]) -> None:
        self.status["questions"] = summary.questions(document)
        self.status["assumptions"] = summary.assumptions(document)
        if document.get("resources"):
            self.status["resources"] = summary.resources(document)
            self.status["validation"] = summary.validation(document)
            estimate = summary.cost(document)
            if estimate:
                self.status["cost"] = estimate
        self.status["refusalReason"] = None
        asked = summary.asks(document)
        if asked is not None:
            self.status["asks"] = asked
            state, reason, message = summary.asks_condition(document) or ("Unknown", "", "")
            self.asks_honored = Condition(
                "AsksHonored", "True" if state == "True" else "False", reason, message
            )

    def stalled(
        self,
        reason: str,
        message: str,
        *,
        phase: str,
        ready_reason: str | None = None,
        recheck: float | None = None,
    ) -> Outcome:
        """A permanent error: Stalled, nothing designed. With ``recheck`` the same checks run
        again every so often (the fix is outside the spec); without, only a spec change helps."""
        self._error(reason, message)
        log.warning(
            "event=stalled design=%s/%s reason=%s", self.ref.namespace, self.ref.name, reason
        )
        outcome = self._finish(
            phase,
            [
                Condition("Ready", "False", ready_reason or reason, message),
                Condition("Reconciling", "False", "Stalled", _stall_note(recheck)),
                Condition("Stalled", "True", reason, message),
            ],
            [KubeEvent("Warning", reason, message)],
        )
        if recheck is not None:
            outcome.retry_after = recheck
            outcome.retry_message = reason
        return outcome

    def suspended(self) -> Outcome:
        message = "spec.suspend is true: no work until it is set back to false."
        return self._finish(
            str(self.old.get("phase") or "Pending"),
            [
                Condition("Ready", "False", "Suspended", message),
                Condition("Reconciling", "False", "Suspended", message),
                Condition("Stalled", "False", "Suspended", message),
            ],
            [],
        )

    def retrying(self, reason: str, message: str, delay: float, events: list[KubeEvent]) -> Outcome:
        self._error(reason, message)
        outcome = self._finish(
            "Failed",
            [
                Condition("Ready", "False", reason, message),
                Condition("Reconciling", "True", "Retrying", f"Retrying in {delay:.0f} s."),
                Condition("Stalled", "False", "Retrying", "Retried automatically."),
            ],
            [*events, KubeEvent("Warning", reason, message)],
        )
        outcome.retry_after = delay
        outcome.retry_message = message
        return outcome

    def refused(self, reason: str, digest: str) -> Outcome:
        self.status["refusalReason"] = summary._cut(reason, 2000)
        self.status["questions"] = []
        return self._finish(
            "Refused",
            [
                Condition("Ready", "False", "Refused", reason),
                Condition(
                    "Reconciling", "False", "Refused", "The request was refused. " + _stall_note()
                ),
                Condition("Stalled", "True", "Refused", reason),
            ],
            [KubeEvent("Warning", "Refused", reason)],
            digest=digest,
        )

    def needs_input(self, digest: str) -> Outcome:
        count = len(self.status.get("questions", []))
        ids = ", ".join(q["id"] for q in self.status.get("questions", []))
        message = (
            f"{count} question(s) open ({ids}): answer with spec.conversation entries of type "
            "answer, or set spec.assumeDefaults."
        )
        return self._finish(
            "NeedsInput",
            [
                Condition("Ready", "False", "AwaitingAnswers", message),
                Condition("Reconciling", "False", "AwaitingAnswers", "Waiting for answers."),
                Condition("Stalled", "False", "AwaitingAnswers", "Waiting for answers."),
            ],
            [KubeEvent("Normal", "QuestionsAsked", message)],
            digest=digest,
        )

    def validation_failed(self, digest: str) -> Outcome:
        failed = [s["name"] for s in self.status["validation"]["steps"] if s["status"] == "failed"]
        message = (
            f"Validation still fails after the automatic fixes ({', '.join(failed)}); "
            "see status.validation."
        )
        self._error("ValidationFailed", message)
        return self._finish(
            "Failed",
            [
                Condition("Ready", "False", "ValidationFailed", message),
                Condition("Reconciling", "False", "Stalled", _stall_note()),
                Condition("Stalled", "True", "ValidationFailed", message),
                Condition("Validated", "False", "ChecksFailed", message),
            ],
            [KubeEvent("Warning", "ValidationFailed", message)],
            digest=digest,
        )

    def validated(self) -> None:
        self._validated = Condition(
            "Validated",
            "True",
            "ChecksPassed",
            "Every validation step passed or was skipped with a reason.",
        )

    def ready_without_git(self, digest: str) -> Outcome:
        message = "Designed and validated; spec.git is not set, so nothing was committed."
        return self._finish(
            "Ready",
            [
                Condition("Ready", "True", "DesignReady", message),
                Condition("Reconciling", "False", "Ready", "Up to date."),
                Condition("Stalled", "False", "Ready", "Up to date."),
                self._validated,
                Condition("Committed", "False", "NoGitTarget", "spec.git is not set."),
            ],
            [KubeEvent("Normal", "DesignReady", message)],
            digest=digest,
        )

    def committed(self, published: PublishResult, target: GitTarget, digest: str) -> Outcome:
        remote = parse_target(target.repository, target.github_api_url)
        if target.mode == "push":
            reason, where = "Pushed", f"on {published.branch}"
        elif isinstance(remote, GitHubRepository) and published.pull_request_url:
            reason, where = "PullRequestOpened", f"in {published.pull_request_url}"
        else:
            reason, where = "BranchPushed", f"on branch {published.branch}"
        message = f"Commit {published.commit_sha[:12]} holds the design {where}."
        git: dict[str, Any] = {
            "commitSHA": published.commit_sha,
            "branch": published.branch,
            "path": target.path,
            "pullRequestURL": published.pull_request_url,
            "commitURL": remote.commit_url(published.commit_sha),
        }
        number = (published.pull_request_url or "").rstrip("/").rsplit("/", 1)[-1]
        git["pullRequestNumber"] = int(number) if number.isdigit() else None
        self.status["git"] = git
        events = []
        if published.changed:
            events.append(KubeEvent("Normal", "Committed", message))
        outcome = self._finish(
            "Ready",
            [
                Condition("Ready", "True", "Committed", message),
                Condition("Reconciling", "False", "Ready", "Up to date."),
                Condition("Stalled", "False", "Ready", "Up to date."),
                self._validated,
                Condition("Committed", "True", reason, message),
            ],
            events,
            digest=digest,
        )
        outcome.committed = published.changed
        return outcome

    def git_failed(self, error: GitSinkError, delay: float, deps: Dependencies) -> Outcome:
        if error.reason == "GitAuthFailed":
            reason = "GitAuthFailed"
        elif error.reason == "InvalidTarget":
            reason = "InvalidSpec"
        else:
            reason = "GitPushFailed"
        message = f"{error.reason}: {error.message}"
        permanent = error.reason in PERMANENT_GIT_REASONS or not error.retryable
        self.status["lastError"] = {
            "reason": error.reason,
            "message": message,
            "time": self.clock(),
        }
        stalled = Condition("Stalled", "True", reason, message)
        reconciling = Condition(
            "Reconciling",
            "False",
            "Stalled",
            _stall_note(deps.recheck_seconds, "the push (the design already made is reused)"),
        )
        if not permanent:
            stalled = Condition("Stalled", "False", "Retrying", "Retried automatically.")
            reconciling = Condition(
                "Reconciling", "True", "Retrying", f"Retrying in {delay:.0f} s."
            )
        outcome = self._finish(
            "Failed",
            [
                Condition("Ready", "False", reason, message),
                reconciling,
                stalled,
                self._validated,
                Condition("Committed", "False", reason, message),
            ],
            [KubeEvent("Warning", reason, message)],
        )
        outcome.retry_after = deps.recheck_seconds if permanent else delay
        outcome.retry_message = message
        return outcome
