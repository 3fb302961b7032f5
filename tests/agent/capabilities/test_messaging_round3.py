"""Messaging, integration and security values as stated: MSK sizing and Serverless, Security Hub
standards, Cognito MFA, secret rotation, MQ deployment, budget alert amounts, named and counted
queues, Kinesis retention and mode, stream consumer options, Step Functions retries, failure
alerts and names, IoT rule topics and conditions."""

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


MSK = (
    "Kafka on MSK in Singapore: 3 brokers, kafka.m5.large, 500 GB of storage per broker. "
    'A Lambda should consume the "orders" topic.'
)
MSK_KO = "카프카 클러스터 필요합니다. MSK로 브로커 3대 (kafka.m5.large, 브로커당 EBS 500GB), 람다로 소비. 서울 리전."
MSK_SERVERLESS = (
    'MSK Serverless in London with IAM auth, plus a Lambda consuming the "payments" topic.'
)


def test_msk_takes_the_stated_broker_count_instance_type_and_storage() -> None:
    module, ledger = _design(MSK)
    cluster = module.resources["aws_msk_cluster"]["main"]
    nodes = cluster["broker_node_group_info"][0]
    assert nodes["instance_type"] == "kafka.m5.large"
    assert nodes["storage_info"][0]["ebs_storage_info"][0]["volume_size"] == 500
    assert ledger["msk.volume_size"]["status"] == "honored"


def test_three_msk_brokers_spread_over_three_zones_not_rounded_to_four() -> None:
    module, _ = _design(MSK)
    assert module.variables["msk_broker_count"]["default"] == 3
    assert module.variables["az_count"]["default"] == 3


def test_korean_msk_storage_per_broker_is_read() -> None:
    module, _ = _design(MSK_KO)
    nodes = module.resources["aws_msk_cluster"]["main"]["broker_node_group_info"][0]
    assert nodes["storage_info"][0]["ebs_storage_info"][0]["volume_size"] == 500


def test_the_lambda_consumes_the_named_kafka_topic() -> None:
    module, ledger = _design(MSK)
    mappings = module.resources["aws_lambda_event_source_mapping"]
    assert any(m.get("topics") == ["orders"] for m in mappings.values())
    assert ledger["msk.topic"]["status"] == "honored"


def test_msk_serverless_builds_a_serverless_cluster_the_lambda_reads() -> None:
    module, _ = _design(MSK_SERVERLESS)
    assert "aws_msk_cluster" not in module.resources
    assert "main" in module.resources["aws_msk_serverless_cluster"]
    mapping = next(iter(module.resources["aws_lambda_event_source_mapping"].values()))
    assert "aws_msk_serverless_cluster.main" in mapping["event_source_arn"]
    assert mapping["topics"] == ["payments"]


def test_security_hub_subscribes_the_named_cis_standard() -> None:
    module, ledger = _design(
        "Security baseline in London: GuardDuty and Security Hub with the CIS benchmark."
    )
    arns = [
        s["standards_arn"]
        for s in module.resources["aws_securityhub_standards_subscription"].values()
    ]
    assert any("cis-aws-foundations-benchmark" in a for a in arns)
    assert ledger["security_hub.standards"]["status"] == "honored"


def test_security_hub_subscribes_pci_dss_in_korean() -> None:
    module, _ = _design("서울 리전. Security Hub에 PCI DSS 표준 구독, GuardDuty 켜주세요.")
    arns = [
        s["standards_arn"]
        for s in module.resources["aws_securityhub_standards_subscription"].values()
    ]
    assert any("pci-dss" in a for a in arns)


def test_cognito_mfa_required_is_on() -> None:
    module, _ = _design(
        "HTTP API on Lambda with a Cognito user pool with MFA required for every user."
    )
    assert module.resources["aws_cognito_user_pool"]["main"]["mfa_configuration"] == "ON"


def test_cognito_without_required_mfa_stays_optional() -> None:
    module, _ = _design("HTTP API on Lambda with a Cognito user pool for sign-in.")
    assert module.resources["aws_cognito_user_pool"]["main"]["mfa_configuration"] == "OPTIONAL"


