"""Publish to GitHub through its REST API (PyGithub), as one commit made with the Git Data API.

The order of calls is the contract: read the repository, the base branch and the design branch,
read the head commit and the tree under it; write only the blobs that differ (a blob's id is
computed locally, so unchanged files cost nothing), then one tree, one commit, and last the ref.
Nothing is visible until the ref moves, so a failure anywhere before it leaves the repository as
it was (no partial commit); a ref update GitHub refuses as not a fast-forward starts the attempt
again from the new head. When nothing differs, no tree, commit or ref is written at all.
In pull-request mode one open pull request per design branch is then created or updated.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from github import Auth, Github, GithubException, InputGitAuthor, InputGitTreeElement
from github.GitCommit import GitCommit
from github.GitRef import GitRef
from github.PullRequest import PullRequest
from github.Repository import Repository
from urllib3.util.retry import Retry

from autcloud.gitsink.content import FILE_MODE, FolderContent, git_blob_sha
from autcloud.gitsink.errors import GitSinkError, invalid_target
from autcloud.gitsink.github_errors import from_github, from_transport, message_of
from autcloud.gitsink.result import PublishResult
from autcloud.gitsink.target import GitHubRepository, GitTarget

log = logging.getLogger(__name__)

_SERVER_ERRORS = (500, 502, 503, 504)


@dataclass(frozen=True)
class GitHubOptions:
    """How the GitHub back end talks to the API.

    ``retries`` applies to reads only (GET on a 5xx or a dropped connection), with exponential
    backoff; writes are not replayed blindly — the operator retries the whole publish, which is
    idempotent. The pauses between requests follow GitHub's advice against secondary rate
    limits (PyGithub's defaults); tests set them to 0.
    """

    timeout_seconds: float = 30.0
    retries: int = 2
    backoff_factor: float = 0.5
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0
    attempts: int = 3  # publishes tried when the branch keeps moving under us


@dataclass(frozen=True)
class _Entry:
    mode: str
    type: str
    sha: str


class _BranchMovedError(Exception):
    """The branch moved between our read and our ref update: try again from its new head."""


def publish_with_github(
    remote: GitHubRepository,
    target: GitTarget,
    content: FolderContent,
    *,
    branch: str,
    message: str,
    pr_title: str,
    pr_body: str,
    token: str | None,
    options: GitHubOptions,
) -> PublishResult:
    client = github_client(remote, token, options)
    try:
        with translated(remote, token, "reading the repository"):
            repo = client.get_repo(remote.full_name)
        for attempt in range(1, options.attempts + 1):
            try:
                sha, changed, holder = _commit(
                    repo, remote, target, content, branch, message, token
                )
                break
            except _BranchMovedError:
                log.info(
                    "github branch moved during publish; retrying repository=%s branch=%s "
                    "attempt=%d",
                    remote.full_name,
                    branch,
                    attempt,
                )
                time.sleep(0.2 * attempt)
        else:
            raise GitSinkError(
                "PushRejected",
                f"branch {branch!r} of {remote.full_name} kept moving: {options.attempts} "
                "updates were refused as not a fast-forward; the next reconcile tries again",
                retryable=True,
                retry_after=5.0,
            )
        url = None
        if target.mode == "pullRequest" and holder == branch:
            url = _ensure_pull_request(repo, remote, target, branch, pr_title, pr_body, token)
        return PublishResult(sha, holder, url, changed)
    finally:
        client.close()


def github_client(remote: GitHubRepository, token: str | None, options: GitHubOptions) -> Github:
    retry: Retry | None = None
    if options.retries > 0:
        retry = Retry(
            total=options.retries,
            backoff_factor=options.backoff_factor,
            status_forcelist=_SERVER_ERRORS,
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,  # the last answer reaches PyGithub, which raises on it
            respect_retry_after_header=False,  # a rate limit is the operator's wait, not ours
        )
    return Github(
        auth=Auth.Token(token) if token else None,
        base_url=remote.api_url,
        timeout=int(options.timeout_seconds),
        retry=retry,
        seconds_between_requests=options.seconds_between_requests,
        seconds_between_writes=options.seconds_between_writes,
        user_agent="autcloud-gitsink",
    )


def _commit(
    repo: Repository,
    remote: GitHubRepository,
    target: GitTarget,
    content: FolderContent,
    branch: str,
    message: str,
    token: str | None,
) -> tuple[str, bool, str]:
    """(head commit sha, whether a commit was made, the branch that holds the content)."""
    base = target.base_branch
    base_ref = _base_ref(repo, remote, base, token)
    branch_ref = base_ref if branch == base else _optional_ref(repo, remote, branch, token)
    head_ref = branch_ref or base_ref
    with translated(remote, token, "reading the head commit"):
        head = repo.get_git_commit(head_ref.object.sha)
        existing = _folder_entries(repo, head.tree.sha, content)
    writes = {
        path: data
        for path, data in content.files.items()
        if existing.get(path) != _Entry(FILE_MODE, "blob", git_blob_sha(data))
    }
    removed = {path: entry for path, entry in existing.items() if path not in content.files}
    holder = branch if branch_ref else base
    if not writes and not removed:
        return head.sha, False, holder
    with translated(remote, token, "writing files"):
        for path, data in writes.items():
            _create_blob(repo, path, data)
        tree = repo.create_git_tree(
            [
                InputGitTreeElement(path, FILE_MODE, "blob", sha=git_blob_sha(d))
                for path, d in writes.items()
            ]
            + [InputGitTreeElement(path, e.mode, e.type, sha=None) for path, e in removed.items()],
            base_tree=head.tree,
        )
    if tree.sha == head.tree.sha:  # e.g. only a mode differed in our reading: nothing to commit
        return head.sha, False, holder
    with translated(remote, token, "committing"):
        author = InputGitAuthor(target.author_name, target.author_email)
        commit = repo.create_git_commit(message, tree, [head], author=author, committer=author)
    _move_branch(repo, remote, branch, branch_ref, commit, token)
    return commit.sha, True, branch


def _create_blob(repo: Repository, path: str, data: bytes) -> None:
    blob = repo.create_git_blob(base64.b64encode(data).decode(), "base64")
    if blob.sha != git_blob_sha(data):  # the tree refers to blobs by the id we computed
        raise GitSinkError(
            "ServerError",
            f"GitHub stored {path!r} as blob {blob.sha}, not {git_blob_sha(data)}; not committing",
            retryable=True,
        )


def _base_ref(repo: Repository, remote: GitHubRepository, base: str, token: str | None) -> GitRef:
    with translated(remote, token, "reading the base branch"):
        try:
            ref = repo.get_git_ref(f"heads/{base}")
            _ = ref.object.sha  # completes the ref if PyGithub was told to read lazily
        except GithubException as error:
            if error.status == 404:
                raise invalid_target(
                    f"base_branch: {base!r} does not exist in {remote.full_name}; "
                    "name an existing branch"
                ) from None
            if error.status == 409:  # "Git Repository is empty."
                raise invalid_target(
                    f"{remote.full_name} has no commits yet, and GitHub's API cannot write the "
                    f"first one: create the repository with a README (or push one commit to "
                    f"{base!r})"
                ) from None
            raise
    return ref


def _optional_ref(
    repo: Repository, remote: GitHubRepository, branch: str, token: str | None
) -> GitRef | None:
    with translated(remote, token, "reading the design branch"):
        try:
            ref = repo.get_git_ref(f"heads/{branch}")
            _ = ref.object.sha
        except GithubException as error:
            if error.status == 404:
                return None
            raise
    return ref


def _folder_entries(repo: Repository, root_tree: str, content: FolderContent) -> dict[str, _Entry]:
    """Every file under the folder at the head, by repository path."""
    listing = repo.get_git_tree(root_tree, recursive=True)
    prefix = ""
    if listing.truncated and content.folder:
        # Too big to list at once: walk down to the folder and list only it.
        folder_tree = _subtree(repo, root_tree, content.folder)
        if folder_tree is None:
            return {}
        listing = repo.get_git_tree(folder_tree, recursive=True)
        prefix = content.folder + "/"
    if listing.truncated:
        raise invalid_target(
            f"path: the folder {content.folder or '.'!r} holds more entries than GitHub lists "
            "in one answer; publish into a smaller folder"
        )
    return {
        prefix + element.path: _Entry(element.mode, element.type, element.sha)
        for element in listing.tree
        if element.type != "tree" and content.owns(prefix + element.path)
    }


def _subtree(repo: Repository, root_tree: str, folder: str) -> str | None:
    sha = root_tree
    for name in folder.split("/"):
        entries = {element.path: element for element in repo.get_git_tree(sha).tree}
        element = entries.get(name)
        if element is None or element.type != "tree":
            return None
        sha = element.sha
    return sha


def _move_branch(
    repo: Repository,
    remote: GitHubRepository,
    branch: str,
    branch_ref: GitRef | None,
    commit: GitCommit,
    token: str | None,
) -> None:
    """The one write that makes the commit visible; refused unless it is a fast-forward."""
    with translated(remote, token, "updating the branch"):
        try:
            if branch_ref is None:
                repo.create_git_ref(f"refs/heads/{branch}", commit.sha)
            else:
                branch_ref.edit(commit.sha, force=False)
        except GithubException as error:
            detail = message_of(error).lower()
            if error.status == 422 and ("fast forward" in detail or "already exists" in detail):
                raise _BranchMovedError from None
            if error.status in (409, 422):
                raise GitSinkError(
                    "PushRejected",
                    f"GitHub refused to move {branch!r} of {remote.full_name} ({error.status} "
                    f"{message_of(error)}); a protected branch takes mode pullRequest",
                    retryable=False,
                    secrets=(token,),
                ) from None
            raise


def _ensure_pull_request(
    repo: Repository,
    remote: GitHubRepository,
    target: GitTarget,
    branch: str,
    title: str,
    body: str,
    token: str | None,
) -> str | None:
    """The URL of the design's one open pull request, created or brought up to date.

    Another writer (a second operator replica, a person) may open it between our listing and
    our create: GitHub then answers 422 "A pull request already exists", and the one it has is
    read again and brought up to date instead."""
    with translated(remote, token, "opening the pull request"):
        current = _open_pull(repo, remote, target, branch)
        if current is None:
            try:
                created = repo.create_pull(
                    base=target.base_branch, head=branch, title=title, body=body
                )
            except GithubException as error:
                messages = message_of(error).lower()  # a 422's errors[].message included
                if error.status == 422 and "no commits between" in messages:
                    return None  # the branch holds nothing the base lacks (already merged)
                if error.status != 422 or "already exists" not in messages:
                    raise
                current = _open_pull(repo, remote, target, branch)
                if current is None:
                    raise
            else:
                return str(created.html_url)
        if current.title != title or (current.body or "") != body:
            current.edit(title=title, body=body)
        return str(current.html_url)


def _open_pull(
    repo: Repository, remote: GitHubRepository, target: GitTarget, branch: str
) -> PullRequest | None:
    pulls = repo.get_pulls(state="open", head=f"{remote.owner}:{branch}", base=target.base_branch)
    return next(iter(pulls), None)


@contextmanager
def translated(remote: GitHubRepository, token: str | None, action: str) -> Iterator[None]:
    """PyGithub's and requests' exceptions, raised inside, leave as GitSinkErrors."""
    try:
        yield
    except GithubException as error:
        raise from_github(error, action=action, repository=remote.full_name, token=token) from None
    except requests.RequestException as error:
        raise from_transport(
            error, action=action, api_url=remote.api_url, repository=remote.full_name
        ) from None
