"""Publish a design to git: GitHub through its API, or any git remote through git itself.

``publish(target, files, ...)`` makes the target folder hold exactly ``files`` in one commit,
on the design's branch (pull-request mode, with one pull request kept up to date on GitHub)
or on the base branch (push mode). Publishing what is already there makes no commit.
``close_design(target, design_id, ...)`` closes the design's pull request and deletes its
branch (what deleting a design with ``onDelete: ClosePullRequest`` does). Every
failure is a :class:`GitSinkError` with a CamelCase ``reason``; see docs/git.md.
"""

from autcloud.gitsink.close import CloseResult, close_design
from autcloud.gitsink.errors import GitSinkError, Reason
from autcloud.gitsink.git_sink import GitOptions
from autcloud.gitsink.github_sink import GitHubOptions
from autcloud.gitsink.pr_body import folder_url, render_pull_request_body
from autcloud.gitsink.publish import PublishOptions, default_cache_dir, publish
from autcloud.gitsink.result import PublishResult
from autcloud.gitsink.target import GitHubRepository, GitRemote, GitTarget, parse_target

__all__ = [
    "CloseResult",
    "GitHubOptions",
    "GitHubRepository",
    "GitOptions",
    "GitRemote",
    "GitSinkError",
    "GitTarget",
    "PublishOptions",
    "PublishResult",
    "Reason",
    "close_design",
    "default_cache_dir",
    "folder_url",
    "parse_target",
    "publish",
    "render_pull_request_body",
]
