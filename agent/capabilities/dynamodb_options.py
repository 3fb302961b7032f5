"""DynamoDB options as stated, on the core table ``aws_dynamodb_table.main``: streams (fed to the
design's Lambda function), TTL, global secondary indexes, provisioned capacity (stated in units or
as traffic: "500 writes/s of 1 KB items"), and global-table replicas in other regions. When the
request names several tables ("users": ..., "sessions": ...), each gets the options stated in
its own part of the message (agent/catalog/data.py declares the tables)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities._applies import built_by_first
from autcloud.agent.capabilities._dr_region import ensure_region
from autcloud.agent.capabilities.base import (
    EveryValueParameter,
    Parameter,
    declare,
    named,
    reader,
)
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp, policy_document
from autcloud.agent.catalog.data import TABLES_KEY, table_names
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.ledger import Evidence, attribute_values, instances
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("dynamodb_options")

TABLE = "aws_dynamodb_table.main"
TTL_ATTRIBUTE = "expires_at"
DEFAULT_CAPACITY = 5


@dataclass(frozen=True)
class AllOfParameter(Parameter):
    """A list of values, every one of which one instance must carry in ``attribute``.

    Values are compared as ``compared`` makes them (any case by default); the evidence names
    each value as stated.
    """

    def compared(self, value: Any) -> str:
        return str(value).lower()

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        values = value if isinstance(value, list) else [value]
        wanted = [self.compared(v) for v in values]
        for address, body in instances(module, self.type):
            carried = {self.compared(v) for v in attribute_values(module, body, self.attribute)}
            if all(w in carried for w in wanted):
                return [
                    Evidence(address=address, attribute=self.attribute, op="==", value=v)
                    for v in values
                ]
        return []


_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "with",
    "plus",
    "ttl",
    "streams",
    "stream",
    "for",
    "on",
    "in",
}


def _names(listed: str, trailing: bool) -> list[str]:
    """Attribute names of "email, user_id and tenant_id"; a word followed by another word
    ("provisioned capacity") ends the list, as does a stop word ("and a TTL")."""
    found: list[tuple[str, bool]] = []
    for match in PATTERNS["item"].finditer(listed):
        rest = listed[match.end() :].lstrip()
        phrase = bool(rest) and not PATTERNS["more_names"].match(rest)
        found.append((match.group(1).rstrip("."), phrase))
    names: list[str] = []
    ordered = list(reversed(found)) if trailing else found
    for index, (word, phrase) in enumerate(ordered):
        if (
            word.lower() in _STOP
            or word.lower() in ("gsi", "index")
            or (phrase and index > 0 and not trailing)
        ):
            break
        names.append(word)
        if phrase and not trailing:
            break  # "GSI on email address": the first word names it
    return list(dict.fromkeys(reversed(names) if trailing else names))


def read_gsi(text: str) -> Iterator[tuple[str, Any]]:
    named = [m for m in PATTERNS["gsi_named"].finditer(text)]
    if named:
        yield ", ".join(m.group(0) for m in named), [m.group(1) for m in named]
        return
    for pattern, trailing in ((PATTERNS["gsi_en"], False), (PATTERNS["gsi_ko"], True)):
        for match in pattern.finditer(text):
            listed = (
                match.group(1)
                if trailing
                else match.group(1) + text[match.end(1) : match.end(1) + 30]
            )
            names = _names(listed, trailing)
            if names:
                yield match.group(0).strip(), names


_NOT_TABLE_NAMES = {"dynamodb", "table", "tables", "the", "and", "with"}


def read_table_name(text: str) -> Iterator[tuple[str, Any]]:
    """The name stated for the (first) DynamoDB table."""
    for index, pattern in enumerate(PATTERNS.each("table_names")):
        for match in pattern.finditer(text):
            name = match.group(1).strip(".")
            if name.lower() in _NOT_TABLE_NAMES:
                continue
            if index == 4 and not re.search(r"[-_\d]", name):
                continue  # unquoted Korean phrasing: a name must look like one
            yield match.group(0).strip(), name
            return


def _key_name(match: re.Match[str]) -> str | None:
    """The attribute a key is named after; "partition key and ..." names none."""
    name = next(g for g in match.groups() if g is not None)
    return name if name.lower() not in ("and", "with", "of", "is") else None


_HASH_KEY = reader(PATTERNS["hash_key"], _key_name)
_RANGE_KEY = reader(PATTERNS["range_key"], _key_name)
# The stream view types people name, tried in this order (agent/patterns/dynamodb_options.yaml).
_VIEWS = {
    "new_and_old_images": "NEW_AND_OLD_IMAGES",
    "new_image": "NEW_IMAGE",
    "old_image": "OLD_IMAGE",
    "keys_only": "KEYS_ONLY",
}


def read_stream_view(text: str) -> Iterator[tuple[str, Any]]:
    """The stream view type stated with a stream ("streams with new and old images")."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not PATTERNS["stream"].search(sentence):
            continue
        view = next(named(PATTERNS, _VIEWS, sentence), None)
        if view is not None:
            yield view
            return


