"""Reading plain-language requests (English and Korean) into requirements.

``read_message`` reads one message into Signals; ``gather`` folds a conversation into
Requirements, with questions for what is missing or documented assumptions when defaults may
be taken.
"""

from __future__ import annotations

import pytest

from autcloud.agent.requirements import (
    KRW_PER_USD,
    LOG_RETENTION_DAYS,
    Budget,
    Gathered,
    apply_answer,
    gather,
    read_message,
)


def conversation(*messages: str, assume_defaults: bool = True) -> Gathered:
    """A request followed by follow-up changes, folded in order."""
    return gather([read_message(text) for text in messages], assume_defaults=assume_defaults)


# --- language ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [("a web API in Seoul", "en"), ("서울에 웹 API", "ko"), ("API 서버 on ECS, 서울", "ko")],
)
def test_language_is_korean_when_the_message_has_hangul(text: str, language: str) -> None:
    assert read_message(text).language == language


# --- region --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("deploy in ap-southeast-2", "ap-southeast-2"),
        ("a web API in eu-central-1", "eu-central-1"),
        ("서울 리전(ap-northeast-2)에 배포", "ap-northeast-2"),
        ("a web API in Seoul", "ap-northeast-2"),
        ("서울에 웹 API", "ap-northeast-2"),
        ("a web API in Tokyo", "ap-northeast-1"),
        ("도쿄에 API 서버", "ap-northeast-1"),
        ("an API in Osaka", "ap-northeast-3"),
        ("오사카 리전에 API", "ap-northeast-3"),
        ("a web app hosted in Ireland", "eu-west-1"),
        ("아일랜드에 웹서비스", "eu-west-1"),
        ("a web app in Frankfurt", "eu-central-1"),
        ("프랑크푸르트에 웹서비스", "eu-central-1"),
        ("a web app in Singapore", "ap-southeast-1"),
        ("싱가포르에 웹서비스", "ap-southeast-1"),
        ("a web app in Virginia", "us-east-1"),
        ("버지니아에 웹서비스", "us-east-1"),
        ("a web app in London", "eu-west-2"),
        ("시드니에 웹서비스", "ap-southeast-2"),
    ],
)
def test_region_is_read_from_a_code_or_a_place_name(text: str, region: str) -> None:
    assert read_message(text).region == region


def test_a_request_without_a_place_names_no_region() -> None:
    assert read_message("a web API with PostgreSQL").region is None


# --- workloads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "workload"),
    [
        ("a REST API for our mobile app", "web_api"),
        ("쇼핑몰 웹서비스", "web_api"),
        ("a static website for our docs", "static_site"),
        ("정적 사이트 호스팅", "static_site"),
        ("a serverless backend", "serverless"),
        ("서버리스로 만들어줘", "serverless"),
        ("run our containers on Fargate", "containers"),
        ("도커 컨테이너로 배포", "containers"),
        ("a Kubernetes cluster", "kubernetes"),
        ("쿠버네티스 클러스터", "kubernetes"),
        ("a data pipeline with Glue", "data_pipeline"),
        ("데이터 파이프라인 구축", "data_pipeline"),
        ("batch jobs for machine learning training", "batch_ml"),
        ("머신러닝 배치 학습", "batch_ml"),
        ("a real-time chat app", "realtime"),
        ("실시간 채팅 서비스", "realtime"),
        ("queue workers for background jobs", "queue_workers"),
        ("비동기 워커", "queue_workers"),
        ("an EC2 auto scaling group", "vm"),
    ],
)
def test_workload_kind_is_recognised(text: str, workload: str) -> None:
    assert workload in read_message(text).add


def test_a_static_website_is_a_static_site_and_not_an_application_server() -> None:
    signals = read_message("a static website in Seoul")
    assert "static_site" in signals.add
    assert "web_api" not in signals.add


@pytest.mark.parametrize("text", ["a static marketing site with a CDN", "회사 홍보 사이트"])
def test_a_marketing_site_is_a_static_site(text: str) -> None:
    assert "static_site" in read_message(text).add


def test_a_static_site_with_an_api_keeps_both() -> None:
    signals = read_message("a blog plus a REST API")
    assert {"static_site", "web_api"} <= signals.add


def test_db_inside_an_english_word_is_not_a_database() -> None:
    assert not read_message("a feedback form web app").generic_database


def test_ml_inside_an_english_word_is_not_machine_learning() -> None:
    assert "batch_ml" not in read_message("an html5 game site").add


def test_api_inside_an_english_word_is_not_an_api() -> None:
    assert "web_api" not in read_message("rapid prototyping").add


