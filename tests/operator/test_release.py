"""What deleting a design does to Git (spec.git.onDelete), against a real bare repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from autcloud.gitsink import GitSinkError, publish
from autcloud.operator.release import release_git
from autcloud.operator.spec import parse_spec
from tests.gitsink.bare_remote import BareRemote
from tests.gitsink.fake_github import TOKEN, FakeGitHub
from tests.gitsink.test_github import fast


@pytest.fixture
def remote(tmp_path: Path) -> BareRemote:
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    bare.commit_as_someone_else("autcloud/web", {"main.tf": b"# design\n"}, tmp_path / "work")
    return bare


def git_spec(remote: BareRemote, **git: str) -> dict[str, object]:
    return {"request": "x", "git": {"repository": remote.url, **git}}


def test_retain_leaves_the_design_branch_in_place(remote: BareRemote) -> None:
    released = release_git("web", parse_spec("web", git_spec(remote)).git, None)

    assert released.reason == "Retained"
    assert remote.branches() == {"main", "autcloud/web"}


def test_close_pull_request_deletes_the_design_branch_of_a_plain_git_remote(
    remote: BareRemote,
) -> None:
    spec = git_spec(remote, onDelete="ClosePullRequest")

    released = release_git("web", parse_spec("web", spec).git, None)

    assert released.reason == "BranchDeleted"
    assert remote.branches() == {"main"}


def test_close_pull_request_with_no_branch_left_is_done(remote: BareRemote) -> None:
    spec = git_spec(remote, onDelete="ClosePullRequest")

    released = release_git("other", parse_spec("other", spec).git, None)

    assert "did not exist" in released.message
    assert remote.branches() == {"main", "autcloud/web"}


def test_push_mode_has_nothing_to_close(remote: BareRemote) -> None:
    spec = git_spec(remote, onDelete="ClosePullRequest", mode="push")

    assert release_git("web", parse_spec("web", spec).git, None).reason == "Retained"
    assert "main" in remote.branches()


def test_close_pull_request_on_github_closes_it_and_deletes_the_branch() -> None:
    # GitHub cannot run here: the git sink's fake GitHub server stands in for its REST API.
    with FakeGitHub() as github:
        repo = github.add_repository("acme", "infra", {"README.md": b"x\n"})
        spec = {
            "request": "x",
            "git": {
                "repository": "acme/infra",
                "githubAPIURL": github.url,
                "onDelete": "ClosePullRequest",
            },
        }
        git = parse_spec("web", spec).git
        assert git is not None
        publish(
            git.target,
            {"main.tf": b"# web\n"},
            message="m",
            design_id="web",
            token=TOKEN,
            options=fast(),
        )

        released = release_git("web", git, TOKEN, github=fast().github)

    assert (released.type, released.reason) == ("Normal", "PullRequestClosed")
    assert "pull/1" in released.message and "autcloud/web was deleted" in released.message
    assert repo.pulls[0]["state"] == "closed"
    assert set(repo.refs) == {"heads/main"}


def test_a_github_failure_while_closing_raises_for_a_retry() -> None:
    with FakeGitHub() as github:
        github.add_repository("acme", "infra", {"README.md": b"x\n"})
        github.fail_next("GET", r"/pulls$", 503)
        spec = {
            "request": "x",
            "git": {
                "repository": "acme/infra",
                "githubAPIURL": github.url,
                "onDelete": "ClosePullRequest",
            },
        }

        with pytest.raises(GitSinkError) as raised:
            release_git("web", parse_spec("web", spec).git, TOKEN, github=fast().github)

    assert raised.value.reason == "ServerError" and raised.value.retryable


def test_an_unreachable_remote_raises_for_a_retry(tmp_path: Path) -> None:
    spec = {
        "request": "x",
        "git": {"repository": str(tmp_path / "missing.git"), "onDelete": "ClosePullRequest"},
    }

    with pytest.raises(GitSinkError) as raised:
        release_git("web", parse_spec("web", spec).git, None)

    assert raised.value.reason == "RepositoryNotFound"
