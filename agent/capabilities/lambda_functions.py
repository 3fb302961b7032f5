"""Several Lambda functions, as stated: a number ("three lambdas", "a couple lamdas", "람다 세 개"),
names ("two Lambdas (collect, post-to-slack)", "주문 람다 3개(order-create, ...)"), or routes each
backed by its own function. The design gets one function per name (or enough unnamed ones to
reach the number), each with its own role, dead-letter queue, log group and error alarm
(agent/catalog/compute.py add_lambda).

Runs before Step Functions, which then chains the named functions it finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.compute import add_lambda
from autcloud.agent.ledger import Evidence, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import Requirements
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("lambda_functions")

COUNT_KEY = "lambda.count"
NAMES_KEY = "lambda.names"
SEPARATOR = " / "
MAX_FUNCTIONS = 10

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a couple": 2, "a couple of": 2, "couple of": 2, "a pair of": 2,
    "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8,
}  # fmt: skip


def _number(word: str) -> int | None:
    word = re.sub(r"\s+", " ", word.strip().lower())
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


def _identifiers(listed: str) -> list[str]:
    names = []
    for token in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", listed.strip()):
        name = re.sub(r"[^a-z0-9]+", "_", token.lower()).strip("_")
        if name and name[0].isalpha() and name not in names:
            names.append(name[:40])
    return names


def _statements(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """(quote, count, names) of each statement of several functions."""
    for match in PATTERNS["en_count"].finditer(text):
        count = _number(match.group(1))
        if count is not None:
            yield match.group(0).strip(), count, _identifiers(match.group(2) or "")
    for match in PATTERNS["en_named"].finditer(text):
        names = _identifiers(match.group(1))
        yield match.group(0).strip(), len(names), names
    for match in PATTERNS["en_routes"].finditer(text):
        names = _identifiers(match.group(1))
        yield match.group(0).strip(), len(names), names
    for match in PATTERNS["en_another"].finditer(text):
        yield match.group(0).strip(), 2, []
    for match in PATTERNS["ko_count"].finditer(text):
        count = _number(match.group(1) or match.group(3))
        if count is not None:
            yield match.group(0).strip(), count, _identifiers(match.group(2) or "")


def _read_count(text: str) -> Iterator[tuple[str, Any]]:
    best = max(_statements(text), key=lambda s: s[1], default=None)
    if best is not None and 2 <= best[1] <= MAX_FUNCTIONS:
        yield best[0], best[1]


def _read_names(text: str) -> Iterator[tuple[str, Any]]:
    named = [s for s in _statements(text) if len(s[2]) >= 2]
    best = max(named, key=lambda s: len(s[2]), default=None)
    if best is not None:
        yield best[0], SEPARATOR.join(best[2][:MAX_FUNCTIONS])


class FunctionCountParameter(Parameter):
    """Proven when the design has at least that many Lambda functions."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        found = list(instances(module, self.type))
        if isinstance(value, int) and len(found) >= value:
            return [Evidence(address=address) for address, _ in found[:value]]
        return []


class FunctionNamesParameter(Parameter):
    """Proven when every named function is in the design."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        addresses = {address for address, _ in instances(module, self.type)}
        wanted = [f"{self.type}.{name}" for name in str(value).split(SEPARATOR) if name]
        if wanted and all(address in addresses for address in wanted):
            return [Evidence(address=address) for address in wanted]
        return []


def _functions(bp: Blueprint) -> list[str]:
    return [r.name for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source]


def _add(bp: Blueprint, ctx: Context, name: str, reason: str) -> None:
    add_lambda(bp, ctx, name, reason, {}, [], in_vpc=bp.has("aws_security_group.lambda"))


def build(bp: Blueprint, ctx: Context) -> None:
    params = ctx.req.params
    names = [n for n in str(params.get(NAMES_KEY) or "").split(SEPARATOR) if n]
    steps = params.get("sfn.steps")  # Step Functions names its steps, one function each
    if not names and isinstance(steps, str) and "step_functions" in ctx.req.services:
        names = [s.strip() for s in steps.split(SEPARATOR.strip()) if s.strip()]
    count = params.get(COUNT_KEY)
    wanted = max(count if isinstance(count, int) else 0, len(names))
    for name in names:
        # A new function's companions ({name}_dlq, {name}_lambda role) must not meet the design's.
        if bp.has(f"aws_lambda_function.{name}"):
            continue
        if bp.has(f"aws_sqs_queue.{name}_dlq") or bp.has(f"aws_iam_role.{name}_lambda"):
            name = f"{name}_step"
        _add(bp, ctx, name, f"The {name.replace('_', '-')} function, as named.")
    index = 1
    while len(_functions(bp)) < min(wanted, MAX_FUNCTIONS):
        index += 1
        name = f"function_{index}"
        if not bp.has(f"aws_lambda_function.{name}"):
            _add(bp, ctx, name, f"Function {index} of the {wanted} asked for.")


def _applies(req: Requirements) -> bool:
    return bool({COUNT_KEY, NAMES_KEY} & set(req.params))


CAPABILITY = declare(
    "lambda_functions",
    build=build,
    applies=_applies,
    readers={COUNT_KEY: _read_count, NAMES_KEY: _read_names},
)
