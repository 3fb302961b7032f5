"""capabilities.yaml and the capability modules name the same capabilities: an entry no module
declares would be read by nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from autcloud.agent.capabilities import base
from autcloud.agent.capabilities.base import Parameter, declare
from autcloud.agent.capabilities.registry import registry

FACTS = Path(base.__file__).resolve().parent / "capabilities.yaml"


def test_every_entry_of_capabilities_yaml_is_declared_by_a_module() -> None:
    entries = set(yaml.safe_load(FACTS.read_text(encoding="utf-8")))
    declared = {capability.key for capability in registry().capabilities}
    assert entries - declared == set(), "entries no capability module declares"


def test_a_capability_without_an_entry_is_refused_naming_the_file() -> None:
    with pytest.raises(KeyError, match=r"capabilities\.yaml"):
        declare("no_such_capability")


def _read_nothing(text: str) -> Iterator[tuple[str, Any]]:
    return iter(())


def test_a_listed_parameter_without_a_reader_is_refused_naming_it() -> None:
    with pytest.raises(KeyError, match=r"budget\.alert_usd.*readers="):
        declare("budgets")


def test_a_reader_for_a_parameter_capabilities_yaml_does_not_list_is_refused() -> None:
    readers = {"budget.alert_usd": _read_nothing, "budget.typo": _read_nothing}
    with pytest.raises(KeyError, match=r"budgets\.parameters has no entry for budget\.typo"):
        declare("budgets", readers=readers)


def test_a_parameter_kind_no_module_defines_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = base._facts()["budgets"]
    parameters = {"budget.alert_usd": {**entry["parameters"]["budget.alert_usd"], "kind": "Nope"}}
    monkeypatch.setitem(base._facts(), "budgets", {**entry, "parameters": parameters})
    with pytest.raises(KeyError, match=r"budgets\.parameters\.budget\.alert_usd is of kind 'Nope'"):
        declare("budgets", readers={"budget.alert_usd": _read_nothing})


def test_two_parameter_kinds_of_one_name_are_refused_naming_both_modules() -> None:
    from autcloud.agent.capabilities.cache_options import NodesParameter

    with pytest.raises(TypeError, match=r"NodesParameter is defined in .*test_capability_facts"):
        type("NodesParameter", (Parameter,), {})
    assert base._KINDS["NodesParameter"] is NodesParameter


def test_each_parameter_carries_its_facts_from_capabilities_yaml() -> None:
    entries = yaml.safe_load(FACTS.read_text(encoding="utf-8"))
    for capability in registry().capabilities:
        listed = entries[capability.key].get("parameters", {})
        assert [p.key for p in capability.parameters] == list(listed)
        for parameter in capability.parameters:
            fact = listed[parameter.key]
            assert (parameter.type, parameter.attribute, parameter.op) == (
                fact["type"],
                fact["attribute"],
                fact["op"],
            )
            assert type(parameter).__name__ == fact.get("kind", "Parameter")
