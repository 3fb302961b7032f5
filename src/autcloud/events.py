"""The wire contract between the workflow, the operator and the gateway: what crosses Redis.

A leaf module (standard library only) so the agent, the operator and the gateway can all share
it without any of them learning about the others.

Progress events
    One Redis Stream per design, key ``autcloud:events:{namespace}:{name}``. Each entry has two
    fields: ``event`` (the type, e.g. ``node.finished``) and ``data`` (a JSON object). Every
    ``data`` object carries ``v`` (the schema version) and ``ts`` (when the event happened, UTC,
    RFC 3339 with milliseconds) next to the type's own fields.

Versioning
    ``SCHEMA_VERSION`` changes only for a breaking change (a field removed, renamed or given a
    new meaning). Adding an optional field or a new event type keeps the version: readers ignore
    fields they do not know and keep unknown event types as :class:`UnknownEvent`.

Live tokens
    ``token.delta`` events go over Pub/Sub (channel ``autcloud:tokens:{namespace}:{name}``); they
    are never stored, so they never appear in a stream.

Chat requests
    Messages sent to a design join one stream, ``autcloud:requests``; see :class:`ChatRequest`.

Conversation limits
    A chat message becomes an entry of the InfraDesign's ``spec.conversation``, so the CRD's
    limits on that list are the message limits: ``CONVERSATION_*`` below states them once (the
    gateway refuses what the cluster would, the operator reports what it still refused), and
    ``tests/gateway/test_conversation_limits.py`` compares them with both copies of the CRD.
    The hash ``{autcloud:requests}:conversation:{namespace}:{name}`` lets the gateway count
    the messages waiting for the operator without reading the cluster; see
    :func:`conversation_key`.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

SCHEMA_VERSION = 1

EVENTS_KEY_PREFIX = "autcloud:events:"
TOKENS_CHANNEL_PREFIX = "autcloud:tokens:"
REQUESTS_KEY = "autcloud:requests"
# Keys written in one MULTI or Lua script with the requests stream carry its name as a Redis
# Cluster hash tag: "{autcloud:requests}:..." hashes to the slot of "autcloud:requests" itself
# (see slot_companion), so every multi-key command stays in one slot.
DEAD_LETTER_KEY = "{autcloud:requests}:dead"
CONVERSATION_KEY_PREFIX = "{autcloud:requests}:conversation:"


class EventSchemaError(ValueError):
    """An event or request that does not match the schema; the message names the field."""


class EventType(StrEnum):
    NODE_STARTED = "node.started"
    NODE_FINISHED = "node.finished"
    PLAN_READY = "plan.ready"
    LEVEL_STARTED = "level.started"
    FIX_APPLIED = "fix.applied"
    QUESTION_ASKED = "question.asked"
    RESOURCE_GENERATED = "resource.generated"
    VALIDATION_STEP = "validation.step"
    COST_ESTIMATED = "cost.estimated"
    COMMIT_PUSHED = "commit.pushed"
    MESSAGE_APPLIED = "message.applied"
    ERROR = "error"
    DONE = "done"
    TOKEN_DELTA = "token.delta"


def now_timestamp() -> str:
    """UTC time in RFC 3339 with milliseconds, the form of every ``ts`` field."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, kw_only=True)
class Event:
    """Fields shared by every event. Subclasses set ``type``."""

    type: ClassVar[EventType]
    ts: str = field(default_factory=now_timestamp)
    # W3C trace context of the span that sent the event ("" without tracing): a reader can
    # continue the trace (see autcloud.tracing).
    traceparent: str = ""


@dataclass(frozen=True, kw_only=True)
class NodeStarted(Event):
    """A workflow step began."""

    type: ClassVar[EventType] = EventType.NODE_STARTED
    node: str
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class NodeFinished(Event):
    """A workflow step ended; ``ok`` is false when it raised."""

    type: ClassVar[EventType] = EventType.NODE_FINISHED
    node: str
    duration_ms: float
    ok: bool = True


@dataclass(frozen=True, kw_only=True)
class PlanReady(Event):
    """The resources are planned, grouped in dependency levels generated one after another."""

    type: ClassVar[EventType] = EventType.PLAN_READY
    resources: int
    levels: int


@dataclass(frozen=True, kw_only=True)
class LevelStarted(Event):
    """One dependency level's resources are being generated, in parallel."""

    type: ClassVar[EventType] = EventType.LEVEL_STARTED
    level: int
    resources: int


