"""What a failed GitHub API call means for the operator: PyGithub's exceptions as GitSinkErrors.

GitHub answers a missing permission with 403 (or 404, for private repositories it hides), a rate
limit with 403 or 429 plus headers saying when to come back, and a moved branch with 422. The
mapping below keeps those apart, because the operator waits for a rate limit but must not retry
a bad token.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests
from github import GithubException

from autcloud.gitsink.errors import GitSinkError

_DEFAULT_RATE_LIMIT_WAIT = 60.0


def from_github(
    error: GithubException,
    *,
    action: str,
    repository: str,
    token: str | None,
) -> GitSinkError:
    """The GitSinkError for a GitHub answer with an error status while doing ``action``."""
    status = error.status
    headers = {key.lower(): value for key, value in (error.headers or {}).items()}
    detail = _github_message(error.data)
    secrets = (token,)
    if status in (403, 429) and _is_rate_limit(status, headers, detail):
        wait = retry_after(headers)
        return GitSinkError(
            "RateLimited",
            f"GitHub's rate limit stopped {action} in {repository}; retry in {wait:.0f} s",
            retryable=True,
            retry_after=wait,
            secrets=secrets,
        )
    if status == 401:
        return GitSinkError(
            "GitAuthFailed",
            f"GitHub rejected the token while {action} in {repository} (401 {detail}); "
            "put a valid token in the git Secret",
            retryable=False,
            secrets=secrets,
        )
    if status == 403:
        return GitSinkError(
            "GitAuthFailed",
            f"GitHub refused the token while {action} in {repository} (403 {detail}); "
            "grant it contents and pull-requests write access",
            retryable=False,
            secrets=secrets,
        )
    if status == 404 and not token:
        return GitSinkError(
            "RepositoryNotFound",
            f"GitHub answered 404 for {repository} while {action} without a token: GitHub "
            "hides private repositories from anonymous requests; put a token in the git Secret "
            "(or check the name)",
            retryable=False,
        )
    if status == 404:
        return GitSinkError(
            "RepositoryNotFound",
            f"GitHub answered 404 for {repository} while {action}: check the name, and that "
            "the token can see the repository (GitHub answers 404 for private ones it cannot)",
            retryable=False,
            secrets=secrets,
        )
    if status >= 500:
        return GitSinkError(
            "ServerError",
            f"GitHub failed while {action} in {repository} ({status} {detail})",
            retryable=True,
            secrets=secrets,
        )
    return GitSinkError(
        "InvalidTarget",
        f"GitHub refused {action} in {repository} ({status} {detail})",
        retryable=False,
        secrets=secrets,
    )


def from_transport(
    error: requests.RequestException, *, action: str, api_url: str, repository: str
) -> GitSinkError:
    """A request that never got an answer: DNS, refused connection, timeout."""
    kind = type(error).__name__
    return GitSinkError(
        "Unreachable",
        f"could not reach the GitHub API at {api_url} while {action} in {repository} ({kind})",
        retryable=True,
    )


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds to wait, from ``retry-after`` or ``x-ratelimit-reset`` (an epoch), at least 1."""
    try:
        if "retry-after" in headers:
            return max(1.0, float(headers["retry-after"]))
        if "x-ratelimit-reset" in headers:
            return max(1.0, float(headers["x-ratelimit-reset"]) - time.time())
    except ValueError:
        pass
    return _DEFAULT_RATE_LIMIT_WAIT


def message_of(error: GithubException) -> str:
    return _github_message(error.data)


def _is_rate_limit(status: int, headers: Mapping[str, str], detail: str) -> bool:
    if status == 429 or headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers:
        return True
    return "rate limit" in detail.lower()


def _github_message(data: Any) -> str:
    """``message``, and for a 422 the ``errors`` that say which field or rule failed."""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return ""
    details = []
    for error in data.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            details.append(str(error["message"]))
        elif isinstance(error, dict) and error.get("field"):
            details.append(f"{error['field']} {error.get('code', 'invalid')}")
    return f"{data['message']}: {'; '.join(details)}" if details else str(data["message"])
