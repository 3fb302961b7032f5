"""A moto server per test process for the apply tests, with AWS's managed IAM policies loaded
(designs attach them by ARN), and the CI subset: ``-m deploy_all`` tests run only when asked."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from autcloud.agent.validation.terraform_env import TerraformSetup
from tests.scanner.conftest import MotoServer, start_moto, stop
from tests.tooling import missing_tool, require_tool

ALL = "AUTCLOUD_DEPLOY_ALL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) the applies outside the CI subset unless ``make test-deploy`` asks."""
    if os.environ.get(ALL) == "1":
        return
    outside = [item for item in items if "deploy_all" in item.keywords]
    if outside:
        config.hook.pytest_deselected(items=outside)
        items[:] = [item for item in items if "deploy_all" not in item.keywords]


@pytest.fixture(scope="session")
def terraform_ready() -> None:
    require_tool("terraform", "the apply tests run the real terraform and AWS provider")
    problem = TerraformSetup.discover().unavailable_reason
    if problem:
        missing_tool(f"no AWS provider for terraform: {problem}")


@pytest.fixture(scope="session")
def moto_account() -> Iterator[MotoServer]:
    server = start_moto({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    yield server
    stop(server)
