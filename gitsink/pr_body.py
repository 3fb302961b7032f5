"""The pull request body: a design's summary as Markdown a reviewer can scan.

The caller passes a plain dict (what the operator already holds in the design's status), so this
module knows nothing of the agent. Every key is optional; a section without data is left out.

``summary`` keys:

- ``title`` (str), ``summary`` (str, a paragraph), ``request`` (str, the person's words);
- ``resources``: list of ``{"address", "type"?, "purpose"?}`` (``description`` works too);
- ``validation``: list of ``{"name", "status": "passed"|"failed"|"skipped", "reason"?,
  "findings"?: list}`` (a StepResult's ``to_dict()`` fits);
- ``pillars``: ``{pillar: score}`` or ``{pillar: {"score", "notes"?}}`` or a list of
  ``{"pillar", "score", "notes"?}``;
- ``cost``: ``{"monthly_usd", "budget_usd"?, "unpriced"?: [address], "items"?: [{"name",
  "monthly_usd"}], "notes"?}`` (anything unpriced makes the total "at least");
- ``assumptions``: list of str; ``open_questions``: list of str or ``{"question"}``;
- ``required_inputs``: list of str, the variables with no default ("var.x — why");
- ``asks``: the requirement ledger, a list of ``{"status", "quote", "key", "why"?,
  "evidence"?: [{"address", "attribute"?}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from autcloud.gitsink.content import place
from autcloud.gitsink.target import GitHubRepository, GitTarget, branch_for, parse_target

DIAGRAM = "diagram.svg"  # the architecture view (autcloud.agent.diagram)
GRAPH = "graph.svg"  # the full reference graph, for debugging
GITHUB_BODY_LIMIT = 65_536  # characters GitHub accepts in a pull request body
_STATUS_MARKS = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭️ skipped"}


def render_pull_request_body(
    summary: Mapping[str, Any],
    *,
    files: Iterable[str] = (),
    link_base: str | None = None,
) -> str:
    """Markdown for the pull request: summary, diagram, resources, validation, pillars, cost,
    assumptions, open questions. ``files`` are the published names (relative to the folder);
    when they include ``diagram.svg`` it is embedded, from ``link_base`` (see
    :func:`folder_url`) or else by its relative name."""
    sections = [
        _heading(summary),
        _asks(summary.get("asks")),
        _diagram(set(files), link_base),
        _resources(summary.get("resources")),
        _validation(summary.get("validation")),
        _pillars(summary.get("pillars")),
        _cost(summary.get("cost")),
        _bullets("Values you supply before applying", summary.get("required_inputs")),
        _bullets("Assumptions", summary.get("assumptions")),
        _bullets("Open questions", _questions(summary.get("open_questions"))),
        "<sub>Published by AutCloud. Edit the design, not this branch: "
        "the next publish replaces the folder.</sub>",
    ]
    body = "\n\n".join(section for section in sections if section) + "\n"
    if len(body) > GITHUB_BODY_LIMIT:
        note = "\n\n… (cut to fit GitHub's limit; the full design is in the files)\n"
        body = body[: GITHUB_BODY_LIMIT - len(note)] + note
    return body


def folder_url(target: GitTarget, design_id: str) -> str | None:
    """The web address of the design's folder on its branch (GitHub targets), ending in '/'.

    GitHub serves ``<folder_url>diagram.svg?raw=true`` as the image itself, which is what a pull
    request body can embed; other remotes have no known web address (None)."""
    remote = parse_target(target.repository, target.github_api_url)
    if not isinstance(remote, GitHubRepository):
        return None
    web = "https://github.com"
    if target.github_api_url:
        web = target.github_api_url.rstrip("/").removesuffix("/api/v3")
    folder = place(target.path, {"x": b""}).folder
    branch = quote(branch_for(target, design_id), safe="/")
    path = quote(folder + "/", safe="/") if folder else ""
    return f"{web}/{remote.owner}/{remote.name}/blob/{branch}/{path}"


def _asks(entries: Any) -> str:
    """What was asked and what became of it: every ask, honored ones with their evidence."""
    rows = [
        entry
        for entry in entries or []
        if isinstance(entry, Mapping) and entry.get("status") != "superseded"
    ]
    if not rows:
        return ""
    order = {"conflict": 0, "unsupported": 1, "adjusted": 2, "honored": 3}
    rows.sort(key=lambda e: order.get(str(e.get("status")), 4))
    lines = [
        "### What you asked for",
        "",
        "| | asked | as | evidence or why |",
        "|---|---|---|---|",
    ]
    marks = {"honored": "✅", "adjusted": "⚠️", "unsupported": "❌", "conflict": "⛔"}
    for entry in rows:
        status = str(entry.get("status"))
        if status == "honored":
            detail = ", ".join(
                f"`{e.get('address')}{'.' + str(e['attribute']) if e.get('attribute') else ''}`"
                for e in entry.get("evidence") or []
                if isinstance(e, Mapping)
            )
        else:
            detail = _cell(str(entry.get("why") or ""))
        lines.append(
            f"| {marks.get(status, '')} {status} | {_cell(str(entry.get('quote') or ''))} | "
            f"`{_cell(str(entry.get('key') or ''))}` | {detail} |"
        )
    return "\n".join(lines)


def _heading(summary: Mapping[str, Any]) -> str:
    lines = [f"## {_text(summary.get('title')) or 'Infrastructure design'}"]
    if summary.get("summary"):
        lines.append(_text(summary["summary"]))
    if summary.get("request"):
        lines.append("\n".join("> " + line for line in _text(summary["request"]).splitlines()))
    return "\n\n".join(lines)


def _diagram(files: set[str], link_base: str | None) -> str:
    """The architecture view (diagram.svg); links to the PNG and the full reference graph
    (graph.svg) when they were published too."""
    if DIAGRAM not in files:
        return ""
    source = f"{link_base}{DIAGRAM}?raw=true" if link_base else DIAGRAM
    section = f"### Architecture\n\n![Architecture diagram]({source})"
    others = [
        f"[{label}]({link_base or ''}{name}{'?raw=true' if link_base else ''})"
        for name, label in (("diagram.png", "PNG"), (GRAPH, "every resource and reference"))
        if name in files
    ]
    return section + ("\n\n" + " · ".join(others) if others else "")


def _resources(resources: Any) -> str:
    rows = [
        [
            f"`{_text(item.get('address'))}`",
            _text(item.get("type")),
            _text(item.get("purpose") or item.get("description")),
        ]
        for item in _dicts(resources)
    ]
    if not rows:
        return ""
    return f"### Resources ({len(rows)})\n\n" + _table(["Address", "Type", "Purpose"], rows)


def _validation(steps: Any) -> str:
    rows = []
    for step in _dicts(steps):
        status = _text(step.get("status")).lower()
        findings = step.get("findings") or []
        detail = _text(step.get("reason"))
        if isinstance(findings, list) and findings:
            counted = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
            detail = f"{detail}; {counted}" if detail else counted
        rows.append([_text(step.get("name")), _STATUS_MARKS.get(status, status), detail])
    if not rows:
        return ""
    return "### Validation\n\n" + _table(["Step", "Result", "Details"], rows)


def _pillars(pillars: Any) -> str:
    entries: list[tuple[str, Any, Any]] = []
    if isinstance(pillars, Mapping):
        for name, value in pillars.items():
            if isinstance(value, Mapping):
                entries.append((str(name), value.get("score"), value.get("notes")))
            else:
                entries.append((str(name), value, None))
    else:
        entries = [
            (_text(item.get("pillar") or item.get("name")), item.get("score"), item.get("notes"))
            for item in _dicts(pillars)
        ]
    if not entries:
        return ""
    rows = [
        [name, "not assessed" if score is None else _number(score), _text(notes)]
        for name, score, notes in entries
    ]
    return "### Well-Architected pillars\n\n" + _table(["Pillar", "Score", "Notes"], rows)


def _cost(cost: Any) -> str:
    if not isinstance(cost, Mapping) or cost.get("monthly_usd") is None:
        return ""
    unpriced = [_text(address) for address in cost.get("unpriced") or []]
    floor = "at least " if unpriced else ""
    line = f"Estimated **{floor}{_usd(cost['monthly_usd'])} a month**"
    if cost.get("budget_usd") is not None:
        line += f" (budget {_usd(cost['budget_usd'])})"
    parts = ["### Cost", line + "."]
    if unpriced:
        parts.append("Not priced (the total leaves them out): " + ", ".join(unpriced) + ".")
    rows = [
        [_text(item.get("name") or item.get("address")), _usd(item.get("monthly_usd"))]
        for item in _dicts(cost.get("items"))
    ]
    if rows:
        parts.append(_table(["Item", "Monthly"], rows))
    if cost.get("notes"):
        parts.append(_text(cost["notes"]))
    return "\n\n".join(parts)


def _bullets(title: str, items: Any) -> str:
    lines = [f"- {_text(item)}" for item in items or [] if _text(item)]
    return f"### {title}\n\n" + "\n".join(lines) if lines else ""


def _questions(questions: Any) -> list[str]:
    return [
        _text(item.get("question")) if isinstance(item, Mapping) else _text(item)
        for item in questions or []
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: str) -> str:
    """A table cell cannot hold a pipe or a line break."""
    return value.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value or [] if isinstance(item, Mapping)]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else _text(value)


def _usd(value: Any) -> str:
    return f"${value:,.2f}" if isinstance(value, int | float) else _text(value)
