"""Fixtures for the tool runners: real terraform with a provider mirror, real checkov.

A missing tool skips its tests, except on CI (``AUTCLOUD_REQUIRE_TOOLS=1``) where it fails them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from autcloud.agent.validation.checkov_tool import CheckovPython, find_checkov_python
from autcloud.agent.validation.terraform_env import TerraformSetup
from tests.tooling import missing_tool, require_tool


def _terraform_setup(cache: Path) -> TerraformSetup:
    require_tool("terraform", "the Terraform runner tests run the real binary")
    setup = TerraformSetup.discover()
    if setup.unavailable_reason:
        missing_tool(f"terraform cannot install providers offline: {setup.unavailable_reason}")
    return dataclasses.replace(setup, cache_dir=cache)


@pytest.fixture(scope="module")
def terraform_setup(tmp_path_factory: pytest.TempPathFactory) -> TerraformSetup:
    """Terraform with a cache shared by the module's tests (init runs once)."""
    return _terraform_setup(tmp_path_factory.mktemp("terraform-cache"))


@pytest.fixture
def fresh_terraform_setup(tmp_path: Path) -> TerraformSetup:
    """Terraform with an empty cache: the first validate must initialise."""
    return _terraform_setup(tmp_path / "terraform-cache")


@pytest.fixture(scope="session")
def checkov_python() -> CheckovPython:
    python, problem = find_checkov_python()
    if python is None:
        missing_tool(problem)
    assert python is not None
    return python
