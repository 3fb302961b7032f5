"""Everything the engine can build is priced, or free and said so; every instance type it picks
by itself or an eval request names is in the price table.

The review found a GPU request whose g5.xlarge fleet (~$1,470 a month) was "not priced" under a
$74.70 headline, and Firehose unpriced. The types and classes are found in the engine's source
(ResourceSpec calls and quoted instance types) and in eval/requests, so a new capability or a
new default fails here until the table and the pricers cover it.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from autcloud.agent.cost import PRICED_TYPES, default_table
from autcloud.agent.cost.compute import DEFAULT_EKS_NODE_TYPE
from autcloud.agent.cost.free import is_free
from autcloud.agent.design import DesignResult, run_design

ROOT = Path(__file__).resolve().parents[2]
ENGINE = [
    *sorted((ROOT / "agent" / "catalog").glob("*.py")),
    *sorted((ROOT / "agent" / "capabilities").glob("*.py")),
    ROOT / "agent" / "planner.py",
]
EC2_EXTRACT = ROOT / "data/price-list/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json"

_SIZE = r"(?:nano|micro|small|medium|large|\d*xlarge|metal(?:-\d+xl)?)"
# The classes of each service as the engine writes them (requirements.INSTANCE_TYPE and the
# readers of capabilities/opensearch.py, msk.py and mq.py).
INSTANCE = re.compile(
    rf"(?<![\w.])((?:db\.|cache\.|kafka\.|mq\.)?[a-z]{{1,3}}\d[a-z0-9-]*\.{_SIZE}(?:\.search)?)"
    r"(?![\w-])"
)


def kind_of(name: str) -> str:
    if name.endswith(".search"):
        return "opensearch_instance_hour"
    prefixes = {
        "db.": "rds_instance_hour",
        "cache.": "elasticache_node_hour",
        "kafka.": "msk_broker_hour",
        "mq.": "mq_broker_hour",
    }
    return next((k for p, k in prefixes.items() if name.startswith(p)), "ec2_instance_hour")


def _resource_types() -> set[str]:
    """Types of every ResourceSpec(...) the engine's source builds (data sources left out)."""
    types: set[str] = set()
    for path in ENGINE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "ResourceSpec":
                continue
            data = any(
                k.arg == "data_source" and isinstance(k.value, ast.Constant) and k.value.value
                for k in node.keywords
            )
            first = node.args[0] if node.args else None
            if not data and isinstance(first, ast.Constant) and isinstance(first.value, str):
                types.add(first.value)
    return types


def _quoted_instance_types() -> set[str]:
    """Instance types written as whole string literals in the engine (defaults, size ladders)."""
    found: set[str] = set()
    for path in ENGINE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and INSTANCE.fullmatch(text):
                found.add(text)
    return found | {DEFAULT_EKS_NODE_TYPE}


def test_the_engine_source_is_found() -> None:
    types = _resource_types()
    assert {"aws_instance", "aws_msk_cluster", "aws_kinesis_firehose_delivery_stream"} <= types
    assert {"t3.small", "db.t4g.micro", "cache.t4g.micro", "kafka.m7g.large"} <= (
        _quoted_instance_types()
    )


def test_every_resource_type_the_engine_builds_is_priced_or_free() -> None:
    missing = sorted(t for t in _resource_types() if not is_free(t, PRICED_TYPES))
    missing = [t for t in missing if t not in PRICED_TYPES]
    assert missing == [], (
        "price these in agent/cost (or list them in free.py when AWS does not bill them)"
    )


def test_every_instance_type_the_engine_picks_by_itself_is_priced() -> None:
    table = default_table()
    missing = sorted(n for n in _quoted_instance_types() if not table.has(kind_of(n), n))
    assert missing == []
    # Aurora's default writer class is priced as Aurora, not only as RDS.
    assert table.has("aurora_instance_hour", "db.r7g.large")


def test_every_instance_type_an_eval_request_names_is_priced() -> None:
    table = default_table()
    named: set[str] = set()
    for path in sorted((ROOT / "eval" / "requests").glob("*.yaml")):
        request = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts = [request["request"], *(t.get("text", "") for t in request.get("conversation", []))]
        for text in texts:
            named.update(m.group(1) for m in INSTANCE.finditer(str(text)))
    assert {"g5.xlarge", "cache.t4g.small", "kafka.m7g.large", "r6g.large.search"} <= named
    assert sorted(n for n in named if not table.has(kind_of(n), n)) == []


def _extract_price(instance_type: str) -> float:
    offer = json.loads(EC2_EXTRACT.read_text(encoding="utf-8"))
    for sku, product in offer["products"].items():
        if product["attributes"]["instanceType"] == instance_type:
            (term,) = offer["terms"]["OnDemand"][sku].values()
            (dimension,) = term["priceDimensions"].values()
            return float(dimension["pricePerUnit"]["USD"])
    raise AssertionError(f"{instance_type} is not in the EC2 extract")


@pytest.mark.parametrize("family", ["g4dn", "g5", "g6", "g6e", "p4d", "p5", "inf2", "trn1"])
def test_gpu_and_accelerator_families_are_priced(family: str) -> None:
    names = [n for n in default_table().names("ec2_instance_hour") if n.startswith(f"{family}.")]
    assert names, family


@cache
def _design(request: str) -> DesignResult:
    return asyncio.run(run_design(request, assume_defaults=True))


def test_a_gpu_design_prices_its_g5_fleet() -> None:
    document = _design("a GPU inference server with g5.xlarge in Seoul").document
    cost = document["cost"]
    assert cost["lower_bound"] is False and cost["unpriced"] == []
    (fleet,) = [line for line in cost["lines"] if "g5.xlarge" in line["basis"]]
    count = int(re.match(r"(\d+) × g5\.xlarge", fleet["basis"]).group(1))  # type: ignore[union-attr]
    raw = json.loads((ROOT / "agent" / "cost" / "prices.json").read_text(encoding="utf-8"))
    hourly = _extract_price("g5.xlarge") * raw["region_multipliers"]["ap-northeast-2"]
    assert f"@ ${hourly:.4g}/h" in fleet["basis"]
    assert fleet["priced"] and fleet["monthly_usd"] >= round(count * 730 * hourly, 2)
    assert cost["total_usd"] > 1_000  # the fleet is in the headline, not beside it


def test_the_review_gpu_request_is_fully_priced() -> None:
    request = "ML inference on EC2 g5.xlarge GPU instances behind a load balancer in Virginia"
    cost = _design(request).document["cost"]
    assert cost["unpriced"] == [] and cost["lower_bound"] is False
    (fleet,) = [line for line in cost["lines"] if "g5.xlarge" in line["basis"]]
    assert f"@ ${_extract_price('g5.xlarge'):.4g}/h" in fleet["basis"]