def _capacity(kind: str) -> re.Pattern[str]:
    words = "read" if kind == "r" else "write"
    korean = "읽기" if kind == "r" else "쓰기"
    return re.compile(
        rf"\b(\d+)\s*{kind}cus?\b|\b{kind}cus?\s*(?:of\s+|=\s*|:\s*)?(\d+)\b"
        rf"|\b{words}\s+capacity\s+(?:units?\s+)?(?:of\s+|=\s*|:\s*)?(\d+)\b"
        rf"|\b(\d+)\s+{words}\s+capacity\s+units?\b"
        rf"|{korean}\s*용량\s*(?:은|는|을|를)?\s*(\d+)",
        re.I,
    )


def _number(match: re.Match[str]) -> int | None:
    number = next((g for g in match.groups() if g is not None), None)
    return int(number) if number is not None and 1 <= int(number) <= 40000 else None


TTL_KEY = "dynamodb.ttl_attribute"
READ_TRAFFIC_KEY, WRITE_TRAFFIC_KEY = "dynamodb.read_traffic", "dynamodb.write_traffic"
REPLICA_KEY = "dynamodb.replica_regions"

_NOT_ATTRIBUTES = {
    "a",
    "an",
    "the",
    "it",
    "them",
    "items",
    "item",
    "and",
    "with",
    "expiry",
    "table",
}


def read_ttl_attribute(text: str) -> Iterator[tuple[str, Any]]:
    """The attribute a stated TTL expires items on ("TTL on expires_at", "expires_at로 TTL")."""
    for pattern in (PATTERNS["ttl_en"], PATTERNS["ttl_ko"]):
        for match in pattern.finditer(text):
            name = match.group(1)
            if name.lower() in _NOT_ATTRIBUTES or not re.search(r"[_a-z]", name):
                continue
            yield match.group(0).strip(), name
            return


_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k|천|만)?"
_PER_SECOND = (
    r"(?:\s*/\s*(?:s|sec|second|초)\b|\s+(?:per|a|each)\s+second\b|\s*per\s*sec\b|\s*ps\b)"
)


