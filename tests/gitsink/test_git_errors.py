"""Plain-git remotes that need credentials, or cannot be reached: what the caller is told.

The https remote is git's own ``git http-backend`` behind a token check on 127.0.0.1
(tests/gitsink/smart_http.py): real git on both ends, only TLS is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from autcloud.gitsink import GitSinkError, GitTarget, PublishOptions, PublishResult, publish
from tests.gitsink.bare_remote import BareRemote
from tests.gitsink.smart_http import SmartHttpRemote
from tests.tooling import require_tool

TOKEN = "glpat-SECRET-token-never-shown-42"
FILES = {"main.tf": b"# design\n"}


@pytest.fixture(autouse=True)
def _hermetic_git(monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("git", "the plain-git back end runs the git program")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def http_remote(tmp_path: Path) -> Iterator[SmartHttpRemote]:
    BareRemote(tmp_path / "served" / "infra.git")
    with SmartHttpRemote(tmp_path / "served", "x-access-token", TOKEN) as server:
        yield server


def publish_to(url: str, tmp_path: Path, token: str | None) -> PublishResult:
    return publish(
        GitTarget(url, path="designs/web", mode="push"),
        FILES,
        message="Design web",
        design_id="web",
        token=token,
        options=PublishOptions(cache_dir=tmp_path / "cache", git_timeout_seconds=20),
    )


def test_a_token_publishes_to_an_https_remote(http_remote: SmartHttpRemote, tmp_path: Path) -> None:
    result = publish_to(f"{http_remote.url}/infra.git", tmp_path, TOKEN)

    served = BareRemote(tmp_path / "served" / "infra.git", create=False)
    assert result.changed and served.head("main") == result.commit_sha
    assert served.files("main") == {"designs/web/main.tf": b"# design\n"}
    assert set(http_remote.seen_authorization) == {http_remote.expected}


def test_a_wrong_token_is_git_auth_failed_and_never_shown(
    http_remote: SmartHttpRemote, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "glpat-WRONG-token-also-secret-7"

    with pytest.raises(GitSinkError) as raised:
        publish_to(f"{http_remote.url}/infra.git", tmp_path, wrong)

    assert raised.value.reason == "GitAuthFailed" and not raised.value.retryable
    assert wrong not in str(raised.value) and wrong not in caplog.text
    assert any(header.startswith("Basic ") for header in http_remote.seen_authorization)


def test_no_token_for_a_remote_that_needs_one_fails_at_once_without_a_prompt(
    http_remote: SmartHttpRemote, tmp_path: Path
) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish_to(f"{http_remote.url}/infra.git", tmp_path, None)

    assert raised.value.reason == "GitAuthFailed"


def test_an_unreachable_remote_is_retryable(tmp_path: Path) -> None:
    with SmartHttpRemote(tmp_path, "u", TOKEN) as stopped:
        url = stopped.url  # nothing listens there once the server stops

    with pytest.raises(GitSinkError) as raised:
        publish_to(f"{url}/infra.git", tmp_path, TOKEN)

    assert raised.value.reason == "Unreachable" and raised.value.retryable
    assert TOKEN not in raised.value.message


def test_a_missing_repository_on_an_https_remote_is_repository_not_found(
    http_remote: SmartHttpRemote, tmp_path: Path
) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish_to(f"{http_remote.url}/missing.git", tmp_path, TOKEN)

    assert raised.value.reason == "RepositoryNotFound"
