"""Lambda options as stated: the runtime, memory and timeout of every Lambda function of the design
(agent/catalog/compute.py add_lambda, and functions other capabilities add)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare, only_about, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, Variable
from autcloud.agent.hcl import Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("lambda_options")

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
def _about_lambda(
    read: Callable[[str], Iterator[tuple[str, Any]]],
) -> Callable[[str], Iterator[tuple[str, Any]]]:
    return only_about(PATTERNS["about_lambda"], read)


def _runtime(match: re.Match[str]) -> str:
    if match.group("python"):
        return f"python{match.group('pv') or match.group('kpv')}"
    if match.group("node"):
        return f"nodejs{match.group('nv')}.x"
    if match.group("java"):
        return f"java{match.group('jv')}"
    return "provided.al2023"


_read_runtime = reader(PATTERNS["runtime"], _runtime)


_UNIT = {"mb": 1, "mib": 1, "m": 1, "gb": 1024, "gib": 1024, "g": 1024}


def _megabytes(match: re.Match[str]) -> int:
    number = float(match.group("n") or match.group("n2") or match.group("n3"))
    unit = (match.group("u") or match.group("u2") or match.group("u3") or "mb").lower()
    return round(number * _UNIT[unit])


_read_memory = reader(PATTERNS["memory"], _megabytes)


_SECONDS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "초": 1,
            "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "분": 60}  # fmt: skip


def _read_timeout(text: str) -> Iterator[tuple[str, Any]]:
    for match in PATTERNS["timeout"].finditer(text):
        if PATTERNS["not_a_timeout"].search(text[max(0, match.start() - 12) : match.start()]):
            continue  # an SQS visibility timeout or an idle timeout, not the function's
        groups = [g for g in match.groups() if g]
        yield match.group(0).strip(), int(groups[0]) * _SECONDS[groups[1].lower()]


def _positive(match: re.Match[str]) -> int | None:
    """The match's first number, when it is at least 1."""
    number = int(next(g for g in match.groups() if g))
    return number if number >= 1 else None


_POSITIONS = {"latest": "LATEST", "newest": "LATEST", "oldest": "TRIM_HORIZON",
              "beginning": "TRIM_HORIZON"}  # fmt: skip
SQS_MAX_BATCH = 10  # more needs a batching window; keep SQS mappings as built
MAX_PARALLELIZATION = 10


def _starting_position(match: re.Match[str]) -> str:
    word = re.sub(r"[_\s]+", "_", (match.group(1) or match.group(2)).lower())
    return _POSITIONS.get(word, word.upper())


def _mapping_options(bp: Blueprint, ctx: Context) -> None:
    """Batch size, parallelization and starting position on the event source mappings."""
    params = ctx.req.params
    batch = params.get("lambda.batch_size")
    parallel = params.get("lambda.parallelization_factor")
    starting = params.get("lambda.starting_position")
    for spec in bp.resources:
        if spec.type != "aws_lambda_event_source_mapping":
            continue
        source = str(spec.body.get("event_source_arn", ""))
        stream = "aws_kinesis_stream." in source or "stream_arn" in source
        ordered = "starting_position" in spec.body  # streams and Kafka
        if isinstance(batch, int) and 1 <= batch <= 10000 and (ordered or batch <= SQS_MAX_BATCH):
            spec.body["batch_size"] = batch
        if isinstance(parallel, int) and 1 <= parallel <= MAX_PARALLELIZATION and stream:
            spec.body["parallelization_factor"] = parallel
        if starting in ("LATEST", "TRIM_HORIZON") and ordered:
            spec.body["starting_position"] = starting


def _provisioned(bp: Blueprint, function: Any, executions: int) -> None:
    """An alias on a published version, kept warm with provisioned concurrency."""
    function.body["publish"] = True
    bp.add(
        ResourceSpec(
            "aws_lambda_alias",
            f"{function.name}_live",
            "compute",
            f"The {function.name} function's live alias: callers invoke it to get the warm instances.",
            {
                "name": "live",
                "function_name": Expr(f"aws_lambda_function.{function.name}.function_name"),
                "function_version": Expr(f"aws_lambda_function.{function.name}.version"),
            },
            block="lambda",
        ),
        ResourceSpec(
            "aws_lambda_provisioned_concurrency_config",
            function.name,
            "compute",
            f"Keeps {executions} execution environment(s) of {function.name} initialised: no cold starts.",
            {
                "function_name": Expr(f"aws_lambda_alias.{function.name}_live.function_name"),
                "qualifier": Expr(f"aws_lambda_alias.{function.name}_live.name"),
                "provisioned_concurrent_executions": executions,
            },
            block="lambda",
        ),
    )


def _functions(bp: Blueprint) -> list[Any]:
    return [r for r in bp.resources if r.type == "aws_lambda_function" and not r.data_source]


def build(bp: Blueprint, ctx: Context) -> None:
    functions = _functions(bp)
    if not functions:
        return
    params = ctx.req.params
    _mapping_options(bp, ctx)
    reserved = params.get("lambda.reserved_concurrency")
    provisioned = params.get("lambda.provisioned_concurrency")
    if isinstance(reserved, int):
        for spec in functions:
            spec.body["reserved_concurrent_executions"] = reserved
    if isinstance(provisioned, int):
        limit = reserved if isinstance(reserved, int) else None
        for spec in functions:
            current = spec.body.get("reserved_concurrent_executions")
            if limit is None and isinstance(current, int) and current < provisioned + 1:
                spec.body["reserved_concurrent_executions"] = provisioned + 1
        if limit is not None and provisioned >= limit:
            bp.notes.append(
                f"Lambda: provisioned concurrency {provisioned} needs a reserved concurrency above "
                f"it; {limit} was asked, so no provisioned concurrency was set."
            )
        elif not bp.has(f"aws_lambda_provisioned_concurrency_config.{functions[0].name}"):
            _provisioned(bp, functions[0], provisioned)
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


CAPABILITY = declare(
    "lambda_options",
    build=build,
    readers={
        "lambda.runtime": _about_lambda(_read_runtime),
        "lambda.memory_mb": _about_lambda(_read_memory),
        "lambda.timeout_s": _about_lambda(_read_timeout),
        "lambda.reserved_concurrency": _about_lambda(reader(PATTERNS["reserved"], _positive)),
        "lambda.provisioned_concurrency": _about_lambda(reader(PATTERNS["provisioned"], _positive)),
        "lambda.batch_size": _about_lambda(reader(PATTERNS["batch"], _positive)),
        "lambda.parallelization_factor": _about_lambda(reader(PATTERNS["parallel"], _positive)),
        "lambda.starting_position": _about_lambda(reader(PATTERNS["starting"], _starting_position)),
    },
)
