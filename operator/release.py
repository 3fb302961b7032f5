"""What deleting an InfraDesign does to Git (``spec.git.onDelete``), without kopf.

``Retain`` (the default) does nothing: commits, the design branch and any pull request stay.
``ClosePullRequest`` closes the design's open pull request on GitHub and deletes its branch
``autcloud/<name>`` (on a plain git remote, where there is no pull request, it deletes the
branch). ``push`` mode has nothing to close. Merged work and the base branch are never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from autcloud.gitsink import GitHubOptions, close_design
from autcloud.operator.spec import GitSpec

log = logging.getLogger("autcloud.operator.release")


@dataclass(frozen=True)
class Released:
    """What happened, as an Event: ``type`` Normal or Warning, a CamelCase reason, a sentence."""

    type: str
    reason: str
    message: str


def release_git(
    name: str, git: GitSpec | None, token: str | None, *, github: GitHubOptions | None = None
) -> Released:
    """Carry out the deletion policy. Raises ``GitSinkError`` when git cannot be reached."""
    if git is None or git.on_delete != "ClosePullRequest":
        return Released("Normal", "Retained", "Deleted; everything in Git was left in place.")
    if git.target.mode == "push":
        return Released("Normal", "Retained", "Deleted; push mode has no branch to close.")
    closed = close_design(git.target, name, token=token, github=github)
    pulls = closed.closed_pull_requests
    said = [f"pull request {', '.join(pulls)} was closed"] if pulls else []
    said.append(
        f"branch {closed.branch} was deleted"
        if closed.branch_deleted
        else f"branch {closed.branch} did not exist"
    )
    reason = "PullRequestClosed" if pulls else "BranchDeleted"
    log.info("event=released design=%s reason=%s", name, reason)
    return Released("Normal", reason, f"Deleted; {' and '.join(said)}.")
