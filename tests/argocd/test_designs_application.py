"""deploy/argocd/designs-application.yaml: chat and a self-healing Application do not fight.

Argo CD removes every path an ``ignoreDifferences`` jq expression selects from both the Git
manifest and the live object before comparing them, and with ``RespectIgnoreDifferences=true``
it keeps the live value of those paths when it syncs. The expressions run here with the real
``jq`` (Argo CD embeds gojq, an implementation of the same language); the comparison itself is
Argo CD's and is not run (no Argo CD here), so the test asserts the inputs it would get.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from typing import Any

import yaml

from tests.chart.rendering import REPO
from tests.tooling import require_tool

APPLICATION = REPO / "deploy" / "argocd" / "designs-application.yaml"
EXAMPLE = REPO / "examples" / "infradesign-conversation.yaml"


def _application() -> dict[str, Any]:
    documents = [d for d in yaml.safe_load_all(APPLICATION.read_text()) if d]
    assert len(documents) == 1
    document: dict[str, Any] = documents[0]
    return document


def _expressions() -> list[str]:
    rules = [
        rule
        for rule in _application()["spec"]["ignoreDifferences"]
        if rule.get("group") == "autcloud.io" and rule.get("kind") == "InfraDesign"
    ]
    assert len(rules) == 1
    expressions: list[str] = rules[0]["jqPathExpressions"]
    return expressions


def normalized(obj: dict[str, Any]) -> Any:
    """``obj`` with every ignored path removed, as Argo CD normalizes before diffing."""
    jq = require_tool("jq", "runs the Application's jqPathExpressions")
    paths = " , ".join(f"path({expression})" for expression in _expressions())
    program = f"[{paths}] as $ignored | delpaths($ignored)"
    done = subprocess.run(
        [jq, "-c", program], input=json.dumps(obj), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _from_git() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return document


def _after_chat(design: dict[str, Any], text: str, message_id: str) -> dict[str, Any]:
    """The live object once the operator appended a chat message (operator/chat.py)."""
    live = copy.deepcopy(design)
    live["spec"].setdefault("conversation", []).append(
        {"type": "change", "text": text, "id": message_id}
    )
    return live


def test_self_heals_and_keeps_ignored_fields_when_syncing() -> None:
    spec = _application()["spec"]
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert "RespectIgnoreDifferences=true" in spec["syncPolicy"]["syncOptions"]


def test_a_chat_message_appended_to_the_conversation_is_not_drift() -> None:
    git = _from_git()
    live = _after_chat(git, "Add a read replica.", "chat-1")
    assert live != git
    assert normalized(live) == normalized(git)


def test_a_first_chat_message_on_a_design_without_conversation_is_not_drift() -> None:
    git = _from_git()
    del git["spec"]["conversation"]
    assert normalized(_after_chat(git, "Use Graviton.", "chat-1")) == normalized(git)


def test_any_other_change_outside_git_is_still_drift_and_healed() -> None:
    git = _from_git()
    live = _after_chat(git, "Add a read replica.", "chat-1")
    live["spec"]["request"] = "Something else, edited with kubectl."
    assert normalized(live) != normalized(git)
    live = copy.deepcopy(git)
    live["spec"]["hints"]["availability"] = "high"
    assert normalized(live) != normalized(git)


def test_only_the_conversation_is_ignored() -> None:
    git = _from_git()
    kept = normalized(git)
    assert "conversation" not in kept["spec"]
    assert {key for key in git["spec"] if key != "conversation"} == set(kept["spec"])
    assert kept["metadata"] == git["metadata"]


def test_points_at_a_placeholder_repository_of_design_manifests() -> None:
    source = _application()["spec"]["source"]
    assert "example.com" in source["repoURL"]
    assert "placeholder" in APPLICATION.read_text()


def test_the_rule_docs_gitops_tells_users_to_copy_is_the_applications() -> None:
    # docs/gitops.md shows the rule for users to add to Applications of their own: it must be
    # the one tested here, not a copy that drifted.
    text = (REPO / "docs" / "gitops.md").read_text()
    blocks = [
        b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "ignoreDifferences" in b
    ]
    assert len(blocks) == 1
    shown = yaml.safe_load(blocks[0])["spec"]
    spec = _application()["spec"]
    assert shown["ignoreDifferences"] == spec["ignoreDifferences"]
    assert shown["syncPolicy"] == spec["syncPolicy"]
