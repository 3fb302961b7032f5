"""Where a design goes: the target a caller describes, and the remote it resolves to.

``parse_target`` decides between the two back ends:

- GitHub (REST API through PyGithub): ``owner/repo``, ``https://github.com/owner/repo(.git)``,
  or, when ``github_api_url`` names a GitHub Enterprise server, ``https://<that host>/owner/repo``;
- plain git (the ``git`` program): an absolute or ``./``-relative local path, ``file://``,
  ``ssh://``, ``git@host:path``, ``git://`` and any other ``http(s)://`` URL.

A bare ``owner/repo`` always means GitHub; write a relative local path as ``./owner/repo``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from autcloud.gitsink.errors import invalid_target

Mode = Literal["pullRequest", "push"]
MODES: tuple[Mode, ...] = ("pullRequest", "push")
GITHUB_API_URL = "https://api.github.com"
BRANCH_PREFIX = "autcloud/"
ROOT = "."  # the path that means "the repository root" (and so: replace everything)

# GitHub's own rules: owner = letters, digits, hyphens; repo = letters, digits, '-', '_', '.'.
_GITHUB_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_GITHUB_REPO = r"[A-Za-z0-9._-]{1,100}"
_OWNER_REPO = re.compile(rf"^(?P<owner>{_GITHUB_OWNER})/(?P<repo>{_GITHUB_REPO})$")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:")  # git@host:path
_DESIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class GitTarget:
    """What the caller wants: which repository, which folder, how to propose the change.

    ``path`` is the folder the design owns: each publish replaces its content exactly (files no
    longer in the design disappear). ``"."`` means the repository root — everything else in the
    repository is then removed, so it suits only a repository dedicated to one design.
    ``mode="pullRequest"`` pushes ``autcloud/<design-id>`` and (on GitHub) keeps one pull request
    open against ``base_branch``; ``mode="push"`` commits straight to ``base_branch``.
    """

    repository: str
    path: str
    base_branch: str = "main"
    mode: Mode = "pullRequest"
    author_name: str = "AutCloud"
    author_email: str = "autcloud@localhost"
    github_api_url: str | None = None  # GitHub Enterprise: "https://ghe.example.com/api/v3"
    token_username: str = "x-access-token"  # the user name sent with a token to https git remotes


@dataclass(frozen=True)
class GitHubRepository:
    """A repository reached through the GitHub REST API."""

    owner: str
    name: str
    api_url: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def commit_url(self, sha: str) -> str:
        """The commit's web page (github.com, or a GitHub Enterprise host beside its API)."""
        api = urlsplit(self.api_url)
        if api.netloc == "api.github.com":
            web = "https://github.com"
        else:
            web = f"{api.scheme}://{api.netloc}"
        return f"{web}/{self.full_name}/commit/{sha}"


@dataclass(frozen=True)
class GitRemote:
    """A repository reached through the ``git`` program (``url`` as git understands it)."""

    url: str

    def commit_url(self, sha: str) -> str:
        """Where the commit is: the remote's URL without credentials (a plain git server has
        no web page of its own), then ``#`` and the commit."""
        return f"{without_credentials(self.url)}#{sha}"


def without_credentials(url: str) -> str:
    """``url`` without the user and password of a ``scheme://user:password@host`` URL."""
    parts = urlsplit(url)
    if parts.scheme and "@" in parts.netloc:
        return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
    return url


Remote = GitHubRepository | GitRemote


def parse_target(repository: str, github_api_url: str | None = None) -> Remote:
    """Which back end serves ``repository``; ``InvalidTarget`` names the fix when none does."""
    text = repository.strip()
    if not text:
        raise invalid_target(
            "repository: empty; give 'owner/repo' for GitHub, a git URL, or a local path"
        )
    api_url = (github_api_url or GITHUB_API_URL).rstrip("/")
    match = _OWNER_REPO.match(text)
    if match:
        return GitHubRepository(match["owner"], _strip_git_suffix(match["repo"]), api_url)
    if text.startswith(("https://", "http://")):
        return _from_http_url(text, github_api_url, api_url)
    if text.startswith(("ssh://", "git://", "file://")) or _SCP_LIKE.match(text):
        return GitRemote(text)
    if text.startswith(("/", "./", "../", "~")):
        return GitRemote(str(Path(text).expanduser().resolve()))
    raise invalid_target(
        f"repository: {text!r} is neither 'owner/repo', a URL (https://, ssh://, file://, "
        "git@host:path) nor a local path; write a relative local path as './path'"
    )


def _from_http_url(text: str, github_api_url: str | None, api_url: str) -> Remote:
    parts = urlsplit(text)
    if parts.username or parts.password:
        raise invalid_target(
            "repository: the URL carries credentials; remove them and pass the token "
            "through the git target's Secret instead"
        )
    github_hosts = {"github.com", "www.github.com"}
    if github_api_url:
        github_hosts = {urlsplit(github_api_url).hostname or ""}
    segments = [segment for segment in parts.path.split("/") if segment]
    if (parts.hostname or "") in github_hosts and len(segments) == 2:
        match = _OWNER_REPO.match(f"{segments[0]}/{segments[1]}")
        if match:
            return GitHubRepository(match["owner"], _strip_git_suffix(match["repo"]), api_url)
    if (parts.hostname or "") in github_hosts:
        raise invalid_target(
            f"repository: {text!r} is not a repository URL; use https://{parts.hostname}/owner/repo"
        )
    return GitRemote(text)


def _strip_git_suffix(name: str) -> str:
    return name.removesuffix(".git")


def branch_for(target: GitTarget, design_id: str) -> str:
    """The branch a publish updates: ``autcloud/<design-id>``, or the base branch in push mode."""
    check_design_id(design_id)
    check_branch(target.base_branch)
    if target.mode == "push":
        return target.base_branch
    if target.mode != "pullRequest":
        raise invalid_target(f"mode: {target.mode!r} is not one of {', '.join(MODES)}")
    return BRANCH_PREFIX + design_id


def check_author(target: GitTarget) -> None:
    for field, value in (
        ("author_name", target.author_name),
        ("author_email", target.author_email),
    ):
        if not value.strip() or any(char in value for char in "<>\n\0"):
            raise invalid_target(
                f"{field}: {value!r} cannot go in a commit; give a plain name and an e-mail "
                "address without '<', '>' or line breaks"
            )


def check_design_id(design_id: str) -> None:
    if not _DESIGN_ID.match(design_id) or not _ref_safe(design_id):
        raise invalid_target(
            f"design_id: {design_id!r} cannot name a branch; use letters, digits, '.', '_', '-' "
            "(a Kubernetes object name works)"
        )


def check_branch(branch: str) -> None:
    if not _BRANCH.match(branch) or not _ref_safe(branch):
        raise invalid_target(
            f"base_branch: {branch!r} is not a valid branch name; use a name such as 'main'"
        )


def _ref_safe(name: str) -> bool:
    """The parts of git's check-ref-format rules the patterns above do not already enforce."""
    return not (
        ".." in name
        or "//" in name
        or name.endswith((".lock", ".", "/"))
        or any(part.startswith(".") or part.endswith(".lock") for part in name.split("/"))
    )
