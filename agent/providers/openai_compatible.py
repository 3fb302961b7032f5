"""A provider backed by any OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp, ...).

The catalog's rendering stays the ground truth: for each resource the model receives that
block as the reference and may return an improved version of it. An answer is used only when it
is exactly one block with the same address that refers to nothing the reference does not
(other resources, variables, locals); anything else — an unreachable server, a refused key,
prose, a second block — falls back to the catalog's block for that resource, and the reason is
kept in :attr:`OpenAICompatibleProvider.fallbacks` so design.json can tell the person.

The API key goes into the Authorization header and nowhere else: it is never logged, and it is
scrubbed from every message this module produces.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from autcloud.agent.catalog.base import ResourceSpec
from autcloud.agent.requirements import Requirements
from autcloud.agent.tfparse import TerraformParseError, parse_text

log = logging.getLogger("autcloud.agent.providers.openai")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
AUTH_STATUS = frozenset({401, 403})
MAX_RETRY_AFTER_SECONDS = 30.0

SYSTEM_PROMPT = """\
You write Terraform for AWS following the AWS Well-Architected Framework.
You receive ONE reference block and the requirements of the design it belongs to.
Answer with ONLY that block, in HCL: the same block kind, resource type and name.
No other blocks, no markdown fences, no explanation.
Keep every reference to other resources, variables and locals exactly as in the reference and
add no new ones. Keep encryption, logging, tags, lifecycle settings and comments.
Change an argument only when the requirements call for it; when in doubt, return the
reference unchanged."""

# What a block can refer to: other resources and data sources, variables, locals, modules.
_RESOURCE_REFERENCE = re.compile(r"(?<![\w.\"])((?:data\.)?aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*)")
_VARIABLE_REFERENCE = re.compile(r"(?<![\w.])(var\.[a-z_][a-z0-9_]*)")
_LOCAL_REFERENCE = re.compile(r"(?<![\w.])(local\.[a-z_][a-z0-9_]*)")
_MODULE_REFERENCE = re.compile(r"(?<![\w.])(module\.[a-z_][a-z0-9_-]*)")
_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Fallback:
    """One resource rendered from the catalog instead of the model's answer, and why."""

    address: str
    reason: str  # a word a program can switch on: AuthFailed, Unreachable, HTTPError, ...
    message: str  # a sentence for a person; never carries the API key

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class ModelCallError(Exception):
    """The server gave no usable answer; ``reason`` as in :class:`Fallback`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class OpenAICompatibleProvider:
    """Generates each resource through ``POST {base_url}/chat/completions``.

    One instance serves one design run: :attr:`fallbacks` and :attr:`accepted` describe it.
    Safe to call concurrently; at most ``max_concurrency`` requests are in flight.
    """

    model: str
    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_retries: int = 3
    backoff_seconds: float = 1.0
    max_concurrency: int = 4
    temperature: float = 0.0
    name: str = field(default="openai", init=False)
    fallbacks: list[Fallback] = field(default_factory=list, init=False)
    accepted: list[str] = field(default_factory=list, init=False)
    _stopped: ModelCallError | None = field(default=None, init=False, repr=False)
    _slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("model: empty; name the model, e.g. gpt-4o-mini")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"base_url: {self.public_base_url!r} is not an http(s) URL; "
                "give the server's API root, e.g. http://127.0.0.1:8000/v1"
            )

    @property
    def public_base_url(self) -> str:
        """The base URL without any user:password part, fit for reports."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    async def generate(self, spec: ResourceSpec, requirements: Requirements) -> str:
        reference = spec.to_block().render()
        if self._stopped is not None:  # the server refused us already: do not ask again
            return self._fall_back(spec, reference, self._stopped.reason, self._stopped.message)
        try:
            answer = await self._complete(_messages(spec, reference, requirements))
        except ModelCallError as error:
            if error.reason in ("AuthFailed", "Unreachable") and self._stopped is None:
                self._stopped = error
                log.warning(
                    "event=provider_stopped model=%s base_url=%s reason=%s message=%r",
                    self.model,
                    self.public_base_url,
                    error.reason,
                    self._redact(error.message),
                )
            return self._fall_back(spec, reference, error.reason, error.message)
        block, problem = check_answer(answer, spec, reference)
        if block is None:
            return self._fall_back(spec, reference, "RejectedAnswer", problem)
        self.accepted.append(spec.address)
        return block

    def report(self) -> dict[str, Any]:
        """What design.json says about this provider's run."""
        return {
            "model": self.model,
            "base_url": self.public_base_url,
            "accepted": sorted(self.accepted),
            "fallbacks": [f.to_dict() for f in sorted(self.fallbacks, key=lambda f: f.address)],
        }

    # --- internals ---------------------------------------------------------------------------

    def _fall_back(self, spec: ResourceSpec, reference: str, reason: str, message: str) -> str:
        message = self._redact(message)
        self.fallbacks.append(Fallback(spec.address, reason, message))
        # Once the server is given up on, every resource falls back for the same reason:
        # the one provider_stopped warning says it, the rest are detail.
        level = logging.INFO if self._stopped is not None else logging.WARNING
        log.log(
            level,
            "event=provider_fallback address=%s reason=%s message=%r",
            spec.address,
            reason,
            message,
        )
        return reference

    async def _complete(self, messages: list[dict[str, str]]) -> str:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrency)
        payload = {"model": self.model, "messages": messages, "temperature": self.temperature}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        async with self._slots, httpx.AsyncClient(timeout=self.timeout) as client:
            if self._stopped is not None:  # refused while this request waited for a slot
                raise self._stopped
            for attempt in range(self.max_retries + 1):
                last = attempt == self.max_retries
                try:
                    response = await client.post(url, json=payload, headers=headers)
                except httpx.TransportError as error:
                    if last:
                        raise ModelCallError(
                            "Unreachable",
                            f"the model server at {self.public_base_url} did not answer "
                            f"({type(error).__name__}) after {attempt + 1} attempt(s)",
                        ) from None
                    await asyncio.sleep(self._delay(attempt, None))
                    continue
                if response.status_code in AUTH_STATUS:
                    raise ModelCallError(
                        "AuthFailed",
                        f"the model server refused the API key (HTTP {response.status_code}); "
                        "check OPENAI_API_KEY or the provider's secretRef",
                    )
                if response.status_code in RETRYABLE_STATUS and not last:
                    await asyncio.sleep(self._delay(attempt, response.headers.get("retry-after")))
                    continue
                if response.status_code != 200:
                    raise ModelCallError(
                        "HTTPError",
                        f"the model server answered HTTP {response.status_code} after "
                        f"{attempt + 1} attempt(s): {_error_text(response)}",
                    )
                return _content(response)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER_SECONDS)
            except ValueError:
                pass  # an HTTP date: use our own backoff
        return float(self.backoff_seconds * 2**attempt * (0.5 + random.random() / 2))

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text


