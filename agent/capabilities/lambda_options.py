"""Lambda options as stated: the runtime, memory and timeout of every Lambda function of the design
(agent/catalog/compute.py add_lambda, and functions other capabilities add)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.capabilities.base import Capability, Parameter, Probe
from autcloud.agent.catalog.base import Blueprint, Context, Variable

PHASE = 90  # last: after every capability that adds functions
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10240
MAX_TIMEOUT_S = 900

SUPPORTED_RUNTIMES = (
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
    "nodejs18.x", "nodejs20.x", "nodejs22.x",
    "java11", "java17", "java21",
    "provided.al2023",
)  # fmt: skip
# The handler each runtime family expects (the package layout the README describes).
HANDLERS = {
    "python": "app.handler",
    "nodejs": "app.handler",
    "java": "app.Handler::handleRequest",
    "provided": "bootstrap",
}

# A runtime, memory or timeout is a Lambda setting only in a message about functions.
_ABOUT_LAMBDA = re.compile(r"\b(?:lambdas?|serverless|functions?|faas)\b|람다|서버리스|함수", re.I)


def _about_lambda(
    read: Callable[[str], Iterator[tuple[str, Any]]],
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    def guarded(text: str) -> Iterator[tuple[str, Any]]:
        if _ABOUT_LAMBDA.search(text):
            yield from read(text)

    return guarded


_RUNTIME = re.compile(
    r"(?P<python>\bpython\s*v?(?P<pv>3\.\d{1,2})\b|파이썬\s*(?P<kpv>3\.\d{1,2}))"
    r"|(?P<node>\b(?:node(?:\.?js)?|노드(?:\s*js)?)\s*v?(?P<nv>\d{2})(?:\.x)?(?![\d.]))"
    r"|(?P<java>\b(?:java|corretto|자바)\s*(?P<jv>\d{2})\b)"
    r"|(?P<go>\bgolang\b|\bgo\s*1\.\d+|\b(?:in|using|written\s+in)\s+go\b(?![\s-]+(?:live|to|ahead|back|down|up|out|over|through|with|for)\b)"
    r"|\bgo\s+(?:runtime|lambdas?|functions?)\b|\bgo\s*(?:언어|로)|고\s*언어|\brust\b|러스트)",
    re.I,
)


def _read_runtime(text: str) -> Iterator[tuple[str, Any]]:
    for match in _RUNTIME.finditer(text):
        if match.group("python"):
            value = f"python{match.group('pv') or match.group('kpv')}"
        elif match.group("node"):
            value = f"nodejs{match.group('nv')}.x"
        elif match.group("java"):
            value = f"java{match.group('jv')}"
        else:
            value = "provided.al2023"
        yield match.group(0).strip(), value


_UNIT = {"mb": 1, "mib": 1, "m": 1, "gb": 1024, "gib": 1024, "g": 1024}
_MEMORY = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>mb|mib|gb|gib|g|m)\s*(?:of\s+)?(?:memory|ram|메모리)"
    r"|(?:memory|ram|메모리)\s*(?:of|=|:|size|는|은|를)?\s*(?P<n2>\d+(?:\.\d+)?)\s*(?P<u2>mb|mib|gb|gib|g|m)?\b",
    re.I,
)


def _read_memory(text: str) -> Iterator[tuple[str, Any]]:
    for match in _MEMORY.finditer(text):
        number = float(match.group("n") or match.group("n2"))
        unit = (match.group("u") or match.group("u2") or "mb").lower()
        yield match.group(0).strip(), round(number * _UNIT[unit])


_SECONDS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "초": 1,
            "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "분": 60}  # fmt: skip
_DURATION = r"(\d+)\s*[-\s]?\s*(seconds?|secs?|minutes?|mins?|s|m|초|분)"
_TIMEOUT = re.compile(
    rf"(?:timeout|time\s*out|타임아웃|제한\s*시간)\s*(?:of|=|:|is|는|은|을|를)?\s*{_DURATION}(?![a-z])"
    rf"|{_DURATION}\s*(?:timeout|time\s*out|타임아웃|제한\s*시간)",
    re.I,
)


def _read_timeout(text: str) -> Iterator[tuple[str, Any]]:
    for match in _TIMEOUT.finditer(text):
        if re.search(
            r"visibility|가시성|idle|session|세션",
            text[max(0, match.start() - 12) : match.start()],
            re.I,
        ):
            continue  # an SQS visibility timeout or an idle timeout, not the function's
        groups = [g for g in match.groups() if g]
        yield match.group(0).strip(), int(groups[0]) * _SECONDS[groups[1].lower()]


def _functions(bp: Blueprint) -> list[Any]:
    return [r for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source]


def build(bp: Blueprint, ctx: Context) -> None:
    functions = _functions(bp)
    if not functions:
        return
    params = ctx.req.params
    runtime = params.get("lambda.runtime")
    if runtime in SUPPORTED_RUNTIMES and "lambda_runtime" in bp.variables:
        variable: Variable = bp.variables["lambda_runtime"]
        bp.variables["lambda_runtime"] = dataclasses.replace(variable, default=runtime)
        handler = next(h for family, h in HANDLERS.items() if str(runtime).startswith(family))
        for spec in functions:
            if "handler" in spec.body:
                spec.body["handler"] = handler
    elif runtime is not None:
        bp.notes.append(
            f"Lambda runtime: {runtime} is not a runtime Lambda offers; the functions keep "
            f"{bp.variables['lambda_runtime'].default if 'lambda_runtime' in bp.variables else 'theirs'}."
        )
    memory = params.get("lambda.memory_mb")
    if isinstance(memory, int):
        if MIN_MEMORY_MB <= memory <= MAX_MEMORY_MB:
            for spec in functions:
                spec.body["memory_size"] = memory
        else:
            bp.notes.append(
                f"Lambda memory: {memory} MB is outside {MIN_MEMORY_MB}-{MAX_MEMORY_MB} MB; kept as built."
            )
    timeout = params.get("lambda.timeout_s")
    if isinstance(timeout, int):
        if 1 <= timeout <= MAX_TIMEOUT_S:
            for spec in functions:
                spec.body["timeout"] = timeout
            if timeout > 30 and bp.has("aws_apigatewayv2_api.main"):
                bp.notes.append(
                    f"Lambda timeout {timeout} s: API Gateway still answers callers within 30 s; "
                    "longer work should go through a queue."
                )
        else:
            bp.notes.append(
                f"Lambda timeout: {timeout} s is over Lambda's {MAX_TIMEOUT_S} s limit; kept as built."
            )


CAPABILITY = Capability(
    key="lambda_options",
    summary="Lambda function settings: runtime, memory and timeout.",
    concepts=(),
    probes=(Probe("aws_lambda_function"),),
    category="compute",
    build=build,
    phase=PHASE,
    parameters=(
        Parameter(
            "lambda.runtime", "aws_lambda_function", "runtime", "==", _about_lambda(_read_runtime)
        ),
        Parameter(
            "lambda.memory_mb",
            "aws_lambda_function",
            "memory_size",
            "==",
            _about_lambda(_read_memory),
        ),
        Parameter(
            "lambda.timeout_s", "aws_lambda_function", "timeout", "==", _about_lambda(_read_timeout)
        ),
    ),
)
