"""The requirement ledger: every explicit ask is honored with evidence, or reported — never dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from autcloud.agent.design import DesignResult, run_design
from autcloud.agent.ledger import Ledger, LedgerEntry, ledger_json_schema
from autcloud.agent.lexicon import lexicon
from autcloud.agent.requirements import read_message
from autcloud.agent.tfparse import TerraformModule, load_texts
from autcloud.agent.validation.intent import check_intent
from autcloud.gitsink.pr_body import render_pull_request_body
from autcloud.operator import summary


def design(request: str, **options: Any) -> DesignResult:
    return asyncio.run(run_design(request, assume_defaults=True, **options))


def ledger_of(result: DesignResult) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = result.document["requirements"]["ledger"]
    return entries


def entry(result: DesignResult, key: str) -> dict[str, Any]:
    return next(e for e in ledger_of(result) if e["key"] == key)


def module_of(result: DesignResult) -> TerraformModule:
    return load_texts({n: t for n, t in result.files.items() if n.endswith(".tf")})


def test_design_json_carries_the_ledger_with_quotes_kinds_and_evidence() -> None:
    result = design("A web API with PostgreSQL and Redis in Seoul")
    postgres = entry(result, "engine.postgres")
    assert postgres["quote"] == "PostgreSQL"
    assert postgres["kind"] == "service"
    assert postgres["status"] == "honored"
    assert postgres["evidence"][0]["address"] == "aws_db_instance.main"
    assert entry(result, "region")["value"] == "ap-northeast-2"
    assert result.document["ledger_summary"]["honored"] >= 4


@pytest.mark.parametrize(
    ("request_text", "quote"),
    [
        ("A web app in Tokyo with a SageMaker endpoint for recommendations", "SageMaker"),
        ("서울 리전에 웹서비스 만들고 세이지메이커로 추천 모델 서빙해줘", "세이지메이커"),
        ("Our analytics team wants QuickSight dashboards over the data lake", "QuickSight"),
        ("게임 서버는 게임리프트로 올려주세요", "게임리프트"),
    ],
)
def test_a_service_the_engine_cannot_build_is_reported_unsupported_with_why(
    request_text: str, quote: str
) -> None:
    result = design(request_text)
    reported = [e for e in ledger_of(result) if e["status"] == "unsupported"]
    assert any(e["quote"] == quote and e["why"] for e in reported), reported


def test_asking_a_service_away_is_honored_by_its_absence() -> None:
    result = design("A containerised API in Seoul, no database")
    module = module_of(result)
    assert "aws_db_instance" not in module.resources
    away = [e for e in ledger_of(result) if e.get("negated")]
    assert away and all(e["status"] == "honored" for e in away)


def test_korean_negation_is_read_as_an_ask_away() -> None:
    result = design("서울 리전에 웹 API 만들어줘, DB는 필요 없어")
    away = [e for e in ledger_of(result) if e["key"] == "database.generic"]
    assert away and away[0]["negated"] is True and away[0]["status"] == "honored"
    assert "aws_db_instance" not in module_of(result).resources


def test_internal_only_builds_no_internet_facing_entry_point() -> None:
    result = design("An internal admin tool on containers in Seoul, VPN only, not public")
    module = module_of(result)
    assert module.resources["aws_lb"]["app"]["internal"] is True
    for rule in module.resources.get("aws_vpc_security_group_ingress_rule", {}).values():
        assert rule.get("cidr_ipv4") != "0.0.0.0/0"
    assert entry(result, "exposure.private")["status"] == "honored"


def test_a_domain_with_any_public_suffix_gets_https() -> None:
    result = design("HIPAA app on containers at api.carebridge.health in Virginia")
    module = module_of(result)
    assert module.variables["domain_name"]["default"] == "api.carebridge.health"
    listeners = module.resources["aws_lb_listener"].values()
    assert any(listener.get("protocol") == "HTTPS" for listener in listeners)


def test_a_nightly_schedule_keeps_its_hour_and_time_zone() -> None:
    signals = read_message("nightly ETL at 02:00 UTC")
    assert signals.schedule_expression == "cron(0 2 * * ? *)"
    assert signals.schedule_timezone == "UTC"
    korean = read_message("매일 새벽 2시에 정산 배치를 돌려줘")
    assert korean.schedule_expression == "cron(0 2 * * ? *)"
    assert korean.schedule_timezone == "Asia/Seoul"


@pytest.mark.parametrize(
    "request_text",
    ["A support chat bot API in Seoul", "An internal tool that will live behind a VPN in Seoul"],
)
def test_words_that_only_look_realtime_do_not_make_a_realtime_workload(request_text: str) -> None:
    assert "realtime" not in read_message(request_text).add


def test_the_intent_gate_fails_a_design_that_drops_an_honored_ask() -> None:
    result = design("A web API with PostgreSQL and a Redis cache in Seoul")
    ledger = Ledger(entries=[LedgerEntry(**e) for e in ledger_of(result)])
    files = dict(result.files)
    data = files["data.tf"]
    start = data.index('resource "aws_elasticache_replication_group" "main"')
    end = data.index("\n}\n", start) + 3
    files["data.tf"] = data[:start] + data[end:]
    step = check_intent(
        load_texts({n: t for n, t in files.items() if n.endswith(".tf")}),
        _requirements(result),
        ledger=ledger,
    )
    assert step.status.value == "failed"
    assert any(
        f.check_id == "intent.ledger" and "aws_elasticache_replication_group.main" in f.message
        for f in step.findings
    )


def test_the_intent_gate_passes_the_design_as_generated() -> None:
    result = design("A web API with PostgreSQL and a Redis cache in Seoul")
    intent = next(s for s in result.document["validation"]["steps"] if s["name"] == "intent")
    assert intent["status"] == "passed", intent


def _requirements(result: DesignResult) -> Any:
    from autcloud.agent.requirements import Requirements

    return Requirements(region=result.document["region"])


def test_a_third_language_is_one_new_file(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text(
        "language: en\nmatching: word\nconcepts:\n  feature.cache: [redis]\n", encoding="utf-8"
    )
    (tmp_path / "ja.yaml").write_text(
        "language: ja\nmatching: particle\nnegation:\n  after: [不要]\n"
        "concepts:\n  feature.cache: [キャッシュ]\n",
        encoding="utf-8",
    )
    words = lexicon(tmp_path).words("feature.cache")
    assert words == (("redis",), ("キャッシュ",))
    assert lexicon(tmp_path).negations()[1] == ("不要",)


def test_english_and_korean_lexicons_name_the_same_concepts() -> None:
    lex = lexicon()
    english = set(lex.languages[0].concepts)
    korean = set(next(lang for lang in lex.languages if lang.code == "ko").concepts)
    assert english == korean, (sorted(english - korean), sorted(korean - english))


def test_the_ledger_schema_is_published_and_current() -> None:
    import json

    published = Path(__file__).resolve().parents[2] / "docs" / "ledger.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == ledger_json_schema()


def test_the_pull_request_body_and_status_show_the_ledger() -> None:
    result = design("A web app in Tokyo with Postgres and a SageMaker endpoint")
    body = render_pull_request_body(summary.pull_request_summary("shop", result.document))
    assert "What you asked for" in body
    assert "SageMaker" in body and "unsupported" in body
    status = summary.asks(result.document)
    assert status is not None
    assert status["unsupported"] >= 1
    assert any(item["quote"] == "SageMaker" for item in status["notHonored"])
    condition = summary.asks_condition(result.document)
    assert condition is not None and condition[:2] == ("False", "Unsupported")


def test_a_function_nothing_invokes_is_reported() -> None:
    from autcloud.agent.fidelity import resolve
    from autcloud.agent.requirements import Requirements

    module = load_texts(
        {
            "main.tf": 'resource "aws_lambda_function" "orphan" {\n  function_name = "x"\n}\n'
            'resource "aws_lambda_function" "api" {\n  function_name = "y"\n}\n'
            'resource "aws_lambda_permission" "api" {\n'
            "  function_name = aws_lambda_function.api.function_name\n}\n"
        }
    )
    ledger = resolve(Requirements(), module, monthly_cost_usd=None)
    orphans = [e for e in ledger.entries if e.key == "lambda.trigger"]
    assert [e.quote for e in orphans] == ["orphan"]
    assert orphans[0].status.value == "unsupported" and "no trigger" in orphans[0].why


def test_every_function_of_the_suite_s_serverless_designs_has_a_trigger() -> None:
    for request in (
        "serverless api with lambda and dynamodb in Seoul",
        "S3 uploads trigger a Lambda that writes to DynamoDB, in Tokyo",
        "nightly report Lambda at 02:00 UTC in Frankfurt",
        "SQS queue processed by a Lambda worker in Oregon",
    ):
        result = design(request)
        assert not [e for e in ledger_of(result) if e["key"] == "lambda.trigger"], request


def test_the_capabilities_page_is_current() -> None:
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "capabilities_table", root / "scripts" / "capabilities_table.py"
    )
    assert spec is not None and spec.loader is not None
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    page = (root / "docs" / "capabilities.md").read_text(encoding="utf-8")
    assert page == table.render(), (
        "run: .venv/bin/python scripts/capabilities_table.py > docs/capabilities.md"
    )


def test_the_region_where_things_run_wins_over_another_place_named() -> None:
    signals = read_message(
        "Later Direct Connect from our Osaka plant; for now a VPN from the Tokyo VPC to the office"
    )
    assert signals.region == "ap-northeast-1"


def test_a_cdn_asked_away_later_is_not_put_back_by_the_static_files() -> None:
    result = asyncio.run(
        run_design(
            "EC2 두 대에 ALB, 정적 파일은 S3 + CloudFront로 서빙, 프랑크푸르트 리전",
            conversation=[{"type": "change", "text": "CDN 빼줘"}],
            assume_defaults=True,
        )
    )
    assert "aws_cloudfront_distribution" not in module_of(result).resources


def test_a_concept_given_twice_in_a_language_file_is_refused_by_name(tmp_path: Path) -> None:
    from autcloud.agent.lexicon import LexiconError

    (tmp_path / "en.yaml").write_text(
        "language: en\nmatching: word\nconcepts:\n  feature.cache: [redis]\n  feature.cache: [valkey]\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match=r"en\.yaml: 'feature\.cache' is given twice"):
        lexicon(tmp_path)


def test_the_pull_request_body_lists_the_values_to_supply() -> None:
    result = design("A containerised web API in Seoul, HTTPS only")
    body = render_pull_request_body(summary.pull_request_summary("shop", result.document))
    assert "Values you supply before applying" in body
    assert "var.alb_certificate_arn" in body


@pytest.mark.parametrize(
    ("request_text", "quote"),
    [
        ("A Node + Mongo API in Seoul; DocumentDB as the Mongo-compatible database", "DocumentDB"),
        ("친구 추천 때문에 그래프 DB로 넵튠을 쓰려고 해요, 서울 리전", "넵튠"),
    ],
)
def test_the_ledger_quotes_the_service_by_its_name_when_the_request_uses_it(
    request_text: str, quote: str
) -> None:
    from autcloud.agent.fidelity import read_asks

    asks = read_asks(request_text, read_message(request_text))
    assert [a.quote for a in asks if a.key.startswith("unsupported.")] == [quote]


def test_a_service_named_inside_longer_words_is_still_asked_for() -> None:
    from autcloud.agent.fidelity import read_asks

    text = "Add a serverless ElastiCache for Valkey cache for the sessions"
    keys = {a.key for a in read_asks(text, read_message(text))}
    assert {"service.cache_serverless", "service.valkey"} <= keys
