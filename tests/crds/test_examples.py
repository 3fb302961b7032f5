"""The examples in examples/ are accepted as written: no field pruned, no rule broken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.crds.manifests import api_for, example_files, load_documents


def _examples() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, document) for path in example_files() for document in load_documents(path)]


def _of_kind(kind: str) -> list[dict[str, Any]]:
    return [document for _, document in _examples() if document["kind"] == kind]


@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.name)
def test_example_is_accepted_without_pruning(path: Path) -> None:
    for document in load_documents(path):
        stored = api_for(document["kind"]).create(document)
        assert stored.warnings == [], "an example must not rely on fields the apiserver drops"


@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.name)
def test_example_explains_itself_in_comments(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ")
    assert sum(line.lstrip().startswith("#") or " # " in line for line in lines) >= 5


def test_examples_cover_every_kind() -> None:
    assert {document["kind"] for _, document in _examples()} == {
        "InfraDesign",
        "ProjectTag",
        "MonitorTarget",
    }


def test_an_english_design_opens_a_github_pull_request_with_a_token_secret() -> None:
    assert any(
        design["spec"]["request"].isascii()
        and design["spec"]["git"]["mode"] == "pullRequest"
        and "/" in design["spec"]["git"]["repository"]
        and "://" not in design["spec"]["git"]["repository"]
        and design["spec"]["git"]["secretRef"]["name"]
        for design in _of_kind("InfraDesign")
    )


def test_a_korean_design_pushes_to_a_git_url() -> None:
    assert any(
        design["spec"]["request"] == "서울 리전에 웹서비스 인프라 구성해줘"
        and design["spec"]["git"]["mode"] == "push"
        and "://" in design["spec"]["git"]["repository"]
        for design in _of_kind("InfraDesign")
    )


def test_a_design_carries_answers_to_questions() -> None:
    assert any(
        any(entry["type"] == "answer" for entry in design["spec"].get("conversation", []))
        for design in _of_kind("InfraDesign")
    )


def test_project_tags_show_report_and_enforce_modes() -> None:
    assert sorted(tag["spec"]["mode"] for tag in _of_kind("ProjectTag")) == ["enforce", "report"]
