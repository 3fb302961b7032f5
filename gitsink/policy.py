"""Which targets a design's author may point the operator at: one rule for git and model URLs.

The operator acts with its own reach (its filesystem, its network) and with Secrets it reads
for the author, so a URL in a spec must not turn it into a confused deputy: pushing into a
repository on the operator's own disk, running a git remote helper (``ext::sh -c ...``), or
sending a token in clear over ``http://``. :func:`check_url` is the whole rule; it only reads
the string (no filesystem, no DNS), so it answers the same for every caller.

- ``transport::address`` and ``<unknown>://`` (git remote helpers): always refused;
- ``file://``, absolute and relative paths, ``~``: refused unless ``allow_local``;
- ``http://`` when a credential would be sent: refused unless ``allow_insecure_http``;
- with a non-empty ``allowed_hosts``, any other host: refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from autcloud.gitsink.target import (
    GITHUB_API_URL,
    GitHubRepository,
    GitTarget,
    parse_target,
    without_credentials,
)

Rule = Literal[
    "RemoteHelperRefused",  # transport::address or an unknown scheme: git would run a program
    "LocalRepositoryRefused",  # file:// or a path: the operator's own disk
    "InsecureHTTPRefused",  # a credential over http://
    "HostNotAllowed",  # not in the operator's allow-list
]
ALLOW_LOCAL_FLAG = "--allow-local-repositories"
ALLOW_HTTP_FLAG = "--allow-insecure-http"

# git runs git-remote-<transport> for "<transport>::<address>" (git's own test: URL scheme
# characters, then "::"), and for "<transport>://" when it has no built-in for the scheme.
_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_NETWORK_SCHEMES = frozenset({"https", "http", "ssh", "git", "git+ssh", "ssh+git"})
_SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):")
_LOCAL_PREFIXES = ("/", "./", "../", "~", ".")
_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class TargetPolicy:
    """What the operator lets authors name (``autcloud operator`` flags)."""

    allow_local: bool = False  # --allow-local-repositories: local demo and tests only
    allow_insecure_http: bool = False  # --allow-insecure-http
    allowed_hosts: frozenset[str] = frozenset()  # empty: any host; see :func:`host_allowed`


@dataclass(frozen=True)
class Refusal:
    """Why a URL is refused: ``rule`` for a condition's reason, ``message`` naming the fix."""

    rule: Rule
    message: str


def check_url(
    url: str,
    *,
    credential: bool,
    policy: TargetPolicy,
    field: str,
    host_flag: str = "--allow-git-host",
    also_hosts: Iterable[str] = (),
) -> Refusal | None:
    """None when the operator may use ``url``; else the rule it breaks.

    ``credential``: a token or key would be sent with it. ``field`` names the spec field in
    the message. ``also_hosts``: further names of the same destination that the allow-list may
    hold (a GitHub repository is reached through its API host)."""
    text = url.strip()
    shown = _shown(text)
    scheme_match = _SCHEME.match(text)
    scheme = scheme_match["scheme"].lower() if scheme_match else None
    if _HELPER.match(text) or (scheme is not None and scheme not in _NETWORK_SCHEMES | {"file"}):
        return Refusal(
            "RemoteHelperRefused",
            f"{field}: {shown} would make git run a remote helper program on the operator; "
            "give an https://, ssh:// or user@host:path URL",
        )
    if _is_local(text):
        if policy.allow_local:
            return None
        return Refusal(
            "LocalRepositoryRefused",
            f"{field}: {shown} is a repository on the operator's own disk; give an https:// "
            f"or ssh:// URL (the operator accepts local paths only with {ALLOW_LOCAL_FLAG}, "
            "for local demos)",
        )
    host = _host(text, scheme)
    if scheme == "http" and credential and not policy.allow_insecure_http:
        return Refusal(
            "InsecureHTTPRefused",
            f"{field}: {shown} is plain http:// and the Secret's credential would travel in "
            f"clear; use https:// (or run the operator with {ALLOW_HTTP_FLAG})",
        )
    names = [name for name in (*also_hosts, host) if name]
    if policy.allowed_hosts and not any(host_allowed(n, policy.allowed_hosts) for n in names):
        allowed = ", ".join(sorted(policy.allowed_hosts))
        return Refusal(
            "HostNotAllowed",
            f"{field}: host {' / '.join(names) or '?'} is not one this operator may reach "
            f"(allowed: {allowed}); use one of those, or ask the operator's administrator for "
            f"{host_flag} HOST",
        )
    return None


def check_git_target(
    target: GitTarget, *, credential: bool, policy: TargetPolicy
) -> Refusal | None:
    """:func:`check_url` for a git target, where the credential really goes: to the remote
    itself, or for a GitHub repository to its API (``githubAPIURL``, default api.github.com,
    which an allow-list entry ``github.com`` also admits). A target no back end serves raises
    ``GitSinkError`` (``InvalidTarget``) naming the fix, as :func:`parse_target` does."""
    field = "spec.git.repository"
    text = target.repository.strip()
    if _HELPER.match(text) or _SCHEME.match(text) or _is_path(text) or _SCP_LIKE.match(text):
        refusal = check_url(text, credential=credential, policy=policy, field=field)
        if refusal is not None or _is_local(text):
            return refusal
    remote = parse_target(text, target.github_api_url)
    if not isinstance(remote, GitHubRepository):
        return None
    default_api = remote.api_url == GITHUB_API_URL
    return check_url(
        remote.api_url,
        credential=credential,
        policy=policy,
        field=field if default_api else "spec.git.githubAPIURL",
        also_hosts=("github.com",) if default_api else (),
    )


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """``host`` (``name`` or ``name:port``) matches an entry: the same name (any port), the same
    ``name:port``, or ``*.domain`` for names under ``domain``. Case does not matter."""
    host = host.lower()
    name = host.rsplit(":", 1)[0] if re.search(r":[0-9]+$", host) else host
    for entry in allowed:
        entry = entry.lower()
        if entry.startswith("*."):
            if name.endswith(entry[1:]):
                return True
        elif entry in (host, name):
            return True
    return False


def parse_hosts(entries: Iterable[str]) -> frozenset[str]:
    """Allow-list entries as given to ``--allow-*-host``; ValueError names the fix."""
    hosts = set()
    for entry in entries:
        text = entry.strip().lower()
        if not _HOST.match(text):
            raise ValueError(
                f"{entry!r} is not a host name; give e.g. github.com, git.example.com:8443 "
                "or *.example.com (no scheme, no path)"
            )
        hosts.add(text)
    return frozenset(hosts)


def _is_local(text: str) -> bool:
    return text.lower().startswith("file://") or _is_path(text)


def _is_path(text: str) -> bool:
    return text.startswith(_LOCAL_PREFIXES) and not _SCP_LIKE.match(text)


def _host(text: str, scheme: str | None) -> str | None:
    if scheme is not None:
        parts = urlsplit(text)
        if parts.hostname is None:
            return None
        return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    match = _SCP_LIKE.match(text)
    return match["host"].lower() if match else None


def _shown(text: str) -> str:
    """The URL for a message: without any user or password, cut to a readable length."""
    text = without_credentials(text)
    return repr(text if len(text) <= 200 else text[:200] + "...")
