"""``autcloud design`` never loses a file, as a careless user would find out: the real CLI in a
subprocess, real folders, files and links.

Each case failed before: a user's own main.tf was overwritten, a linked design.json's target was
overwritten, a non-UTF-8 request or an --out naming a file gave a traceback, an unknown --answer
id was silently ignored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autcloud.agent.requirements import ANSWERABLE

EXIT_DESIGNED, EXIT_USAGE = 0, 2
REQUEST = "a serverless API with DynamoDB in Seoul"


def design(
    out: Path, *arguments: str | bytes, request: str | bytes = REQUEST
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autcloud",
            "design",
            request,
            "--out",
            str(out),
            "--yes",
            *arguments,
        ],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )


def test_a_folder_with_the_users_own_files_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    mine = tmp_path / "main.tf"
    mine.write_text("# my own infrastructure\n", encoding="utf-8")
    ran = design(tmp_path)
    assert ran.returncode == EXIT_USAGE
    assert "--force" in ran.stderr and "Traceback" not in ran.stderr
    assert mine.read_text(encoding="utf-8") == "# my own infrastructure\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.tf"]


def test_force_writes_beside_the_users_files(tmp_path: Path) -> None:
    notes = tmp_path / "NOTES.md"
    notes.write_text("keep me\n", encoding="utf-8")
    ran = design(tmp_path, "--force")
    assert ran.returncode == EXIT_DESIGNED, ran.stderr
    assert notes.read_text(encoding="utf-8") == "keep me\n"
    assert (tmp_path / "design.json").is_file()


def test_an_earlier_design_is_replaced_without_force(tmp_path: Path) -> None:
    assert design(tmp_path).returncode == EXIT_DESIGNED
    again = design(tmp_path, request="a static website in Seoul")
    assert again.returncode == EXIT_DESIGNED, again.stderr
    assert json.loads((tmp_path / "design.json").read_text(encoding="utf-8"))["request"] == (
        "a static website in Seoul"
    )


def test_a_linked_design_json_is_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert design(out).returncode == EXIT_DESIGNED
    precious = tmp_path / "precious.json"
    precious.write_text('{"mine": true}\n', encoding="utf-8")
    # An earlier design whose files are links into the user's own: design.json is a link.
    (out / "design.json").unlink()
    (out / "design.json").symlink_to(precious)
    refused = design(out)
    assert refused.returncode == EXIT_USAGE  # a linked design.json is not ours
    forced = design(out, "--force")
    assert forced.returncode == EXIT_DESIGNED, forced.stderr
    assert precious.read_text(encoding="utf-8") == '{"mine": true}\n'
    assert not (out / "design.json").is_symlink()


def test_a_linked_terraform_file_is_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert design(out).returncode == EXIT_DESIGNED
    precious = tmp_path / "elsewhere.tf"
    precious.write_text("# elsewhere\n", encoding="utf-8")
    (out / "main.tf").unlink()
    (out / "main.tf").symlink_to(precious)
    assert design(out).returncode == EXIT_DESIGNED
    assert precious.read_text(encoding="utf-8") == "# elsewhere\n"
    assert not (out / "main.tf").is_symlink()


def test_out_naming_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "plan.txt"
    target.write_text("not a folder\n", encoding="utf-8")
    ran = design(target)
    assert ran.returncode == EXIT_USAGE
    assert "is a file" in ran.stderr and "Traceback" not in ran.stderr
    assert target.read_text(encoding="utf-8") == "not a folder\n"


def test_a_request_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "autcloud", "design", b"\xff\xfe web API", "--out", str(tmp_path)],
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    stderr = ran.stderr.decode("utf-8", "replace")
    assert ran.returncode == EXIT_USAGE
    assert "not valid UTF-8" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_answer_id_lists_the_valid_ones(tmp_path: Path) -> None:
    ran = design(tmp_path, "--answer", "regoin=eu-west-1")
    assert ran.returncode == EXIT_USAGE
    assert "'regoin'" in ran.stderr
    for known in ANSWERABLE:
        assert known in ran.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("known", ANSWERABLE)
def test_every_listed_answer_id_is_accepted(tmp_path: Path, known: str) -> None:
    ran = design(tmp_path, "--answer", f"{known}=keep")
    assert ran.returncode != EXIT_USAGE, ran.stderr
