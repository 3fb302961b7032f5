"""The pull request body rendered from a plain summary dict."""

from __future__ import annotations

from typing import Any

from autcloud.gitsink import GitTarget, folder_url, render_pull_request_body

SUMMARY: dict[str, Any] = {
    "title": "Web API in Seoul",
    "summary": "A containerised API on ECS with PostgreSQL and Redis across two zones.",
    "request": "A web API with PostgreSQL and Redis in Seoul",
    "resources": [
        {"address": "aws_vpc.main", "type": "aws_vpc", "purpose": "Network | two zones"},
        {"address": "aws_db_instance.orders", "type": "aws_db_instance", "description": "Orders"},
    ],
    "validation": [
        {"name": "terraform validate", "status": "passed", "reason": "", "findings": []},
        {"name": "checkov", "status": "failed", "reason": "2 checks failed", "findings": [{}, {}]},
        {"name": "tflint", "status": "skipped", "reason": "tflint is not installed"},
    ],
    "pillars": {"security": 4.5, "reliability": {"score": 4, "notes": "Multi-AZ database"}},
    "cost": {
        "monthly_usd": 612.4,
        "budget_usd": 800,
        "items": [{"name": "aws_db_instance.orders", "monthly_usd": 280.32}],
    },
    "assumptions": ["50,000 daily users", "Traffic is mostly reads"],
    "open_questions": ["Do you need a staging copy?", {"question": "Which domain name?"}],
}


def test_every_section_appears_in_order() -> None:
    body = render_pull_request_body(SUMMARY)

    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings == [
        "## Web API in Seoul",
        "### Resources (2)",
        "### Validation",
        "### Well-Architected pillars",
        "### Cost",
        "### Assumptions",
        "### Open questions",
    ]


def test_the_summary_and_the_request_are_shown() -> None:
    body = render_pull_request_body(SUMMARY)

    assert SUMMARY["summary"] in body
    assert "> A web API with PostgreSQL and Redis in Seoul" in body


def test_resources_are_a_table_whose_cells_cannot_break_it() -> None:
    body = render_pull_request_body(SUMMARY)

    assert "| `aws_vpc.main` | aws_vpc | Network \\| two zones |" in body
    assert "| `aws_db_instance.orders` | aws_db_instance | Orders |" in body


def test_validation_steps_show_their_result_and_findings() -> None:
    body = render_pull_request_body(SUMMARY)

    assert "| terraform validate | ✅ passed |  |" in body
    assert "| checkov | ❌ failed | 2 checks failed; 2 findings |" in body
    assert "| tflint | ⏭️ skipped | tflint is not installed |" in body


def test_pillar_scores_and_cost_are_shown() -> None:
    body = render_pull_request_body(SUMMARY)

    assert "| security | 4.5 |  |" in body
    assert "| reliability | 4 | Multi-AZ database |" in body
    assert "Estimated **$612.40 a month** (budget $800.00)." in body
    assert "| aws_db_instance.orders | $280.32 |" in body


def test_assumptions_and_open_questions_are_lists() -> None:
    body = render_pull_request_body(SUMMARY)

    assert "- 50,000 daily users" in body
    assert "- Do you need a staging copy?\n- Which domain name?" in body


def test_the_diagram_is_embedded_only_when_published() -> None:
    base = "https://github.com/acme/infra/blob/autcloud/web/designs/web/"

    with_diagram = render_pull_request_body(
        SUMMARY, files=["main.tf", "diagram.svg"], link_base=base
    )
    without = render_pull_request_body(SUMMARY, files=["main.tf"], link_base=base)

    assert f"![Architecture diagram]({base}diagram.svg?raw=true)" in with_diagram
    assert "diagram" not in without.lower()


def test_an_empty_summary_still_renders_a_heading() -> None:
    assert render_pull_request_body({}).startswith("## Infrastructure design\n")


def test_the_body_is_cut_to_githubs_limit() -> None:
    huge = {"assumptions": ["x" * 1000] * 100}

    body = render_pull_request_body(huge)

    assert len(body) <= 65_536 and body.rstrip().endswith("the full design is in the files)")


def test_the_folder_url_points_at_the_design_branch_on_github() -> None:
    target = GitTarget("acme/infra", path="designs/web")

    assert (
        folder_url(target, "web") == "https://github.com/acme/infra/blob/autcloud/web/designs/web/"
    )


def test_the_folder_url_follows_github_enterprise_and_push_mode() -> None:
    target = GitTarget(
        "acme/infra", path=".", mode="push", github_api_url="https://ghe.example.com/api/v3"
    )

    assert folder_url(target, "web") == "https://ghe.example.com/acme/infra/blob/main/"


def test_a_plain_git_remote_has_no_folder_url() -> None:
    assert folder_url(GitTarget("/srv/git/infra.git", path="d"), "web") is None