def _amount(number: str, unit: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * {"k": 1000, "천": 1000, "만": 10000}.get((unit or "").lower(), 1)


def _item_kb(near: str) -> float:
    size = PATTERNS["size"].search(near)
    if size is None:
        return 1.0
    value = float(size.group(1))
    return value / 1024 if size.group(2).lower().startswith("b") else value


def _traffic(kind: str) -> Callable[[str], Iterator[tuple[str, Any]]]:
    """Capacity units from stated traffic: a write unit is one write/s of up to 1 KB, a read
    unit one strongly consistent read/s of up to 4 KB (half for eventually consistent,
    twice for transactional); an unqualified read is sized as strongly consistent."""
    en_word = (
        "writes?|write\\s+requests?|puts?" if kind == "w" else "reads?|read\\s+requests?|gets?"
    )
    ko_word = "쓰기" if kind == "w" else "읽기"
    patterns = (
        re.compile(
            rf"\b{_NUMBER}\s+(?:(?:strongly|eventually)\s+consistent\s+|transactional\s+)?"
            rf"(?:{en_word}){_PER_SECOND}",
            re.I,
        ),
        re.compile(rf"초당\s*{_NUMBER}\s*(?:건|회|번|개)?\s*(?:의\s*)?(?:\S+\s*)?{ko_word}"),
        re.compile(rf"{ko_word}\s*(?:는|은|가)?\s*초당\s*{_NUMBER}"),
    )

    def read(text: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            for match in pattern.finditer(text):
                sentence = re.split(r"[.;\n]", text[match.end() :], maxsplit=1)[0]
                after = sentence[:40]
                before = text[max(0, match.start() - 30) : match.start()]
                rate = _amount(match.group(1), match.group(2))
                kb = _item_kb(after) if PATTERNS["size"].search(after) else _item_kb(before)
                units = rate * (math.ceil(kb) if kind == "w" else math.ceil(kb / 4))
                consistency = PATTERNS["consistency"].search(match.group(0) + " " + after[:20])
                word = consistency.group(1).lower() if consistency else ""
                if word.startswith(("transactional", "트랜잭션")):
                    units *= 2
                elif kind == "r" and word.startswith(("eventual", "최종")):
                    units /= 2
                size = PATTERNS["size"].search(after)
                quote = match.group(0) + (after[: size.end()] if size else "")
                if 1 <= units <= 400000:
                    yield quote.strip(), math.ceil(units)
                    return

    return read


def read_replica_regions(text: str) -> Iterator[tuple[str, Any]]:
    """Regions of a DynamoDB global table's replicas ("a global table with a replica in
    eu-west-3", "replicas in Tokyo and Singapore")."""
    from autcloud.agent.regions import find_region_mention

    if not PATTERNS["about_dynamodb"].search(text):
        return
    for match in PATTERNS["replica"].finditer(text):
        sentence_start = max(text.rfind(".", 0, match.start()), 0)
        sentence_end = text.find(".", match.end())
        sentence = text[sentence_start : sentence_end if sentence_end > 0 else len(text)]
        if not PATTERNS["about_tables"].search(sentence):
            continue
        if PATTERNS["about_buckets"].search(text[match.start() : match.end()]):
            continue
        tail = next((g for g in match.groups() if g), None)
        if tail is None:
            tail = text[match.end() : match.end() + 40]
        regions: list[str] = []
        rest = tail
        while rest:
            found = find_region_mention(rest)
            if found is None:
                break
            region, words = found
            if region.code not in regions:
                regions.append(region.code)
            rest = rest[rest.find(words) + len(words) :]
            if not PATTERNS["more_regions"].match(rest):
                break
        if regions:
            yield match.group(0).strip(), regions
            return


@dataclass(frozen=True)
class ReplicaRegionsParameter(AllOfParameter):
    """Every stated region carries a replica of some table; region codes compare as written."""

    def compared(self, value: Any) -> str:
        return str(value)


# Several tables, by name: "users": ..., "sessions": ... ; two tables (posts, comments).
_KO_TABLES = {
    "게시글": "posts",
    "게시물": "posts",
    "포스트": "posts",
    "댓글": "comments",
    "사용자": "users",
    "유저": "users",
    "회원": "members",
    "세션": "sessions",
    "주문": "orders",
    "상품": "products",
    "제품": "products",
    "장바구니": "carts",
    "결제": "payments",
    "메시지": "messages",
    "채팅": "chats",
    "이벤트": "events",
    "로그": "logs",
    "알림": "notifications",
    "랭킹": "rankings",
    "점수": "scores",
    "설정": "settings",
    "재고": "inventory",
    "예약": "reservations",
    "리뷰": "reviews",
    "기기": "devices",
    "디바이스": "devices",
    "센서": "sensors",
}
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "두": 2, "세": 3, "네": 4, "다섯": 5}
_NOT_TABLE_WORDS = {
    "dynamodb", "table", "tables", "the", "and", "with", "two", "three", "four", "five", "main",
    "global", "single", "one", "separate", "new", "our", "its", "a", "an", "both", "other",
    "route", "routing", "lookup", "glue", "athena", "iceberg", "hive", "external",
}  # fmt: skip


def _segment_options(segment: str) -> dict[str, Any]:
    """What one table's part of the message states about it."""
    options: dict[str, Any] = {}
    if PATTERNS["on_demand"].search(segment):
        options["billing"] = "on-demand"
    write = next(iter(_traffic("w")(segment)), None) or next(
        reader(_capacity("w"), _number)(segment), None
    )
    read = next(iter(_traffic("r")(segment)), None) or next(
        reader(_capacity("r"), _number)(segment), None
    )
    if write:
        options["write"] = write[1]
    if read:
        options["read"] = read[1]
    if "billing" not in options and (write or read or PATTERNS["provisioned"].search(segment)):
        options["billing"] = "provisioned"
    if PATTERNS["ttl"].search(segment):
        attribute = next(read_ttl_attribute(segment), None)
        options["ttl"] = attribute[1] if attribute else TTL_ATTRIBUTE
    gsi = next(read_gsi(segment), None)
    if gsi:
        options["gsi"] = gsi[1]
    for key, pattern in (("hash_key", _HASH_KEY), ("range_key", _RANGE_KEY)):
        found = next(pattern(segment), None)
        if found:
            options[key] = found[1]
    return options


def _listed(listed: str) -> list[str]:
    names: list[str] = []
    for item in PATTERNS["table_list_separator"].split(listed):
        item = item.strip().strip("\"'`“”")
        item = PATTERNS["table_suffix"].sub("", item)
        if not item:
            continue
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,60}", item):
            names.append(item.lower())
        else:
            names.append(next((v for k, v in _KO_TABLES.items() if k in item), ""))
    return names


