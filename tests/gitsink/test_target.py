"""Which back end a repository string means, and the bad inputs refused before any network call."""

from __future__ import annotations

from pathlib import Path

import pytest

from autcloud.gitsink import (
    GitHubRepository,
    GitRemote,
    GitSinkError,
    GitTarget,
    parse_target,
    publish,
)
from autcloud.gitsink.content import git_blob_sha, place
from autcloud.gitsink.errors import redact

GITHUB = "https://api.github.com"


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ("acme/infra", GitHubRepository("acme", "infra", GITHUB)),
        ("https://github.com/acme/infra", GitHubRepository("acme", "infra", GITHUB)),
        ("https://github.com/acme/infra.git", GitHubRepository("acme", "infra", GITHUB)),
        ("https://github.com/acme/infra/", GitHubRepository("acme", "infra", GITHUB)),
        ("git@github.com:acme/infra.git", GitRemote("git@github.com:acme/infra.git")),
        (
            "ssh://git@gitlab.example/acme/infra.git",
            GitRemote("ssh://git@gitlab.example/acme/infra.git"),
        ),
        (
            "https://gitlab.example/acme/infra.git",
            GitRemote("https://gitlab.example/acme/infra.git"),
        ),
        ("file:///srv/git/infra.git", GitRemote("file:///srv/git/infra.git")),
        ("/srv/git/infra.git", GitRemote("/srv/git/infra.git")),
    ],
)
def test_a_repository_string_picks_its_back_end(repository: str, expected: object) -> None:
    assert parse_target(repository) == expected


def test_a_relative_local_path_is_resolved_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert parse_target("./repos/infra.git") == GitRemote(str(tmp_path / "repos" / "infra.git"))


def test_github_enterprise_urls_go_to_the_given_api() -> None:
    api = "https://ghe.example.com/api/v3"

    assert parse_target("https://ghe.example.com/acme/infra", api) == GitHubRepository(
        "acme", "infra", api
    )
    assert parse_target("acme/infra", api) == GitHubRepository("acme", "infra", api)


@pytest.mark.parametrize(
    "repository",
    ["", "   ", "infra", "https://github.com/acme", "https://user:pw@gitlab.example/a/b.git"],
)
def test_a_repository_no_back_end_serves_is_an_invalid_target(repository: str) -> None:
    with pytest.raises(GitSinkError) as raised:
        parse_target(repository)

    assert raised.value.reason == "InvalidTarget" and not raised.value.retryable
    assert "repository" in raised.value.message


@pytest.mark.parametrize("path", ["", "/abs", "../up", "a/../../b", "a\\b", ".git/hooks"])
def test_a_folder_outside_the_repository_is_refused(path: str) -> None:
    with pytest.raises(GitSinkError) as raised:
        place(path, {"main.tf": b""})

    assert raised.value.reason == "InvalidTarget" and raised.value.message.startswith("path:")


@pytest.mark.parametrize("name", ["../escape.tf", "/etc/passwd", ".git/config", ""])
def test_a_file_name_outside_the_folder_is_refused(name: str) -> None:
    with pytest.raises(GitSinkError) as raised:
        place("designs/web", {name: b""})

    assert raised.value.message.startswith("files[")


def test_files_are_placed_under_the_folder_with_normalised_paths() -> None:
    content = place("./designs//web/", {"main.tf": b"a", "./modules/x.tf": b"b"})

    assert content.folder == "designs/web"
    assert dict(content.files) == {"designs/web/main.tf": b"a", "designs/web/modules/x.tf": b"b"}


def test_the_root_folder_is_spelled_as_a_dot() -> None:
    assert place(".", {"main.tf": b""}).folder == ""


def test_a_name_that_is_both_file_and_folder_is_refused() -> None:
    with pytest.raises(GitSinkError, match="both a file and a folder"):
        place("d", {"x": b"", "x/y.tf": b""})


def test_no_files_is_refused() -> None:
    with pytest.raises(GitSinkError, match="files: empty"):
        place("d", {})


def test_the_blob_id_is_the_one_git_computes() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"base_branch": "a..b"}, "base_branch"),
        ({"mode": "merge"}, "mode"),
        ({"author_email": "x <y>"}, "author_email"),
        ({"author_name": " "}, "author_name"),
    ],
)
def test_a_bad_target_field_is_named_before_any_network_call(
    changes: dict[str, str], field: str
) -> None:
    target = GitTarget(**{"repository": "/nonexistent/repo.git", "path": "d", **changes})  # type: ignore[arg-type]

    with pytest.raises(GitSinkError) as raised:
        publish(target, {"main.tf": b""}, message="m", design_id="web")

    assert raised.value.reason == "InvalidTarget" and raised.value.message.startswith(field)


@pytest.mark.parametrize("design_id", ["", "-x", "a..b", "a b", "x.lock", "ns/.hidden"])
def test_a_design_id_that_cannot_name_a_branch_is_refused(design_id: str) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish(
            GitTarget("/nonexistent.git", path="d"), {"a": b""}, message="m", design_id=design_id
        )

    assert raised.value.message.startswith("design_id")


def test_redaction_hides_every_secret_but_not_short_fragments() -> None:
    assert redact("token abcdef and abcdef", "abcdef") == "token *** and ***"
    assert redact("a b c", "a") == "a b c"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        (GitHubRepository("acme", "infra", GITHUB), "https://github.com/acme/infra/commit/abc123"),
        (
            GitHubRepository("acme", "infra", "https://ghe.example.com/api/v3"),
            "https://ghe.example.com/acme/infra/commit/abc123",
        ),
        (
            GitRemote("https://bot:s3cret@git.example.com/acme/infra.git"),
            "https://git.example.com/acme/infra.git#abc123",
        ),
        (
            GitRemote("git@git.example.com:acme/infra.git"),
            "git@git.example.com:acme/infra.git#abc123",
        ),
    ],
)
def test_status_commit_url_names_the_commit_without_credentials(
    remote: GitHubRepository | GitRemote, expected: str
) -> None:
    """status.git.commitURL: GitHub's (or GitHub Enterprise's) commit page; for plain git the
    remote without its user and password, then the commit."""
    assert remote.commit_url("abc123") == expected
