"""``autcloud operator --selector``: an operator handles only the objects its selector matches.

Real: kopf, the design engine, git and a bare repository. Mocked: only the Kubernetes API
server (the emulator; no real one can run here).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import kopf
import pytest

from autcloud.accounts import MetricsRegistry
from autcloud.commands import operator as command
from autcloud.events import ChatRequest
from autcloud.operator.chat import ConversationAppender
from autcloud.operator.chat_inbox import ApplyOutcome
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.kube import KubeClient
from autcloud.operator.selector import parse_selector
from autcloud.operator.settings import OperatorSettings
from tests.gitsink.bare_remote import BareRemote
from tests.operator.conftest import launch
from tests.operator.harness import DESIGNS, Cluster, OperatorThread, is_settled
from tests.operator.test_operator_cli import parse
from tests.operator.test_operator_kmock import commits, spec_for


@pytest.mark.parametrize(
    ("selector", "labels", "selected"),
    [
        ("autcloud.io/shard=a", {"autcloud.io/shard": "a"}, True),
        ("autcloud.io/shard==a", {"autcloud.io/shard": "b"}, False),
        ("autcloud.io/shard=a", {}, False),
        ("shard!=a", {}, True),
        ("shard!=a", {"shard": "a"}, False),
        ("team in (payments, search)", {"team": "search"}, True),
        ("team in (payments,search)", {"team": "web"}, False),
        ("team notin (payments,search)", {"team": "web"}, True),
        ("team notin (payments,search)", {}, True),
        ("team", {"team": "x"}, True),
        ("!legacy", {"legacy": "yes"}, False),
        ("team in (a,b),!legacy,tier=gold", {"team": "a", "tier": "gold"}, True),
        ("team in (a,b),!legacy,tier=gold", {"team": "a", "tier": "gold", "legacy": ""}, False),
    ],
)
def test_selectors_match_as_kubectl_does(
    selector: str, labels: dict[str, str], selected: bool
) -> None:
    assert parse_selector(selector).matches(labels) is selected


@pytest.mark.parametrize("selector", ["", "shard=a b", "bad key=a", "team in (a b)", "=a"])
def test_a_bad_selector_exits_2_naming_the_option(
    selector: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command.run(parse("--selector", selector)) == command.EXIT_USAGE
    assert "--selector" in capsys.readouterr().err


async def apply_labelled(
    cluster: Cluster, name: str, labels: dict[str, str], spec: dict[str, Any]
) -> None:
    body = {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "InfraDesign",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": spec,
    }
    await cluster._call("POST", DESIGNS.format(namespace="default"), body)


@pytest.mark.asyncio
async def test_an_operator_with_a_selector_leaves_objects_outside_it_alone(
    cluster: Cluster,
    remote: BareRemote,
    settings: OperatorSettings,
    start_operator: list[OperatorThread],
) -> None:
    shard_a = dataclasses.replace(settings, selector=parse_selector("autcloud.io/shard=a"))
    runtime = OperatorRuntime(shard_a)
    launch(start_operator, runtime)
    await apply_labelled(cluster, "other", {"autcloud.io/shard": "b"}, spec_for(remote))
    await apply_labelled(cluster, "unlabelled", {}, spec_for(remote))
    await apply_labelled(cluster, "mine", {"autcloud.io/shard": "a"}, spec_for(remote))

    mine = await cluster.wait_for("mine", is_settled(), timeout=60, what="settled")
    await asyncio.sleep(1.0)  # the others were seen before "mine"; give them time anyway

    assert mine["status"]["phase"] == "Ready"
    assert commits(remote, "autcloud/mine") == 1
    for name in ("other", "unlabelled"):
        obj = await cluster.get(name)
        assert obj is not None
        assert "status" not in obj or not obj["status"], obj
        assert not obj["metadata"].get("finalizers"), obj["metadata"]
        assert commits(remote, f"autcloud/{name}") == 0
    assert runtime.runs == 1


@pytest.mark.asyncio
async def test_the_chat_inbox_leaves_messages_for_other_shards_to_their_operator(
    cluster: Cluster, remote: BareRemote, settings: OperatorSettings
) -> None:
    shard_a = dataclasses.replace(settings, selector=parse_selector("autcloud.io/shard=a"))
    kube = KubeClient(kopf.ConnectionInfo(server=cluster.server, token="emulator-token"))
    appender = ConversationAppender(shard_a, lambda: kube, MetricsRegistry())
    await apply_labelled(cluster, "other", {"autcloud.io/shard": "b"}, spec_for(remote))
    await apply_labelled(cluster, "mine", {"autcloud.io/shard": "a"}, spec_for(remote))
    try:
        skipped = await appender(
            ChatRequest(namespace="default", name="other", id="m-1", text="Add a CDN")
        )
        applied = await appender(
            ChatRequest(namespace="default", name="mine", id="m-2", text="Add a CDN")
        )
    finally:
        await appender.aclose()
        await kube.aclose()

    assert (skipped, applied) == (ApplyOutcome.NOT_MINE, ApplyOutcome.APPLIED)
    other, mine = await cluster.get("other"), await cluster.get("mine")
    assert other is not None and "conversation" not in other["spec"]
    assert mine is not None and [turn["id"] for turn in mine["spec"]["conversation"]] == ["m-2"]
