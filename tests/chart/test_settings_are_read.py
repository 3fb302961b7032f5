"""Every flag and environment variable the chart passes is read by the program it runs.

Flags: the rendered arguments (``$(VAR)`` expanded like the kubelet) are parsed by the CLI's own
parser, and each ``--flag`` must be one of the command's options by its full name (argparse
would also take an abbreviation, which a later option could make ambiguous). Environment: each
variable must be named in the sources of the packages the image runs, or be a standard
OpenTelemetry variable the SDK reads (``opentelemetry.sdk.environment_variables``), or one of
the few the platform reads (PLATFORM). Variables a user adds (``extraEnv``) are theirs.
"""

from __future__ import annotations

import argparse
import functools
import tomllib
from typing import Any

import opentelemetry.sdk.environment_variables as otel_variables
import pytest

from autcloud.cli import build_parser
from tests.chart.containers import environment, expand
from tests.chart.rendering import REPO, SCENARIOS, scenario

PLATFORM = {
    "HOME": "Path.home(): git's and kubectl-style configuration",
    "PYTHONUNBUFFERED": "the Python interpreter: logs reach the container log at once",
}
OTEL_STANDARD = {name for name in dir(otel_variables) if name.startswith("OTEL_")}


def _autcloud_containers() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for name in SCENARIOS:
        for deployment, pod in scenario(name).pod_specs():
            for container in pod["containers"]:
                if container.get("command") == ["autcloud"]:
                    found.append((f"{name}:{deployment}", container))
    return found


CONTAINERS = _autcloud_containers()


@functools.cache
def _sources() -> str:
    """The text of every Python module the image runs (the packages pyproject.toml maps)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    folders = sorted(set(config["tool"]["setuptools"]["package-dir"].values()))
    return "\n".join(
        path.read_text() for folder in folders for path in sorted((REPO / folder).rglob("*.py"))
    )


def _user_env(name: str) -> set[str]:
    values = SCENARIOS[name]
    return {
        var["name"]
        for component in ("operator", "gateway")
        for var in values.get(component, {}).get("extraEnv", [])
    }


def test_every_combination_runs_an_autcloud_command() -> None:
    commands = {container["args"][0] for _, container in CONTAINERS}
    assert commands == {"operator", "gateway"}


@pytest.mark.parametrize(("case", "container"), CONTAINERS, ids=[case for case, _ in CONTAINERS])
def test_every_flag_is_an_option_of_the_command(case: str, container: dict[str, Any]) -> None:
    env = environment(container)
    args = [expand(str(arg), env) for arg in container["args"]]
    parser, _ = build_parser(args)
    parser.parse_args(args)  # SystemExit (usage error) fails the test
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    options = set(subparsers.choices[args[0]]._option_string_actions)
    flags = [arg.split("=", 1)[0] for arg in args[1:] if arg.startswith("--")]
    assert flags, case
    unknown = [flag for flag in flags if flag not in options]
    assert unknown == [], f"{case}: not options of autcloud {args[0]}"


@pytest.mark.parametrize(("case", "container"), CONTAINERS, ids=[case for case, _ in CONTAINERS])
def test_every_environment_variable_is_read(case: str, container: dict[str, Any]) -> None:
    names = {var["name"] for var in container.get("env", [])} - _user_env(case.split(":")[0])
    unread = sorted(
        name
        for name in names
        if name not in PLATFORM and name not in OTEL_STANDARD and f'"{name}"' not in _sources()
    )
    assert unread == [], f"{case}: no code reads {unread}"


def test_the_check_finds_a_variable_nothing_reads() -> None:
    # The check itself can fail: a name no module mentions is reported.
    assert '"AUTCLOUD_LLM_PROVIDER"' not in _sources()
