"""The GitHub stand-in answers as GitHub does, so the sink's tests hold the real contract.

Each rule is checked through PyGithub, the client the sink uses, the way the sink calls it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from github import Auth, Github, GithubException, InputGitTreeElement
from github.Repository import Repository

from tests.gitsink.fake_github import TOKEN, FakeGitHub, FakeRepository


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def repo(github: FakeGitHub) -> FakeRepository:
    return github.add_repository("acme", "infra", {"README.md": b"# infra\n"})


def client(github: FakeGitHub, token: str | None = TOKEN, per_page: int = 30) -> Github:
    auth = Auth.Token(token) if token else None
    return Github(auth=auth, base_url=github.url, per_page=per_page, retry=None)


def remote(github: FakeGitHub, token: str | None = TOKEN, per_page: int = 30) -> Repository:
    return client(github, token, per_page).get_repo("acme/infra")


def refused(action: object) -> GithubException:
    with pytest.raises(GithubException) as raised:
        action() if callable(action) else None
    return raised.value


def test_a_wrong_token_is_401_bad_credentials(github: FakeGitHub, repo: FakeRepository) -> None:
    error = refused(lambda: remote(github, "ghp_wrong"))

    assert (error.status, error.data["message"]) == (401, "Bad credentials")


def test_without_a_token_a_private_repository_is_hidden_and_writes_need_authentication(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    assert refused(lambda: remote(github, None)).status == 404
    repo.private = False
    anonymous = remote(github, None)

    error = refused(lambda: anonymous.create_git_blob("aGk=", "base64"))

    assert (error.status, error.data["message"]) == (401, "Requires authentication")


def test_a_second_open_pull_request_for_the_same_head_is_refused(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    repo.commit_files("feature", {"a.tf": b"a\n"})
    gh = remote(github)
    gh.create_pull(base="main", head="feature", title="first")

    error = refused(lambda: gh.create_pull(base="main", head="feature", title="second"))

    assert error.status == 422
    assert error.data["errors"][0]["message"] == "A pull request already exists for acme:feature."
    assert len(repo.pulls) == 1


def test_a_pull_request_needs_an_existing_base_branch(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    repo.commit_files("feature", {"a.tf": b"a\n"})

    error = refused(lambda: remote(github).create_pull(base="mian", head="feature", title="t"))

    assert error.status == 422
    assert error.data["errors"] == [{"resource": "PullRequest", "field": "base", "code": "invalid"}]


def test_listing_pull_requests_by_state_open_closed_and_all(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    for branch in ("a", "b", "c"):
        repo.commit_files(branch, {f"{branch}.tf": b"x\n"})
        repo.open_pull(branch)
    repo.pulls[1]["state"] = "closed"
    gh = remote(github)

    def numbers(state: str) -> list[int]:
        return [pull.number for pull in gh.get_pulls(state=state)]

    assert numbers("open") == [3, 1]  # newest first, as GitHub lists them
    assert numbers("closed") == [2]
    assert numbers("all") == [3, 2, 1]
    assert refused(lambda: numbers("merged")).status == 422


def test_pull_requests_are_listed_in_pages_that_pygithub_follows(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    for number in range(7):
        repo.commit_files(f"b{number}", {"x.tf": b"%d\n" % number})
        repo.open_pull(f"b{number}")

    listed = [pull.number for pull in remote(github, per_page=3).get_pulls(state="all")]

    assert listed == [7, 6, 5, 4, 3, 2, 1]
    pages = [call.query.get("page", "1") for call in github.calls if call.path.endswith("/pulls")]
    assert pages == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/abs.tf", "tree.path cannot start with a slash"),
        ("designs/../escape.tf", "tree.path contains a malformed path component"),
        ("designs//web.tf", "tree.path contains a malformed path component"),
        ("designs/./web.tf", "tree.path contains a malformed path component"),
        (".git/config", "tree.path contains a malformed path component"),
        ("designs/", "tree.path cannot end with a slash"),
    ],
)
def test_bad_tree_paths_are_refused_like_github(
    github: FakeGitHub, repo: FakeRepository, path: str, message: str
) -> None:
    gh = remote(github)
    blob = gh.create_git_blob("aGk=", "base64")

    error = refused(
        lambda: gh.create_git_tree([InputGitTreeElement(path, "100644", "blob", sha=blob.sha)])
    )

    assert (error.status, error.data["message"]) == (422, message)
