"""Run the fidelity suite: design every request of eval/requests and check its facts.

    python eval/run.py [--requests DIR] [--only ID ...] [--misses] [--json FILE] [-j N]

Each request is designed in-process (offline provider, documented defaults assumed) in a pool
of worker processes; its facts are checked against the rendered Terraform and design.json (see
eval/facts.py and eval/README.md). The last line printed is the one-line figure:

    fidelity: 97.8% of 1234 facts in 215 requests (unsupported reported: 100%)

Exit code 0 whenever the run completes (it is a measurement, not a gate); 2 when a request file
is malformed, naming the file and the field.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

# eval/ is a folder of scripts, not a package: its modules import each other by file name.
from facts import (
    CLASSES,
    FactSyntaxError,
    check_fact,
    unsupported_reported,
    validate_fact,
)

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "ko")
CHECKED_STATUSES = ("designed", "invalid")
REQUEST_KEYS = ("id", "language", "source", "request", "conversation", "facts", "unsupported")
REQUIRED_KEYS = ("id", "language", "source", "request", "facts")


class RequestFileError(ValueError):
    """A request file that does not follow eval/README.md."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")


# ---------------------------------------------------------------------------------------------
# Request files.


def load_request(path: Path) -> dict[str, Any]:
    """The request of one file, validated strictly; :class:`RequestFileError` otherwise."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RequestFileError(path, "(file)", f"not readable YAML: {error}") from None
    if not isinstance(data, dict):
        raise RequestFileError(path, "(file)", "must be a mapping")
    for key in data:
        if key not in REQUEST_KEYS:
            raise RequestFileError(
                path, str(key), f"unknown field (known: {', '.join(REQUEST_KEYS)})"
            )
    for key in REQUIRED_KEYS:
        if key not in data:
            raise RequestFileError(path, key, "is missing")
    if data["id"] != path.stem:
        raise RequestFileError(path, "id", f"{data['id']!r} is not the file name {path.stem!r}")
    if data["language"] not in LANGUAGES:
        raise RequestFileError(path, "language", f"{data['language']!r} is not one of en, ko")
    for key in ("source", "request"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise RequestFileError(path, key, "must be a non-empty string")
    data["conversation"] = _conversation(path, data.get("conversation"))
    facts = data["facts"]
    if not isinstance(facts, list):
        raise RequestFileError(path, "facts", "must be a list")
    for index, fact in enumerate(facts):
        try:
            validate_fact(fact, f"facts[{index}]")
        except FactSyntaxError as error:
            raise RequestFileError(path, error.field, error.problem) from None
        fact["says"] = str(fact["says"])
    unsupported = data.get("unsupported")
    if unsupported is None:
        unsupported = []
    if not isinstance(unsupported, list):
        raise RequestFileError(path, "unsupported", "must be a list of {says: TEXT}")
    for index, ask in enumerate(unsupported):
        here = f"unsupported[{index}]"
        if not isinstance(ask, dict) or set(ask) != {"says"}:
            raise RequestFileError(path, here, "must be exactly {says: TEXT}")
        if not isinstance(ask["says"], str) or not ask["says"].strip():
            raise RequestFileError(path, f"{here}.says", "must be a non-empty string")
    data["unsupported"] = unsupported
    return data


def _conversation(path: Path, turns: object) -> list[dict[str, str]]:
    if turns is None:
        return []
    if not isinstance(turns, list):
        raise RequestFileError(path, "conversation", "must be a list of turns")
    result = []
    for index, turn in enumerate(turns):
        here = f"conversation[{index}]"
        if not isinstance(turn, dict):
            raise RequestFileError(path, here, "must be a mapping")
        kind = turn.get("type")
        expected = {"change": {"type", "text"}, "answer": {"type", "question_id", "text"}}.get(
            str(kind)
        )
        if expected is None:
            raise RequestFileError(path, f"{here}.type", f"{kind!r} is not change or answer")
        if set(turn) != expected:
            raise RequestFileError(
                path, here, f"a {kind} turn has exactly the keys {', '.join(sorted(expected))}"
            )
        for key in expected:
            if not isinstance(turn[key], str) or not turn[key].strip():
                raise RequestFileError(path, f"{here}.{key}", "must be a non-empty string")
        result.append({key: str(turn[key]) for key in sorted(expected)})
    return result


def load_requests(folder: Path, only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    paths = sorted(folder.glob("*.yaml"))
    if only:
        wanted = set(only)
        missing = sorted(wanted - {path.stem for path in paths})
        if missing:
            raise RequestFileError(folder, "--only", f"no request file for {', '.join(missing)}")
        paths = [path for path in paths if path.stem in wanted]
    return [load_request(path) for path in paths]


# ---------------------------------------------------------------------------------------------
# Designing and checking one request (in a worker process).


@dataclass
class FactOutcome:
    klass: str
    says: str
    ok: bool
    detail: str


@dataclass
class RequestOutcome:
    id: str
    language: str
    status: str = ""
    error: str = ""
    seconds: float = 0.0
    facts: list[FactOutcome] = field(default_factory=list)
    unsupported: list[FactOutcome] = field(default_factory=list)
    deep_failures: list[str] = field(default_factory=list)  # with --deep: failed tool steps


def evaluate(request: Mapping[str, Any], deep: bool = False) -> RequestOutcome:
    """Design one request and check its facts; a crash fails every fact, with its summary."""
    started = time.perf_counter()
    outcome = RequestOutcome(id=request["id"], language=request["language"])
    seen: dict[str, Mapping[str, Any]] = {}
    try:
        _design_and_check(request, outcome, seen, deep)
    except Exception as error:  # a crash is a measurement too: every fact fails
        outcome.error = crash_summary(error)
        outcome.status = outcome.status or "crashed"
        outcome.facts = [
            FactOutcome(fact["class"], fact["says"], False, f"crash: {outcome.error}")
            for fact in request["facts"]
        ]
    if not outcome.unsupported:
        outcome.unsupported = [
            FactOutcome(
                "unsupported", ask["says"], *_unsupported(ask["says"], seen.get("document", {}))
            )
            for ask in request["unsupported"]
        ]
    outcome.seconds = round(time.perf_counter() - started, 2)
    return outcome


def _unsupported(says: str, document: Mapping[str, Any]) -> tuple[bool, str]:
    try:
        return unsupported_reported(says, document)
    except Exception as error:
        return False, f"checker error: {crash_summary(error)}"


def _design_and_check(
    request: Mapping[str, Any],
    outcome: RequestOutcome,
    seen: dict[str, Mapping[str, Any]],
    deep: bool = False,
) -> None:
    """Fill ``outcome``; ``seen["document"]`` is design.json once the design has run."""
    import asyncio

    from autcloud.agent.design import run_design
    from autcloud.agent.state import Turn
    from autcloud.agent.tfparse import load_texts

    conversation = [cast(Turn, dict(turn)) for turn in request["conversation"]]
    result = asyncio.run(
        run_design(
            request["request"],
            conversation=conversation,
            assume_defaults=True,
            deep_validation=deep,
        )
    )
    document = result.document
    seen["document"] = document
    for step in (document.get("validation") or {}).get("steps", []):
        if step.get("name") in DEEP_STEPS and step.get("status") != "passed":
            findings = "; ".join(
                f"{f.get('check_id', '')} {f.get('address', '')}".strip()
                for f in step.get("findings", [])[:3]
            )
            outcome.deep_failures.append(f"{step['name']} {step.get('status')}: {findings}")
    outcome.status = str(result.status.value)
    if outcome.status not in CHECKED_STATUSES:
        reason = _why_not_designed(document, outcome.status)
        outcome.facts = [
            FactOutcome(fact["class"], fact["says"], False, reason) for fact in request["facts"]
        ]
        return
    module = load_texts({name: text for name, text in result.files.items() if name.endswith(".tf")})
    for fact in request["facts"]:
        try:
            ok, detail = check_fact(fact, module, document)
        except Exception as error:
            ok, detail = False, f"checker error: {crash_summary(error)}"
        outcome.facts.append(FactOutcome(fact["class"], fact["says"], ok, detail))


def _why_not_designed(document: Mapping[str, Any], status: str) -> str:
    if status == "refused":
        refusal = document.get("refusal") or {}
        return f"design refused: {refusal.get('reason', '')}".strip()
    if status == "needs_input":
        questions = document.get("questions") or []
        asked = "; ".join(str(q.get("text", q.get("id", ""))) for q in questions[:2])
        return f"design asked questions instead: {asked}"
    return f"design ended {status or 'without a status'}"


def crash_summary(error: BaseException) -> str:
    """One line: the exception and where it was raised."""
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}{where}"[:300]


DEEP_STEPS = ("terraform validate", "checkov")


def run_all(
    requests: Sequence[Mapping[str, Any]], jobs: int, deep: bool = False
) -> list[RequestOutcome]:
    outcomes: dict[str, RequestOutcome] = {}
    total = len(requests)

    def record(outcome: RequestOutcome) -> None:
        outcomes[outcome.id] = outcome
        held = sum(fact.ok for fact in outcome.facts)
        print(
            f"[{len(outcomes)}/{total}] {outcome.id}: {outcome.status}, "
            f"{held}/{len(outcome.facts)} facts, {outcome.seconds:.1f}s",
            file=sys.stderr,
            flush=True,
        )

    if jobs <= 1 or total <= 1:
        for request in requests:
            record(evaluate(request, deep))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
            futures: dict[Future[RequestOutcome], Mapping[str, Any]] = {
                pool.submit(evaluate, request, deep): request for request in requests
            }
            for future in as_completed(futures):
                request = futures[future]
                try:
                    record(future.result())
                except Exception as error:  # the worker itself died
                    record(_crashed(request, error))
    return [outcomes[request["id"]] for request in requests]


def _crashed(request: Mapping[str, Any], error: BaseException) -> RequestOutcome:
    summary = crash_summary(error)
    return RequestOutcome(
        id=request["id"],
        language=request["language"],
        status="crashed",
        error=summary,
        facts=[
            FactOutcome(fact["class"], fact["says"], False, f"crash: {summary}")
            for fact in request["facts"]
        ],
        unsupported=[
            FactOutcome("unsupported", ask["says"], False, f"crash: {summary}")
            for ask in request["unsupported"]
        ],
    )


# ---------------------------------------------------------------------------------------------
# The report.


def percent(held: int, total: int) -> float:
    return 100.0 * held / total if total else 100.0


def _figure(held: int, total: int) -> str:
    return f"{held:>5}/{total:<5} {percent(held, total):5.1f}%" if total else f"{0:>5}/{0:<5}     –"


def report(
    outcomes: Sequence[RequestOutcome],
    *,
    misses: bool,
    seconds: float,
    jobs: int,
    deep: bool = False,
) -> str:
    lines: list[str] = []
    facts = [fact for outcome in outcomes for fact in outcome.facts]
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    shown = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    lines.append(
        f"{len(outcomes)} requests designed in {seconds:.1f}s (-j {jobs}): {shown or 'none'}"
    )
    lines.append("")
    lines.append("by class")
    for klass in CLASSES:
        chosen = [fact for fact in facts if fact.klass == klass]
        lines.append(f"  {klass:<12} {_figure(sum(f.ok for f in chosen), len(chosen))}")
    lines.append("by language")
    for language in sorted({*LANGUAGES, *(outcome.language for outcome in outcomes)}):
        chosen = [fact for o in outcomes if o.language == language for fact in o.facts]
        count = sum(o.language == language for o in outcomes)
        figure = _figure(sum(f.ok for f in chosen), len(chosen))
        lines.append(f"  {language:<12} {figure}  in {count} requests")
    if misses:
        missed = [(o.id, fact) for o in outcomes for fact in o.facts if not fact.ok]
        lines.append("")
        lines.append(f"missed facts: {len(missed)}")
        for request_id, fact in missed:
            lines.append(f"  {request_id} · {fact.klass} · {fact.says} · {fact.detail}")
        unreported = [(o.id, ask) for o in outcomes for ask in o.unsupported if not ask.ok]
        lines.append(f"unreported unsupported asks: {len(unreported)}")
        for request_id, ask in unreported:
            lines.append(f"  {request_id} · unsupported · {ask.says} · {ask.detail}")
        crashed = [o for o in outcomes if o.error]
        if crashed:
            lines.append(f"crashed designs: {len(crashed)}")
            for outcome in crashed:
                lines.append(f"  {outcome.id} · {outcome.error}")
    if deep:
        failed = [o for o in outcomes if o.deep_failures]
        lines.append("")
        lines.append(
            f"deep validation: {len(outcomes) - len(failed)} of {len(outcomes)} designs pass "
            "terraform validate and checkov"
        )
        for outcome in failed:
            lines.append(f"  {outcome.id} · {' | '.join(outcome.deep_failures)}")
    lines.append("")
    lines.append(final_line(outcomes))
    return "\n".join(lines)


def final_line(outcomes: Sequence[RequestOutcome]) -> str:
    facts = [fact for outcome in outcomes for fact in outcome.facts]
    asks = [ask for outcome in outcomes for ask in outcome.unsupported]
    held = sum(fact.ok for fact in facts)
    reported = sum(ask.ok for ask in asks)
    asked = "100%" if reported == len(asks) else f"{percent(reported, len(asks)):.1f}%"
    return (
        f"fidelity: {percent(held, len(facts)):.1f}% of {len(facts)} facts "
        f"in {len(outcomes)} requests (unsupported reported: {asked})"
    )


# ---------------------------------------------------------------------------------------------
# Command line.


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=Path, default=HERE / "requests", help="request folder")
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these request ids")
    parser.add_argument("--misses", action="store_true", help="list every missed fact")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the outcomes as JSON")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--deep",
        action="store_true",
        help="also run terraform validate and checkov on every design (minutes, not seconds)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("-j must be at least 1")
    if not args.requests.is_dir():
        print(f"eval: {args.requests}: not a folder of request files", file=sys.stderr)
        return 2
    try:
        requests = load_requests(args.requests, args.only)
    except RequestFileError as error:
        print(f"eval: malformed request file: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    outcomes = run_all(requests, args.jobs, args.deep)
    seconds = time.perf_counter() - started
    text = report(outcomes, misses=args.misses, seconds=seconds, jobs=args.jobs, deep=args.deep)
    if args.json is not None:
        payload = {
            "summary": final_line(outcomes),
            "requests": [asdict(outcome) for outcome in outcomes],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(text, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
