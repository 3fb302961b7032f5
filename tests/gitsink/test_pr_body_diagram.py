"""The pull request body shows the architecture view and links the other pictures."""

from __future__ import annotations

from autcloud.gitsink.pr_body import render_pull_request_body

SUMMARY = {"title": "Web API", "summary": "A web API."}
BASE = "https://github.com/o/r/blob/autcloud/web/designs/web/"


def test_the_architecture_view_is_embedded_and_the_graph_linked() -> None:
    body = render_pull_request_body(
        SUMMARY, files=["main.tf", "diagram.svg", "diagram.png", "graph.svg"], link_base=BASE
    )
    assert f"![Architecture diagram]({BASE}diagram.svg?raw=true)" in body
    assert f"[PNG]({BASE}diagram.png?raw=true)" in body
    assert f"[every resource and reference]({BASE}graph.svg?raw=true)" in body


def test_only_published_pictures_are_linked() -> None:
    body = render_pull_request_body(SUMMARY, files=["diagram.svg"])
    assert "![Architecture diagram](diagram.svg)" in body and "graph.svg" not in body
