"""One line per progress event, for people: what ``autcloud design`` prints while it works and
what ``autcloud watch`` prints from a gateway's stream are the same lines (rich markup)."""

from __future__ import annotations

from rich.markup import escape

from autcloud.events import (
    CommitPushed,
    CostEstimated,
    Done,
    Error,
    Event,
    FixApplied,
    LevelStarted,
    MessageApplied,
    NodeFinished,
    NodeStarted,
    PlanReady,
    QuestionAsked,
    ResourceGenerated,
    UnknownEvent,
    ValidationStep,
)

STEP_MARKS = {"failed": "[red]✗[/]", "skipped": "[yellow]-[/]"}


def describe(event: Event) -> str:
    """The event as one line of rich markup (text from the stream is escaped)."""
    match event:
        case NodeStarted():
            return f"[dim]▶ {escape(event.node)}[/]"
        case NodeFinished():
            mark = "[green]✓[/]" if event.ok else "[red]✗[/]"
            return f"{mark} {escape(event.node):<9} [dim]{event.duration_ms:.0f} ms[/]"
        case PlanReady():
            return f"  planned {event.resources} resources in {event.levels} dependency levels"
        case LevelStarted():
            return (
                f"[cyan]…[/] level {event.level}: generating {event.resources} resources "
                "in parallel"
            )
        case ResourceGenerated():
            return f"[cyan]+[/] {escape(event.address)}  [dim]{escape(event.file)}[/]".rstrip()
        case ValidationStep():
            failed = "failed" if not event.passed else event.status
            mark = STEP_MARKS.get(failed, "[green]✓[/]")
            return (
                f"  {mark} {escape(event.step):<19} {escape(event.summary)} "
                f"[dim]{event.duration_ms:.0f} ms[/]"
            )
        case FixApplied():
            return (
                f"[yellow]↻[/] repair pass {event.iteration}: {len(event.applied)} fixed, "
                f"{event.unfixed} left"
            )
        case QuestionAsked():
            return f"[yellow]?[/] {escape(event.text)} [dim]({escape(event.question_id)})[/]"
        case CostEstimated():
            budget = f" (budget {event.budget_usd:,.0f})" if event.budget_usd else ""
            return f"[magenta]$[/] {event.monthly_usd:,.2f} USD/month{budget}"
        case CommitPushed():
            link = event.pull_request_url or event.url
            return f"[blue]⎇[/] commit {event.sha[:12]} {escape(link)}".rstrip()
        case MessageApplied():
            return f"[dim]✉ message {escape(event.message_id)} joined the conversation[/]"
        case Error():
            return f"[red]✗ {escape(event.reason)}[/]: {escape(event.message)}"
        case Done():
            mark = "[green]■[/]" if event.ok else "[red]■[/]"
            return f"{mark} done: {escape(event.summary or event.phase)}"
        case UnknownEvent(type_name="stream.truncated"):
            return "[yellow]! older events were trimmed; some progress is not shown[/]"
        case UnknownEvent():
            return f"[dim]· {escape(event.type_name)}[/]"
    return f"[dim]· {escape(event.type.value)}[/]"
