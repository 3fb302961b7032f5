"""capabilities.yaml and the capability modules name the same capabilities: an entry no module
declares would be read by nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autcloud.agent.capabilities import base
from autcloud.agent.capabilities.base import declare
from autcloud.agent.capabilities.registry import registry

FACTS = Path(base.__file__).resolve().parent / "capabilities.yaml"


def test_every_entry_of_capabilities_yaml_is_declared_by_a_module() -> None:
    entries = set(yaml.safe_load(FACTS.read_text(encoding="utf-8")))
    declared = {capability.key for capability in registry().capabilities}
    assert entries - declared == set(), "entries no capability module declares"


def test_a_capability_without_an_entry_is_refused_naming_the_file() -> None:
    with pytest.raises(KeyError, match=r"capabilities\.yaml"):
        declare("no_such_capability")
