"""What deleting an InfraDesign does to Git (``spec.git.onDelete``), without kopf.

``Retain`` (the default) does nothing: commits, the design branch and any pull request stay.
``ClosePullRequest`` deletes the design's branch ``autcloud/<name>`` on a plain git remote;
``push`` mode has nothing to close, and closing a GitHub pull request is not implemented yet
(reported, and Git is left as it is). Merged work and the base branch are never touched.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autcloud.gitsink import parse_target
from autcloud.gitsink.git_cli import GitCommandError, GitRunner
from autcloud.gitsink.target import BRANCH_PREFIX, GitHubRepository, GitRemote
from autcloud.operator.spec import GitSpec

log = logging.getLogger("autcloud.operator.release")


@dataclass(frozen=True)
class Released:
    """What happened, as an Event: ``type`` Normal or Warning, a CamelCase reason, a sentence."""

    type: str
    reason: str
    message: str


def release_git(name: str, git: GitSpec | None, token: str | None) -> Released:
    """Carry out the deletion policy. Raises ``GitSinkError`` when git cannot be reached."""
    if git is None or git.on_delete != "ClosePullRequest":
        return Released("Normal", "Retained", "Deleted; everything in Git was left in place.")
    if git.target.mode == "push":
        return Released("Normal", "Retained", "Deleted; push mode has no branch to close.")
    remote = parse_target(git.target.repository, git.target.github_api_url)
    branch = BRANCH_PREFIX + name
    if isinstance(remote, GitHubRepository):
        return Released(
            "Warning",
            "ClosePullRequestUnsupported",
            "Closing a GitHub pull request is not implemented yet; the pull request and branch "
            f"{branch} were left in place.",
        )
    assert isinstance(remote, GitRemote)
    if _delete_branch(remote, branch, token, git.target.token_username):
        return Released("Normal", "BranchDeleted", f"Deleted; branch {branch} was deleted.")
    return Released("Normal", "BranchDeleted", f"Deleted; branch {branch} did not exist.")


def _delete_branch(remote: GitRemote, branch: str, token: str | None, username: str) -> bool:
    runner = GitRunner(remote.url, token, username, timeout_seconds=60)
    with tempfile.TemporaryDirectory(prefix="autcloud-release-") as folder:
        git_dir = Path(folder)
        runner.run(["init", "--quiet", "--bare", str(git_dir)], git_dir=git_dir)
        try:
            heads = runner.run(
                ["ls-remote", "--heads", remote.url, f"refs/heads/{branch}"], git_dir=git_dir
            )
            if not heads.strip():
                return False
            runner.run(["push", remote.url, "--delete", f"refs/heads/{branch}"], git_dir=git_dir)
        except GitCommandError as failed:
            if "remote ref does not exist" in failed.stderr:
                return False
            raise runner.failure(failed, f"deleting branch {branch} of") from None
    log.info("event=branch_deleted remote=%s branch=%s", remote.url, branch)
    return True