def read_tables(text: str) -> Iterator[tuple[str, Any]]:
    """Several DynamoDB tables stated by name or number, each with the options stated in its own
    part of the message; options stated before the first (or for all) apply to every table."""
    if not PATTERNS["dynamodb_words"].search(text):
        return
    segments = list(PATTERNS["quoted_segment"].finditer(text))
    if len(segments) >= 2:
        preamble = _segment_options(text[: segments[0].start()])
        tables = []
        for index, match in enumerate(segments):
            end = segments[index + 1].start() if index + 1 < len(segments) else len(text)
            options = {**preamble, **_segment_options(text[match.end() : end])}
            if "billing" in options and options["billing"] == "on-demand":
                options.pop("read", None)
                options.pop("write", None)
            tables.append({"name": match.group(1).lower(), "options": options})
        yield text[segments[0].start() : segments[-1].end()].strip(), tables
        return
    for pattern in (PATTERNS["count_en"], PATTERNS["count_ko"]):
        for match in pattern.finditer(text):
            groups = match.groups()
            count_word = next(g for g in (groups[0], groups[2] if len(groups) > 2 else None) if g)
            count = _COUNTS.get(count_word.lower()) or int(count_word)
            listed = next((g for g in groups[1:] if g and g not in (count_word,)), "")
            names = [n for n in _listed(listed) if n.lower() not in _NOT_TABLE_WORDS][:count]
            names = [n or f"table-{i + 1}" for i, n in enumerate(names)]
            names += [f"table-{i + 1}" for i in range(len(names), count)]
            if len(set(names)) != len(names):
                names = [f"{n}-{i + 1}" for i, n in enumerate(names)]
            options = _segment_options(text)
            yield match.group(0).strip(), [{"name": n, "options": options} for n in names]
            return
    for match in PATTERNS["pair_en"].finditer(text):
        names = _listed(match.group(0)[: match.group(0).lower().rfind("tables")])
        names = [n for n in names if n and n not in _NOT_TABLE_WORDS]
        if len(names) >= 2:
            options = _segment_options(text)
            yield match.group(0).strip(), [{"name": n, "options": options} for n in names]
            return


@dataclass(frozen=True)
class TablesParameter(EveryValueParameter):
    """Every stated table exists: a DynamoDB table whose name carries the stated name."""

    def find_one(self, module: TerraformModule, value: Any) -> list[Evidence]:
        return super().find_one(
            module, str(value.get("name") if isinstance(value, dict) else value)
        )


