"""Closing a design: its pull request closed and its ``autcloud/`` branch deleted.

GitHub is the local fake server (fake_github.py; GitHub cannot run here), reached by PyGithub
through ``base_url``; plain git is a real bare repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autcloud.gitsink import GitHubOptions, GitSinkError, GitTarget, close_design, publish
from autcloud.gitsink.target import Mode
from tests.gitsink.bare_remote import BareRemote
from tests.gitsink.fake_github import FakeGitHub, FakeRepository
from tests.gitsink.test_github import TOKEN, fast
from tests.tooling import require_tool

REPO_PATH = "/repos/acme/infra"
FAST = GitHubOptions(
    retries=0,
    backoff_factor=0,
    seconds_between_requests=0,
    seconds_between_writes=0,
    timeout_seconds=5,
)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def repo(github: FakeGitHub) -> FakeRepository:
    return github.add_repository("acme", "infra", {"README.md": b"# infra\n"})


def github_target(github: FakeGitHub, mode: Mode = "pullRequest") -> GitTarget:
    return GitTarget("acme/infra", path="designs/web", mode=mode, github_api_url=github.url)


def published(github: FakeGitHub) -> None:
    """The design ``web`` with its branch and one open pull request, as a publish leaves it."""
    publish(
        github_target(github),
        {"main.tf": b"# web\n"},
        message="Design web",
        design_id="web",
        token=TOKEN,
        options=fast(),
    )
    github.calls.clear()


def close(github: FakeGitHub, design_id: str = "web") -> object:
    return close_design(github_target(github), design_id, token=TOKEN, github=FAST)


def test_closing_on_github_closes_the_pull_request_then_deletes_the_branch_in_order(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    published(github)

    result = close_design(github_target(github), "web", token=TOKEN, github=FAST)

    assert github.requests() == [
        ("GET", REPO_PATH),
        ("GET", f"{REPO_PATH}/pulls"),
        ("PATCH", f"{REPO_PATH}/pulls/1"),
        ("GET", f"{REPO_PATH}/git/ref/heads/autcloud/web"),
        ("DELETE", f"{REPO_PATH}/git/refs/heads/autcloud/web"),
    ]
    assert github.calls[1].query == {"state": "open", "head": "acme:autcloud/web"}
    assert github.calls[2].body == {"state": "closed"}
    assert repo.pulls[0]["state"] == "closed"
    assert "heads/autcloud/web" not in repo.refs and "heads/main" in repo.refs
    assert result.branch_deleted
    assert result.closed_pull_requests == ("https://github.example/acme/infra/pull/1",)


def test_closing_on_github_sends_the_token(github: FakeGitHub, repo: FakeRepository) -> None:
    published(github)

    close(github)

    assert all(call.authorization == f"token {TOKEN}" for call in github.calls)


def test_closing_on_github_leaves_other_designs_alone(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    published(github)

    result = close_design(github_target(github), "orders", token=TOKEN, github=FAST)

    assert not result.branch_deleted and result.closed_pull_requests == ()
    assert repo.pulls[0]["state"] == "open" and "heads/autcloud/web" in repo.refs
    assert github.writes() == []


def test_closing_on_github_twice_is_done_the_second_time(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    published(github)
    close(github)
    github.calls.clear()

    result = close_design(github_target(github), "web", token=TOKEN, github=FAST)

    assert not result.branch_deleted and result.closed_pull_requests == ()
    assert github.writes() == []


def test_a_branch_deleted_meanwhile_on_github_is_not_an_error(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    published(github)

    def someone_deletes_it() -> None:
        del repo.refs["heads/autcloud/web"]

    github.before("DELETE", r"/git/refs/heads/autcloud/web$", someone_deletes_it)

    result = close_design(github_target(github), "web", token=TOKEN, github=FAST)

    assert not result.branch_deleted and len(result.closed_pull_requests) == 1


@pytest.mark.parametrize(
    ("method", "path", "status", "headers", "reason", "retryable"),
    [
        ("GET", r"^/repos/acme/infra$", 401, {}, "GitAuthFailed", False),
        ("PATCH", r"/pulls/1$", 403, {}, "GitAuthFailed", False),
        ("DELETE", r"/git/refs/", 403, {}, "GitAuthFailed", False),
        ("PATCH", r"/pulls/1$", 429, {"retry-after": "30"}, "RateLimited", True),
        ("DELETE", r"/git/refs/", 502, {}, "ServerError", True),
        ("GET", r"/pulls$", 404, {}, "RepositoryNotFound", False),
    ],
)
def test_github_failures_while_closing_map_to_git_sink_reasons(
    github: FakeGitHub,
    repo: FakeRepository,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    reason: str,
    retryable: bool,
) -> None:
    published(github)
    github.fail_next(method, path, status, {"message": f"echo {TOKEN}"}, headers)

    with pytest.raises(GitSinkError) as raised:
        close(github)

    assert (raised.value.reason, raised.value.retryable) == (reason, retryable)
    assert TOKEN not in str(raised.value)


def test_an_unreachable_github_is_retryable(repo: FakeRepository) -> None:
    with FakeGitHub() as stopped:
        url = stopped.url
    target = GitTarget("acme/infra", path="designs/web", github_api_url=url)

    with pytest.raises(GitSinkError) as raised:
        close_design(target, "web", token=TOKEN, github=FAST)

    assert raised.value.reason == "Unreachable" and raised.value.retryable


def test_push_mode_has_nothing_to_close(github: FakeGitHub) -> None:
    with pytest.raises(GitSinkError) as raised:
        close_design(github_target(github, "push"), "web", github=FAST)

    assert raised.value.reason == "InvalidTarget" and "mode" in raised.value.message
    assert github.calls == []


# -- plain git ---------------------------------------------------------------------------------


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BareRemote:
    require_tool("git", "the plain-git back end runs the git program")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    bare.commit_as_someone_else("autcloud/web", {"main.tf": b"# web\n"}, tmp_path / "work")
    return bare


def test_closing_on_a_git_remote_deletes_only_the_design_branch(remote: BareRemote) -> None:
    result = close_design(GitTarget(remote.url, path="designs/web"), "web")

    assert result.branch_deleted and result.closed_pull_requests == ()
    assert remote.branches() == {"main"}


def test_closing_a_design_without_a_branch_on_a_git_remote_is_done(remote: BareRemote) -> None:
    result = close_design(GitTarget(remote.url, path="designs/orders"), "orders")

    assert not result.branch_deleted
    assert remote.branches() == {"main", "autcloud/web"}
