import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


def _shards(module: TerraformModule) -> int:
    return int(module.variables["stream_shard_count"]["default"])


def test_devices_reporting_on_an_interval_size_the_shards_from_records_per_second() -> None:
    module, ledger = _design(
        "A serverless API on Lambda ingesting 10,000 devices every 5 seconds into Kinesis"
    )
    assert _shards(module) == 2  # 10,000 / 5 = 2,000 records/s → 2 shards
    entry = ledger["kinesis.shard_count"]
    assert entry["status"] == "honored"
    assert entry["quote"] == "10,000 devices every 5 seconds"
    assert _evidence(entry) == ["aws_kinesis_stream.events"]


def test_a_korean_rate_with_man_units_sizes_the_shards() -> None:
    module, ledger = _design("키네시스 스트림 인프라 구성, 초당 2만건 이벤트")
    assert _shards(module) == 20
    assert ledger["kinesis.shard_count"]["status"] == "honored"


def test_korean_devices_every_few_seconds_size_the_shards() -> None:
    module, ledger = _design("서버리스 인프라, 디바이스 1만대가 5초마다 데이터를 보냅니다")
    assert _shards(module) == 2
    assert ledger["kinesis.shard_count"]["quote"] == "디바이스 1만대가 5초마다"


def test_a_stated_shard_count_builds_the_stream_even_when_kinesis_is_not_named() -> None:
    module, ledger = _design("A serverless API on Lambda with 4 shards for the event stream")
    assert "events" in module.resources["aws_kinesis_stream"]
    assert _shards(module) == 4
    assert ledger["kinesis.shard_count"]["status"] == "honored"


def test_megabytes_per_second_round_up_to_whole_shards() -> None:
    module, _ = _design("Kinesis clickstream on AWS at 2.5 MB/s")
    assert _shards(module) == 3


def test_the_stream_reason_quotes_the_words_and_shows_the_arithmetic() -> None:
    result = asyncio.run(
        run_design("Kinesis on AWS with 3,000 events per second", assume_defaults=True)
    )
    stream = next(
        r for r in result.document["resources"] if r["address"] == "aws_kinesis_stream.events"
    )
    assert '"3,000 events per second"' in stream["reason"]
    assert "3,000 records/s ÷ 1,000 per shard → 3 shard(s)" in stream["reason"]


def test_a_request_without_throughput_keeps_the_default_shard_count() -> None:
    module, ledger = _design("A serverless API with DynamoDB")
    assert "aws_kinesis_stream" not in module.resources
    assert "kinesis.shard_count" not in ledger
