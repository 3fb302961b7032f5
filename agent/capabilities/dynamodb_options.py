"""DynamoDB options as stated, on the core table ``aws_dynamodb_table.main``: streams (fed to the
design's Lambda function), TTL, global secondary indexes, and provisioned capacity."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import INTEGRATION, Capability, Parameter, Probe, reader
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec, interp
from autcloud.agent.hcl import Block, Expr, jsonencode
from autcloud.agent.ledger import Evidence, attribute_values, instances
from autcloud.agent.tfparse import TerraformModule

TABLE = "aws_dynamodb_table.main"
TTL_ATTRIBUTE = "expires_at"
DEFAULT_CAPACITY = 5


@dataclass(frozen=True)
class AllOfParameter(Parameter):
    """A list of values, every one of which some instance of ``attribute`` must carry."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        wanted = [str(v).lower() for v in (value if isinstance(value, list) else [value])]
        for address, body in instances(module, self.type):
            carried = {str(v).lower() for v in attribute_values(module, body, self.attribute)}
            if all(w in carried for w in wanted):
                return [
                    Evidence(address=address, attribute=self.attribute, op="==", value=v)
                    for v in value
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
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_GSI_EN = re.compile(
    rf"\b(?:gsis?|global\s+secondary\s+index(?:es)?|secondary\s+index(?:es)?)\s+(?:on|for|by|over)\s+"
    rf"((?:the\s+)?{_NAME}(?:\s*(?:,|and|&)\s*(?:the\s+)?{_NAME})*)",
    re.I,
)
_GSI_KO = re.compile(
    rf"({_NAME}(?:\s*(?:,|와|과|및)\s*{_NAME})*)\s*(?:(?:으로|로|에|을|를)\s*(?:기준(?:으로)?\s*)?|기준(?:으로)?\s*)"
    r"(?:gsi|글로벌\s*보조\s*인덱스|보조\s*인덱스)",
    re.I,
)


_ITEM = re.compile(rf"\s*(?:,|\band\b|&|와|과|및)?\s*(?:the\s+)?({_NAME})", re.I)


def _names(listed: str, trailing: bool) -> list[str]:
    """Attribute names of "email, user_id and tenant_id"; a word followed by another word
    ("provisioned capacity") ends the list, as does a stop word ("and a TTL")."""
    found: list[tuple[str, bool]] = []
    for match in _ITEM.finditer(listed):
        rest = listed[match.end() :].lstrip()
        phrase = bool(rest) and not re.match(r"(?:,|and\b|&|와|과|및|$)", rest, re.I)
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


_GSI_NAMED = re.compile(
    r"\b(?:gsis?|(?:global\s+)?secondary\s+index|index)\s+(?:named\s+|called\s+)?[\"'`“]?([A-Za-z][A-Za-z0-9_.]*)-index(?![A-Za-z0-9_-])",
    re.I,
)


def read_gsi(text: str) -> Iterator[tuple[str, Any]]:
    named = [m for m in _GSI_NAMED.finditer(text)]
    if named:
        yield ", ".join(m.group(0) for m in named), [m.group(1) for m in named]
        return
    for pattern, trailing in ((_GSI_EN, False), (_GSI_KO, True)):
        for match in pattern.finditer(text):
            listed = (
                match.group(1)
                if trailing
                else match.group(1) + text[match.end(1) : match.end(1) + 30]
            )
            names = _names(listed, trailing)
            if names:
                yield match.group(0).strip(), names


_TABLE_NAME = r"([A-Za-z0-9_.-]{3,255})"
_TABLE_NAMES = (
    re.compile(rf"\btable\s+(?:named\s+|called\s+)?[\"“'`]{_TABLE_NAME}[\"”'`]", re.I),
    re.compile(rf"[\"“'`]{_TABLE_NAME}[\"”'`]\s+(?:dynamodb\s+)?table\b", re.I),
    re.compile(rf"\btable\s+(?:named|called)\s+{_TABLE_NAME}", re.I),
    re.compile(rf"테이블\s*\(\s*{_TABLE_NAME}\s*\)"),
    re.compile(rf"테이블\s*(?:이름은?\s*)?{_TABLE_NAME}(?=\s|$|[,.)]|에|을|를|은|는|로|으로)"),
)
_NOT_TABLE_NAMES = {"dynamodb", "table", "tables", "the", "and", "with"}


def read_table_name(text: str) -> Iterator[tuple[str, Any]]:
    """The name stated for the (first) DynamoDB table."""
    for index, pattern in enumerate(_TABLE_NAMES):
        for match in pattern.finditer(text):
            name = match.group(1).strip(".")
            if name.lower() in _NOT_TABLE_NAMES:
                continue
            if index == 4 and not re.search(r"[-_\d]", name):
                continue  # unquoted Korean phrasing: a name must look like one
            yield match.group(0).strip(), name
            return


_KEY_NAME = r"[\"'`“]?([A-Za-z_][A-Za-z0-9_.-]{0,254})"
_HASH_KEY = reader(
    rf"\b(?:partition|hash)\s+key\s*(?:is\s+|of\s+|=\s*|:\s*|named\s+)?{_KEY_NAME}"
    rf"|파티션\s*키\s*(?:는|은|를|:|=)?\s*{_KEY_NAME}",
    lambda m: (
        next(g for g in m.groups() if g is not None)
        if next(g for g in m.groups() if g is not None).lower() not in ("and", "with", "of", "is")
        else None
    ),
)
_RANGE_KEY = reader(
    rf"\b(?:sort|range)\s+key\s*(?:is\s+|of\s+|=\s*|:\s*|named\s+)?{_KEY_NAME}"
    rf"|(?:정렬|소트)\s*키\s*(?:는|은|를|:|=)?\s*{_KEY_NAME}",
    lambda m: (
        next(g for g in m.groups() if g is not None)
        if next(g for g in m.groups() if g is not None).lower() not in ("and", "with", "of", "is")
        else None
    ),
)
_VIEWS = (
    (
        r"new\s+and\s+old\s+images?|new_and_old_images|old\s+and\s+new\s+images?",
        "NEW_AND_OLD_IMAGES",
    ),
    (r"new[\s_]+images?|new_image", "NEW_IMAGE"),
    (r"old[\s_]+images?|old_image", "OLD_IMAGE"),
    (r"keys[\s_]+only", "KEYS_ONLY"),
)


def read_stream_view(text: str) -> Iterator[tuple[str, Any]]:
    """The stream view type stated with a stream ("streams with new and old images")."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not re.search(r"stream|스트림", sentence, re.I):
            continue
        for pattern, view in _VIEWS:
            match = re.search(pattern, sentence, re.I)
            if match:
                yield match.group(0), view
                return


def _capacity(kind: str) -> str:
    words = "read" if kind == "r" else "write"
    korean = "읽기" if kind == "r" else "쓰기"
    return (
        rf"\b(\d+)\s*{kind}cus?\b|\b{kind}cus?\s*(?:of\s+|=\s*|:\s*)?(\d+)\b"
        rf"|\b{words}\s+capacity\s+(?:units?\s+)?(?:of\s+|=\s*|:\s*)?(\d+)\b"
        rf"|\b(\d+)\s+{words}\s+capacity\s+units?\b"
        rf"|{korean}\s*용량\s*(?:은|는|을|를)?\s*(\d+)"
    )


def _number(match: re.Match[str]) -> int | None:
    number = next((g for g in match.groups() if g is not None), None)
    return int(number) if number is not None and 1 <= int(number) <= 40000 else None


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
                "policy": jsonencode(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
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
                        ],
                    }
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


def _ttl(table: ResourceSpec) -> None:
    table.body["ttl"] = Block("ttl", body={"attribute_name": TTL_ATTRIBUTE, "enabled": True})


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
    table.body["billing_mode"] = "PROVISIONED"
    table.body["read_capacity"] = read
    table.body["write_capacity"] = write
    for kind, floor in (("read", read), ("write", write)):
        dimension = "ReadCapacityUnits" if kind == "read" else "WriteCapacityUnits"
        bp.add(
            ResourceSpec(
                "aws_appautoscaling_target",
                f"table_{kind}",
                "data",
                f"Lets the table's {kind} capacity grow from {floor} to {floor * 10} units with load.",
                {
                    "service_namespace": "dynamodb",
                    "resource_id": interp("table/${aws_dynamodb_table.main.name}"),
                    "scalable_dimension": f"dynamodb:table:{dimension}",
                    "min_capacity": floor,
                    "max_capacity": floor * 10,
                },
                block="dynamodb",
            ),
            ResourceSpec(
                "aws_appautoscaling_policy",
                f"table_{kind}",
                "data",
                f"Keeps {kind} capacity about 70% used.",
                {
                    "name": interp(f"${{local.name}}-table-{kind}"),
                    "policy_type": "TargetTrackingScaling",
                    "service_namespace": Expr(
                        f"aws_appautoscaling_target.table_{kind}.service_namespace"
                    ),
                    "resource_id": Expr(f"aws_appautoscaling_target.table_{kind}.resource_id"),
                    "scalable_dimension": Expr(
                        f"aws_appautoscaling_target.table_{kind}.scalable_dimension"
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


def build(bp: Blueprint, ctx: Context) -> None:
    table = bp.find(TABLE)
    if table is None:
        bp.notes.append("DynamoDB options were asked for, but the design has no DynamoDB table.")
        return
    services, params = ctx.req.services, ctx.req.params
    if params.get("dynamodb.table_name"):
        table.body["name"] = str(params["dynamodb.table_name"])
    if params.get("dynamodb.hash_key") or params.get("dynamodb.range_key"):
        _key_schema(table, params.get("dynamodb.hash_key"), params.get("dynamodb.range_key"))
    if "dynamodb_streams" in services or params.get("dynamodb.stream_view"):
        _streams(bp, table, str(params.get("dynamodb.stream_view") or "NEW_AND_OLD_IMAGES"))
    if "dynamodb_ttl" in services:
        _ttl(table)
    provisioned = None
    if "dynamodb_provisioned" in services:
        provisioned = _provisioned(
            bp,
            table,
            int(params.get("dynamodb.read_capacity", DEFAULT_CAPACITY)),
            int(params.get("dynamodb.write_capacity", DEFAULT_CAPACITY)),
        )
    names = params.get("dynamodb.gsi")
    if names:
        _gsis(table, list(names), provisioned)
    done = [k.removeprefix("dynamodb_") for k in _KEYS if k in services]
    table.reason = (
        f"DynamoDB table ({'provisioned' if provisioned else 'on-demand'} capacity), point-in-time recovery, "
        f"KMS encryption{'; ' + ', '.join(done) if done else ''}."
    )


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
        )
    )


def _never(req: Any) -> bool:
    return False  # the first capability of this module builds every option asked, once


CAPABILITIES = [
    Capability(
        key="dynamodb_streams",
        summary="DynamoDB Streams (new and old images), fed to the design's Lambda function.",
        concepts=("service.dynamodb_streams",),
        probes=(Probe("aws_dynamodb_table", (("stream_enabled", "==", True),)),),
        category="data",
        build=build,
        phase=INTEGRATION,
        parameters=(
            Parameter(
                "dynamodb.stream_view",
                "aws_dynamodb_table",
                "stream_view_type",
                "==",
                read_stream_view,
            ),
            Parameter("dynamodb.table_name", "aws_dynamodb_table", "name", "==", read_table_name),
            Parameter("dynamodb.hash_key", "aws_dynamodb_table", "hash_key", "==", _HASH_KEY),
            Parameter("dynamodb.range_key", "aws_dynamodb_table", "range_key", "==", _RANGE_KEY),
        ),
        applies=_wanted,
    ),
    Capability(
        key="dynamodb_ttl",
        summary="DynamoDB time to live: items expire on their expires_at attribute.",
        concepts=("service.dynamodb_ttl",),
        probes=(Probe("aws_dynamodb_table", (("ttl.enabled", "==", True),)),),
        category="data",
        build=build,
        phase=INTEGRATION,
        applies=_never,
    ),
    Capability(
        key="dynamodb_gsi",
        summary="DynamoDB global secondary indexes.",
        concepts=("service.dynamodb_gsi",),
        probes=(
            Probe("aws_dynamodb_table", (("global_secondary_index.hash_key", "exists", True),)),
        ),
        category="data",
        build=build,
        phase=INTEGRATION,
        parameters=(
            AllOfParameter(
                "dynamodb.gsi",
                "aws_dynamodb_table",
                "global_secondary_index.hash_key",
                "contains",
                read_gsi,
            ),
        ),
        applies=_never,
    ),
    Capability(
        key="dynamodb_provisioned",
        summary="DynamoDB provisioned capacity with auto scaling.",
        concepts=("service.dynamodb_provisioned",),
        probes=(Probe("aws_dynamodb_table", (("billing_mode", "==", "PROVISIONED"),)),),
        category="data",
        build=build,
        phase=INTEGRATION,
        parameters=(
            Parameter(
                "dynamodb.read_capacity",
                "aws_dynamodb_table",
                "read_capacity",
                "==",
                reader(_capacity("r"), _number),
            ),
            Parameter(
                "dynamodb.write_capacity",
                "aws_dynamodb_table",
                "write_capacity",
                "==",
                reader(_capacity("w"), _number),
            ),
        ),
        applies=_never,
    ),
]