@pytest.mark.parametrize(
    ("text", "meant"),
    [("웹소켓 채팅", "websocket"), ("서버리스로 만들어줘", "serverless")],
)
def test_a_korean_word_inside_a_longer_one_does_not_count(text: str, meant: str) -> None:
    signals = read_message(text)  # "웹" in "웹소켓", "서버" in "서버리스"
    assert meant in signals.add
    assert "web_api" not in signals.add


def test_a_latin_word_followed_by_a_korean_particle_is_still_read() -> None:
    signals = read_message("DB는 mysql로, API서버")
    assert "mysql" in signals.add
    assert "web_api" in signals.add


@pytest.mark.parametrize(
    ("text", "compute"),
    [
        ("a web API in Seoul", "ecs"),
        ("an EC2 auto scaling group of m5.large instances", "ec2"),
        ("a Kubernetes cluster", "eks"),
        ("a serverless API", "lambda"),
        ("a static website", "none"),
        ("a data lake with Athena", "none"),
    ],
)
def test_compute_platform_follows_the_most_specific_workload(text: str, compute: str) -> None:
    assert conversation(text).requirements.compute == compute


# --- engines and features ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "engine"),
    [
        ("a web API with PostgreSQL", "postgres"),
        ("포스트그레스 데이터베이스", "postgres"),
        ("a shop on MySQL", "mysql"),
        ("MySQL 쓰는 쇼핑몰", "mysql"),
        ("Aurora PostgreSQL cluster", "aurora-postgresql"),
        ("an Aurora database", "aurora-postgresql"),
        ("Aurora MySQL for the API", "aurora-mysql"),
        ("오로라 MySQL", "aurora-mysql"),
        ("a DynamoDB table", "dynamodb"),
        ("다이나모DB 테이블", "dynamodb"),
    ],
)
def test_database_engine_is_recognised(text: str, engine: str) -> None:
    signals = read_message(text)
    assert engine in signals.add
    assert not signals.generic_database


def test_aurora_replaces_the_plain_engine_it_names() -> None:
    assert read_message("Aurora PostgreSQL").add & {"postgres", "aurora-postgresql"} == {
        "aurora-postgresql"
    }


@pytest.mark.parametrize("text", ["a Redis cache", "레디스 캐시", "ElastiCache for sessions"])
def test_cache_is_recognised(text: str) -> None:
    assert "cache" in read_message(text).add


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("store uploaded images in S3", "object_storage"),
        ("이미지 업로드 저장", "object_storage"),
        ("CloudFront in front", "cdn"),
        ("a web application firewall", "waf"),
        ("an SQS queue", "queue"),
        ("SNS fan-out notifications", "topic"),
        ("Kinesis clickstream", "stream"),
        ("a nightly job", "schedule"),
        ("a data lake", "data_lake"),
        ("Route 53 DNS", "dns"),
        ("WebSocket connections", "websocket"),
    ],
)
def test_feature_is_recognised(text: str, feature: str) -> None:
    assert feature in read_message(text).add


@pytest.mark.parametrize(
    "text", ["PostgreSQL with 200 GB storage", "200GB의 스토리지", "storage: 1 TB for the database"]
)
def test_a_storage_size_does_not_ask_for_object_storage(text: str) -> None:
    assert "object_storage" not in read_message(text).add


@pytest.mark.parametrize(
    ("text", "compliance"),
    [
        ("a PCI DSS payments API", "pci-dss"),
        ("결제 서비스", "pci-dss"),
        ("HIPAA medical records", "hipaa"),
        ("ISMS-P 인증 필요", "isms-p"),
        ("GDPR applies", "gdpr"),
        ("개인정보 처리", "personal-data"),
        ("audit logs for SOC 2", "soc2"),
    ],
)
def test_compliance_hint_is_recognised(text: str, compliance: str) -> None:
    assert compliance in read_message(text).add


def test_pci_adds_a_web_application_firewall_to_a_web_workload() -> None:
    assert "waf" in conversation("a PCI DSS payments API in Seoul").requirements.features


# --- scale, availability, budget -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "users"),
    [
        ("50k daily users", 50_000),
        ("50,000 daily active users", 50_000),
        ("DAU 3만", 30_000),
        ("하루 5만 명", 50_000),
        ("하루 방문자 약 5만명", 50_000),
        ("1 million monthly users", 100_000),
        ("월간 사용자 100만 명", 100_000),
    ],
)
def test_daily_users_are_read(text: str, users: int) -> None:
    assert read_message(text).daily_users == users


