"""What deleting a design does to Git (spec.git.onDelete), against a real bare repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from autcloud.gitsink import GitSinkError
from autcloud.operator.release import release_git
from autcloud.operator.spec import parse_spec
from tests.gitsink.bare_remote import BareRemote


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


def test_a_github_pull_request_is_left_open_with_a_warning() -> None:
    spec = {"request": "x", "git": {"repository": "acme/infra", "onDelete": "ClosePullRequest"}}

    released = release_git("web", parse_spec("web", spec).git, None)

    assert (released.type, released.reason) == ("Warning", "ClosePullRequestUnsupported")


def test_an_unreachable_remote_raises_for_a_retry(tmp_path: Path) -> None:
    spec = {
        "request": "x",
        "git": {"repository": str(tmp_path / "missing.git"), "onDelete": "ClosePullRequest"},
    }

    with pytest.raises(GitSinkError) as raised:
        release_git("web", parse_spec("web", spec).git, None)

    assert raised.value.reason == "RepositoryNotFound"