@dataclass(frozen=True, kw_only=True)
class FixApplied(Event):
    """A repair pass over validation findings; ``unfixed`` counts what it could not repair."""

    type: ClassVar[EventType] = EventType.FIX_APPLIED
    iteration: int
    applied: list[str] = field(default_factory=list)
    unfixed: int = 0


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(Event):
    """The workflow needs an answer before it can go on."""

    type: ClassVar[EventType] = EventType.QUESTION_ASKED
    question_id: str
    text: str
    choices: list[str] = field(default_factory=list)
    default: str = ""  # what the design assumes when told to go on (--yes, assumeDefaults)


@dataclass(frozen=True, kw_only=True)
class ResourceGenerated(Event):
    """A Terraform block was written (``address`` like ``aws_vpc.main`` or
    ``data.aws_route53_zone.main``) into ``file`` of the design."""

    type: ClassVar[EventType] = EventType.RESOURCE_GENERATED
    address: str
    resource_type: str  # the Terraform type, e.g. aws_route53_zone, for data sources too
    file: str = ""
    level: int = 0
    duration_ms: float = 0.0


@dataclass(frozen=True, kw_only=True)
class ValidationStep(Event):
    """One validation step (fmt, validate, checkov, ...) and its outcome."""

    type: ClassVar[EventType] = EventType.VALIDATION_STEP
    step: str
    passed: bool  # false only when the step failed
    status: str = ""  # passed, failed or skipped ("" from writers older than the field)
    findings: int = 0
    duration_ms: float = 0.0
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class CostEstimated(Event):
    """The monthly cost estimate, in US dollars, with its largest items."""

    type: ClassVar[EventType] = EventType.COST_ESTIMATED
    monthly_usd: float
    budget_usd: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CommitPushed(Event):
    """The Terraform reached Git: a commit and, where one was opened, a pull request."""

    type: ClassVar[EventType] = EventType.COMMIT_PUSHED
    sha: str
    branch: str = ""
    url: str = ""
    pull_request_url: str = ""


@dataclass(frozen=True, kw_only=True)
class MessageApplied(Event):
    """A chat message joined the design's conversation."""

    type: ClassVar[EventType] = EventType.MESSAGE_APPLIED
    message_id: str


@dataclass(frozen=True, kw_only=True)
class Error(Event):
    """Something failed; ``reason`` is a CamelCase word a program can switch on."""

    type: ClassVar[EventType] = EventType.ERROR
    reason: str
    message: str
    retryable: bool = False
    node: str = ""
    message_id: str = ""  # the chat message the error is about, if any


@dataclass(frozen=True, kw_only=True)
class Done(Event):
    """The run ended (``phase`` as in the design's status); the last event of a run.

    ``summary`` is one sentence for people; the fields after it are the same facts for programs.
    """

    type: ClassVar[EventType] = EventType.DONE
    phase: str
    ok: bool
    summary: str = ""
    resources: int = 0
    monthly_usd: float | None = None
    commit: str = ""
    unsupported: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class TokenDelta(Event):
    """A piece of an LLM's streamed answer (Pub/Sub only, never stored)."""

    type: ClassVar[EventType] = EventType.TOKEN_DELTA
    node: str
    text: str


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(Event):
    """An event of a type this reader does not know (a newer writer); kept as raw data."""

    type: ClassVar[EventType] = EventType.ERROR  # never used: see ``type_name``
    type_name: str
    data: dict[str, Any] = field(default_factory=dict)


EVENT_CLASSES: dict[str, type[Event]] = {
    cls.type.value: cls
    for cls in (
        NodeStarted,
        NodeFinished,
        PlanReady,
        LevelStarted,
        FixApplied,
        QuestionAsked,
        ResourceGenerated,
        ValidationStep,
        CostEstimated,
        CommitPushed,
        MessageApplied,
        Error,
        Done,
        TokenDelta,
    )
}


def event_type_name(event: Event) -> str:
    return event.type_name if isinstance(event, UnknownEvent) else event.type.value


def event_payload(event: Event) -> dict[str, Any]:
    """The ``data`` object of an event: version, timestamp and the type's own fields."""
    if isinstance(event, UnknownEvent):
        return {**event.data, "v": SCHEMA_VERSION, "ts": event.ts}
    return {"v": SCHEMA_VERSION, **dataclasses.asdict(event)}


