"""The validation steps in order; each result is reported as soon as it exists.

Quick steps (parse, references, secrets, fmt, intent) always run. Deep steps (``terraform
validate`` against the real AWS provider, checkov) run when asked: they take seconds, not
milliseconds. A tool that is missing makes its step SKIPPED with the reason, never PASSED.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from autcloud.agent.requirements import Requirements
from autcloud.agent.validation import checkov_tool, static_checks, terraform_tool
from autcloud.agent.validation.intent import check_intent
from autcloud.agent.validation.report import StepResult

StepCallback = Callable[[StepResult], None]


async def validate_files(
    files: dict[str, str],
    *,
    requirements: Requirements | None = None,
    deep: bool = False,
    on_step: StepCallback | None = None,
) -> list[StepResult]:
    results: list[StepResult] = []

    def record(step: StepResult) -> None:
        results.append(step)
        if on_step is not None:
            on_step(step)

    parsed, module = static_checks.parse(files)
    record(parsed)
    if module is None:
        return results
    record(static_checks.references(files, module))
    record(static_checks.secrets(files))
    record(await asyncio.to_thread(terraform_tool.fmt_check, files))
    if deep:
        # terraform validate and checkov are independent: run them side by side.
        validated, scanned = await asyncio.gather(
            asyncio.to_thread(terraform_tool.validate, files),
            asyncio.to_thread(checkov_tool.scan, files),
        )
        record(validated)
        record(scanned)
    if requirements is not None:
        record(check_intent(module, requirements))
    return results
