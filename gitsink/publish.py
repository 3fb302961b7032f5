"""The one entry point: publish a design's files to its git target, whichever back end serves it."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autcloud.gitsink.content import place
from autcloud.gitsink.errors import invalid_target
from autcloud.gitsink.git_sink import GitOptions, publish_with_git
from autcloud.gitsink.github_sink import GitHubOptions, publish_with_github
from autcloud.gitsink.result import PublishResult
from autcloud.gitsink.target import (
    GitHubRepository,
    GitTarget,
    branch_for,
    check_author,
    parse_target,
)

log = logging.getLogger("autcloud.gitsink")


def default_cache_dir() -> Path:
    """Where plain-git remotes are cached: ``$XDG_CACHE_HOME/autcloud/git`` (or ~/.cache/...)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "autcloud" / "git"


@dataclass(frozen=True)
class PublishOptions:
    """Back-end settings the caller may tune; the defaults suit an operator."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    git_timeout_seconds: float = 120.0
    git_attempts: int = 5
    github: GitHubOptions = field(default_factory=GitHubOptions)


def publish(
    target: GitTarget,
    files: Mapping[str, bytes],
    *,
    message: str,
    design_id: str,
    pr_title: str = "",
    pr_body: str = "",
    token: str | None = None,
    options: PublishOptions | None = None,
) -> PublishResult:
    """Make ``target.path`` hold exactly ``files`` on the design's branch, in one commit.

    Publishing content the folder already holds makes no commit (``changed=False``), so a
    repeated or resumed publish is safe. Failures raise :class:`GitSinkError`.
    """
    options = options or PublishOptions()
    remote = parse_target(target.repository, target.github_api_url)
    branch = branch_for(target, design_id)
    check_author(target)
    if not message.strip():
        raise invalid_target("message: empty; a commit needs a message")
    content = place(target.path, files)
    if isinstance(remote, GitHubRepository):
        result = publish_with_github(
            remote,
            target,
            content,
            branch=branch,
            message=message,
            pr_title=pr_title.strip() or f"AutCloud design {design_id}",
            pr_body=pr_body,
            token=token,
            options=options.github,
        )
        where = remote.full_name
    else:
        git_options = GitOptions(
            options.cache_dir, options.git_timeout_seconds, options.git_attempts
        )
        result = publish_with_git(
            remote,
            target,
            content,
            branch=branch,
            message=message,
            token=token,
            options=git_options,
        )
        where = remote.url
    log.info(
        "published design=%s repository=%s branch=%s commit=%s changed=%s pull_request=%s",
        design_id,
        where,
        result.branch,
        result.commit_sha,
        result.changed,
        result.pull_request_url or "-",
    )
    return result
