"""A short summary of the insights: written by a language model when one is configured.

The model is any ``complete(prompt) -> text`` callable (the operator passes its configured
provider); without one — or when it fails — a plain, deterministic summary is used, so the
summary never depends on a network.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence

from autcloud.accounts.insights import Insight

log = logging.getLogger("autcloud.accounts")

Complete = Callable[[str], str]
MAX_SUMMARY = 1000


def plain_summary(insights: Sequence[Insight], resources: int) -> str:
    if not insights:
        return f"{resources} resources watched; no insights."
    counts = Counter(insight.kind for insight in insights)
    listed = ", ".join(f"{count} {kind}" for kind, count in counts.most_common())
    return f"{resources} resources watched; {len(insights)} insights: {listed}. First: {insights[0].suggestion}"[
        :MAX_SUMMARY
    ]


def prompt_for(insights: Sequence[Insight]) -> str:
    lines = [
        "Summarise these AWS monitoring insights for an engineer in at most three sentences.",
        "Name the most urgent change first. Use only the facts below.",
    ]
    for insight in insights[:30]:
        lines.append(
            f"- {insight.kind} on {insight.resource}: {insight.metric} = {insight.value:.4g} over "
            f"{insight.window} (threshold {insight.threshold:g}). Suggested: {insight.suggestion}"
        )
    return "\n".join(lines)


def summarize(insights: Sequence[Insight], resources: int, complete: Complete | None = None) -> str:
    if complete is None or not insights:
        return plain_summary(insights, resources)
    try:
        text = complete(prompt_for(insights)).strip()
    except Exception as error:  # any provider failure: the plain summary still informs
        log.warning("insight summary fell back to plain text error=%s", type(error).__name__)
        return plain_summary(insights, resources)
    return text[:MAX_SUMMARY] or plain_summary(insights, resources)
