"""Close a design in git: its pull request closed (GitHub) and its ``autcloud/`` branch deleted.

This is what deleting a design with ``onDelete: ClosePullRequest`` does. Only the design's own
branch ``autcloud/<design-id>`` is ever touched: the base branch, merged work and every commit
stay. Closing what is already closed (no open pull request, no branch) is not an error, so a
retried close is safe.

GitHub, the calls in order (the tests assert this exact sequence):

1. ``GET /repos/{o}/{r}``
2. ``GET /repos/{o}/{r}/pulls?state=open&head={o}:autcloud/{id}`` (any base branch)
3. ``PATCH /repos/{o}/{r}/pulls/{n}`` with ``{"state": "closed"}`` for each open one
4. ``GET /repos/{o}/{r}/git/ref/heads/autcloud/{id}`` (404: no branch, done)
5. ``DELETE /repos/{o}/{r}/git/refs/heads/autcloud/{id}``

A plain git remote has no pull requests: the branch is deleted with ``git push --delete``.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from github import GithubException

from autcloud.gitsink.errors import invalid_target
from autcloud.gitsink.git_cli import GitCommandError, GitRunner
from autcloud.gitsink.github_sink import GitHubOptions, github_client, translated
from autcloud.gitsink.target import (
    BRANCH_PREFIX,
    GitHubRepository,
    GitRemote,
    GitTarget,
    check_design_id,
    parse_target,
)

log = logging.getLogger("autcloud.gitsink")


@dataclass(frozen=True)
class CloseResult:
    """What a close did: the pull requests it closed (their URLs) and whether the branch went."""

    branch: str
    branch_deleted: bool
    closed_pull_requests: tuple[str, ...] = ()


def close_design(
    target: GitTarget,
    design_id: str,
    *,
    token: str | None = None,
    github: GitHubOptions | None = None,
    git_timeout_seconds: float = 60.0,
) -> CloseResult:
    """Close the design's open pull request(s) and delete ``autcloud/<design_id>``.

    Only pull-request mode has anything to close: ``mode="push"`` is refused as
    ``InvalidTarget``. Failures raise :class:`GitSinkError` (``retryable`` says whether to wait).
    """
    if target.mode != "pullRequest":
        raise invalid_target(
            f"mode: {target.mode!r} commits to the base branch; only pullRequest mode has a "
            "design branch and a pull request to close"
        )
    check_design_id(design_id)
    branch = BRANCH_PREFIX + design_id
    remote = parse_target(target.repository, target.github_api_url)
    if isinstance(remote, GitHubRepository):
        result = _close_on_github(remote, branch, token, github or GitHubOptions())
        where = remote.full_name
    else:
        deleted = _delete_git_branch(
            remote, branch, token, target.token_username, git_timeout_seconds
        )
        result = CloseResult(branch, deleted)
        where = remote.url
    log.info(
        "closed design=%s repository=%s branch=%s branch_deleted=%s pull_requests_closed=%d",
        design_id,
        where,
        branch,
        result.branch_deleted,
        len(result.closed_pull_requests),
    )
    return result


def _close_on_github(
    remote: GitHubRepository, branch: str, token: str | None, options: GitHubOptions
) -> CloseResult:
    client = github_client(remote, token, options)
    closed: list[str] = []
    try:
        with translated(remote, token, "reading the repository"):
            repo = client.get_repo(remote.full_name)
        with translated(remote, token, "closing the pull request"):
            for pull in repo.get_pulls(state="open", head=f"{remote.owner}:{branch}"):
                pull.edit(state="closed")
                closed.append(str(pull.html_url))
        with translated(remote, token, "deleting the design branch"):
            try:
                ref = repo.get_git_ref(f"heads/{branch}")
                ref.delete()
            except GithubException as error:
                # 404: no such branch; 422 "Reference does not exist": deleted meanwhile.
                if error.status not in (404, 422):
                    raise
                return CloseResult(branch, False, tuple(closed))
        return CloseResult(branch, True, tuple(closed))
    finally:
        client.close()


def _delete_git_branch(
    remote: GitRemote, branch: str, token: str | None, username: str, timeout: float
) -> bool:
    runner = GitRunner(remote.url, token, username, timeout_seconds=timeout)
    with tempfile.TemporaryDirectory(prefix="autcloud-close-") as folder:
        git_dir = Path(folder)
        try:
            runner.run(["init", "--quiet", "--bare", str(git_dir)], git_dir=git_dir)
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
    return True
