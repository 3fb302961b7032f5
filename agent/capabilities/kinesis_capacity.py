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

from autcloud.agent.capabilities.base import MESSAGING, Capability, Parameter, Probe
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.catalog.messaging import add_stream
from autcloud.agent.requirements import parse_number

KEY = "kinesis.shard_count"
RECORDS_PER_SHARD = 1000  # records/s one shard accepts
MB_PER_SHARD = 1.0  # MB/s one shard accepts

_N = r"(\d[\d,]*(?:\.\d+)?)\s*(k|thousand|million|만|천)?(?![a-z])"
_DIRECT = (
    re.compile(r"(\d+)\s*(?:kinesis\s+)?shards?\b", re.I),
    re.compile(r"샤드\s*(?:를|을|는|수)?\s*(\d+)\s*개"),
    re.compile(r"(\d+)\s*개의?\s*샤드"),
)
_RECORDS = (
    re.compile(
        rf"{_N}\s*(?:records?|events?|messages?|msgs?|writes?|puts?|data points?)\s*"
        r"(?:/\s*s(?:ec(?:ond)?)?\b|per\s+sec(?:ond)?\b|a\s+second\b|each\s+second\b|every\s+second\b)",
        re.I,
    ),
    re.compile(
        rf"초당\s*(?:약\s*)?{_N}\s*(?:건|개의?\s*(?:이벤트|레코드|메시지)|이벤트|레코드|메시지)"
    ),
    re.compile(rf"{_N}\s*(?:건|이벤트|레코드)\s*/\s*초"),
)
_SECONDS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60}
_DEVICES_EN = re.compile(
    rf"{_N}\s*(?:iot\s+)?(?:devices?|sensors?|machines?|vehicles?|meters?)\b[^.;\n]{{0,60}}?"
    r"\bevery\s+(?:(\d+(?:\.\d+)?)\s*)?(seconds?|secs?|s|minutes?|mins?)\b",
    re.I,
)
_DEVICES_KO = (
    re.compile(
        rf"(?:디바이스|기기|장치|센서|단말)\s*{_N}\s*대[^.;\n]{{0,30}}?(\d+)\s*(초|분)\s*마다"
    ),
    re.compile(
        rf"{_N}\s*대의?\s*(?:디바이스|기기|장치|센서|단말)[^.;\n]{{0,30}}?(\d+)\s*(초|분)\s*마다"
    ),
)
_MEGABYTES = (
    re.compile(
        r"(\d+(?:\.\d+)?)\s*mb\s*(?:/\s*s(?:ec)?\b|ps\b|per\s+sec(?:ond)?\b|a\s+second\b)", re.I
    ),
    re.compile(r"초당\s*(\d+(?:\.\d+)?)\s*mb", re.I),
)


@dataclass(frozen=True)
class Sizing:
    quote: str
    shards: int
    arithmetic: str  # how the shard count follows from the words


def _number(match: re.Match[str], group: int) -> float:
    return parse_number(match.group(group), match.group(group + 1) or "")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def sizing(text: str) -> Sizing | None:
    """The stated shard count, or the one the stated throughput needs."""
    for pattern in _DIRECT:
        match = pattern.search(text)
        if match and int(match.group(1)) > 0:
            quote = match.group(0).strip()
            return Sizing(quote, int(match.group(1)), f"{match.group(1)} shards as stated")
    found: list[Sizing] = []
    for pattern in _RECORDS:
        match = pattern.search(text)
        if match:
            rate = _number(match, 1)
            shards = max(1, math.ceil(rate / RECORDS_PER_SHARD))
            found.append(
                Sizing(
                    match.group(0).strip(),
                    shards,
                    f"{_fmt(rate)} records/s ÷ {RECORDS_PER_SHARD:,} per shard → {shards} shard(s)",
                )
            )
            break
    devices: list[tuple[re.Match[str], float, float]] = []
    match = _DEVICES_EN.search(text)
    if match:
        unit = match.group(4).lower().rstrip("s") or "s"
        every = float(match.group(3) or 1) * _SECONDS.get(unit, 1)
        devices.append((match, _number(match, 1), every))
    for pattern in _DEVICES_KO:
        match = pattern.search(text)
        if match:
            every = float(match.group(3)) * (60 if match.group(4) == "분" else 1)
            devices.append((match, _number(match, 1), every))
            break
    for match, count, every in devices[:1]:
        if every <= 0:
            continue
        rate = count / every
        shards = max(1, math.ceil(rate / RECORDS_PER_SHARD))
        found.append(
            Sizing(
                match.group(0).strip(),
                shards,
                f"{_fmt(count)} devices ÷ {_fmt(every)} s = {_fmt(rate)} records/s; "
                f"÷ {RECORDS_PER_SHARD:,} per shard → {shards} shard(s)",
            )
        )
    for pattern in _MEGABYTES:
        match = pattern.search(text)
        if match:
            megabytes = float(match.group(1))
            shards = max(1, math.ceil(megabytes / MB_PER_SHARD))
            found.append(
                Sizing(
                    match.group(0).strip(),
                    shards,
                    f"{_fmt(megabytes)} MB/s ÷ 1 MB/s per shard → {shards} shard(s)",
                )
            )
            break
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


def build(bp: Blueprint, ctx: Context) -> None:
    shards = ctx.req.params.get(KEY)
    if not isinstance(shards, int) or shards < 1:
        return
    if not bp.has("aws_kinesis_stream.events"):
        add_stream(bp, ctx)
    variable = bp.variables["stream_shard_count"]
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


CAPABILITY = Capability(
    key="kinesis_capacity",
    summary="Kinesis shard count sized from the stated throughput.",
    concepts=(),
    probes=(Probe("aws_kinesis_stream"),),
    category="messaging",
    build=build,
    phase=MESSAGING,
    parameters=(Parameter(KEY, "aws_kinesis_stream", "shard_count", ">=", read),),
)
