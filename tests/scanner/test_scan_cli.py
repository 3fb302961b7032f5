"""``autcloud scan`` and ``autcloud diagram`` end to end, including the ways a scan fails."""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scanner.conftest import REGION, MotoServer, free_port, start_moto, stop
from tests.scanner.seed import Seeded


def cli(command: str, *argv: str) -> int:
    """Run one command module as ``autcloud`` would (cli.COMMANDS lists it once merged)."""
    parser = argparse.ArgumentParser(prog="autcloud")
    subparsers = parser.add_subparsers(dest="command", required=True)
    module = importlib.import_module(f"autcloud.commands.{command}")
    module.register(subparsers)
    result: int = module.run(parser.parse_args([command, *argv]))
    return result


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


@pytest.fixture(scope="module")
def strict_moto(aws_env: None) -> Iterator[MotoServer]:
    """A moto server that checks credentials (moto's IAM authentication switched on)."""
    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    yield server
    stop(server)


def test_scan_writes_terraform_imports_inventory_and_diagram(
    moto: MotoServer, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shop"
    code = cli(
        "scan", "--region", REGION, "--tag", "project=shop", "--out", str(out),
        "--endpoint-url", moto.url, "--json",
    )  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["exported"] > 0 and summary["failed_kinds"] == []
    for name in ("imports.tf", "versions.tf", "network.tf", "inventory.json", "diagram.svg"):
        assert (out / name).is_file(), name


def test_bad_credentials_fail_clearly_and_write_nothing(
    strict_moto: MotoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scan"
    code = cli("scan", "--region", REGION, "--out", str(out), "--endpoint-url", strict_moto.url)
    assert code == 3
    error = capsys.readouterr().err
    assert "rejected the credentials" in error and "nothing was written" in error
    assert "testing" not in error  # the access key itself is never echoed
    assert _leftovers(tmp_path) == []


def test_an_unreachable_endpoint_fails_clearly_and_writes_nothing(
    aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scan"
    dead = f"http://127.0.0.1:{free_port()}"
    code = cli("scan", "--region", REGION, "--out", str(out), "--endpoint-url", dead)
    assert code == 3
    assert "cannot reach the AWS endpoint" in capsys.readouterr().err
    assert _leftovers(tmp_path) == []


def test_missing_credentials_fail_clearly(
    aws_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookup here
    code = cli("scan", "--region", REGION, "--out", str(tmp_path / "scan"))
    assert code == 3
    assert "no AWS credentials found" in capsys.readouterr().err
    assert _leftovers(tmp_path) == []


def test_a_folder_with_files_is_refused_before_any_call(
    aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.tf").write_text("# mine\n")
    dead = f"http://127.0.0.1:{free_port()}"  # never reached: the check comes first
    code = cli("scan", "--region", REGION, "--out", str(tmp_path), "--endpoint-url", dead)
    assert code == 2
    assert "not empty" in capsys.readouterr().err
    assert _leftovers(tmp_path) == ["main.tf"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--region", "Europe"], "--region"),
        (["--region", REGION, "--tag", "=shop"], "--tag"),
        (["--region", REGION, "--concurrency", "0"], "--concurrency"),
    ],
)
def test_bad_input_names_the_field(
    argv: list[str], field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("scan", *argv, "--out", str(tmp_path / "x")) == 2
    assert field in capsys.readouterr().err


def test_diagram_command_draws_any_terraform_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.tooling import require_tool

    require_tool("dot", "renders SVG")
    (tmp_path / "main.tf").write_text(
        'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n\n'
        'resource "aws_security_group" "web" {\n  vpc_id = aws_vpc.main.id\n}\n'
    )
    assert cli("diagram", str(tmp_path), "--format", "json,svg") == 0
    data = json.loads((tmp_path / "diagram.json").read_text())
    assert [node["id"] for node in data["nodes"]] == ["aws_security_group.web"]
    assert "Security group" in (tmp_path / "diagram.svg").read_text()


def test_diagram_command_refuses_a_folder_without_terraform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("diagram", str(tmp_path)) == 2
    assert "not a folder of *.tf files" in capsys.readouterr().err