def _lambda_target(bp: Blueprint) -> str | None:
    functions = [r.name for r in bp.resources if r.type == "aws_lambda_function"]
    return ("api" if "api" in functions else functions[0]) if functions else None


def _streams(bp: Blueprint, table: ResourceSpec, view: str = "NEW_AND_OLD_IMAGES") -> None:
    table.body["stream_enabled"] = True
    table.body["stream_view_type"] = view
    function = _lambda_target(bp)
    if function is None:
        bp.notes.append("DynamoDB Streams are on; no Lambda function in the design reads them yet.")
        return
    role = f"{function}_lambda"
    if not bp.has(f"aws_iam_role.{role}"):
        lambda_spec = bp.find(f"aws_lambda_function.{function}")
        text = str(lambda_spec.body.get("role", "")) if lambda_spec else ""
        match = re.match(r"aws_iam_role\.([a-z0-9_]+)\.arn", text)
        if match is None:
            return
        role = match.group(1)
    bp.add(
        ResourceSpec(
            "aws_iam_role_policy",
            f"{function}_table_stream",
            "compute",
            f"Lets the {function} function read the table's change stream, nothing else.",
            {
                "name": "read-table-stream",
                "role": Expr(f"aws_iam_role.{role}.id"),
                "policy": policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "dynamodb:DescribeStream",
                                "dynamodb:GetRecords",
                                "dynamodb:GetShardIterator",
                            ],
                            "Resource": Expr("aws_dynamodb_table.main.stream_arn"),
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["dynamodb:ListStreams"],
                            "Resource": Expr('"${aws_dynamodb_table.main.arn}/stream/*"'),
                        },
                    ]
                ),
            },
            block="dynamodb",
        ),
        ResourceSpec(
            "aws_lambda_event_source_mapping",
            "table_stream",
            "compute",
            f"Feeds every change of the table to the {function} function, retried, failures split out.",
            {
                "event_source_arn": Expr("aws_dynamodb_table.main.stream_arn"),
                "function_name": Expr(f"aws_lambda_function.{function}.arn"),
                "starting_position": "LATEST",
                "batch_size": 100,
                "maximum_retry_attempts": 3,
                "bisect_batch_on_function_error": True,
                "depends_on": [Expr(f"aws_iam_role_policy.{function}_table_stream")],
            },
            block="dynamodb",
        ),
    )


def _key_schema(table: ResourceSpec, hash_key: Any, range_key: Any) -> None:
    """The keys as stated; a partition key stated alone makes a table without a sort key."""
    hash_name = str(hash_key or table.body["hash_key"])
    range_name = str(range_key) if range_key else None
    table.body["hash_key"] = hash_name
    if range_name:
        table.body["range_key"] = range_name
    else:
        table.body.pop("range_key", None)
    keys = [hash_name] + ([range_name] if range_name else [])
    table.body["attribute"] = [Block("attribute", body={"name": k, "type": "S"}) for k in keys]


def _ttl(table: ResourceSpec, attribute: str = TTL_ATTRIBUTE) -> None:
    table.body["ttl"] = Block("ttl", body={"attribute_name": attribute, "enabled": True})


def _gsis(table: ResourceSpec, names: list[str], provisioned: dict[str, int] | None) -> None:
    attributes: list[Block] = list(table.body["attribute"])
    known = {a.body["name"] for a in attributes}
    indexes: list[Block] = []
    for name in names:
        if name not in known:
            attributes.append(Block("attribute", body={"name": name, "type": "S"}))
            known.add(name)
        body: dict[str, Any] = {
            "name": f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-index",
            "hash_key": name,
            "projection_type": "ALL",
        }
        if provisioned:
            body.update(provisioned)
        indexes.append(Block("global_secondary_index", body=body))
    table.body["attribute"] = attributes
    table.body["global_secondary_index"] = indexes


