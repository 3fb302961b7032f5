"""The InfraDesign spec as plain domain values, with the defaults the operator supplies.

The API server has already checked the spec against the CRD schema; this module still refuses
what it cannot use (a clear message naming the field and the fix), because objects can reach
the operator from clusters or emulators that skip validation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autcloud.agent.state import Hints, Turn
from autcloud.events import CONVERSATION_TEXT_MAX_CHARS
from autcloud.gitsink import GitTarget

DEFAULT_AUTHOR_NAME = "AutCloud"
DEFAULT_AUTHOR_EMAIL = "autcloud@localhost"
DEFAULT_SECRET_KEY = "token"
DEFAULT_PROVIDER_SECRET_KEY = "apiKey"
# The CRD's caps (crds/autcloud.io_infradesigns.yaml; a test keeps them equal). The API server
# enforces them, but objects can come from clusters or emulators that skip validation, and the
# design engine must never see more than the API promises. The text cap of a conversation entry
# is autcloud.events.CONVERSATION_TEXT_MAX_CHARS, which the gateway holds messages to as well
# (the list's own maxItems: CONVERSATION_MAX_ITEMS there; the operator archives, never caps).
MAX_REQUEST_CHARS = 4000


class InvalidSpecError(ValueError):
    """The spec cannot be designed from; the message names the field and the fix."""


@dataclass(frozen=True)
class SecretRef:
    name: str
    key: str


@dataclass(frozen=True)
class GitSpec:
    target: GitTarget
    secret: SecretRef | None
    on_delete: str  # "Retain" | "ClosePullRequest"


@dataclass(frozen=True)
class ProviderSpec:
    """spec.provider: which model helps the design, and where its API key lives."""

    name: str = "offline"
    model: str | None = None
    base_url: str | None = None
    secret: SecretRef | None = None


@dataclass(frozen=True)
class DesignInput:
    """Everything a run needs from the spec."""

    request: str
    conversation: list[Turn]
    hints: Hints
    assume_defaults: bool
    provider: str
    git: GitSpec | None
    suspend: bool
    llm: ProviderSpec = ProviderSpec()


def parse_spec(name: str, spec: Mapping[str, Any]) -> DesignInput:
    request = spec.get("request")
    if not isinstance(request, str) or not request.strip():
        raise InvalidSpecError(
            "spec.request: empty; say what you need, e.g. 'a web API with PostgreSQL in Seoul'"
        )
    if len(request) > MAX_REQUEST_CHARS:
        raise InvalidSpecError(
            f"spec.request: {len(request):,} characters, over the cap of {MAX_REQUEST_CHARS:,}; "
            "shorten it, or send the details as spec.conversation entries of type change"
        )
    llm = _provider(spec.get("provider"))
    return DesignInput(
        request=request,
        conversation=_conversation(spec.get("conversation")),
        hints=_hints(_mapping(spec.get("hints"), "spec.hints")),
        assume_defaults=bool(spec.get("assumeDefaults", False)),
        provider=llm.name,
        git=_git(name, spec.get("git")),
        suspend=bool(spec.get("suspend", False)),
        llm=llm,
    )


def names_provider(spec: Mapping[str, Any]) -> bool:
    """Whether the spec chooses its model (spec.provider.name); if not, the operator's default
    (``autcloud operator --default-provider``) designs it."""
    provider = spec.get("provider")
    return isinstance(provider, Mapping) and bool(provider.get("name"))


def input_hash(spec: Mapping[str, Any]) -> str:
    """A hash of the spec fields that shape the output. Unchanged hash: no new run.

    Left out on purpose: ``git.author`` and ``git.onDelete`` (they change no file), the
    conversation entries' ``id`` (an idempotency key), ``suspend``, and secret references."""
    git = dict(_mapping(spec.get("git"), "spec.git"))
    for key in ("author", "onDelete", "secretRef"):
        git.pop(key, None)
    provider = dict(_mapping(spec.get("provider"), "spec.provider"))
    provider.pop("secretRef", None)
    conversation = [
        {key: entry.get(key) for key in ("type", "questionId", "text")}
        for entry in spec.get("conversation") or []
        if isinstance(entry, Mapping)
    ]
    shaped = {
        "request": spec.get("request"),
        "conversation": conversation,
        "hints": spec.get("hints") or {},
        "assumeDefaults": bool(spec.get("assumeDefaults", False)),
        "provider": provider,
        "git": git,
        "importExisting": spec.get("importExisting"),
    }
    text = json.dumps(shaped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidSpecError(f"{field}: expected an object, got {type(value).__name__}")
    return value


def _conversation(value: Any) -> list[Turn]:
    turns: list[Turn] = []
    # No count cap here: the CRD caps spec.conversation itself (maxItems 100), and the turns
    # the operator archived (conversation_archive.py) come before it, without a limit.
    for index, entry in enumerate(value or []):
        field = f"spec.conversation[{index}]"
        entry = _mapping(entry, field)
        kind = entry.get("type")
        text = entry.get("text")
        if kind not in ("answer", "change"):
            raise InvalidSpecError(f"{field}.type: {kind!r}; use 'answer' or 'change'")
        if not isinstance(text, str) or not text.strip():
            raise InvalidSpecError(f"{field}.text: empty; write the answer or the change")
        if len(text) > CONVERSATION_TEXT_MAX_CHARS:
            raise InvalidSpecError(
                f"{field}.text: {len(text):,} characters, over the cap of "
                f"{CONVERSATION_TEXT_MAX_CHARS:,}; split it into several entries"
            )
        if kind == "answer":
            question = entry.get("questionId")
            if not isinstance(question, str) or not question:
                raise InvalidSpecError(
                    f"{field}.questionId: missing; an answer names the question it answers "
                    "(see status.questions)"
                )
            turns.append({"type": "answer", "question_id": question, "text": text})
        else:
            turns.append({"type": "change", "text": text})
    return turns


def _hints(hints: Mapping[str, Any]) -> Hints:
    result: Hints = {}
    if isinstance(hints.get("region"), str):
        result["region"] = hints["region"]
    if isinstance(hints.get("availability"), str):
        result["availability"] = hints["availability"]
    budget = _mapping(hints.get("budget"), "spec.hints.budget")
    if budget:
        amount = budget.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
            raise InvalidSpecError(
                f"spec.hints.budget.amount: {amount!r}; give a monthly amount above zero, e.g. 500"
            )
        result["budget_amount"] = float(amount)
        result["budget_currency"] = str(budget.get("currency") or "USD")
    return result


def _provider(value: Any) -> ProviderSpec:
    provider = _mapping(value, "spec.provider")
    name = str(provider.get("name") or "offline")
    if name != "openai":
        return ProviderSpec(name)  # bedrock and unknown names: the reconciler refuses them
    model = provider.get("model")
    if not isinstance(model, str) or not model.strip():
        raise InvalidSpecError(
            "spec.provider.model: missing; the openai provider needs a model id, e.g. gpt-4o-mini"
        )
    base_url = provider.get("baseURL")
    if base_url is not None and (
        not isinstance(base_url, str) or not base_url.startswith(("http://", "https://"))
    ):
        raise InvalidSpecError(
            f"spec.provider.baseURL: {base_url!r}; give the server's API root, "
            "e.g. http://llm.internal:8000/v1"
        )
    secret = None
    ref = _mapping(provider.get("secretRef"), "spec.provider.secretRef")
    if ref:
        if not ref.get("name"):
            raise InvalidSpecError(
                "spec.provider.secretRef.name: missing; name the Secret holding the API key"
            )
        secret = SecretRef(str(ref["name"]), str(ref.get("key") or DEFAULT_PROVIDER_SECRET_KEY))
    return ProviderSpec(name, model.strip(), base_url, secret)


def _git(name: str, value: Any) -> GitSpec | None:
    if value is None:
        return None
    git = _mapping(value, "spec.git")
    repository = git.get("repository")
    if not isinstance(repository, str) or not repository.strip():
        raise InvalidSpecError(
            "spec.git.repository: missing; give owner/repo, a git URL or an absolute local path"
        )
    author = _mapping(git.get("author"), "spec.git.author")
    target = GitTarget(
        repository=repository,
        path=str(git.get("path") or f"designs/{name}"),
        base_branch=str(git.get("baseBranch") or "main"),
        mode="push" if git.get("mode") == "push" else "pullRequest",
        author_name=str(author.get("name") or DEFAULT_AUTHOR_NAME),
        author_email=str(author.get("email") or DEFAULT_AUTHOR_EMAIL),
        github_api_url=git.get("githubAPIURL") or None,
    )
    secret = None
    ref = _mapping(git.get("secretRef"), "spec.git.secretRef")
    if ref:
        if not ref.get("name"):
            raise InvalidSpecError("spec.git.secretRef.name: missing; name the Secret")
        secret = SecretRef(str(ref["name"]), str(ref.get("key") or DEFAULT_SECRET_KEY))
    on_delete = str(git.get("onDelete") or "Retain")
    return GitSpec(target, secret, on_delete)
