"""Publishing to a plain git remote: a real bare repository made with ``git init --bare``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from autcloud.gitsink import (
    GitSinkError,
    GitTarget,
    PublishOptions,
    PublishResult,
    git_sink,
    publish,
)
from autcloud.gitsink.target import Mode
from tests.gitsink.bare_remote import BareRemote
from tests.tooling import require_tool

FILES = {
    "main.tf": b'resource "aws_vpc" "main" {}\n',
    "modules/network/vpc.tf": b"# network\n",
    "diagram.svg": b"<svg/>",
}


@pytest.fixture(autouse=True)
def _hermetic_git(monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("git", "the plain-git back end runs the git program")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # the developer's ~/.gitconfig stays out
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def remote(tmp_path: Path) -> BareRemote:
    """A remote whose main branch already holds a README (an ordinary, non-empty repository)."""
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"# infra\n"}, tmp_path / "seed")
    return bare


@pytest.fixture
def empty_remote(tmp_path: Path) -> BareRemote:
    return BareRemote(tmp_path / "empty.git")


@pytest.fixture
def options(tmp_path: Path) -> PublishOptions:
    return PublishOptions(cache_dir=tmp_path / "cache")


def target(remote: BareRemote, mode: Mode = "pullRequest", path: str = "designs/web") -> GitTarget:
    return GitTarget(
        remote.url, path=path, mode=mode, author_name="AutCloud Bot", author_email="bot@example.com"
    )


def publish_web(
    remote: BareRemote,
    options: PublishOptions,
    files: dict[str, bytes] = FILES,
    *,
    mode: Mode = "pullRequest",
    design_id: str = "web",
    path: str = "designs/web",
) -> PublishResult:
    return publish(
        target(remote, mode, path),
        files,
        message=f"Design {design_id}",
        design_id=design_id,
        options=options,
    )


def under(folder: str, files: dict[str, bytes]) -> dict[str, bytes]:
    return {f"{folder}/{name}": data for name, data in files.items()}


def test_first_publish_commits_exactly_the_files_on_the_design_branch(
    remote: BareRemote, options: PublishOptions
) -> None:
    result = publish_web(remote, options)

    assert result.changed and result.branch == "autcloud/web"
    assert remote.head("autcloud/web") == result.commit_sha
    assert remote.files("autcloud/web") == {
        "README.md": b"# infra\n",
        **under("designs/web", FILES),
    }
    assert len(remote.history("autcloud/web")) == 2  # the base commit and ours


def test_the_commit_carries_the_given_author_and_message(
    remote: BareRemote, options: PublishOptions
) -> None:
    result = publish_web(remote, options)

    assert remote.show(result.commit_sha, "%an <%ae>|%cn <%ce>|%s") == (
        "AutCloud Bot <bot@example.com>|AutCloud Bot <bot@example.com>|Design web"
    )


def test_pull_request_mode_leaves_the_base_branch_alone(
    remote: BareRemote, options: PublishOptions
) -> None:
    base = remote.head("main")

    result = publish_web(remote, options)

    assert remote.head("main") == base
    assert result.pull_request_url is None  # a plain git remote has no pull requests
    assert remote.history("autcloud/web")[1] == base


def test_an_identical_second_publish_makes_no_commit(
    remote: BareRemote, options: PublishOptions
) -> None:
    first = publish_web(remote, options)

    second = publish_web(remote, options)

    assert not second.changed
    assert second.commit_sha == first.commit_sha
    assert second.branch == "autcloud/web"
    assert remote.history("autcloud/web")[0] == first.commit_sha


def test_a_restarted_publisher_with_no_cache_makes_no_second_commit(
    remote: BareRemote, options: PublishOptions, tmp_path: Path
) -> None:
    first = publish_web(remote, options)

    again = publish_web(remote, PublishOptions(cache_dir=tmp_path / "fresh-cache"))

    assert not again.changed and again.commit_sha == first.commit_sha


def test_a_changed_design_makes_a_new_commit_and_removed_files_disappear(
    remote: BareRemote, options: PublishOptions
) -> None:
    first = publish_web(remote, options)

    second = publish_web(remote, options, {"main.tf": b"changed\n"})

    assert second.changed and remote.history("autcloud/web")[:2] == [
        second.commit_sha,
        first.commit_sha,
    ]
    assert remote.files("autcloud/web") == {
        "README.md": b"# infra\n",
        "designs/web/main.tf": b"changed\n",
    }


def test_files_outside_the_folder_are_kept(remote: BareRemote, options: PublishOptions) -> None:
    publish_web(remote, options, mode="push", design_id="api", path="designs/api")

    publish_web(remote, options, mode="push")
    publish_web(remote, options, {"main.tf": b"v2\n"}, mode="push")

    files = remote.files("main")
    assert set(under("designs/api", FILES)) <= set(files)
    assert files["designs/web/main.tf"] == b"v2\n" and files["README.md"] == b"# infra\n"


def test_push_mode_commits_on_the_base_branch(remote: BareRemote, options: PublishOptions) -> None:
    base = remote.head("main")

    result = publish_web(remote, options, mode="push")

    assert result.branch == "main" and remote.head("main") == result.commit_sha
    assert remote.history("main")[1] == base
    assert remote.branches() == {"main"}


def test_bytes_are_published_exactly_as_given(remote: BareRemote, options: PublishOptions) -> None:
    awkward = {"crlf.txt": b"a\r\nb\r\n", "binary.bin": bytes(range(256)), "no-newline.tf": b"x"}

    publish_web(remote, options, awkward)

    assert remote.files("autcloud/web") == {
        "README.md": b"# infra\n",
        **under("designs/web", awkward),
    }


def test_content_already_on_the_base_branch_creates_no_design_branch(
    remote: BareRemote, options: PublishOptions
) -> None:
    pushed = publish_web(remote, options, mode="push")

    result = publish_web(remote, options, mode="pullRequest")

    assert not result.changed and result.branch == "main" and result.commit_sha == pushed.commit_sha
    assert remote.branches() == {"main"}


def test_an_empty_remote_gets_a_first_commit_on_the_base_branch(
    empty_remote: BareRemote, options: PublishOptions
) -> None:
    result = publish_web(empty_remote, options, mode="push")

    assert result.changed and empty_remote.history("main") == [result.commit_sha]
    assert empty_remote.files("main") == under("designs/web", FILES)


def test_an_empty_remote_in_pull_request_mode_gets_the_design_branch(
    empty_remote: BareRemote, options: PublishOptions
) -> None:
    result = publish_web(empty_remote, options)

    assert empty_remote.branches() == {"autcloud/web"}
    assert empty_remote.history("autcloud/web") == [result.commit_sha]


def test_an_empty_remote_in_pull_request_mode_takes_later_publishes_on_the_design_branch(
    empty_remote: BareRemote, options: PublishOptions
) -> None:
    # Regression: the second publish used to fail with "base_branch 'main' does not exist".
    first = publish_web(empty_remote, options)

    second = publish_web(empty_remote, options, {**FILES, "main.tf": b"# revised\n"})

    assert second.changed and second.branch == "autcloud/web"
    assert empty_remote.history("autcloud/web") == [second.commit_sha, first.commit_sha]
    assert empty_remote.files("autcloud/web")["designs/web/main.tf"] == b"# revised\n"
    assert empty_remote.branches() == {"autcloud/web"}


def test_an_identical_publish_to_an_empty_remote_in_pull_request_mode_makes_no_commit(
    empty_remote: BareRemote, options: PublishOptions
) -> None:
    first = publish_web(empty_remote, options)

    again = publish_web(empty_remote, options)

    assert not again.changed and again.commit_sha == first.commit_sha
    assert again.branch == "autcloud/web"


def test_a_second_design_on_a_remote_holding_only_design_branches_starts_its_own_root(
    empty_remote: BareRemote, options: PublishOptions
) -> None:
    publish_web(empty_remote, options)

    other = publish_web(empty_remote, options, design_id="orders", path="designs/orders")

    assert empty_remote.branches() == {"autcloud/web", "autcloud/orders"}
    assert empty_remote.history("autcloud/orders") == [other.commit_sha]
    assert set(empty_remote.files("autcloud/orders")) == set(under("designs/orders", FILES))


def test_a_missing_base_branch_next_to_other_branches_is_still_an_invalid_target(
    empty_remote: BareRemote, options: PublishOptions, tmp_path: Path
) -> None:
    publish_web(empty_remote, options)
    empty_remote.commit_as_someone_else("develop", {"README.md": b"x\n"}, tmp_path / "work")

    with pytest.raises(GitSinkError) as raised:
        publish_web(empty_remote, options)

    assert raised.value.reason == "InvalidTarget" and "base_branch" in raised.value.message


def test_a_repository_root_target_replaces_everything(
    remote: BareRemote, options: PublishOptions
) -> None:
    publish_web(remote, options, {"main.tf": b"x\n"}, mode="push", path=".")

    assert remote.files("main") == {"main.tf": b"x\n"}


def test_a_missing_base_branch_is_an_invalid_target(
    remote: BareRemote, options: PublishOptions
) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish(
            GitTarget(remote.url, path="d", base_branch="develop"),
            FILES,
            message="m",
            design_id="web",
            options=options,
        )

    assert raised.value.reason == "InvalidTarget" and not raised.value.retryable
    assert "base_branch" in raised.value.message and "main" in raised.value.message


def test_concurrent_publishes_of_two_designs_to_the_base_branch_both_land(
    remote: BareRemote, tmp_path: Path
) -> None:
    start = threading.Barrier(4)
    results: dict[str, PublishResult] = {}
    errors: list[BaseException] = []

    def publish_design(name: str, cache: str) -> None:
        start.wait()
        try:
            results[name] = publish_web(
                remote,
                # Two pods, or one pod's two workers; attempts above the default so a loaded CI
                # machine cannot starve one writer (this test is about both landing).
                PublishOptions(cache_dir=tmp_path / cache, git_attempts=10),
                {"main.tf": name.encode()},
                mode="push",
                design_id=name,
                path=f"designs/{name}",
            )
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=publish_design, args=(name, cache))
        for name, cache in (("a", "shared"), ("b", "shared"), ("c", "own-c"), ("d", "own-d"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    files = remote.files("main")
    assert all(files[f"designs/{name}/main.tf"] == name.encode() for name in "abcd")
    assert {result.commit_sha for result in results.values()} <= set(remote.history("main"))
    assert len(remote.history("main")) == 5


def test_concurrent_pull_request_publishes_get_a_branch_each(
    remote: BareRemote, options: PublishOptions
) -> None:
    threads = [
        threading.Thread(target=publish_web, args=(remote, options), kwargs={"design_id": name})
        for name in ("a", "b", "c")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert remote.branches() == {"main", "autcloud/a", "autcloud/b", "autcloud/c"}


def someone_pushes_before_each_of_our_pushes(
    monkeypatch: pytest.MonkeyPatch, remote: BareRemote, work: Path, times: int
) -> list[str]:
    """After the sink has built its commit and before it pushes, another writer moves main —
    the race a non-fast-forward retry exists for, made to happen every time."""
    pushed: list[str] = []
    prepare: Callable[..., object] = git_sink._prepare

    def prepare_then_race(*args: object, **kwargs: object) -> object:
        commit = prepare(*args, **kwargs)
        if len(pushed) < times:
            name = f"docs/other-{len(pushed)}.md"
            pushed.append(remote.commit_as_someone_else("main", {name: b"x\n"}, work))
        return commit

    monkeypatch.setattr(git_sink, "_prepare", prepare_then_race)
    return pushed


def test_a_base_branch_that_moved_before_our_push_is_retried_on_its_new_head(
    remote: BareRemote, options: PublishOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = someone_pushes_before_each_of_our_pushes(monkeypatch, remote, tmp_path / "other", 1)

    result = publish_web(remote, options, mode="push")

    assert result.changed and remote.head("main") == result.commit_sha
    assert remote.history("main")[1] == others[0]  # on top of the other writer's commit
    assert "docs/other-0.md" in remote.files("main")


def test_a_branch_that_keeps_moving_ends_in_a_retryable_push_rejected(
    remote: BareRemote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    someone_pushes_before_each_of_our_pushes(monkeypatch, remote, tmp_path / "other", 99)
    options = PublishOptions(cache_dir=tmp_path / "cache", git_attempts=2)

    with pytest.raises(GitSinkError) as raised:
        publish_web(remote, options, mode="push")

    assert raised.value.reason == "PushRejected" and raised.value.retryable
    assert raised.value.retry_after is not None


def test_a_push_refused_by_a_hook_is_push_rejected_and_not_retryable(
    remote: BareRemote, options: PublishOptions
) -> None:
    hook = remote.path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)

    with pytest.raises(GitSinkError) as raised:
        publish_web(remote, options, mode="push")

    assert raised.value.reason == "PushRejected" and not raised.value.retryable
    assert "hook declined" in raised.value.message


def test_a_missing_local_repository_is_repository_not_found(
    tmp_path: Path, options: PublishOptions
) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish(
            GitTarget(str(tmp_path / "nowhere.git"), path="d"),
            FILES,
            message="m",
            design_id="web",
            options=options,
        )

    assert raised.value.reason == "RepositoryNotFound" and not raised.value.retryable


def test_a_publish_logs_what_it_did(
    remote: BareRemote, options: PublishOptions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="autcloud.gitsink")

    result = publish_web(remote, options)

    assert f"commit={result.commit_sha} changed=True" in caplog.text


def test_a_damaged_cache_is_rebuilt_and_the_publish_goes_on(
    remote: BareRemote, options: PublishOptions, caplog: pytest.LogCaptureFixture
) -> None:
    first = publish_web(remote, options)
    for cache in options.cache_dir.glob("*.git"):
        (cache / "HEAD").write_text("garbage\n")  # e.g. a half-written file after a crash

    again = publish_web(remote, options)

    assert not again.changed and again.commit_sha == first.commit_sha
    assert "rebuilding a damaged git cache" in caplog.text
