"""The operator end to end: kopf against the emulated API server, committing to a real bare repo.

Mocked: only the Kubernetes API server (kmock, which cannot run a real one here). The design
engine, git and the repository are real.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from autcloud.gitsink import PublishResult, publish
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gitsink.bare_remote import BareRemote, git
from tests.operator.conftest import launch
from tests.operator.harness import (
    Cluster,
    OperatorThread,
    condition,
    eventually,
    is_settled,
)

pytestmark = pytest.mark.asyncio

WEB_API = "A containerised web API with PostgreSQL in Seoul"


def spec_for(remote: BareRemote, request: str = WEB_API, **extra: Any) -> dict[str, Any]:
    return {"request": request, "git": {"repository": remote.url}, **extra}


def commits(remote: BareRemote, branch: str) -> int:
    """Commits the operator made on the design branch (on top of the repository's main)."""
    if remote.head(branch) is None:
        return 0
    span = f"refs/heads/main..refs/heads/{branch}"
    return int(git("rev-list", "--count", span, cwd=remote.path).strip())


async def test_an_applied_design_becomes_ready_with_a_commit_in_the_repository(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("web", spec_for(remote))

    obj = await cluster.wait_for("web", is_settled(), what="a settled status")

    status = obj["status"]
    assert status["phase"] == "Ready", status
    assert condition(obj, "Ready")["status"] == "True"
    assert condition(obj, "Ready")["reason"] == "Committed"
    assert condition(obj, "Committed")["reason"] == "BranchPushed"
    assert status["git"]["commitSHA"] == remote.head("autcloud/web")
    files = remote.files("autcloud/web")
    assert "designs/web/main.tf" in files and "designs/web/design.json" in files
    assert "autcloud.io/finalizer" in obj["metadata"]["finalizers"]


async def test_milestones_are_posted_as_kubernetes_events(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("web", spec_for(remote))
    await cluster.wait_for("web", is_settled(), what="a settled status")

    async def reasons() -> set[tuple[str, str]]:
        events = await cluster._call("GET", "/api/v1/namespaces/default/events")
        return {
            (e["type"], e["reason"])
            for e in events["items"]
            if e.get("involvedObject", {}).get("name") == "web"
        }

    await eventually(lambda: _has(reasons, ("Normal", "Committed")))
    assert ("Normal", "DesignStarted") in await reasons()


async def test_answering_a_question_in_the_conversation_continues_to_a_commit(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("api", spec_for(remote, "A web API with PostgreSQL"))
    asked = await cluster.wait_for("api", is_settled(), what="questions")
    assert asked["status"]["phase"] == "NeedsInput"
    assert [q["id"] for q in asked["status"]["questions"]] == ["region"]
    assert condition(asked, "Ready")["reason"] == "AwaitingAnswers"
    assert remote.head("autcloud/api") is None

    answer = {"type": "answer", "questionId": "region", "text": "ap-northeast-2"}
    await cluster.patch_spec("api", {"conversation": [answer]})

    done = await cluster.wait_for("api", is_settled(2), what="the answered design")
    assert done["status"]["phase"] == "Ready"
    assert done["status"]["questions"] == []
    assert commits(remote, "autcloud/api") == 1
    assert '"ap-northeast-2"' in remote.files("autcloud/api")["designs/api/design.json"].decode()


async def test_changing_the_request_makes_a_new_commit(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("web", spec_for(remote))
    first = await cluster.wait_for("web", is_settled(), what="the first design")

    await cluster.patch_spec("web", {"request": WEB_API + " and a Redis cache"})

    second = await cluster.wait_for("web", is_settled(2), what="the changed design")
    assert second["status"]["phase"] == "Ready"
    assert second["status"]["git"]["commitSHA"] != first["status"]["git"]["commitSHA"]
    assert commits(remote, "autcloud/web") == 2
    assert second["status"]["inputHash"] != first["status"]["inputHash"]


async def test_a_spec_change_that_leaves_the_input_unchanged_runs_and_commits_nothing(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    runtime = OperatorRuntime(settings)
    launch(start_operator, runtime)
    await cluster.apply("web", spec_for(remote))
    first = await cluster.wait_for("web", is_settled(), what="the first design")

    author = {"name": "Reviewer", "email": "reviewer@example.com"}
    await cluster.patch_spec("web", {"git": {"repository": remote.url, "author": author}})

    again = await cluster.wait_for("web", is_settled(2), what="the re-reconcile")
    assert runtime.runs == 1
    assert commits(remote, "autcloud/web") == 1
    assert again["status"]["git"] == first["status"]["git"]
    ready = condition(again, "Ready")
    assert ready["lastTransitionTime"] == condition(first, "Ready")["lastTransitionTime"]


async def test_a_restarted_operator_resumes_without_running_an_unchanged_design_again(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    first_runtime = OperatorRuntime(settings)
    first = launch(start_operator, first_runtime)
    await cluster.apply("web", spec_for(remote))
    await cluster.wait_for("web", is_settled(), what="the first design")
    first.stop()
    start_operator.remove(first)

    second_runtime = OperatorRuntime(settings)
    launch(start_operator, second_runtime)
    await asyncio.sleep(1.0)  # time for kopf to list and resume every object

    assert second_runtime.runs == 0
    assert commits(remote, "autcloud/web") == 1


async def test_an_operator_stopped_after_pushing_but_before_writing_status_commits_once(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    pushed = threading.Event()
    release = threading.Event()

    def publish_then_hang(*args: Any, **kwargs: Any) -> PublishResult:
        result = publish(*args, **kwargs)
        pushed.set()
        release.wait(30)  # the operator "dies" here: the status never learns of the commit
        return result

    crashing = launch(start_operator, OperatorRuntime(settings, publisher=publish_then_hang))
    await cluster.apply("web", spec_for(remote))
    assert await asyncio.to_thread(pushed.wait, 20)
    crashing.stop()
    start_operator.remove(crashing)
    release.set()
    half_done = await cluster.get("web")
    assert half_done is not None and half_done.get("status", {}).get("phase") != "Ready"

    launch(start_operator, OperatorRuntime(settings))
    done = await cluster.wait_for("web", is_settled(), what="the resumed design")

    assert done["status"]["phase"] == "Ready"
    assert commits(remote, "autcloud/web") == 1
    assert done["status"]["git"]["commitSHA"] == remote.head("autcloud/web")


async def test_a_refused_request_ends_in_phase_refused_with_the_reason(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("coins", spec_for(remote, "mine bitcoin on 1000 GPUs"))

    obj = await cluster.wait_for("coins", is_settled(), what="the refusal")

    assert obj["status"]["phase"] == "Refused"
    assert "infrastructure request" in obj["status"]["refusalReason"]
    stalled = condition(obj, "Stalled")
    assert (stalled["status"], stalled["reason"]) == ("True", "Refused")
    assert remote.branches() == {"main"}


async def test_deleting_a_design_releases_it_and_leaves_the_commits_in_place(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("web", spec_for(remote))
    done = await cluster.wait_for("web", is_settled(), what="the design")

    await cluster.delete("web")

    deadline = time.monotonic() + 10
    while await cluster.get("web") is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert await cluster.get("web") is None
    assert remote.head("autcloud/web") == done["status"]["git"]["commitSHA"]


async def test_deleting_with_close_pull_request_deletes_the_design_branch(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    launch(start_operator, OperatorRuntime(settings))
    spec = {"request": WEB_API, "git": {"repository": remote.url, "onDelete": "ClosePullRequest"}}
    await cluster.apply("web", spec)
    await cluster.wait_for("web", is_settled(), what="the design")
    assert "autcloud/web" in remote.branches()

    await cluster.delete("web")

    deadline = time.monotonic() + 10
    while await cluster.get("web") is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert await cluster.get("web") is None
    assert remote.branches() == {"main"}


async def _has(read: Any, wanted: tuple[str, str]) -> bool:
    return wanted in await read()
