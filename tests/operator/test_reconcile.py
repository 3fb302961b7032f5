"""The reconcile logic without kopf: spec and old status in, status patch and events out.

The design engine runs for real where the test is about a design; elsewhere a canned result
stands in (fakes.py). The git sink runs for real against a bare repository where the test is
about git.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from autcloud.agent.design import DesignResult, DesignStatus, run_design
from autcloud.agent.providers.openai_compatible import OpenAICompatibleProvider
from autcloud.events import from_fields, to_fields
from autcloud.gitsink import GitSinkError, PublishOptions, publish
from autcloud.gitsink.policy import TargetPolicy
from autcloud.operator.reconcile import Dependencies, DesignRef, Outcome, reconcile
from tests.agent.test_openai_provider import model_server
from tests.gitsink.bare_remote import BareRemote
from tests.operator.fakes import CannedDesigner, RecordingPublisher, RecordingSink, Secrets

pytestmark = pytest.mark.asyncio

WEB_API = "A containerised web API with PostgreSQL in Seoul"
REF = DesignRef("shop", "web", 1)


@pytest.fixture(scope="module")
def designed() -> DesignResult:
    return asyncio.run(run_design(WEB_API))


def deps(designer: Any, publisher: Any = None, **extra: Any) -> Dependencies:
    secrets = extra.pop("read_secret", Secrets())
    return Dependencies(
        designer=designer,
        publisher=publisher or RecordingPublisher(),
        read_secret=secrets,
        read_labeled_secret=secrets.labeled,
        diagram=False,
        # Bare repositories in tmp_path are the remotes here (tests/security covers the rule).
        git_policy=extra.pop("git_policy", TargetPolicy(allow_local=True)),
        **extra,
    )


def conditions(outcome: Outcome) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in outcome.status["conditions"]}


def reasons(outcome: Outcome) -> list[str]:
    return [event.reason for event in outcome.events]


async def test_a_design_without_git_is_ready_and_commits_nothing(designed: DesignResult) -> None:
    outcome = await reconcile(REF, {"request": WEB_API}, {}, deps(CannedDesigner(designed)))

    assert outcome.status["phase"] == "Ready"
    assert conditions(outcome)["Ready"]["reason"] == "DesignReady"
    committed = conditions(outcome)["Committed"]
    assert (committed["status"], committed["reason"]) == ("False", "NoGitTarget")
    assert conditions(outcome)["Validated"]["reason"] == "ChecksPassed"
    assert "DesignReady" in reasons(outcome)


async def test_the_status_summarises_the_design_within_the_crd_limits(
    designed: DesignResult,
) -> None:
    outcome = await reconcile(REF, {"request": WEB_API}, {}, deps(CannedDesigner(designed)))

    status = outcome.status
    assert status["resources"]["count"] == len(designed.document["resources"])
    assert status["resources"]["levels"] == len(designed.document["levels"])
    assert sum(t["count"] for t in status["resources"]["byType"]) == status["resources"]["count"]
    assert all(isinstance(step["durationMs"], int) for step in status["validation"]["steps"])
    assert {p["pillar"] for p in status["validation"]["pillars"]} <= {
        "OperationalExcellence",
        "Security",
        "Reliability",
        "PerformanceEfficiency",
        "CostOptimization",
        "Sustainability",
    }
    assert status["cost"]["monthlyUSD"] == round(designed.document["cost"]["total_usd"], 2)
    assert status["observedGeneration"] == 1
    assert status["inputHash"].startswith("sha256:")


async def test_a_large_design_lists_at_most_300_resources_and_says_so(
    designed: DesignResult,
) -> None:
    many = DesignResult(designed.status, designed.files, dict(designed.document))
    many.document["resources"] = [
        {"address": f"aws_s3_bucket.b{i}", "type": "aws_s3_bucket", "level": 0} for i in range(450)
    ]
    outcome = await reconcile(REF, {"request": WEB_API}, {}, deps(CannedDesigner(many)))

    assert len(outcome.status["resources"]["items"]) == 300
    assert outcome.status["resources"]["truncated"] is True
    assert outcome.status["resources"]["count"] == 450


async def test_open_questions_go_to_status_and_wait_for_answers() -> None:
    outcome = await reconcile(REF, {"request": "A web API with PostgreSQL"}, {}, deps(run_design))

    assert outcome.status["phase"] == "NeedsInput"
    assert outcome.status["questions"][0]["id"] == "region"
    assert conditions(outcome)["Ready"]["reason"] == "AwaitingAnswers"
    assert conditions(outcome)["Stalled"]["status"] == "False"
    assert "QuestionsAsked" in reasons(outcome)


async def test_an_answer_in_the_conversation_reaches_the_design_engine(
    designed: DesignResult,
) -> None:
    designer = CannedDesigner(designed)
    spec = {
        "request": "A web API with PostgreSQL",
        "conversation": [
            {"type": "answer", "questionId": "region", "text": "ap-northeast-2", "id": "m1"}
        ],
    }
    await reconcile(REF, spec, {}, deps(designer))

    assert designer.calls[0]["conversation"] == [
        {"type": "answer", "question_id": "region", "text": "ap-northeast-2"}
    ]


async def test_a_refused_request_is_stalled_with_the_reason() -> None:
    outcome = await reconcile(REF, {"request": "mine bitcoin on 1000 GPUs"}, {}, deps(run_design))

    assert outcome.status["phase"] == "Refused"
    assert "infrastructure request" in outcome.status["refusalReason"]
    assert conditions(outcome)["Stalled"]["reason"] == "Refused"
    assert outcome.events[-1].type == "Warning"


async def test_an_unchanged_input_that_already_settled_starts_no_run(
    designed: DesignResult,
) -> None:
    designer = CannedDesigner(designed)
    first = await reconcile(REF, {"request": WEB_API}, {}, deps(designer))
    again = await reconcile(
        DesignRef("shop", "web", 2), {"request": WEB_API}, first.status, deps(designer)
    )

    assert len(designer.calls) == 1
    assert again.ran is False
    assert again.status == {"observedGeneration": 2}


async def test_an_unchanged_input_left_mid_run_runs_again(designed: DesignResult) -> None:
    designer = CannedDesigner(designed)
    first = await reconcile(REF, {"request": WEB_API}, {}, deps(designer))
    interrupted = dict(first.status, phase="Committing")

    await reconcile(REF, {"request": WEB_API}, interrupted, deps(designer))

    assert len(designer.calls) == 2


async def test_suspended_designs_do_not_run(designed: DesignResult) -> None:
    designer = CannedDesigner(designed)
    outcome = await reconcile(REF, {"request": WEB_API, "suspend": True}, {}, deps(designer))

    assert designer.calls == []
    assert outcome.status["phase"] == "Pending"
    assert conditions(outcome)["Ready"]["reason"] == "Suspended"


async def test_a_provider_this_operator_lacks_stalls_with_the_field_named(
    designed: DesignResult,
) -> None:
    spec = {"request": WEB_API, "provider": {"name": "bedrock", "model": "anthropic.claude"}}
    outcome = await reconcile(REF, spec, {}, deps(CannedDesigner(designed)))

    assert conditions(outcome)["Stalled"]["reason"] == "InvalidSpec"
    assert conditions(outcome)["Ready"]["reason"] == "ProviderUnavailable"
    assert "spec.provider.name" in outcome.status["lastError"]["message"]


OPENAI_PROVIDER: dict[str, Any] = {
    "name": "openai",
    "model": "gpt-4o-mini",
    "baseURL": "https://llm.internal:8000/v1",
    "secretRef": {"name": "llm"},
}
OPENAI_SPEC: dict[str, Any] = {"request": WEB_API, "provider": OPENAI_PROVIDER}
LLM_KEY = "sk-operator-test-key-42"


async def test_the_openai_provider_gets_the_model_url_and_the_key_from_the_secret(
    designed: DesignResult,
) -> None:
    handed: list[Any] = []

    async def designer(request: str, **options: Any) -> DesignResult:
        handed.append(options.get("provider"))
        return designed

    secrets = Secrets({("shop", "llm"): {"apiKey": LLM_KEY}}, types={("shop", "llm"): "llm"})
    outcome = await reconcile(REF, OPENAI_SPEC, {}, deps(designer, read_secret=secrets))

    assert outcome.status["phase"] == "Ready"
    [provider] = handed
    assert isinstance(provider, OpenAICompatibleProvider)
    assert (provider.model, provider.base_url, provider.api_key) == (
        "gpt-4o-mini",
        "https://llm.internal:8000/v1",
        LLM_KEY,
    )


async def test_a_missing_provider_secret_stalls_naming_the_field(designed: DesignResult) -> None:
    designer = CannedDesigner(designed)
    outcome = await reconcile(REF, OPENAI_SPEC, {}, deps(designer, recheck_seconds=60))

    assert designer.calls == []
    assert conditions(outcome)["Stalled"]["reason"] == "SecretNotFound"
    assert "spec.provider.secretRef" in conditions(outcome)["Ready"]["message"]
    assert outcome.retry_after == 60


async def test_an_openai_provider_without_a_model_stalls_naming_the_field() -> None:
    spec = {"request": WEB_API, "provider": {"name": "openai"}}
    outcome = await reconcile(
        REF, spec, {}, deps(CannedDesigner(DesignResult(DesignStatus.DESIGNED)))
    )

    assert conditions(outcome)["Stalled"]["reason"] == "InvalidSpec"
    assert "spec.provider.model" in outcome.status["lastError"]["message"]


async def test_a_refused_api_key_still_designs_and_warns_without_the_key() -> None:
    # A fake OpenAI-compatible server stands in for a model server (none can run here).
    refusal = {"error": {"message": f"Incorrect API key provided: {LLM_KEY}"}}
    async with model_server(lambda _: (401, refusal)) as server:
        spec = {**OPENAI_SPEC, "provider": {**OPENAI_PROVIDER, "baseURL": server.url}}
        secrets = Secrets({("shop", "llm"): {"apiKey": LLM_KEY}}, types={("shop", "llm"): "llm"})
        outcome = await reconcile(
            REF,
            {**spec, "assumeDefaults": True},
            {},
            # the fake model server speaks plain http on 127.0.0.1
            deps(
                run_design,
                read_secret=secrets,
                provider_policy=TargetPolicy(allow_insecure_http=True),
            ),
        )

    assert outcome.status["phase"] == "Ready"
    assert "ProviderFallback" in reasons(outcome)
    # A refused key is not tried for every resource: only requests already in flight finish.
    assert len(server.requests) <= OpenAICompatibleProvider.max_concurrency
    assert LLM_KEY not in json.dumps(outcome.status) + repr(outcome.events)


async def test_a_missing_git_secret_stalls_and_is_looked_for_again(
    designed: DesignResult,
) -> None:
    designer = CannedDesigner(designed)
    spec = {"request": WEB_API, "git": {"repository": "acme/infra", "secretRef": {"name": "gh"}}}
    outcome = await reconcile(REF, spec, {}, deps(designer, recheck_seconds=60))

    assert designer.calls == []
    assert conditions(outcome)["Stalled"]["reason"] == "SecretNotFound"
    assert outcome.retry_after == 60
    assert "'gh'" in conditions(outcome)["Ready"]["message"]


async def test_the_token_from_the_secret_reaches_git_and_nothing_else(
    designed: DesignResult,
) -> None:
    token = "ghp_super_secret_value_123"
    publisher = RecordingPublisher(
        GitSinkError(
            "GitAuthFailed", f"token {token} was refused", retryable=False, secrets=(token,)
        )
    )
    spec = {"request": WEB_API, "git": {"repository": "acme/infra", "secretRef": {"name": "gh"}}}
    secrets = Secrets({("shop", "gh"): {"token": token}}, types={("shop", "gh"): "git"})
    outcome = await reconcile(
        REF, spec, {}, deps(CannedDesigner(designed), publisher, read_secret=secrets)
    )

    assert publisher.calls[0]["token"] == token
    visible = json.dumps(outcome.status) + json.dumps([e.message for e in outcome.events])
    assert token not in visible


async def test_a_permanent_git_failure_stalls(designed: DesignResult) -> None:
    publisher = RecordingPublisher(GitSinkError("GitAuthFailed", "bad token", retryable=False))
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    outcome = await reconcile(
        REF, spec, {}, deps(CannedDesigner(designed), publisher, recheck_seconds=300)
    )

    assert outcome.status["phase"] == "Failed"
    assert conditions(outcome)["Stalled"]["reason"] == "GitAuthFailed"
    assert conditions(outcome)["Committed"]["reason"] == "GitAuthFailed"
    assert outcome.status["lastError"]["reason"] == "GitAuthFailed"
    assert "inputHash" not in outcome.status  # fixing the Secret must lead to a new try
    assert outcome.retry_after == 300


async def test_a_retryable_git_failure_backs_off_at_least_as_long_as_the_server_asks(
    designed: DesignResult,
) -> None:
    publisher = RecordingPublisher(
        GitSinkError("RateLimited", "rate limit", retryable=True, retry_after=120)
    )
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    outcome = await reconcile(
        REF, spec, {}, deps(CannedDesigner(designed), publisher, retry_delay_seconds=5)
    )

    assert outcome.retry_after == 120
    reconciling = conditions(outcome)["Reconciling"]
    assert (reconciling["status"], reconciling["reason"]) == ("True", "Retrying")
    assert conditions(outcome)["Stalled"]["status"] == "False"
    assert conditions(outcome)["Ready"]["reason"] == "GitPushFailed"


async def test_retries_back_off_exponentially_up_to_the_cap(designed: DesignResult) -> None:
    publisher = RecordingPublisher(GitSinkError("ServerError", "HTTP 502", retryable=True))
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    delays = []
    for attempt in (0, 1, 2, 10):
        outcome = await reconcile(
            REF,
            spec,
            {},
            deps(
                CannedDesigner(designed),
                publisher,
                retry_delay_seconds=10,
                max_retry_delay_seconds=600,
            ),
            attempt=attempt,
        )
        delays.append(outcome.retry_after)

    assert delays == [10, 20, 40, 600]


async def test_a_missing_repository_is_reported_by_the_real_git_sink(
    designed: DesignResult, tmp_path: Path
) -> None:
    spec = {"request": WEB_API, "git": {"repository": str(tmp_path / "nowhere.git")}}
    dependencies = deps(
        CannedDesigner(designed),
        publish,
        publish_options=PublishOptions(cache_dir=tmp_path / "cache", git_attempts=1),
    )
    outcome = await reconcile(REF, spec, {}, dependencies)

    assert outcome.status["lastError"]["reason"] == "RepositoryNotFound"
    assert conditions(outcome)["Committed"]["status"] == "False"
    assert conditions(outcome)["Stalled"]["status"] == "True"


async def test_a_commit_holds_the_terraform_design_json_and_diagram_in_the_design_folder(
    designed: DesignResult, tmp_path: Path
) -> None:
    from tests.tooling import require_tool

    require_tool("dot", "the diagram is drawn with graphviz")
    remote = BareRemote(tmp_path / "remote.git")
    remote.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    spec = {"request": WEB_API, "git": {"repository": remote.url, "mode": "push"}}
    dependencies = deps(
        CannedDesigner(designed), publish, publish_options=PublishOptions(tmp_path / "cache")
    )
    dependencies.diagram = True
    outcome = await reconcile(REF, spec, {}, dependencies)

    files = remote.files("main")
    tf = {name for name in files if name.endswith(".tf")}
    assert tf == {f"designs/web/{name}" for name in designed.files}
    assert "designs/web/design.json" in files and "designs/web/diagram.svg" in files
    assert conditions(outcome)["Committed"]["reason"] == "Pushed"
    assert outcome.status["git"]["path"] == "designs/web"


async def test_the_same_design_published_twice_makes_one_commit(
    designed: DesignResult, tmp_path: Path
) -> None:
    remote = BareRemote(tmp_path / "remote.git")
    remote.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    spec = {"request": WEB_API, "git": {"repository": remote.url}}
    dependencies = deps(
        CannedDesigner(designed), publish, publish_options=PublishOptions(tmp_path / "cache")
    )
    first = await reconcile(REF, spec, {}, dependencies)
    second = await reconcile(REF, spec, {}, dependencies)  # as after a crash before status

    assert first.committed is True and second.committed is False
    assert second.status["git"]["commitSHA"] == first.status["git"]["commitSHA"]
    assert "Committed" not in reasons(second)


async def test_runs_beyond_the_cap_wait_for_a_free_slot(designed: DesignResult) -> None:
    designer = CannedDesigner(designed, delay=0.05)
    dependencies = deps(designer, run_slots=asyncio.Semaphore(2))

    await asyncio.gather(
        *(
            reconcile(DesignRef("shop", f"d{i}", 1), {"request": WEB_API}, {}, dependencies)
            for i in range(6)
        )
    )

    assert designer.most_at_once == 2
    assert len(designer.calls) == 6


async def test_phases_are_reported_while_the_run_works(designed: DesignResult) -> None:
    seen: list[str] = []

    async def report(phase: str) -> None:
        seen.append(phase)

    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    await reconcile(REF, spec, {}, deps(CannedDesigner(designed), report_phase=report))

    assert seen[0] == "Gathering"
    assert seen[-1] == "Committing"


async def test_progress_events_fit_the_gateway_event_schema() -> None:
    sink = RecordingSink()
    await reconcile(REF, {"request": WEB_API}, {}, deps(run_design, events=sink))

    assert sink.events, "a run emits progress events"
    types = {event.type.value for _, _, event in sink.events}
    assert {
        "node.started",
        "node.finished",
        "plan.ready",
        "level.started",
        "resource.generated",
        "validation.step",
        "cost.estimated",
        "done",
    } <= types
    for namespace, name, event in sink.events:
        assert (namespace, name) == ("shop", "web")
        assert from_fields(to_fields(event)) == event  # what the gateway reads back is the same


async def test_an_invalid_design_is_stalled_with_the_failing_steps(
    designed: DesignResult,
) -> None:
    broken = DesignResult(
        DesignStatus.INVALID, designed.files, json.loads(json.dumps(designed.document))
    )
    broken.document["validation"]["passed"] = False
    broken.document["validation"]["steps"][0]["status"] = "failed"
    outcome = await reconcile(REF, {"request": WEB_API}, {}, deps(CannedDesigner(broken)))

    assert conditions(outcome)["Validated"]["reason"] == "ChecksFailed"
    assert conditions(outcome)["Stalled"]["reason"] == "ValidationFailed"
    assert (
        broken.document["validation"]["steps"][0]["name"] in outcome.status["lastError"]["message"]
    )


async def test_the_ledger_reaches_status_and_the_asks_honored_condition() -> None:
    request = "A containerised web API with PostgreSQL in Seoul and a SageMaker endpoint"
    designed = await run_design(request)
    outcome = await reconcile(REF, {"request": request}, {}, deps(CannedDesigner(designed)))

    asks = outcome.status["asks"]
    assert asks["unsupported"] >= 1 and asks["honored"] >= 3
    assert any(item["quote"] == "SageMaker" and item["why"] for item in asks["notHonored"])
    condition = conditions(outcome)["AsksHonored"]
    assert (condition["status"], condition["reason"]) == ("False", "Unsupported")
    assert "SageMaker" in condition["message"]


async def test_a_design_honoring_every_ask_says_so(designed: DesignResult) -> None:
    outcome = await reconcile(REF, {"request": WEB_API}, {}, deps(CannedDesigner(designed)))

    condition = conditions(outcome)["AsksHonored"]
    assert (condition["status"], condition["reason"]) == ("True", "AllHonored")
    assert outcome.status["asks"]["notHonored"] == []


async def test_a_request_over_the_cap_stalls_without_designing(designed: DesignResult) -> None:
    designer = CannedDesigner(designed)
    outcome = await reconcile(REF, {"request": "x" * 48_000}, {}, deps(designer))

    assert designer.calls == []
    assert outcome.status["phase"] == "Failed"
    stalled = conditions(outcome)["Stalled"]
    assert (stalled["status"], stalled["reason"]) == ("True", "InvalidSpec")
    assert "spec.request" in stalled["message"] and "4,000" in stalled["message"]
    assert outcome.retry_after is None


class Clock:
    """An RFC 3339 clock the test moves by hand."""

    def __init__(self, at: str = "2026-01-01T00:00:00Z") -> None:
        self.at = at

    def __call__(self) -> str:
        return self.at


class DesignerThatTakes:
    """A designer during which the clock moves on (a run that takes time)."""

    def __init__(self, inner: Any, clock: Clock, later: str) -> None:
        self.inner, self.clock, self.later = inner, clock, later

    async def __call__(self, request: str, **kwargs: Any) -> DesignResult:
        result: DesignResult = await self.inner(request, **kwargs)
        self.clock.at = self.later
        return result


async def test_the_design_started_event_is_posted_before_the_design_runs(
    designed: DesignResult,
) -> None:
    posted: list[str] = []
    seen_by_designer: list[list[str]] = []
    inner = CannedDesigner(designed)

    async def designer(request: str, **kwargs: Any) -> DesignResult:
        seen_by_designer.append(list(posted))
        return await inner(request, **kwargs)

    outcome = await reconcile(
        REF,
        {"request": WEB_API},
        {},
        deps(designer, post_event=lambda event: posted.append(event.reason)),
    )

    assert seen_by_designer == [["DesignStarted"]]
    assert "DesignStarted" not in reasons(outcome)  # posted once, not again at the end


async def test_a_condition_flips_at_the_time_the_run_settles_not_when_it_began(
    designed: DesignResult,
) -> None:
    clock = Clock("2026-01-01T00:00:00Z")
    designer = DesignerThatTakes(CannedDesigner(designed), clock, "2026-01-01T00:10:00Z")
    outcome = await reconcile(REF, {"request": WEB_API}, {}, deps(designer), now=clock)

    assert conditions(outcome)["Ready"]["status"] == "True"
    assert conditions(outcome)["Ready"]["lastTransitionTime"] == "2026-01-01T00:10:00Z"
    assert conditions(outcome)["Reconciling"]["lastTransitionTime"] == "2026-01-01T00:10:00Z"


async def test_a_condition_whose_status_holds_keeps_its_transition_time(
    designed: DesignResult,
) -> None:
    failing = RecordingPublisher(GitSinkError("ServerError", "HTTP 502", retryable=True))
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    clock = Clock("2026-01-01T00:00:00Z")
    first = await reconcile(REF, spec, {}, deps(CannedDesigner(designed), failing), now=clock)
    clock.at = "2026-01-01T00:05:00Z"
    second = await reconcile(
        REF, spec, first.status, deps(CannedDesigner(designed), failing), now=clock, attempt=1
    )

    ready = conditions(second)["Ready"]
    assert (ready["status"], ready["lastTransitionTime"]) == ("False", "2026-01-01T00:00:00Z")
    stalled = conditions(second)["Stalled"]
    assert (stalled["status"], stalled["lastTransitionTime"]) == ("False", "2026-01-01T00:00:00Z")


class FlakyPublisher(RecordingPublisher):
    """Fails the first ``failures`` publishes with ``error``, then publishes."""

    def __init__(self, error: GitSinkError, failures: int) -> None:
        super().__init__(error)
        self.failures = failures

    def __call__(self, target: Any, files: Any, **kwargs: Any) -> Any:
        if len(self.calls) >= self.failures:
            self.error = None
        return super().__call__(target, files, **kwargs)


class FreshDesigner:
    """Each call designs anew and the result differs (as a model's answers may)."""

    def __init__(self, result: DesignResult) -> None:
        self.inner = CannedDesigner(result)

    async def __call__(self, request: str, **kwargs: Any) -> DesignResult:
        result: DesignResult = await self.inner(request, **kwargs)
        result.files["main.tf"] += f"\n# run {len(self.inner.calls)}\n"
        return result

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.inner.calls


@pytest.mark.parametrize(
    "error",
    [
        GitSinkError("ServerError", "HTTP 502", retryable=True),
        GitSinkError("GitAuthFailed", "bad token", retryable=False),
    ],
    ids=["retryable", "permanent"],
)
async def test_a_retried_push_publishes_the_design_already_made(
    designed: DesignResult, error: GitSinkError
) -> None:
    designer = FreshDesigner(designed)
    publisher = FlakyPublisher(error, failures=2)
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    dependencies = deps(designer, publisher, recheck_seconds=60)
    status: dict[str, Any] = {}
    for attempt in range(3):
        outcome = await reconcile(REF, spec, status, dependencies, attempt=attempt)
        status = {**status, **outcome.status}

    assert len(designer.calls) == 1
    assert len(publisher.calls) == 3
    assert publisher.calls[0]["files"] == publisher.calls[2]["files"]
    assert status["phase"] == "Ready"
    assert len(dependencies.designs) == 0  # published: nothing held any more


async def test_a_changed_input_designs_again_after_a_failed_push(designed: DesignResult) -> None:
    designer = CannedDesigner(designed)
    publisher = RecordingPublisher(GitSinkError("ServerError", "HTTP 502", retryable=True))
    dependencies = deps(designer, publisher)
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    first = await reconcile(REF, spec, {}, dependencies)
    await reconcile(REF, {**spec, "request": WEB_API + " and Redis"}, first.status, dependencies)

    assert len(designer.calls) == 2


async def test_a_permanent_push_failure_says_when_it_checks_again(designed: DesignResult) -> None:
    publisher = RecordingPublisher(GitSinkError("GitAuthFailed", "bad token", retryable=False))
    spec = {"request": WEB_API, "git": {"repository": "acme/infra"}}
    outcome = await reconcile(
        REF, spec, {}, deps(CannedDesigner(designed), publisher, recheck_seconds=300)
    )

    assert conditions(outcome)["Stalled"]["status"] == "True"
    reconciling = conditions(outcome)["Reconciling"]
    assert "Waiting for a change" not in reconciling["message"]
    assert "every 300 s" in reconciling["message"]
    assert "without designing again" in reconciling["message"]
    assert outcome.retry_after == 300


async def test_a_stall_on_a_secret_says_when_it_looks_again(designed: DesignResult) -> None:
    spec = {"request": WEB_API, "git": {"repository": "acme/infra", "secretRef": {"name": "gh"}}}
    designer = CannedDesigner(designed)
    outcome = await reconcile(REF, spec, {}, deps(designer, recheck_seconds=90))

    assert designer.calls == []
    assert conditions(outcome)["Stalled"]["status"] == "True"
    assert "every 90 s" in conditions(outcome)["Reconciling"]["message"]
    assert outcome.retry_after == 90


async def test_a_stall_only_a_spec_change_mends_says_it_is_not_checked_again() -> None:
    designer = CannedDesigner(DesignResult(DesignStatus.DESIGNED))
    outcome = await reconcile(REF, {"request": "x" * 4001}, {}, deps(designer))

    assert designer.calls == []
    message = conditions(outcome)["Reconciling"]["message"]
    assert "Not checked again automatically" in message
    assert outcome.retry_after is None
