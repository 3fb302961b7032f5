"""The top-level ``autcloud`` parser, run as a user runs it: help lists every command, a typo
names them all, and a command's own help works although only that command's module is loaded."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from autcloud.agent.tfparse import load_folder
from autcloud.cli import COMMANDS, EXIT_USAGE


def autcloud(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autcloud", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_every_command() -> None:
    shown = autcloud("--help")
    assert shown.returncode == 0
    for name in COMMANDS:
        assert name in shown.stdout


def test_an_unknown_command_is_a_usage_error_that_names_the_commands() -> None:
    shown = autcloud("desing", "a web app")
    assert shown.returncode == EXIT_USAGE
    assert "invalid choice: 'desing'" in shown.stderr
    for name in COMMANDS:
        assert f"'{name}'" in shown.stderr
    assert "Traceback" not in shown.stderr


def test_a_command_parses_with_only_its_own_module_loaded() -> None:
    code = (
        "import sys; from autcloud.cli import build_parser; "
        "parser, modules = build_parser(['diagram', '--help']); "
        "print(sorted(modules)); "
        "print('autcloud.commands.scan' in sys.modules, 'boto3' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert shown.stdout.split("\n")[:2] == ["['diagram']", "False False"]


def test_a_commands_own_help_works() -> None:
    shown = autcloud("design", "--help")
    assert shown.returncode == 0
    assert "--out" in shown.stdout


def test_the_version_is_printed_without_a_command() -> None:
    shown = autcloud("--version")
    assert shown.returncode == 0
    assert shown.stdout.startswith("autcloud ")


def test_diagram_view_graph_draws_resources_where_architecture_folds_them(tmp_path: Path) -> None:
    """``autcloud diagram DIR --view graph`` (docs/diagrams.md): the reference graph, resources as
    nodes, where the default architecture view folds plumbing away."""
    case = (
        Path(__file__).resolve().parents[1] / "agent" / "diagram_cases" / "web_api_postgres_redis"
    )
    folder = tmp_path / "design"
    shutil.copytree(case, folder, ignore=shutil.ignore_patterns("expected.json"))
    views = {}
    for view in ("architecture", "graph"):
        out = tmp_path / view
        shown = autcloud(
            "diagram", str(folder), "--view", view, "--format", "json", "--out-dir", str(out)
        )
        assert shown.returncode == 0, shown.stderr
        views[view] = json.loads((out / "diagram.json").read_text(encoding="utf-8"))
    resources = load_folder(folder).resources
    assert views["graph"]["view"] == "graph"
    addresses = {f"{rtype}.{name}" for rtype, named in resources.items() for name in named}
    assert {node["id"] for node in views["graph"]["nodes"]} <= addresses
    assert len(views["architecture"]["nodes"]) < len(views["graph"]["nodes"])
