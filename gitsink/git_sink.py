"""Publish to any git remote (local path, file://, ssh, https) with the ``git`` program.

Each remote gets a bare cache repository under ``cache_dir``; a publish never needs a working
tree. It asks the remote for its branches, fetches the base and design branch, builds the new
tree with git's plumbing in a private index (the parent's tree with the folder replaced), makes
the commit and pushes it. Publishers sharing a cache (threads, or processes on one volume) take
turns per branch, so they never race each other's push; publishers that do not share it (other
pods, a person) can still move the branch first: a push refused as non-fast-forward starts the
attempt again from the new head, so concurrent publishes of different designs all land.
A publish whose tree equals its parent's makes no commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autcloud.agent.locks import exclusive_lock
from autcloud.gitsink.content import FILE_MODE, FolderContent
from autcloud.gitsink.errors import GitSinkError, invalid_target
from autcloud.gitsink.git_cli import GitCommandError, GitRunner
from autcloud.gitsink.result import PublishResult
from autcloud.gitsink.target import BRANCH_PREFIX, GitRemote, GitTarget

log = logging.getLogger(__name__)

_FETCHED = "refs/autcloud/remote/heads/"  # where the cache keeps what it fetched
_NO_OBJECT = "0" * 40
_MOVED = re.compile(r"\[rejected\].*\((fetch first|non-fast-forward|stale info)\)")
# Another push updated the same ref at the same moment: the remote lost the race for its lock.
_RACED = re.compile(
    r"\[remote rejected\].*\((failed to update ref|failed to lock|cannot lock ref|"
    r"incorrect old value)",
)


@dataclass(frozen=True)
class GitOptions:
    """How the plain-git back end runs."""

    cache_dir: Path
    timeout_seconds: float = 120.0
    attempts: int = 5  # publishes tried when the branch keeps moving under us


@dataclass(frozen=True)
class _Commit:
    sha: str
    changed: bool
    branch: str  # where the content lives (the base branch when nothing needed proposing)


class _CacheBrokenError(Exception):
    """A local git step failed (full disk, a damaged cache): the cache is rebuilt next time."""


class _BranchMovedError(Exception):
    """The remote branch moved between our read and our push: try again from its new head."""


def publish_with_git(
    remote: GitRemote,
    target: GitTarget,
    content: FolderContent,
    *,
    branch: str,
    message: str,
    token: str | None,
    options: GitOptions,
) -> PublishResult:
    runner = GitRunner(remote.url, token, target.token_username, options.timeout_seconds)
    cache = _cache_path(options.cache_dir, remote.url)
    for attempt in range(1, options.attempts + 1):
        try:
            # Publishers sharing this cache take turns per branch (so they never race each
            # other's push) and share the cache itself only for the short local steps.
            with exclusive_lock(_branch_lock(cache, branch)):
                with (
                    exclusive_lock(cache.with_suffix(".lock")),
                    _discarded_when_broken(runner, cache),
                ):
                    commit = _prepare(runner, cache, target, content, branch, message)
                if commit.changed:
                    _push(runner, cache, commit.sha, branch)
            return PublishResult(commit.sha, commit.branch, None, commit.changed)
        except _BranchMovedError:
            log.info(
                "git branch moved during publish; retrying remote=%s branch=%s attempt=%d",
                remote.url,
                branch,
                attempt,
            )
            if attempt < options.attempts:
                time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
    raise GitSinkError(
        "PushRejected",
        f"branch {branch!r} of {remote.url} kept moving: {options.attempts} pushes were "
        "rejected as non-fast-forward; the next reconcile tries again",
        retryable=True,
        retry_after=5.0,
    )


@contextlib.contextmanager
def _discarded_when_broken(runner: GitRunner, cache: Path) -> Iterator[None]:
    """A local git step that fails inside removes the cache and leaves as a retryable error."""
    try:
        yield
    except _CacheBrokenError as broken:
        shutil.rmtree(cache, ignore_errors=True)  # only ever our own <name>-<hash>.git
        raise GitSinkError(
            "ServerError",
            f"the local git cache for {runner.remote_url} failed ({broken}); it was removed "
            "and is rebuilt on the next attempt",
            retryable=True,
            secrets=(runner.token,),
        ) from None


def _prepare(
    runner: GitRunner,
    cache: Path,
    target: GitTarget,
    content: FolderContent,
    branch: str,
    message: str,
) -> _Commit:
    """Fetch, build the tree, and commit it locally when it differs from its parent."""
    _ensure_cache(runner, cache)
    heads = _remote_heads(runner, cache)
    base = target.base_branch
    if base not in heads and not _base_not_made_yet(heads):
        known = ", ".join(sorted(heads)[:10])
        raise invalid_target(
            f"base_branch: {base!r} does not exist in {runner.remote_url} (branches: {known}); "
            "name an existing branch"
        )
    wanted = [name for name in dict.fromkeys((base, branch)) if name in heads]
    fetched = _fetch(runner, cache, wanted)
    # None: the remote is empty (or holds only other designs' branches)
    parent = fetched.get(branch) or fetched.get(base)
    tree = _build_tree(runner, cache, parent, content)
    if parent and tree == _tree_of(runner, cache, parent):
        holder = branch if branch in fetched else base
        return _Commit(parent, changed=False, branch=holder)
    sha = _commit_tree(runner, cache, tree, parent, message, target).strip()
    return _Commit(sha, changed=True, branch=branch)


def _base_not_made_yet(heads: dict[str, str]) -> bool:
    """A remote that was empty before AutCloud: no branches, or only design branches.

    Publishing into an empty remote in pull-request mode creates ``autcloud/<id>`` and no base
    branch; later publishes must still work. So while every branch is a design branch, a
    missing base branch is not an error: a design stacks on its own branch when it exists and
    otherwise starts with a root commit, exactly as on an empty remote.
    """
    return all(name.startswith(BRANCH_PREFIX) for name in heads)


def _ensure_cache(runner: GitRunner, cache: Path) -> None:
    """A usable bare cache repository: created the first time, rebuilt when damaged."""
    if cache.exists():
        try:
            runner.run(["rev-parse", "--git-dir"], git_dir=cache)
            return
        except GitCommandError:
            log.warning("rebuilding a damaged git cache path=%s", cache)
            shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    _local(runner, cache, "init", "--quiet", "--bare")


def _remote_heads(runner: GitRunner, cache: Path) -> dict[str, str]:
    try:
        output = runner.run(["ls-remote", "--heads", runner.remote_url], git_dir=cache)
    except GitCommandError as failed:
        raise runner.failure(failed, "listing the branches of") from None
    heads: dict[str, str] = {}
    for line in output.splitlines():
        sha, _, ref = line.partition("\t")
        heads[ref.removeprefix("refs/heads/")] = sha
    return heads


def _fetch(runner: GitRunner, cache: Path, branches: list[str]) -> dict[str, str]:
    """Fetch the branches into the cache; their heads as fetched."""
    if not branches:
        return {}
    refspecs = [f"+refs/heads/{name}:{_FETCHED}{name}" for name in branches]
    try:
        runner.run(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                runner.remote_url,
                *refspecs,
            ],
            git_dir=cache,
        )
    except GitCommandError as failed:
        if "couldn't find remote ref" in failed.stderr:
            raise _BranchMovedError from None  # deleted since ls-remote: read the remote again
        raise runner.failure(failed, "fetching from") from None
    return {
        name: _local(runner, cache, "rev-parse", f"{_FETCHED}{name}").strip() for name in branches
    }


def _build_tree(runner: GitRunner, cache: Path, parent: str | None, content: FolderContent) -> str:
    """The parent's tree with the folder's content replaced by ``content`` (as a tree id)."""
    blob_ids = _write_blobs(runner, cache, content)
    with tempfile.TemporaryDirectory(prefix="index-", dir=cache) as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        records: list[str] = []
        if parent and content.folder:
            _local(runner, cache, "read-tree", parent, env=index)
            listing = _local(
                runner,
                cache,
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                parent,
                "--",
                content.folder,
            )
            stale = [path for path in listing.split("\0") if path and content.owns(path)]
            records += [f"0 {_NO_OBJECT}\t{path}" for path in stale]
        else:
            _local(runner, cache, "read-tree", "--empty", env=index)
        records += [f"{FILE_MODE} {blob_ids[path]}\t{path}" for path in content.files]
        stdin = "".join(record + "\0" for record in records).encode()
        _local(
            runner,
            cache,
            "update-index",
            "--add",
            "--replace",
            "-z",
            "--index-info",
            env=index,
            stdin=stdin,
        )
        return _local(runner, cache, "write-tree", env=index).strip()


def _write_blobs(runner: GitRunner, cache: Path, content: FolderContent) -> dict[str, str]:
    """Store every file as a blob with one ``git hash-object`` (no filters: bytes as given)."""
    paths = list(content.files)
    with tempfile.TemporaryDirectory(prefix="blobs-", dir=cache) as scratch:
        names = []
        for number, path in enumerate(paths):
            name = Path(scratch) / str(number)
            name.write_bytes(content.files[path])
            names.append(str(name))
        output = _local(
            runner,
            cache,
            "hash-object",
            "-w",
            "--no-filters",
            "--stdin-paths",
            stdin="\n".join(names).encode() + b"\n",
        )
    return dict(zip(paths, output.split(), strict=True))


def _tree_of(runner: GitRunner, cache: Path, commit: str) -> str:
    return _local(runner, cache, "rev-parse", f"{commit}^{{tree}}").strip()


def _commit_tree(
    runner: GitRunner,
    cache: Path,
    tree: str,
    parent: str | None,
    message: str,
    target: GitTarget,
) -> str:
    identity = {
        "GIT_AUTHOR_NAME": target.author_name,
        "GIT_AUTHOR_EMAIL": target.author_email,
        "GIT_COMMITTER_NAME": target.author_name,
        "GIT_COMMITTER_EMAIL": target.author_email,
    }
    parents = ["-p", parent] if parent else []
    return _local(
        runner,
        cache,
        "commit-tree",
        tree,
        *parents,
        "-F",
        "-",
        env=identity,
        stdin=message.encode(),
    )


def _push(runner: GitRunner, cache: Path, commit: str, branch: str) -> None:
    try:
        runner.run(
            ["push", "--porcelain", "--quiet", runner.remote_url, f"{commit}:refs/heads/{branch}"],
            git_dir=cache,
        )
    except GitCommandError as failed:
        output = failed.stdout + "\n" + failed.stderr
        if _MOVED.search(output) or _RACED.search(output):
            raise _BranchMovedError from None
        if "[remote rejected]" in output:
            raise GitSinkError(
                "PushRejected",
                f"{runner.remote_url} refused the update of {branch!r}: "
                f"{_rejection(output)} (a hook or branch protection; "
                "use mode pullRequest, or allow the push)",
                retryable=False,
                secrets=(runner.token,),
            ) from None
        raise runner.failure(failed, "pushing to") from None


def _rejection(output: str) -> str:
    for line in output.splitlines():
        if "[remote rejected]" in line:
            return line.split("[remote rejected]", 1)[1].strip()
    return "rejected"


def _local(
    runner: GitRunner,
    cache: Path,
    *args: str,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> str:
    """A git command that only touches the cache (no network)."""
    try:
        return runner.run(list(args), git_dir=cache, env=env, stdin=stdin)
    except GitCommandError as failed:
        raise _CacheBrokenError(f"git {args[0]} failed: {failed.stderr.strip()}") from None


def _cache_path(cache_dir: Path, url: str) -> Path:
    """One bare repository per remote; the name shows which, the hash keeps names apart."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", url.rstrip("/").rsplit("/", 1)[-1])[:40]
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return cache_dir / f"{readable}-{digest}.git"


def _branch_lock(cache: Path, branch: str) -> Path:
    return cache.with_name(f"{cache.stem}.{hashlib.sha256(branch.encode()).hexdigest()[:12]}.lock")
