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
from autcloud.gitsink.policy import TargetPolicy
from autcloud.operator.spec import GitSpec
from autcloud.operator.targets import (
    LabeledSecretReader,
    RefusedError,
    check_git,
    read_typed_secret,
)

log = logging.getLogger("autcloud.operator.release")


@dataclass(frozen=True)
class Released:
    """What happened, as an Event: ``type`` Normal or Warning, a CamelCase reason, a sentence."""

    type: str
    reason: str
    message: str


async def closing_token(
    namespace: str, git: GitSpec | None, policy: TargetPolicy, read: LabeledSecretReader | None
) -> str | None:
    """The token :func:`release_git` may send, after the same checks as a reconcile: a target
    the operator refuses, or a Secret not labelled for git, raises ``RefusedError`` (the
    caller then lets the object go and closes nothing). A missing Secret: no token."""
    if git is None or git.on_delete != "ClosePullRequest" or git.target.mode == "push":
        return None
    check_git(git, policy)
    if git.secret is None or read is None:
        return None
    try:
        return await read_typed_secret(
            read,
            namespace,
            git.secret,
            kind="git",
            recheck_seconds=None,
        )
    except RefusedError as refused:
        if refused.reason == "SecretNotFound":
            return None
        raise


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
