"""What a design may make the operator reach, and which Secrets it may use there (no kopf).

Before any design run, the git target and the model provider URL go through the one rule in
:mod:`autcloud.gitsink.policy`; a refusal is permanent (it waits for a spec change). A Secret
named by ``spec.git.secretRef`` or ``spec.provider.secretRef`` is used only when it carries the
label ``autcloud.io/secret-type`` with ``git`` or ``llm`` (as Argo CD marks its repository
Secrets), so a design cannot borrow any Secret of its namespace that the operator can read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from autcloud.agent.providers.openai_compatible import DEFAULT_BASE_URL
from autcloud.gitsink import GitSinkError
from autcloud.gitsink.policy import TargetPolicy, check_git_target, check_url
from autcloud.operator.spec import DesignInput, GitSpec, SecretRef

SECRET_TYPE_LABEL = "autcloud.io/secret-type"
SecretType = Literal["git", "llm"]
# Where the spec names each type's Secret (messages name the field to fix).
SECRET_FIELDS: dict[SecretType, str] = {
    "git": "spec.git.secretRef",
    "llm": "spec.provider.secretRef",
}


@dataclass(frozen=True)
class SecretValue:
    """One key of a Secret and the Secret's labels. ``value`` None: the key is not there."""

    value: str | None = field(repr=False)
    labels: Mapping[str, str]


# (namespace, name, key) -> the key's value and the Secret's labels, or None: no such Secret.
LabeledSecretReader = Callable[[str, str, str], Awaitable[SecretValue | None]]


class RefusedError(Exception):
    """A target or Secret the operator will not use: a condition reason and a message with the
    fix. Whether to look again is the caller's (a Secret's fix is outside the spec)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def check_targets(
    design: DesignInput, *, git_policy: TargetPolicy, provider_policy: TargetPolicy
) -> None:
    """Raise :class:`RefusedError` when the spec names a git target or provider URL not allowed."""
    if design.git is not None:
        check_git(design.git, git_policy)
    if design.llm.name == "openai":
        refusal = check_url(
            design.llm.base_url or DEFAULT_BASE_URL,
            credential=design.llm.secret is not None,
            policy=provider_policy,
            field="spec.provider.baseURL",
            host_flag="--allow-provider-host",
        )
        if refusal is not None:
            raise RefusedError(refusal.rule, refusal.message)


def check_git(git: GitSpec, policy: TargetPolicy) -> None:
    try:
        refusal = check_git_target(git.target, credential=git.secret is not None, policy=policy)
    except GitSinkError as error:  # no back end serves it: the spec must change
        raise RefusedError("InvalidSpec", f"spec.git.repository: {error.message}") from None
    if refusal is not None:
        raise RefusedError(refusal.rule, refusal.message)


async def read_typed_secret(
    read: LabeledSecretReader,
    namespace: str,
    secret: SecretRef,
    *,
    kind: SecretType,
    recheck_seconds: float | None,
) -> str:
    """The Secret's value when it exists and is marked for ``kind``; else :class:`RefusedError`
    (never with the value in it)."""
    field = SECRET_FIELDS[kind]
    found = await read(namespace, secret.name, secret.key)
    again = (
        f"the operator looks again every {recheck_seconds:.0f} s"
        if recheck_seconds is not None
        else "then apply again"
    )
    if found is None or found.value is None:
        raise RefusedError(
            "SecretNotFound",
            f"{field}: Secret {secret.name!r} with key {secret.key!r} does not exist in "
            f"namespace {namespace!r}; create it ({again})",
        )
    marked = found.labels.get(SECRET_TYPE_LABEL)
    if marked != kind:
        has = f"has {SECRET_TYPE_LABEL}={marked!r}" if marked else "lacks the label"
        raise RefusedError(
            "SecretNotLabeled",
            f"{field}: Secret {secret.name!r} {has}; the operator uses only Secrets labelled "
            f"{SECRET_TYPE_LABEL}: {kind} — kubectl label secret {secret.name} -n {namespace} "
            f"{SECRET_TYPE_LABEL}={kind} --overwrite ({again})",
        )
    return found.value


def without_labels(read: Callable[[str, str, str], Awaitable[str | None]]) -> LabeledSecretReader:
    """A reader that cannot see labels: every typed Secret is then refused (fail closed)."""

    async def labeled(namespace: str, name: str, key: str) -> SecretValue | None:
        value = await read(namespace, name, key)
        return None if value is None else SecretValue(value, {})

    return labeled
