"""The secrets step of quick validation (agent/validation/static_checks.py)."""

from __future__ import annotations

from autcloud.agent.validation.static_checks import secrets

ZERO_WIDTH = "\u200b" * 40  # invisible: normalising the text removes them


def test_a_credential_is_reported_on_its_own_line_after_invisible_characters() -> None:
    text = f"# note{ZERO_WIDTH}\n# deploy\n# AKIAIOSFODNN7EXAMPLE\nlocals {{}}\n"
    step = secrets({"main.tf": text})
    assert [(f.check_id, f.line) for f in step.findings] == [("secrets.credential", 3)]


def test_a_credential_is_reported_on_its_own_line_after_letters_nfkc_widens() -> None:
    text = "# " + "\ufb01" * 30 + "\n# AKIAIOSFODNN7EXAMPLE\na = 1\nb = 2\n"  # "ﬁ" -> "fi"
    step = secrets({"main.tf": text})
    assert [(f.check_id, f.line) for f in step.findings] == [("secrets.credential", 2)]