@pytest.mark.parametrize(
    ("text", "rps"),
    [("200 rps", 200), ("1,000 requests per second", 1000), ("초당 300", 300), ("TPS 500", 500)],
)
def test_requests_per_second_are_read(text: str, rps: int) -> None:
    assert read_message(text).requests_per_second == rps


@pytest.mark.parametrize(
    "text",
    [
        "no single point of failure",
        "it must survive a zone failure",
        "highly available",
        "Multi-AZ please",
        "고가용성 구성",
        "이중화 해줘",
        "무중단 서비스",
    ],
)
def test_availability_phrases_ask_for_high_availability(text: str) -> None:
    assert read_message(text).high_availability is True


def test_a_cheap_dev_setup_is_standard_availability_in_a_dev_environment() -> None:
    requirements = conversation("a cheap dev web app in Seoul").requirements
    assert requirements.high_availability is False
    assert requirements.environment == "dev"


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("$500/month", Budget(500, "USD")),
        ("budget of 500 dollars a month", Budget(500, "USD")),
        ("$1.5k per month", Budget(1500, "USD")),
        ("월 50만원", Budget(500_000, "KRW")),
        ("예산 100만 원", Budget(1_000_000, "KRW")),
        ("₩500,000", Budget(500_000, "KRW")),
        ("a budget of 2 million won", Budget(2_000_000, "KRW")),
    ],
)
def test_budget_is_read_in_dollars_or_won(text: str, budget: Budget) -> None:
    assert read_message(text).budget == budget


def test_a_won_budget_converts_to_dollars_at_the_documented_rate() -> None:
    assert Budget(KRW_PER_USD * 500, "KRW").monthly_usd == 500.0


# --- explicit values -----------------------------------------------------------------------


def test_domain_is_read_and_asks_for_dns() -> None:
    requirements = conversation("a web API on api.acme.io in Seoul").requirements
    assert requirements.domain == "api.acme.io"
    assert "dns" in requirements.features


def test_container_image_and_port_are_read() -> None:
    signals = read_message("run ghcr.io/acme/api:1.4.2 on port 3000")
    assert signals.container_image == "ghcr.io/acme/api:1.4.2"
    assert signals.container_port == 3000


def test_an_image_is_not_mistaken_for_a_domain() -> None:
    assert read_message("run ghcr.io/acme/api:1.4.2").domain is None


def test_every_email_address_becomes_an_alert_recipient() -> None:
    requirements = conversation(
        "a web API in Tokyo; alerts to ops@acme.io", "also notify dev@acme.io"
    ).requirements
    assert requirements.alert_emails == ["ops@acme.io", "dev@acme.io"]


def test_an_email_domain_is_not_the_service_domain() -> None:
    assert read_message("alerts to ops@acme.io").domain is None


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "desired"),
    [
        ("between 2 and 6 tasks", 2, 6, None),
        ("3 to 10 containers", 3, 10, None),
        ("min 2 max 8 tasks", 2, 8, None),
        ("up to 10 tasks", None, 10, None),
        ("최소 2대 최대 6대", 2, 6, None),
        ("노드 3개", None, None, 3),
        ("3 nodes", None, None, 3),
    ],
)
def test_counts_are_read(
    text: str, minimum: int | None, maximum: int | None, desired: int | None
) -> None:
    signals = read_message(text)
    assert (signals.min_capacity, signals.max_capacity, signals.desired_count) == (
        minimum,
        maximum,
        desired,
    )


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("m5.large instances", "instance_type", "m5.large"),
        ("PostgreSQL on db.r6g.large", "db_instance_class", "db.r6g.large"),
        ("Redis on cache.r7g.large", "cache_node_type", "cache.r7g.large"),
    ],
)
def test_instance_classes_are_read_by_kind(text: str, field: str, value: str) -> None:
    assert getattr(read_message(text), field) == value


@pytest.mark.parametrize("text", ["db.t4g.large 인스턴스", "two RDS instances", "DB 인스턴스 2대"])
def test_a_database_instance_is_not_an_ec2_fleet(text: str) -> None:
    assert "vm" not in read_message(text).add


@pytest.mark.parametrize(
    ("text", "size"), [("200 GB", 200), ("1 TB", 1024), ("스토리지 500GB", 500)]
)
def test_storage_size_is_read_in_gigabytes(text: str, size: int) -> None:
    assert read_message(text).storage_gb == size


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("keep logs for 90 days", 90),
        ("로그 90일 보관", 90),
        ("retain logs for 2 years", 731),
        ("keep logs for 45 days", 60),  # CloudWatch has no 45: the next longer period
    ],
)
def test_log_retention_is_a_period_cloudwatch_accepts(text: str, days: int) -> None:
    retention = read_message(text).log_retention_days
    assert retention == days
    assert retention in LOG_RETENTION_DAYS


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("a web app named shopfront", "shopfront"),
        ("a service called 'billing'", "billing"),
        ("project called orders-api", "orders-api"),
        ("app: orders", "orders"),
        ("the orders project", "orders"),
        ("프로젝트 이름은 orders", "orders"),
        ("Acme 서비스", "acme"),
    ],
)
def test_project_name_is_read(text: str, project: str) -> None:
    assert read_message(text).project == project