def test_database_credentials_rotate_on_the_stated_schedule() -> None:
    module, ledger = _design(
        "RDS PostgreSQL credentials in Secrets Manager with automatic rotation every 30 days."
    )
    rotation = module.resources["aws_secretsmanager_secret_rotation"]["database"]
    assert rotation["rotation_rules"][0]["automatically_after_days"] == 30
    assert ledger["secrets.rotation_days"]["status"] == "honored"


def test_activemq_active_standby_on_the_stated_instance_type() -> None:
    module, _ = _design(
        "Amazon MQ with ActiveMQ in active/standby across two AZs on mq.m5.large, private only."
    )
    broker = module.resources["aws_mq_broker"]["main"]
    assert broker["deployment_mode"] == "ACTIVE_STANDBY_MULTI_AZ"
    assert broker["host_instance_type"] == "mq.m5.large"


def test_budget_alerts_at_the_stated_dollar_amount() -> None:
    module, _ = _design(
        "ECS Fargate API in Mumbai. Hard limit of $800/mo, and please alert us at 500 dollars."
    )
    budget = module.resources["aws_budgets_budget"]["monthly"]
    assert any(
        n["threshold"] == 500 and n["threshold_type"] == "ABSOLUTE_VALUE"
        for n in budget["notification"]
    )


FANOUT = (
    'When a user signs up we publish to an SNS topic "user-signups". It should fan out to three SQS '
    "queues (welcome-email, analytics, crm-sync), each with its own dead-letter queue."
)


def test_the_named_topic_fans_out_to_every_named_queue() -> None:
    module, ledger = _design(FANOUT)
    assert any(t["name"] == "user-signups" for t in module.resources["aws_sns_topic"].values())
    subscriptions = [
        s for s in module.resources["aws_sns_topic_subscription"].values() if s["protocol"] == "sqs"
    ]
    assert len(subscriptions) == 3
    assert ledger["sqs.queue_names"]["status"] == "honored"


def test_each_fanned_out_queue_has_its_own_dead_letter_queue() -> None:
    module, _ = _design(FANOUT)
    queues = module.resources["aws_sqs_queue"]
    assert len(queues) == 6
    assert sum(1 for q in queues.values() if q.get("redrive_policy")) == 3


def test_korean_queue_count_and_max_receive_apply_to_every_queue() -> None:
    module, _ = _design(
        "주문 완료 이벤트를 SNS 토픽 하나로 발행하고, 세 개의 SQS 큐로 팬아웃 하려고 합니다. 각 큐마다 DLQ 붙여주시고 (최대 수신 3회)"
    )
    work = [q for q in module.resources["aws_sqs_queue"].values() if q.get("redrive_policy")]
    assert len(work) == 3
    assert all("maxReceiveCount = 3" in q["redrive_policy"] for q in work)


def test_a_fifo_queue_behind_a_topic_makes_the_topic_fifo() -> None:
    module, _ = _design(
        "원장 이벤트 순서가 중요해서 SNS FIFO 토픽 → SQS FIFO 큐 두 개(회계, 알림)로 팬아웃. 각 큐는 람다가 소비. 도쿄"
    )
    topics = [t for t in module.resources["aws_sns_topic"].values() if t.get("fifo_topic")]
    assert topics and all(
        str(t["name"]).endswith(".fifo") or ".fifo" in str(t["name"]) for t in topics
    )
    assert sum(1 for q in module.resources["aws_sqs_queue"].values() if q.get("fifo_queue")) >= 4


def test_kinesis_retention_and_consumer_options_as_stated() -> None:
    module, _ = _design(
        "Kinesis data stream with 3 shards in Ohio, retention 48 hours. A Lambda consumer reads "
        "batches of 500 with a parallelization factor of 4, starting from LATEST."
    )
    assert module.resources["aws_kinesis_stream"]["events"]["retention_period"] == 48
    mapping = next(
        m
        for m in module.resources["aws_lambda_event_source_mapping"].values()
        if "kinesis" in m["event_source_arn"]
    )
    assert (mapping["batch_size"], mapping["parallelization_factor"]) == (500, 4)