def to_fields(event: Event) -> dict[str, str]:
    """The Redis Stream entry fields of an event: ``event`` and ``data``."""
    return {
        "event": event_type_name(event),
        "data": json.dumps(event_payload(event), ensure_ascii=False, separators=(",", ":")),
    }


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def from_fields(fields: Mapping[str, str] | Mapping[bytes, bytes]) -> Event:
    """Read a stream entry back into an event (unknown types become :class:`UnknownEvent`)."""
    decoded = {_text(key): _text(value) for key, value in fields.items()}
    if "event" not in decoded:
        raise EventSchemaError("field 'event' is missing: every entry names its event type")
    try:
        data = json.loads(decoded.get("data", "{}"))
    except json.JSONDecodeError as exc:
        raise EventSchemaError(f"field 'data' is not JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise EventSchemaError("field 'data' must be a JSON object")
    return event_from_dict({**data, "type": decoded["event"]})


def event_from_dict(values: Mapping[str, Any]) -> Event:
    """An event from a plain dict with a ``type`` key, as the agent's callback emits them.

    Fields the event type does not define are ignored (a newer writer may add some); a missing
    required field or a value of the wrong type raises :class:`EventSchemaError` naming it.
    """
    type_name = values.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise EventSchemaError("field 'type' is missing: name the event type, e.g. 'node.started'")
    cls = EVENT_CLASSES.get(type_name)
    if cls is None:
        extra = {k: v for k, v in values.items() if k not in ("type", "v", "ts")}
        ts = values.get("ts")
        return UnknownEvent(
            type_name=type_name, data=extra, ts=ts if isinstance(ts, str) else now_timestamp()
        )
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):
        if spec.name not in values:
            no_default = spec.default is dataclasses.MISSING
            if no_default and spec.default_factory is dataclasses.MISSING:
                raise EventSchemaError(f"{type_name}: field '{spec.name}' is required")
            continue
        kwargs[spec.name] = _checked(type_name, spec.name, values[spec.name], hints[spec.name])
    return cls(**kwargs)


def _checked(type_name: str, name: str, value: Any, hint: Any) -> Any:
    """The value if it fits the field's type (ints pass as floats); otherwise a named error."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        for option in get_args(hint):
            try:
                return _checked(type_name, name, value, option)
            except EventSchemaError:
                continue
        raise EventSchemaError(f"{type_name}: field '{name}' has the wrong type ({value!r})")
    expected: Any = origin or hint
    if expected is type(None):
        ok = value is None
    elif expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is list:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    elif expected is dict:
        ok = isinstance(value, dict)
    else:
        ok = isinstance(value, expected)
    if not ok:
        wanted = getattr(expected, "__name__", str(expected))
        raise EventSchemaError(
            f"{type_name}: field '{name}' must be {wanted}, got {type(value).__name__}"
        )
    return value


def is_terminal(event_type: str) -> bool:
    """True for the event that ends a run (``?until=done`` closes after it)."""
    return event_type == EventType.DONE.value


# --- Keys -----------------------------------------------------------------------------------


def events_key(namespace: str, name: str) -> str:
    """The stream of one design's progress events."""
    return f"{EVENTS_KEY_PREFIX}{namespace}:{name}"


def tokens_channel(namespace: str, name: str) -> str:
    """The Pub/Sub channel of one design's live LLM token deltas."""
    return f"{TOKENS_CHANNEL_PREFIX}{namespace}:{name}"


def slot_companion(key: str, suffix: str) -> str:
    """A key in the same Redis Cluster hash slot as ``key``, for a MULTI or script using both.

    Redis hashes only the part of a key name between the first ``{`` and the next ``}`` when
    there is one, so ``{autcloud:requests}:dead`` lands in the slot of ``autcloud:requests``;
    a ``key`` that already has a hash tag keeps it. Standalone Redis ignores the braces.
    """
    opening = key.find("{")
    closing = key.find("}", opening + 1) if opening >= 0 else -1
    if closing > opening + 1:  # a non-empty tag, as Redis reads it
        return f"{key}:{suffix}"
    return f"{{{key}}}:{suffix}"