@pytest.mark.parametrize(
    "text",
    [
        "a web app using PostgreSQL",
        "API service running on ECS",
        "my project needs a queue",
        "API 서비스 만들어줘",
    ],
)
def test_ordinary_words_are_not_taken_for_a_project_name(text: str) -> None:
    assert read_message(text).project is None


# --- negation and follow-ups ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        ("remove the cache", "cache"),
        ("we don't need a cache anymore", "cache"),
        ("no redis please", "cache"),
        ("레디스 빼줘", "cache"),
        ("캐시는 필요 없어", "cache"),
        ("don't use DynamoDB", "dynamodb"),
        ("MySQL 대신", "mysql"),
    ],
)
def test_a_negated_mention_removes_the_feature(text: str, removed: str) -> None:
    signals = read_message(text)
    assert removed in signals.remove
    assert removed not in signals.add


def test_a_follow_up_removes_what_the_request_asked_for() -> None:
    requirements = conversation(
        "web API with Postgres and a Redis cache in Seoul", "레디스 빼줘"
    ).requirements
    assert "cache" not in requirements.features
    assert requirements.databases == ["postgres"]


def test_a_follow_up_switches_the_engine() -> None:
    requirements = conversation(
        "web API with Postgres in Seoul", "use MySQL instead of Postgres"
    ).requirements
    assert requirements.databases == ["mysql"]


def test_a_later_value_overrides_an_earlier_one() -> None:
    requirements = conversation("a web API in Seoul", "move it to Tokyo").requirements
    assert requirements.region == "ap-northeast-1"


# --- questions and assumptions -------------------------------------------------------------


def test_missing_region_and_engine_become_questions() -> None:
    gathered = conversation("a web app with a database", assume_defaults=False)
    assert [q.id for q in gathered.questions] == ["region", "database_engine"]


def test_a_request_without_a_workload_asks_for_one() -> None:
    gathered = conversation("something in Seoul with AWS", assume_defaults=False)
    assert [q.id for q in gathered.questions] == ["workload"]


def test_questions_are_asked_in_the_language_of_the_request() -> None:
    gathered = conversation("데이터베이스가 필요한 웹서비스", assume_defaults=False)
    region = next(q for q in gathered.questions if q.id == "region")
    assert region.text == "어느 AWS 리전에 배포할까요?"
    assert region.default == "ap-northeast-2"


def test_with_defaults_the_same_gaps_become_assumptions() -> None:
    gathered = conversation("a web app with a database", assume_defaults=True)
    assert gathered.questions == []
    assert gathered.requirements.region == "us-east-1"
    assert gathered.requirements.databases == ["postgres"]
    assert any(a.startswith("Region us-east-1") for a in gathered.assumptions)
    assert any(a.startswith("Database engine") for a in gathered.assumptions)


def test_stated_values_are_not_listed_as_assumptions() -> None:
    gathered = conversation("a highly available web API in Seoul, $800/month, 20k daily users")
    joined = " ".join(gathered.assumptions)
    assert "Availability" not in joined
    assert "Budget" not in joined
    assert "Scale" not in joined
    assert {"region", "budget", "daily_users", "high_availability"} <= set(
        gathered.requirements.stated
    )


def test_answers_resolve_the_questions() -> None:
    gathered = gather(
        [
            read_message("a web app with a database"),
            apply_answer("region", "ap-northeast-1"),
            apply_answer("database_engine", "aurora-mysql"),
        ],
        assume_defaults=False,
    )
    assert gathered.questions == []
    assert gathered.requirements.region == "ap-northeast-1"
    assert gathered.requirements.databases == ["aurora-mysql"]


def test_an_answer_may_name_a_city_in_korean() -> None:
    assert apply_answer("region", "도쿄").region == "ap-northeast-1"


def test_answering_no_database_drops_the_database_question() -> None:
    gathered = gather(
        [
            read_message("a web app with a database in Seoul"),
            apply_answer("database_engine", "none"),
        ],
        assume_defaults=False,
    )
    assert gathered.questions == []
    assert gathered.requirements.databases == []