def _provisioned(bp: Blueprint, table: ResourceSpec, read: int, write: int) -> dict[str, int]:
    prefix = "table" if table.name == "main" else f"{table.name}_table"
    table.body["billing_mode"] = "PROVISIONED"
    table.body["read_capacity"] = read
    table.body["write_capacity"] = write
    for kind, floor in (("read", read), ("write", write)):
        dimension = "ReadCapacityUnits" if kind == "read" else "WriteCapacityUnits"
        bp.add(
            ResourceSpec(
                "aws_appautoscaling_target",
                f"{prefix}_{kind}",
                "data",
                f"Lets the table's {kind} capacity grow from {floor} to {floor * 10} units with load.",
                {
                    "service_namespace": "dynamodb",
                    "resource_id": interp(f"table/${{aws_dynamodb_table.{table.name}.name}}"),
                    "scalable_dimension": f"dynamodb:table:{dimension}",
                    "min_capacity": floor,
                    "max_capacity": floor * 10,
                },
                block="dynamodb",
            ),
            ResourceSpec(
                "aws_appautoscaling_policy",
                f"{prefix}_{kind}",
                "data",
                f"Keeps {kind} capacity about 70% used.",
                {
                    "name": interp(f"${{local.name}}-{prefix.replace('_', '-')}-{kind}"),
                    "policy_type": "TargetTrackingScaling",
                    "service_namespace": Expr(
                        f"aws_appautoscaling_target.{prefix}_{kind}.service_namespace"
                    ),
                    "resource_id": Expr(f"aws_appautoscaling_target.{prefix}_{kind}.resource_id"),
                    "scalable_dimension": Expr(
                        f"aws_appautoscaling_target.{prefix}_{kind}.scalable_dimension"
                    ),
                    "target_tracking_scaling_policy_configuration": Block(
                        "target_tracking_scaling_policy_configuration",
                        body={
                            "target_value": 70,
                            "predefined_metric_specification": Block(
                                "predefined_metric_specification",
                                body={
                                    "predefined_metric_type": f"DynamoDB{dimension.replace('Units', '')}Utilization"
                                },
                            ),
                        },
                    ),
                },
                block="dynamodb",
            ),
        )
    table.body["lifecycle"] = Block(
        "lifecycle", body={"ignore_changes": [Expr("read_capacity"), Expr("write_capacity")]}
    )
    return {"read_capacity": read, "write_capacity": write}


def _replicas(bp: Blueprint, table: ResourceSpec, regions: list[str]) -> None:
    """A global table: a replica in each stated region, encrypted with that region's key; global
    tables replicate through the table's stream (new and old images)."""
    blocks: list[Block] = []
    for region in regions:
        alias = ensure_region(bp, region)
        blocks.append(
            Block(
                "replica",
                body={
                    "region_name": region,
                    "kms_key_arn": Expr(f"aws_kms_key.{alias}.arn"),
                    "point_in_time_recovery": True,
                    "propagate_tags": True,
                },
            )
        )
    table.body["replica"] = blocks
    table.body["stream_enabled"] = True
    table.body["stream_view_type"] = "NEW_AND_OLD_IMAGES"
    table.reason += f" Global table: replicas in {', '.join(regions)}."


def _apply(bp: Blueprint, table: ResourceSpec, options: dict[str, Any]) -> str:
    """The options stated for one table; returns its capacity mode."""
    if options.get("hash_key") or options.get("range_key"):
        _key_schema(table, options.get("hash_key"), options.get("range_key"))
    if options.get("ttl"):
        _ttl(table, str(options["ttl"]))
    provisioned = None
    if options.get("billing") == "provisioned":
        provisioned = _provisioned(
            bp,
            table,
            int(options.get("read") or DEFAULT_CAPACITY),
            int(options.get("write") or DEFAULT_CAPACITY),
        )
    if options.get("gsi"):
        _gsis(table, list(options["gsi"]), provisioned)
    return "provisioned" if provisioned else "on-demand"


