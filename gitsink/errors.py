"""The one error the git sink raises: a reason a program can switch on, a sentence for a person.

The operator turns a :class:`GitSinkError` into a condition (``reason`` becomes the condition's
reason, ``message`` its message) and, when ``retryable``, into a backoff that waits at least
``retry_after`` seconds. Messages never contain the token: every message passes through
:func:`redact` before it is stored.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "GitAuthFailed",  # bad or missing credentials, or a token without write access
    "RepositoryNotFound",  # no such repository, or one the credentials cannot see
    "RateLimited",  # GitHub's primary or secondary rate limit; see retry_after
    "ServerError",  # the server answered 5xx
    "Unreachable",  # DNS, refused connection, timeout
    "PushRejected",  # the remote refused the update (moved branch after retries, hook, protection)
    "InvalidTarget",  # the target or the files are wrong: fix the spec, retrying will not help
]

REDACTED = "***"


class GitSinkError(Exception):
    """A publish failed; ``reason`` says why, ``retryable`` whether waiting can help."""

    def __init__(
        self,
        reason: Reason,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        secrets: tuple[str | None, ...] = (),
    ) -> None:
        self.reason: Reason = reason
        self.message = redact(message, *secrets)
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"GitSinkError(reason={self.reason!r}, message={self.message!r}, "
            f"retryable={self.retryable!r}, retry_after={self.retry_after!r})"
        )


def invalid_target(message: str) -> GitSinkError:
    """Bad input: a person must change the target or the files; retrying cannot help."""
    return GitSinkError("InvalidTarget", message, retryable=False)


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every secret replaced by ``***`` (short strings are left alone: a
    one-character "secret" would blank out the message, and is no secret anyway)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