def test_kinesis_on_demand_in_korean_drops_the_shard_count() -> None:
    module, _ = _design(
        "키네시스 스트림은 온디맨드 모드로 해주세요. 람다가 읽어서 처리합니다. 도쿄 리전."
    )
    stream = module.resources["aws_kinesis_stream"]["events"]
    assert stream["stream_mode_details"][0]["stream_mode"] == "ON_DEMAND"
    assert "shard_count" not in stream


def test_kinesis_shards_follow_record_size_times_rate() -> None:
    module, _ = _design(
        "Peak is 5,000 events per second at about 2 KB each into a provisioned Kinesis Data Stream."
    )
    assert module.variables["stream_shard_count"]["default"] >= 10


def test_a_failing_step_publishes_to_the_alert_topic() -> None:
    module, ledger = _design(
        "Order workflow in Mumbai: validate, charge, ship — three lamdas orchestrated by a Step "
        "Functions state machine. If any step fails, publish to an SNS alert topic."
    )
    definition = module.resources["aws_sfn_state_machine"]["workflow"]["definition"]
    assert "sns:publish" in definition and "aws_sns_topic" in definition
    assert ledger["sfn.on_failure"]["status"] == "honored"


def test_workflow_retries_are_the_stated_count() -> None:
    module, _ = _design(
        "검증, 결제, 배송 람다 세 개를 Step Functions로 순서대로 호출하고 실패하면 재시도 2번. 서울 리전."
    )
    assert "MaxAttempts = 2" in module.resources["aws_sfn_state_machine"]["workflow"]["definition"]


def test_a_scheduled_named_workflow_is_started_by_the_schedule() -> None:
    module, _ = _design(
        'Weekdays at 9am Asia/Seoul, trigger a Step Functions workflow "standup-digest" that calls '
        "two Lambdas (collect, post-to-slack). Region Seoul."
    )
    assert module.resources["aws_sfn_state_machine"]["workflow"]["name"] == "standup-digest"
    target = module.resources["aws_scheduler_schedule"]["job"]["target"][0]
    assert "aws_sfn_state_machine.workflow" in target["arn"]


def test_iot_rule_reads_the_stated_topic_and_condition_in_a_rule_of_its_own() -> None:
    module, _ = _design(
        "Temperature sensors publish to factory/+/temp. In Seoul, an IoT rule writes every message "
        "to a DynamoDB table, and a second rule calls an alerting Lambda whenever temperature > 80."
    )
    rules = module.resources["aws_iot_topic_rule"]
    assert all("factory/+/temp" in r["sql"] for r in rules.values())
    assert "WHERE temperature > 80" in rules["alerts"]["sql"]
    assert "WHERE" not in rules["telemetry"]["sql"]


def test_iot_raw_payloads_go_to_the_firehose() -> None:
    module, _ = _design(
        "Factory sensors publish to IoT Core in Stockholm. One IoT rule writes the measurements into "
        "DynamoDB, and the raw payloads also go through Firehose into an S3 bucket."
    )
    rule = module.resources["aws_iot_topic_rule"]["telemetry"]
    assert "aws_kinesis_firehose_delivery_stream" in rule["firehose"][0]["delivery_stream_name"]


def test_kinesis_on_demand_asked_away_keeps_provisioned_shards() -> None:
    module, ledger = _design(
        "앱 클릭 로그가 초당 5천 건 들어옵니다. Kinesis Data Streams로 받고"
        "(온디맨드 말고 프로비저닝 모드로), 리전은 서울."
    )
    stream = module.resources["aws_kinesis_stream"]["events"]
    assert stream["stream_mode_details"][0]["stream_mode"] == "PROVISIONED"
    assert module.variables["stream_shard_count"]["default"] >= 5
    mode = ledger["kinesis.stream_mode"]
    assert (mode["value"], mode["status"]) == ("PROVISIONED", "honored")
