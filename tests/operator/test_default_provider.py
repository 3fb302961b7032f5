"""The operator's default model (`autcloud operator --default-provider ...`, the chart's llm.*)
designs what a spec leaves to it, and nothing else."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest

from autcloud.agent.design import DesignResult, run_design
from autcloud.agent.providers.openai_compatible import OpenAICompatibleProvider
from autcloud.operator.reconcile import Dependencies, DesignRef, reconcile
from autcloud.operator.spec import ProviderSpec
from tests.chart.rendering import REPO
from tests.operator.fakes import RecordingPublisher, Secrets

WEB_API = "A containerised web API with PostgreSQL in Seoul"
REF = DesignRef("shop", "web", 1)
DEFAULT = ProviderSpec("openai", "qwen2.5-7b-instruct", "https://llm.ai.svc:8000/v1")
OPERATOR_KEY = "sk-operator-default-key"


@pytest.fixture(scope="module")
def designed() -> DesignResult:
    return asyncio.run(run_design(WEB_API))


def reconcile_with_default(spec: dict[str, Any], designed: DesignResult) -> list[Any]:
    """The providers the designer was handed when the operator's default is DEFAULT."""
    handed: list[Any] = []

    async def designer(request: str, **options: Any) -> DesignResult:
        handed.append(options.get("provider"))
        return designed

    secrets = Secrets({("shop", "llm"): {"apiKey": "sk-namespace"}}, types={("shop", "llm"): "llm"})
    deps = Dependencies(
        designer=designer,
        publisher=RecordingPublisher(),
        read_secret=secrets,
        read_labeled_secret=secrets.labeled,
        diagram=False,
        default_llm=DEFAULT,
        default_llm_api_key=OPERATOR_KEY,
    )
    outcome = asyncio.run(reconcile(REF, spec, {}, deps))
    assert outcome.status["phase"] == "Ready", outcome.status
    return handed


def test_a_spec_without_a_provider_is_designed_by_the_operators_default(
    designed: DesignResult,
) -> None:
    [provider] = reconcile_with_default({"request": WEB_API}, designed)

    assert isinstance(provider, OpenAICompatibleProvider)
    assert (provider.model, provider.base_url, provider.api_key) == (
        "qwen2.5-7b-instruct",
        "https://llm.ai.svc:8000/v1",
        OPERATOR_KEY,
    )


def test_a_spec_naming_offline_keeps_the_built_in_provider(designed: DesignResult) -> None:
    handed = reconcile_with_default({"request": WEB_API, "provider": {"name": "offline"}}, designed)

    assert handed == [None]  # no provider handed over: the engine's built-in offline one


def test_a_spec_naming_its_own_model_keeps_it_and_its_secret(designed: DesignResult) -> None:
    spec = {
        "request": WEB_API,
        "provider": {
            "name": "openai",
            "model": "gpt-4o-mini",
            "baseURL": "https://api.example.com/v1",
            "secretRef": {"name": "llm"},
        },
    }
    [provider] = reconcile_with_default(spec, designed)

    assert (provider.model, provider.api_key) == ("gpt-4o-mini", "sk-namespace")


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--default-provider=openai"], "--default-model"),
        (["--default-model=gpt-4o-mini"], "--default-provider openai"),
        (
            ["--default-provider=OpenAI", "--default-model=m", "--default-base-url=llm:8000"],
            "--default-base-url",
        ),
        (["--default-provider=bedrock"], "--default-provider"),
    ],
)
def test_the_cli_refuses_an_incomplete_default_naming_the_flag(
    flags: list[str], named: str
) -> None:
    result = subprocess.run(
        [str(REPO / ".venv/bin/autcloud"), "operator", "--standalone", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert named in result.stderr
