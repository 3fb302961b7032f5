"""The validation steps in order; each result is reported as soon as it exists.

Quick steps (parse, references, secrets, deploy checks, fmt, cost, intent) always run. Deep steps (``terraform
validate`` against the real AWS provider, checkov) run when asked: they take seconds, not
milliseconds. A tool that is missing makes its step SKIPPED with the reason, never PASSED.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from autcloud.agent.cost import estimate_cost
from autcloud.agent.ledger import Ledger
from autcloud.agent.requirements import Requirements
from autcloud.agent.tfparse import TerraformModule
from autcloud.agent.validation import checkov_tool, static_checks, terraform_tool
from autcloud.agent.validation.deploy_checks import deploy_checks
from autcloud.agent.validation.intent import check_intent
from autcloud.agent.validation.report import StepResult, StepStatus, elapsed_ms

StepCallback = Callable[[StepResult], None]


async def validate_files(
    files: dict[str, str],
    *,
    requirements: Requirements | None = None,
    ledger: Ledger | None = None,
    deep: bool = False,
    on_step: StepCallback | None = None,
) -> list[StepResult]:
    results: list[StepResult] = []

    def record(step: StepResult) -> None:
        results.append(step)
        if on_step is not None:
            on_step(step)

    # `terraform fmt` is a subprocess: submitted now, it runs while this thread parses.
    formatted = asyncio.get_running_loop().run_in_executor(None, terraform_tool.fmt_check, files)
    parsed, module = static_checks.parse(files)
    record(parsed)
    if module is None:
        formatted.cancel()
        return results
    record(static_checks.references(files, module))
    record(static_checks.secrets(files))
    record(deploy_checks(module))
    record(await formatted)
    if deep:
        # terraform validate and checkov are independent: run them side by side.
        validated, scanned = await asyncio.gather(
            asyncio.to_thread(terraform_tool.validate, files),
            asyncio.to_thread(checkov_tool.scan, files),
        )
        record(validated)
        record(scanned)
    if requirements is not None:
        cost = cost_step(module, requirements)
        record(cost)
        record(
            check_intent(
                module, requirements, monthly_cost_usd=cost.details["total_usd"], ledger=ledger
            )
        )
    return results


def cost_step(module: TerraformModule, requirements: Requirements) -> StepResult:
    """The monthly estimate, as a step so it is timed and reported with the others."""
    started = time.perf_counter()
    estimate = estimate_cost(module, requirements.region)
    details = estimate.to_dict()
    summary = f"{'at least' if estimate.unpriced else 'about'} ${estimate.total_usd:,.0f}/month"
    if requirements.language == "ko" or (
        requirements.budget and requirements.budget.currency == "KRW"
    ):
        summary += f" (₩{details.get('total_krw', 0):,.0f})"
    if requirements.budget:
        gap = requirements.budget.monthly_usd - estimate.total_usd
        details["budget_usd"] = requirements.budget.monthly_usd
        details["budget_gap_usd"] = round(gap, 2)
        summary += f", {'under' if gap >= 0 else 'over'} budget by ${abs(gap):,.0f}"
    if estimate.unpriced:
        names = ", ".join(line.address for line in estimate.unpriced[:3])
        more = f" and {len(estimate.unpriced) - 3} more" if len(estimate.unpriced) > 3 else ""
        summary += f"; not priced: {names}{more}"
    return StepResult(
        "cost",
        StepStatus.PASSED,
        elapsed_ms(started),
        reason=summary,
        details=details,
    )