def build(bp: Blueprint, ctx: Context) -> None:
    table = bp.require(
        TABLE, "DynamoDB options were asked for, but the design has no DynamoDB table."
    )
    if table is None:
        return
    services, params = ctx.req.services, ctx.req.params
    if "dynamodb_streams" in services or params.get("dynamodb.stream_view"):
        _streams(bp, table, str(params.get("dynamodb.stream_view") or "NEW_AND_OLD_IMAGES"))
    regions = [str(r) for r in params.get(REPLICA_KEY) or [] if str(r) != ctx.req.region]
    plan = params.get(TABLES_KEY)
    if isinstance(plan, list) and plan:
        for (name, _suffix), entry in zip(table_names(ctx), plan, strict=False):
            spec = bp.find(f"aws_dynamodb_table.{name}")
            if spec is None or not isinstance(entry, dict):
                continue
            mode = _apply(bp, spec, dict(entry.get("options") or {}))
            spec.reason = spec.reason.replace("On-demand", mode.capitalize(), 1).replace(
                " (pay per request)", "" if mode == "provisioned" else " (pay per request)"
            )
        if regions:
            _replicas(bp, table, regions)
        return
    if params.get("dynamodb.table_name"):
        table.body["name"] = str(params["dynamodb.table_name"])
    if params.get("dynamodb.hash_key") or params.get("dynamodb.range_key"):
        _key_schema(table, params.get("dynamodb.hash_key"), params.get("dynamodb.range_key"))
    if "dynamodb_ttl" in services:
        _ttl(table, str(params.get(TTL_KEY) or TTL_ATTRIBUTE))
    provisioned = None
    if "dynamodb_provisioned" in services:
        provisioned = _provisioned(
            bp,
            table,
            int(
                params.get("dynamodb.read_capacity")
                or params.get(READ_TRAFFIC_KEY)
                or DEFAULT_CAPACITY
            ),
            int(
                params.get("dynamodb.write_capacity")
                or params.get(WRITE_TRAFFIC_KEY)
                or DEFAULT_CAPACITY
            ),
        )
    names = params.get("dynamodb.gsi")
    if names:
        _gsis(table, list(names), provisioned)
    done = [k.removeprefix("dynamodb_") for k in _KEYS if k in services]
    table.reason = (
        f"DynamoDB table ({'provisioned' if provisioned else 'on-demand'} capacity), point-in-time recovery, "
        f"KMS encryption{'; ' + ', '.join(done) if done else ''}."
    )
    if regions:
        _replicas(bp, table, regions)


_KEYS = ("dynamodb_streams", "dynamodb_ttl", "dynamodb_gsi", "dynamodb_provisioned")


def _wanted(req: Any) -> bool:
    return any(k in req.services for k in _KEYS) or any(
        k in req.params
        for k in (
            "dynamodb.gsi",
            "dynamodb.read_capacity",
            "dynamodb.write_capacity",
            "dynamodb.table_name",
            "dynamodb.hash_key",
            "dynamodb.range_key",
            "dynamodb.stream_view",
            TABLES_KEY,
            REPLICA_KEY,
            TTL_KEY,
            READ_TRAFFIC_KEY,
            WRITE_TRAFFIC_KEY,
        )
    )


CAPABILITIES = [
    declare(
        "dynamodb_streams",
        build=build,
        readers={
            "dynamodb.stream_view": read_stream_view,
            "dynamodb.table_name": read_table_name,
            TABLES_KEY: read_tables,
            REPLICA_KEY: read_replica_regions,
            "dynamodb.hash_key": _HASH_KEY,
            "dynamodb.range_key": _RANGE_KEY,
        },
        applies=_wanted,
    ),
    declare(
        "dynamodb_ttl", build=build, readers={TTL_KEY: read_ttl_attribute}, applies=built_by_first
    ),
    declare(
        "dynamodb_gsi", build=build, readers={"dynamodb.gsi": read_gsi}, applies=built_by_first
    ),
    declare(
        "dynamodb_provisioned",
        build=build,
        readers={
            "dynamodb.read_capacity": reader(_capacity("r"), _number),
            "dynamodb.write_capacity": reader(_capacity("w"), _number),
            READ_TRAFFIC_KEY: _traffic("r"),
            WRITE_TRAFFIC_KEY: _traffic("w"),
        },
        applies=built_by_first,
    ),
]