# --- Chat requests --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChatRequest:
    """A message for a design, as it sits in the requests stream.

    ``id`` is the idempotency key: the client's own, or one the gateway made. Whoever applies
    the message records it in the design's conversation, so a redelivery is a no-op.
    """

    namespace: str
    name: str
    id: str
    text: str
    user: str = ""
    received_at: str = field(default_factory=now_timestamp)
    # The gateway's running count of messages accepted for this design (1, 2, ...; 0: not
    # counted, e.g. written by an older gateway): see :func:`conversation_key`.
    seq: int = 0
    # W3C trace context of the gateway request that accepted the message ("" without
    # tracing): the operator continues that trace when it applies the message.
    traceparent: str = ""

    def to_fields(self) -> dict[str, str]:
        return {
            "v": str(SCHEMA_VERSION),
            **{key: str(value) for key, value in dataclasses.asdict(self).items()},
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str] | Mapping[bytes, bytes]) -> ChatRequest:
        decoded = {_text(key): _text(value) for key, value in fields.items()}
        for required in ("namespace", "name", "id", "text"):
            if not decoded.get(required):
                raise EventSchemaError(f"chat request: field '{required}' is missing or empty")
        return cls(
            namespace=decoded["namespace"],
            name=decoded["name"],
            id=decoded["id"],
            text=decoded["text"],
            user=decoded.get("user", ""),
            received_at=decoded.get("received_at") or now_timestamp(),
            seq=int(seq) if (seq := decoded.get("seq", "")).isdigit() else 0,
            traceparent=decoded.get("traceparent", ""),
        )


# --- Conversation limits --------------------------------------------------------------------

# The InfraDesign CRD's limits on spec.conversation (crds/autcloud.io_infradesigns.yaml and the
# chart's copy; a test parses both and compares). A chat message is one entry.
CONVERSATION_MAX_ITEMS = 100  # spec.conversation maxItems
CONVERSATION_TEXT_MAX_CHARS = 2000  # items.text maxLength (code points, as the API server counts)
CONVERSATION_ID_MAX_CHARS = 64  # items.id maxLength
CONVERSATION_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$"  # items.id pattern, as in the CRD
# Matched with fullmatch and without the anchors: Python's ``$`` also matches before a trailing
# newline, the API server's (Go RE2) does not.
_CONVERSATION_ID = re.compile(CONVERSATION_ID_PATTERN.removeprefix("^").removesuffix("$"))


def conversation_text_problem(
    text: str, max_chars: int = CONVERSATION_TEXT_MAX_CHARS
) -> str | None:
    """Why ``text`` cannot be a conversation entry's text, or None. Counts code points."""
    if not text:
        return "field 'text' is empty: write the message to send"
    if len(text) > max_chars:
        return (
            f"field 'text' is longer than {max_chars} characters (the InfraDesign's "
            f"spec.conversation[].text holds at most {CONVERSATION_TEXT_MAX_CHARS}): shorten it"
        )
    return None


def conversation_id_problem(message_id: str) -> str | None:
    """Why ``message_id`` cannot be a conversation entry's id, or None."""
    if len(message_id) > CONVERSATION_ID_MAX_CHARS or not _CONVERSATION_ID.fullmatch(message_id):
        return (
            f"field 'id' must be 1-{CONVERSATION_ID_MAX_CHARS} characters matching "
            f"{CONVERSATION_ID_PATTERN} (a letter or digit, then letters, digits, '.', '_' or "
            "'-'), as the InfraDesign's spec.conversation[].id"
        )
    return None


def conversation_backlog_message(namespace: str, name: str, waiting: int) -> str:
    """The sentence for a message refused because its design's earlier ones still wait."""
    return (
        f"{waiting} messages to {namespace}/{name} wait for the operator (at most "
        f"{CONVERSATION_MAX_ITEMS}, the InfraDesign's spec.conversation maxItems, may wait)"
    )


def conversation_key(namespace: str, name: str) -> str:
    """A hash counting one design's conversation entries, for the gateway's item limit.

    ``accepted``: messages the gateway accepted (each request's ``seq``); ``size`` and ``seq``:
    the length of ``spec.conversation`` the operator saw once it had handled the message
    numbered ``seq``. ``accepted - seq`` messages wait for the operator; the gateway lets at
    most ``CONVERSATION_MAX_ITEMS`` wait. The conversation itself has no cap: the operator
    moves a full ``spec.conversation`` into archive chunks (``conversation_archive``).
    In the requests stream's cluster slot: the gateway's enqueue script updates it with the
    stream.
    """
    return f"{CONVERSATION_KEY_PREFIX}{namespace}:{name}"


# Kubernetes object names: a namespace is a DNS-1123 label, an InfraDesign name a subdomain.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)


def design_ref_problem(namespace: str, name: str) -> str | None:
    """Why ``namespace``/``name`` cannot name an InfraDesign, or None when they can."""
    if not _DNS_LABEL.match(namespace):
        return (
            f"namespace {namespace[:80]!r} is not a valid Kubernetes namespace "
            "(lowercase letters, digits and '-', at most 63 characters)"
        )
    if not _DNS_SUBDOMAIN.match(name):
        return (
            f"name {name[:80]!r} is not a valid InfraDesign name "
            "(lowercase letters, digits, '-' and '.', at most 253 characters)"
        )
    return None