def check_answer(answer: str, spec: ResourceSpec, reference: str) -> tuple[str | None, str]:
    """The answer as the resource's block, or None and why it cannot be used."""
    text = _strip_fence(answer.strip())
    if not text:
        return None, "the model answered with nothing"
    try:
        parsed = parse_text(text + "\n", spec.address)
    except TerraformParseError:
        return None, "the answer is not valid HCL"
    kind = "data" if spec.data_source else "resource"
    blocks = [
        (block_kind, rtype, name)
        for block_kind, entries in parsed.items()
        for entry in entries
        for rtype, by_name in (entry.items() if isinstance(entry, dict) else [])
        for name in (by_name if isinstance(by_name, dict) else {})
    ]
    if blocks != [(kind, spec.type, spec.name)] or set(parsed) != {kind}:
        found = ", ".join(f"{k} {t}.{n}" for k, t, n in blocks) or "no block"
        return None, f"expected exactly one {kind} block {spec.type}.{spec.name}, got {found}"
    added = sorted(_references(text) - _references(reference) - {spec.address})
    if added:
        return (
            None,
            f"the answer refers to {', '.join(added[:5])}, which the design does not give it",
        )
    return _keep_comments(text, reference), ""


def _references(text: str) -> set[str]:
    found: set[str] = set()
    for pattern in (_RESOURCE_REFERENCE, _VARIABLE_REFERENCE, _LOCAL_REFERENCE, _MODULE_REFERENCE):
        found.update(pattern.findall(text))
    return found


def _keep_comments(text: str, reference: str) -> str:
    """Put back the reference's comment lines (checkov skips with their reasons) the model dropped."""
    comments = [line for line in reference.splitlines() if line.strip().startswith("#")]
    missing = [line for line in comments if line.strip() not in text]
    if not missing:
        return text
    header, _, rest = text.partition("\n")
    return "\n".join([header, *missing, rest]) if rest else text


def _strip_fence(text: str) -> str:
    match = _FENCE.match(text)
    return match.group("body").strip() if match else text


def _messages(
    spec: ResourceSpec, reference: str, requirements: Requirements
) -> list[dict[str, str]]:
    wanted = json.dumps(requirements.to_dict(), ensure_ascii=False, sort_keys=True, default=str)
    user = (
        f"Requirements of the design (JSON): {wanted}\n"
        f"Why {spec.address} is in the design: {spec.reason}\n"
        f"Reference block:\n{reference}\n"
        f"Return only the {spec.address} block."
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _content(response: httpx.Response) -> str:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ModelCallError(
            "BadResponse", "the model server's answer is not a chat completion"
        ) from None
    if not isinstance(content, str):
        raise ModelCallError("BadResponse", "the chat completion has no text content")
    return content


def _error_text(response: httpx.Response) -> str:
    """The server's own error message, short (OpenAI: ``{"error": {"message": ...}}``)."""
    try:
        body = response.json()
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
    except ValueError:
        message = None
    text = str(message or response.text or response.reason_phrase)
    return " ".join(text.split())[:200]
