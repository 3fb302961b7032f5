"""Kinesis capacity: the core stream's shard count from what the person states.

Stated directly ("4 shards", "샤드 4개"), or worked out from throughput: records per second
("2k records/s", "초당 2만건"), devices reporting on an interval ("10,000 devices every 5
seconds", "디바이스 1만대가 5초마다") or megabytes per second ("3 MB/s"). A provisioned shard
takes 1,000 records/s and 1 MB/s in, so shards = ceil(records/s / 1000) and ceil(MB/s).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from autcloud.agent.capabilities.base import declare, reader, sentences_naming
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.messaging import add_stream
from autcloud.agent.hcl import Block
from autcloud.agent.patterns import patterns
from autcloud.agent.requirements import is_negated, parse_number

PATTERNS = patterns("kinesis_capacity")

KEY = "kinesis.shard_count"
RECORDS_PER_SHARD = 1000  # records/s one shard accepts
MB_PER_SHARD = 1.0  # MB/s one shard accepts

_SECONDS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60}


@dataclass(frozen=True)
class Sizing:
    quote: str
    shards: int
    arithmetic: str  # how the shard count follows from the words


def _number(match: re.Match[str], group: int) -> float:
    return parse_number(match.group(group), match.group(group + 1) or "")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _record_size(after: str) -> tuple[str, float] | None:
    """The size of each record stated right after a rate (" at about 2 KB each"), in KB."""
    for pattern in PATTERNS.each("record_size"):
        match = pattern.search(after)
        if match:
            size = float(match.group(1)) * (1024 if match.group(2).lower() == "mb" else 1)
            if 0 < size <= 1024:
                return match.group(0), size
    return None


def _first(key: str, text: str) -> re.Match[str] | None:
    """The match of the first pattern listed under ``key`` that matches ``text``."""
    return next((m for pattern in PATTERNS.each(key) if (m := pattern.search(text))), None)


# What one shard accepts, by what a rate counts, and how the explanation says it.
_PER_SHARD = {
    "records": (RECORDS_PER_SHARD, f"{RECORDS_PER_SHARD:,}"),
    "megabytes": (MB_PER_SHARD, "1 MB/s"),
}


def _sized(quote: str, how: str, amount: float, counts: str) -> Sizing:
    """The shards ``amount`` (of ``counts``) needs, explained after ``how`` it was reckoned."""
    per_shard, per = _PER_SHARD[counts]
    shards = max(1, math.ceil(amount / per_shard))
    return Sizing(quote, shards, f"{how} ÷ {per} per shard → {shards} shard(s)")


def sizing(text: str) -> Sizing | None:
    """The stated shard count, or the one the stated throughput needs."""
    for pattern in PATTERNS.each("direct"):
        match = pattern.search(text)
        if match and int(match.group(1)) > 0:
            quote = match.group(0).strip()
            return Sizing(quote, int(match.group(1)), f"{match.group(1)} shards as stated")
    found: list[Sizing] = []
    match = _first("records", text)
    if match:
        rate = _number(match, 1)
        quote = match.group(0).strip()
        found.append(_sized(quote, f"{_fmt(rate)} records/s", rate, "records"))
        size = _record_size(text[match.end() :])
        if size is not None:
            megabytes = rate * size[1] / 1024
            how = f"{_fmt(rate)} records/s × {_fmt(size[1])} KB = {megabytes:,.1f} MB/s;"
            found.append(_sized(quote + size[0], how, megabytes, "megabytes"))
    devices: list[tuple[re.Match[str], float, float]] = []
    match = PATTERNS["devices_en"].search(text)
    if match:
        unit = match.group(4).lower().rstrip("s") or "s"
        every = float(match.group(3) or 1) * _SECONDS.get(unit, 1)
        devices.append((match, _number(match, 1), every))
    match = _first("devices_ko", text)
    if match:
        every = float(match.group(3)) * (60 if match.group(4) == "분" else 1)
        devices.append((match, _number(match, 1), every))
    for match, count, every in devices[:1]:
        if every <= 0:
            continue
        rate = count / every
        how = f"{_fmt(count)} devices ÷ {_fmt(every)} s = {_fmt(rate)} records/s;"
        found.append(_sized(match.group(0).strip(), how, rate, "records"))
    match = _first("megabytes", text)
    if match:
        megabytes = float(match.group(1))
        how = f"{_fmt(megabytes)} MB/s"
        found.append(_sized(match.group(0).strip(), how, megabytes, "megabytes"))
    if not found:
        return None
    return max(found, key=lambda s: s.shards)


def read(text: str) -> Iterator[tuple[str, int]]:
    found = sizing(text)
    if found is not None:
        yield found.quote, found.shards


def _stated(ctx: Context) -> Sizing | None:
    for ask in reversed(ctx.req.asks):
        if ask.key == KEY and not ask.negated:
            return sizing(ask.quote)
    return None


RETENTION_KEY = "kinesis.retention_hours"
MODE_KEY = "kinesis.stream_mode"
BATCH_KEY = "stream_consumer.batch_size"
PARALLEL_KEY = "stream_consumer.parallelization_factor"
START_KEY = "stream_consumer.starting_position"


def read_retention(text: str) -> Iterator[tuple[str, int]]:
    for sentence in sentences_naming(PATTERNS["stream"], text):
        for pattern in PATTERNS.each("retention"):
            match = pattern.search(sentence)
            if match:
                unit = match.group(2).lower()
                hours = int(match.group(1)) * (24 if unit[0] in "d일" else 1)
                if 24 <= hours <= 8760:
                    yield match.group(0).strip(), hours
                    return


def read_mode(text: str) -> Iterator[tuple[str, str]]:
    """ON_DEMAND when a stream is asked on demand; PROVISIONED when provisioned mode is named or
    on-demand is asked away ("온디맨드 말고 프로비저닝 모드로", "not on-demand")."""
    for sentence in sentences_naming(PATTERNS["stream"], text):
        if not PATTERNS["kinesis"].search(sentence):
            continue
        provisioned = PATTERNS["provisioned"].search(sentence)
        on_demand = PATTERNS["on_demand"].search(sentence)
        if on_demand and not is_negated(sentence, on_demand.span()):
            yield on_demand.group(0), "ON_DEMAND"
            return
        said = provisioned or on_demand
        if said is not None:
            yield said.group(0), "PROVISIONED"
            return


read_batch = reader(
    PATTERNS["batch"],
    lambda m: next((int(g) for g in m.groups() if g is not None and 1 <= int(g) <= 10000), None),
)
read_parallel = reader(
    PATTERNS["parallel"],
    lambda m: next((int(g) for g in m.groups() if g is not None and 1 <= int(g) <= 10), None),
)
read_start = reader(
    PATTERNS["start"],
    lambda m: (
        "LATEST"
        if (m.group(1) or m.group(2) or "").lower() in ("latest", "newest")
        else "TRIM_HORIZON"
    ),
)


def _stream_options(bp: Blueprint, ctx: Context) -> None:
    stream = bp.find("aws_kinesis_stream.events")
    if stream is None:
        return
    hours = ctx.req.params.get(RETENTION_KEY)
    if isinstance(hours, int):
        stream.body["retention_period"] = hours
        stream.reason += f" Records kept {hours} hours, as asked."
    if ctx.req.params.get(MODE_KEY) == "ON_DEMAND":
        stream.body.pop("shard_count", None)
        stream.body["stream_mode_details"] = Block(
            "stream_mode_details", body={"stream_mode": "ON_DEMAND"}
        )
        stream.reason = (
            "An ordered, replayable event stream in on-demand mode (capacity follows the "
            "traffic, no shards to size), encrypted with the project key."
        )
        bp.variables.pop("stream_shard_count", None)


def build(bp: Blueprint, ctx: Context) -> None:
    stated = RETENTION_KEY in ctx.req.params or MODE_KEY in ctx.req.params
    if stated and not bp.has("aws_kinesis_stream.events"):
        add_stream(bp, ctx)
    _capacity(bp, ctx)
    _stream_options(bp, ctx)


def build_consumer(bp: Blueprint, ctx: Context) -> None:
    """Stated batch size, parallelization and starting position on the stream consumers."""
    params = ctx.req.params
    for spec in bp.resources:
        if spec.type != "aws_lambda_event_source_mapping":
            continue
        source = str(spec.body.get("event_source_arn", ""))
        if "aws_kinesis_stream" not in source and "stream_arn" not in source:
            continue
        if isinstance(params.get(BATCH_KEY), int):
            spec.body["batch_size"] = params[BATCH_KEY]
        if isinstance(params.get(PARALLEL_KEY), int):
            spec.body["parallelization_factor"] = params[PARALLEL_KEY]
        if params.get(START_KEY) in ("LATEST", "TRIM_HORIZON"):
            spec.body["starting_position"] = params[START_KEY]


def _capacity(bp: Blueprint, ctx: Context) -> None:
    shards = ctx.req.params.get(KEY)
    if not isinstance(shards, int) or shards < 1:
        return
    if not bp.has("aws_kinesis_stream.events"):
        add_stream(bp, ctx)
    variable = bp.variables.get("stream_shard_count")
    if variable is None:
        return
    bp.variables["stream_shard_count"] = dataclasses.replace(variable, default=shards)
    stream = bp.find("aws_kinesis_stream.events")
    if stream is not None:
        stated = _stated(ctx)
        how = (
            f'"{stated.quote}": {stated.arithmetic}'
            if stated is not None
            else f"{shards} shard(s) as stated"
        )
        stream.reason = (
            f"An ordered, replayable event stream, encrypted with the project key; {how}."
        )


CAPABILITIES = [
    declare(
        "kinesis_capacity",
        build=build,
        readers={KEY: read, RETENTION_KEY: read_retention, MODE_KEY: read_mode},
    ),
    declare(
        "stream_consumer_options",
        build=build_consumer,
        readers={BATCH_KEY: read_batch, PARALLEL_KEY: read_parallel, START_KEY: read_start},
        applies=lambda req: any(k in req.params for k in (BATCH_KEY, PARALLEL_KEY, START_KEY)),
    ),
]
