"""Publishing to GitHub through PyGithub.

GitHub cannot run here, so a local HTTP server (tests/gitsink/fake_github.py) stands in for the
REST endpoints PyGithub calls; PyGithub talks to it through ``base_url`` exactly as it would to
api.github.com. The fake keeps git's real object ids and refuses non-fast-forward ref updates,
so these tests check the sink's requests against GitHub's rules, not only their order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from autcloud.gitsink import (
    GitHubOptions,
    GitSinkError,
    GitTarget,
    PublishOptions,
    PublishResult,
    publish,
)
from autcloud.gitsink.target import Mode
from tests.gitsink.fake_github import TOKEN, FakeGitHub, FakeRepository

__all__ = ["TOKEN", "fast"]  # test_close.py reuses them
FILES = {"main.tf": b'resource "aws_vpc" "main" {}\n', "variables.tf": b"# none\n"}
REPO_PATH = "/repos/acme/infra"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def repo(github: FakeGitHub) -> FakeRepository:
    return github.add_repository("acme", "infra", {"README.md": b"# infra\n"})


def target(github: FakeGitHub, mode: Mode = "pullRequest") -> GitTarget:
    return GitTarget(
        "acme/infra",
        path="designs/web",
        mode=mode,
        author_name="AutCloud Bot",
        author_email="bot@example.com",
        github_api_url=github.url,
    )


def fast(retries: int = 0) -> PublishOptions:
    """No pauses between requests and no retries unless asked: fast, deterministic tests."""
    return PublishOptions(
        github=GitHubOptions(
            retries=retries,
            backoff_factor=0,
            seconds_between_requests=0,
            seconds_between_writes=0,
            timeout_seconds=5,
        )
    )


def run(
    github: FakeGitHub,
    files: dict[str, bytes] = FILES,
    *,
    mode: Mode = "pullRequest",
    body: str = "The body",
    retries: int = 0,
) -> PublishResult:
    return publish(
        target(github, mode),
        files,
        message="Design web: first version",
        design_id="web",
        pr_title="AutCloud: web",
        pr_body=body,
        token=TOKEN,
        options=fast(retries),
    )


def test_first_publish_makes_one_commit_through_the_git_data_api_in_order(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    base = repo.refs["heads/main"]
    base_tree = repo.commits[base]["tree"]

    result = run(github)

    assert github.requests() == [
        ("GET", REPO_PATH),
        ("GET", f"{REPO_PATH}/git/ref/heads/main"),
        ("GET", f"{REPO_PATH}/git/ref/heads/autcloud/web"),
        ("GET", f"{REPO_PATH}/git/commits/{base}"),
        ("GET", f"{REPO_PATH}/git/trees/{base_tree}"),
        ("POST", f"{REPO_PATH}/git/blobs"),
        ("POST", f"{REPO_PATH}/git/blobs"),
        ("POST", f"{REPO_PATH}/git/trees"),
        ("POST", f"{REPO_PATH}/git/commits"),
        ("POST", f"{REPO_PATH}/git/refs"),
        ("GET", f"{REPO_PATH}/pulls"),
        ("POST", f"{REPO_PATH}/pulls"),
    ]
    calls = github.calls
    assert calls[4].query == {"recursive": "1"}
    assert [c.body["encoding"] for c in calls[5:7]] == ["base64", "base64"]
    assert calls[7].body["base_tree"] == base_tree
    assert {e["path"] for e in calls[7].body["tree"]} == {
        "designs/web/main.tf",
        "designs/web/variables.tf",
    }
    assert calls[8].body["parents"] == [base]
    assert calls[8].body["author"]["name"] == "AutCloud Bot"
    assert calls[8].body["message"] == "Design web: first version"
    assert calls[9].body == {"ref": "refs/heads/autcloud/web", "sha": result.commit_sha}
    assert calls[10].query["head"] == "acme:autcloud/web" and calls[10].query["base"] == "main"
    assert calls[11].body == {
        "title": "AutCloud: web",
        "body": "The body",
        "head": "autcloud/web",
        "base": "main",
    }
    assert result.changed and result.branch == "autcloud/web"
    assert result.pull_request_url == "https://github.example/acme/infra/pull/1"


def test_the_branch_holds_the_base_content_plus_exactly_the_files(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github)

    assert repo.files("autcloud/web") == {
        "README.md": b"# infra\n",
        "designs/web/main.tf": FILES["main.tf"],
        "designs/web/variables.tf": FILES["variables.tf"],
    }
    assert repo.refs["heads/main"] == repo.history("main")[0]  # base untouched
    assert len(repo.history("main")) == 1


def test_the_token_is_sent_to_github_as_the_authorization(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github)

    assert {call.authorization for call in github.calls} == {f"token {TOKEN}"}


def test_an_identical_second_publish_writes_nothing_and_reports_the_existing_commit(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    first = run(github)
    github.calls.clear()

    second = run(github)

    assert not second.changed
    assert second.commit_sha == first.commit_sha
    assert second.pull_request_url == first.pull_request_url
    assert github.writes() == []  # no blob, tree, commit, ref or pull request write
    assert ("GET", f"{REPO_PATH}/pulls") in github.requests()


def test_a_changed_design_commits_on_top_of_the_branch_and_drops_removed_files(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    first = run(github)
    github.calls.clear()

    second = run(github, {"main.tf": b"changed\n"})

    assert second.changed and second.commit_sha != first.commit_sha
    assert repo.files("autcloud/web") == {
        "README.md": b"# infra\n",
        "designs/web/main.tf": b"changed\n",
    }
    tree_body = next(
        c.body for c in github.calls if c.path.endswith("/git/trees") and c.method == "POST"
    )
    assert {"path": "designs/web/variables.tf", "mode": "100644", "type": "blob", "sha": None} in (
        tree_body["tree"]
    )
    assert repo.history("autcloud/web")[:2] == [second.commit_sha, first.commit_sha]
    assert ("PATCH", f"{REPO_PATH}/git/refs/heads/autcloud/web") in github.writes()
    assert sum(1 for m, p in github.writes() if p.endswith("/git/blobs")) == 1  # only the change


def test_the_open_pull_request_is_updated_not_duplicated(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github, body="Version 1")
    github.calls.clear()

    result = run(github, {"main.tf": b"v2\n"}, body="Version 2")

    assert ("PATCH", f"{REPO_PATH}/pulls/1") in github.writes()
    assert ("POST", f"{REPO_PATH}/pulls") not in github.writes()
    assert len(repo.pulls) == 1 and repo.pulls[0]["body"] == "Version 2"
    assert result.pull_request_url == "https://github.example/acme/infra/pull/1"


def test_a_pull_request_lost_after_the_branch_moved_is_created_on_the_next_publish(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.fail_next("POST", r"/pulls$", 502)
    with pytest.raises(GitSinkError):
        run(github)  # the commit landed, the pull request did not (the operator retries)
    github.calls.clear()

    result = run(github)

    assert not result.changed
    assert github.writes() == [("POST", f"{REPO_PATH}/pulls")]
    assert result.pull_request_url is not None


def test_push_mode_moves_the_base_branch_and_opens_no_pull_request(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    result = run(github, mode="push")

    assert github.writes()[-1] == ("PATCH", f"{REPO_PATH}/git/refs/heads/main")
    assert github.calls[-1].body == {"sha": result.commit_sha, "force": False}
    assert not any("/pulls" in path for _, path in github.requests())
    assert result.branch == "main" and result.pull_request_url is None
    assert repo.files("main")["designs/web/main.tf"] == FILES["main.tf"]


def test_content_already_on_the_base_branch_needs_no_branch_and_no_pull_request(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github, mode="push")
    github.calls.clear()

    result = run(github, mode="pullRequest")

    assert not result.changed and result.branch == "main" and result.pull_request_url is None
    assert github.writes() == []
    assert "heads/autcloud/web" not in repo.refs


def test_a_design_branch_already_merged_gets_no_new_pull_request(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github)
    repo.pulls[0]["state"] = "closed"
    repo.refs["heads/main"] = repo.refs["heads/autcloud/web"]  # merged (fast-forward)
    github.calls.clear()

    result = run(github)

    assert not result.changed and result.pull_request_url is None
    assert github.writes() == [("POST", f"{REPO_PATH}/pulls")]  # refused: nothing to propose
    assert len(repo.pulls) == 1


def test_a_base_branch_that_moved_before_the_ref_update_is_retried_on_its_new_head(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    someone = []
    github.before(
        "PATCH",
        r"/git/refs/heads/main$",
        lambda: someone.append(repo.commit_files("main", {"docs/x.md": b"x\n"})),
    )

    result = run(github, mode="push")

    refused, accepted = [c for c in github.calls if c.method == "PATCH"]
    assert result.changed and repo.refs["heads/main"] == result.commit_sha
    assert repo.history("main")[1] == someone[0]  # ours sits on top of the other commit
    assert set(repo.files("main")) >= {"docs/x.md", "designs/web/main.tf"}
    assert refused.body["sha"] != accepted.body["sha"]


def test_a_failed_commit_creation_leaves_every_ref_as_it_was(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    refs = dict(repo.refs)
    github.fail_next("POST", r"/git/commits$", 502, {"message": "Server Error"})

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "ServerError" and raised.value.retryable
    assert repo.refs == refs
    assert not any("/git/refs" in path for _, path in github.writes())


def test_a_failed_blob_leaves_no_tree_commit_or_ref(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.fail_next("POST", r"/git/blobs$", 500)

    with pytest.raises(GitSinkError):
        run(github)

    assert github.writes() == [("POST", f"{REPO_PATH}/git/blobs")]
    assert "heads/autcloud/web" not in repo.refs


def publish_as(github: FakeGitHub, token: str | None) -> PublishResult:
    return publish(
        target(github),
        FILES,
        message="m",
        design_id="web",
        pr_title="AutCloud: web",
        token=token,
        options=fast(),
    )


def test_a_bad_token_is_git_auth_failed_and_not_retryable(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish_as(github, "ghp_revoked_or_mistyped")

    assert raised.value.reason == "GitAuthFailed"
    assert not raised.value.retryable
    assert "acme/infra" in raised.value.message


def test_a_token_without_write_access_is_git_auth_failed(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.tokens["ghp_read_only"] = "read"

    with pytest.raises(GitSinkError) as raised:
        publish_as(github, "ghp_read_only")

    assert raised.value.reason == "GitAuthFailed" and not raised.value.retryable
    assert "403 Resource not accessible" in raised.value.message
    assert github.writes() == [("POST", f"{REPO_PATH}/git/blobs")]  # refused: nothing written


def test_no_token_for_a_private_repository_says_a_token_is_needed(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish_as(github, None)

    assert raised.value.reason == "RepositoryNotFound" and not raised.value.retryable
    assert "without a token" in raised.value.message
    assert github.calls[0].authorization == ""


def test_a_pull_request_opened_by_another_writer_meanwhile_is_updated_not_duplicated(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    # Another replica opens the design's pull request between our listing and our create:
    # GitHub answers 422 "A pull request already exists"; the sink takes that one over.
    github.before("POST", r"/pulls$", lambda: repo.open_pull("autcloud/web", title="other"))

    result = run(github, body="Ours")

    assert result.pull_request_url is not None and result.pull_request_url.endswith("/pull/1")
    assert [(p["number"], p["title"], p["body"]) for p in repo.pulls] == [
        (1, "AutCloud: web", "Ours")
    ]
    assert github.writes()[-2:] == [
        ("POST", f"{REPO_PATH}/pulls"),
        ("PATCH", f"{REPO_PATH}/pulls/1"),
    ]


def test_a_pull_request_closed_by_a_person_is_followed_by_a_new_one(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github)
    repo.pulls[0]["state"] = "closed"  # closed without merging

    result = run(github, {"main.tf": b"# changed\n"})

    assert result.pull_request_url is not None and result.pull_request_url.endswith("/pull/2")
    assert [p["state"] for p in repo.pulls] == ["closed", "open"]


def test_a_base_branch_deleted_before_the_pull_request_is_named_in_the_error(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.before("POST", r"/pulls$", lambda: repo.refs.pop("heads/main"))

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "InvalidTarget" and not raised.value.retryable
    assert "422 Validation Failed: base invalid" in raised.value.message


def test_a_missing_repository_is_repository_not_found(github: FakeGitHub) -> None:
    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "RepositoryNotFound" and not raised.value.retryable


def test_a_rate_limit_is_retryable_after_the_reset_time(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    reset = int(time.time()) + 120
    github.fail_next(
        "GET",
        r"^/repos/acme/infra$",
        403,
        {"message": "API rate limit exceeded for installation ID 1."},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "RateLimited" and raised.value.retryable
    assert raised.value.retry_after is not None and 100 <= raised.value.retry_after <= 121


def test_a_secondary_rate_limit_429_takes_its_retry_after(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.fail_next("POST", r"/git/blobs$", 429, {"message": "slow down"}, {"retry-after": "30"})

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "RateLimited" and raised.value.retry_after == 30


def test_a_bad_gateway_is_a_retryable_server_error(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.fail_next("GET", r"^/repos/acme/infra$", 502, {"message": "Bad Gateway"})

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "ServerError" and raised.value.retryable


def test_reads_are_retried_a_bounded_number_of_times(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.fail_next("GET", r"^/repos/acme/infra$", 502, times=1)

    result = run(github, retries=1)

    assert result.changed
    assert github.requests()[:2] == [("GET", REPO_PATH), ("GET", REPO_PATH)]


def test_an_unreachable_api_is_retryable(repo: FakeRepository) -> None:
    with FakeGitHub() as stopped:
        url = stopped.url  # the port is closed once the server stops
    with pytest.raises(GitSinkError) as raised:
        publish(
            GitTarget("acme/infra", path="designs/web", github_api_url=url),
            FILES,
            message="m",
            design_id="web",
            token=TOKEN,
            options=fast(),
        )

    assert raised.value.reason == "Unreachable" and raised.value.retryable


def test_a_missing_base_branch_names_the_field(github: FakeGitHub, repo: FakeRepository) -> None:
    with pytest.raises(GitSinkError) as raised:
        publish(
            GitTarget("acme/infra", path="d", base_branch="mian", github_api_url=github.url),
            FILES,
            message="m",
            design_id="web",
            token=TOKEN,
            options=fast(),
        )

    assert raised.value.reason == "InvalidTarget" and "base_branch" in raised.value.message


def test_an_empty_repository_says_how_to_start_it(github: FakeGitHub) -> None:
    github.add_repository("acme", "infra", None)

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert raised.value.reason == "InvalidTarget"
    assert "no commits yet" in raised.value.message


def test_a_protected_base_branch_is_push_rejected(github: FakeGitHub, repo: FakeRepository) -> None:
    github.fail_next(
        "PATCH", r"/git/refs/heads/main$", 422, {"message": "Protected branch update failed"}
    )

    with pytest.raises(GitSinkError) as raised:
        run(github, mode="push")

    assert raised.value.reason == "PushRejected" and not raised.value.retryable


def test_a_folder_too_big_to_list_at_once_is_listed_on_its_own(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    run(github)
    head = repo.refs["heads/autcloud/web"]
    github.truncated_trees.add(repo.commits[head]["tree"])
    github.calls.clear()

    result = run(github, {"main.tf": FILES["main.tf"]})  # variables.tf must still go

    assert result.changed
    assert "designs/web/variables.tf" not in repo.files("autcloud/web")


def test_the_token_never_appears_in_logs_even_at_debug_level(
    github: FakeGitHub, repo: FakeRepository, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")  # PyGithub logs each request at DEBUG
    github.tokens.pop(TOKEN)

    with pytest.raises(GitSinkError):
        run(github)  # 401 Bad credentials
    github.tokens[TOKEN] = "write"
    run(github)

    assert TOKEN not in caplog.text
    assert "/git/blobs" in caplog.text  # the request log was captured
    assert "published design=web repository=acme/infra" in caplog.text


def test_an_error_never_carries_the_token_even_when_the_server_echoes_it(
    github: FakeGitHub, repo: FakeRepository
) -> None:
    github.fail_next("GET", r"^/repos/acme/infra$", 401, {"message": f"Bad credentials {TOKEN}"})

    with pytest.raises(GitSinkError) as raised:
        run(github)

    assert TOKEN not in str(raised.value) and TOKEN not in repr(raised.value)
    assert "Bad credentials ***" in raised.value.message
