"""Print docs/capabilities.md from the capability registry and the lexicon (checked by a test).

Run: .venv/bin/python scripts/capabilities_table.py > docs/capabilities.md
"""

from __future__ import annotations

from autcloud.agent.capabilities.registry import registry
from autcloud.agent.lexicon import lexicon


def render() -> str:
    reg = registry()
    lex = lexicon()
    lines = [
        "# Capabilities",
        "",
        "What the engine builds, generated from `agent/capabilities/` and `agent/lexicon/`",
        "(`scripts/capabilities_table.py`; a test keeps this page current). *core* capabilities are",
        "built by the planner's core pass; the others by their own module.",
        "",
        "| capability | what it builds | asked for by (English / Korean, first words) | parameters |",
        "|---|---|---|---|",
    ]
    for capability in sorted(reg.capabilities, key=lambda c: (c.build is None, c.key)):
        english: list[str] = []
        korean: list[str] = []
        for concept in capability.concepts:
            word, particle = lex.words(concept)
            english.extend(word)
            korean.extend(particle)
        asked = ", ".join(english[:4]) + (" / " + ", ".join(korean[:3]) if korean else "")
        params = ", ".join(f"`{p.key}`" for p in capability.parameters)
        core = " *core*" if capability.build is None else ""
        summary = capability.summary.replace("|", "/")
        lines.append(f"| `{capability.key}`{core} | {summary} | {asked or '—'} | {params or '—'} |")
    lines += [
        "",
        "## Not built (reported as `unsupported`, with why)",
        "",
        "| service | why |",
        "|---|---|",
    ]
    for item in reg.unsupported.values():
        lines.append(f"| {item.name} | {item.why} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
