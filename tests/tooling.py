"""Helpers shared by the tests.

Tools that a user's machine may lack (terraform, checkov, redis-server, dot, chromium) skip the
tests that need them, with the reason; on CI (``AUTCLOUD_REQUIRE_TOOLS=1``) a missing tool fails
instead, so a skip can never hide a missing install.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def missing_tool(message: str) -> NoReturn:
    """Skip naming what is missing; on CI (AUTCLOUD_REQUIRE_TOOLS=1) fail instead."""
    if os.environ.get("AUTCLOUD_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message} (AUTCLOUD_REQUIRE_TOOLS=1: CI must have it)")
    pytest.skip(message)


def require_tool(name: str, why: str = "") -> str:
    """The tool's path, or skip (fail on CI) naming what is missing."""
    path = shutil.which(name)
    if path:
        return path
    missing_tool(f"{name} is not installed{': ' + why if why else ''}")
