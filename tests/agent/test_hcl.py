"""The HCL renderer: values become the text ``terraform fmt`` would write, and stay data.

Terraform itself is the judge: ``terraform fmt -`` must leave the output unchanged, and
``terraform console`` must read every string back as the literal it was given.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from autcloud.agent.hcl import Block, Call, Expr, jsonencode, quote, ref, render_blocks
from tests.tooling import require_tool

TERRAFORM_ENV = {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1"}

TRICKY_STRINGS = [
    "plain",
    "${var.not_a_reference}",
    "%{ if true }template%{ endif }",
    "$${already}",
    'a "quoted" word',
    "back\\slash",
    "line\nbreak\ttab",
    "한글 값",
    "arn:aws:s3:::bucket/*",
    "",
]


def terraform_fmt(text: str) -> str:
    terraform = require_tool("terraform", "terraform fmt is the reference formatter")
    result = subprocess.run(
        [terraform, "fmt", "-"],
        input=text,
        capture_output=True,
        text=True,
        env=TERRAFORM_ENV,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def resource(body: dict[str, Any], comments: tuple[str, ...] = ()) -> Block:
    return Block("resource", ("aws_s3_bucket", "example"), body, comments=comments)


# --- strings are data, never templates -----------------------------------------------------


def test_interpolation_sequences_are_escaped() -> None:
    assert quote("a-${b}") == '"a-$${b}"'


def test_template_directives_are_escaped() -> None:
    assert quote("%{ if x }") == '"%%{ if x }"'


def test_quotes_and_backslashes_are_escaped() -> None:
    assert quote('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_non_ascii_text_is_kept_readable() -> None:
    assert quote("서울") == '"서울"'


def test_terraform_reads_every_string_back_as_the_literal_given(tmp_path: Path) -> None:
    terraform = require_tool("terraform", "terraform console evaluates the rendered values")
    values = {f"value_{i}": text for i, text in enumerate(TRICKY_STRINGS)}
    (tmp_path / "main.tf").write_text(render_blocks([Block("locals", body=values)]))
    every_local = "{" + ", ".join(f"{name} = local.{name}" for name in values) + "}"
    result = subprocess.run(
        [terraform, "console"],
        input=f"jsonencode({every_local})\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=TERRAFORM_ENV,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(json.loads(result.stdout)) == values


def test_expressions_are_written_as_given() -> None:
    text = resource({"bucket": Expr("var.name"), "arn": ref("aws_s3_bucket.logs", "arn")}).render()
    assert "bucket = var.name" in text
    assert "arn    = aws_s3_bucket.logs.arn" in text


# --- keys, layout, alignment ---------------------------------------------------------------


def test_identifier_keys_stay_bare_and_other_keys_are_quoted() -> None:
    text = resource(
        {"tags": {"Name": "x", "kubernetes.io/role/elb": "1", "with space": "y"}}
    ).render()
    assert "    Name " in text
    assert '"kubernetes.io/role/elb" = "1"' in text
    assert '"with space"' in text


def test_equals_signs_align_across_a_run_of_single_line_attributes() -> None:
    text = resource({"a": 1, "longer_name": 2}).render()
    assert "  a           = 1\n  longer_name = 2" in text


def test_a_multi_line_value_ends_an_alignment_run() -> None:
    text = resource({"a": 1, "tags": {"Name": "x"}, "longer_name": 2}).render()
    assert "  a = 1\n  tags = {" in text
    assert "  longer_name = 2" in text


def test_a_nested_block_ends_an_alignment_run() -> None:
    text = resource(
        {"a": 1, "lifecycle": Block("lifecycle", body={"prevent_destroy": True}), "bb": 2}
    ).render()
    assert "  a = 1\n  lifecycle {\n    prevent_destroy = true\n  }\n  bb = 2" in text


def test_none_leaves_the_attribute_out() -> None:
    assert "optional" not in resource({"optional": None, "kept": 1}).render()


def test_a_list_of_blocks_renders_repeated_blocks() -> None:
    rules = [Block("rule", body={"id": "a"}), Block("rule", body={"id": "b"})]
    text = resource({"rule": rules}).render()
    assert text.count("  rule {") == 2


def test_a_long_list_breaks_over_lines_with_trailing_commas() -> None:
    text = resource({"items": [f"item-number-{i}" for i in range(8)]}).render()
    assert '    "item-number-0",\n' in text
    assert text.count(",\n") == 8


def test_comments_open_the_block() -> None:
    text = resource({"a": 1}, comments=("checkov:skip=CKV_AWS_18:logs go elsewhere",)).render()
    assert text.splitlines()[1] == "  # checkov:skip=CKV_AWS_18:logs go elsewhere"


def test_values_of_every_kind_render() -> None:
    text = resource({"flag": False, "count": 3, "ratio": 0.5, "empty": {}, "none": []}).render()
    assert "flag  = false" in text
    assert "ratio = 0.5" in text
    assert "empty = {}" in text
    assert "none  = []" in text


def test_an_unsupported_value_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="set"):
        resource({"bad": {1, 2}}).render()


# --- terraform fmt is the reference --------------------------------------------------------

GALLERY: list[Block] = [
    Block("terraform", body={"required_version": ">= 1.5.0"}),
    resource(
        {
            "bucket": "a-${b}-%{c}",
            "count": 2,
            "tags": {"Name": "x", "kubernetes.io/role/elb": "1", "a b": True},
            "long_attribute_name": Expr("var.x"),
            "policy": jsonencode(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": Expr('"${aws_s3_bucket.assets.arn}/*"'),
                            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                        }
                    ],
                }
            ),
            "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
            "ratio": 1.5,
            "short": ["a", "b"],
            "long": [f"subnet-{i:04d}-with-a-long-name" for i in range(5)],
            "empty": {},
            "nested": {"inner": {"deeper": [1, 2, 3], "x": "y"}},
            "text": 'quote " backslash \\ newline \n 한글',
        },
        comments=("A comment.",),
    ),
    Block(
        "variable",
        ("region",),
        {
            "description": "AWS region.",
            "type": Expr("string"),
            "default": "ap-northeast-2",
            "validation": Block(
                "validation",
                body={
                    "condition": Expr('can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))'),
                    "error_message": "region must be an AWS region code.",
                },
            ),
        },
    ),
    Block(
        "output", ("url",), {"description": "The URL.", "value": Call("format", Expr('"%s", "x"'))}
    ),
]


def test_rendered_blocks_are_exactly_what_terraform_fmt_writes() -> None:
    text = render_blocks(GALLERY)
    assert terraform_fmt(text) == text


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_every_tricky_string_is_fmt_clean(value: str) -> None:
    text = render_blocks([resource({"a": value, "longer": value, "map": {"k": value}})])
    assert terraform_fmt(text) == text
