"""The core capabilities: built by the planner's core pass (agent/planner.py), declared here so
the ledger can prove them, the diagram can style them and the scanner can meet them.

Each has ``build=None``; moving one into a module of its own with a builder is how the core pass
shrinks (docs/design-engine.md, "Capabilities").
"""

from __future__ import annotations

from autcloud.agent.capabilities.base import (
    COMPUTE,
    DATA,
    EDGE,
    FOUNDATION,
    MESSAGING,
    Capability,
    Probe,
)


def _core(
    key: str, summary: str, concepts: tuple[str, ...], category: str, phase: int, *probes: Probe
) -> Capability:
    return Capability(
        key=key,
        summary=summary,
        concepts=concepts,
        probes=probes,
        category=category,
        phase=phase,
        applies=lambda req: False,  # built by the core pass from the requirements
    )


_WEB_ENTRY = (
    Probe("aws_lb"),
    Probe("aws_apigatewayv2_api"),
    Probe("aws_api_gateway_rest_api"),
    Probe("aws_apprunner_service"),
    Probe("aws_cloudfront_distribution"),
)

CAPABILITIES = [
    _core(
        "web_api",
        "A web application or API with a front door.",
        ("workload.web_api",),
        "compute",
        COMPUTE,
        *_WEB_ENTRY,
    ),
    _core(
        "static_site",
        "A static site: private S3 origin behind CloudFront.",
        ("workload.static_site",),
        "edge",
        EDGE,
        Probe("aws_cloudfront_distribution"),
    ),
    _core(
        "serverless",
        "Lambda functions.",
        ("workload.serverless",),
        "compute",
        COMPUTE,
        Probe("aws_lambda_function"),
    ),
    _core(
        "containers",
        "Containers on ECS Fargate.",
        ("workload.containers",),
        "compute",
        COMPUTE,
        Probe("aws_ecs_service"),
        Probe("aws_ecs_task_definition"),
        Probe("aws_eks_cluster"),
        Probe("aws_apprunner_service"),
        Probe("aws_batch_compute_environment"),
    ),
    _core(
        "kubernetes",
        "An EKS cluster with managed node groups.",
        ("workload.kubernetes",),
        "compute",
        COMPUTE,
        Probe("aws_eks_cluster"),
    ),
    _core(
        "vm",
        "EC2 instances in an Auto Scaling group.",
        ("workload.vm",),
        "compute",
        COMPUTE,
        Probe("aws_autoscaling_group"),
        Probe("aws_instance"),
        Probe("aws_eks_node_group"),
        Probe("aws_batch_compute_environment"),
    ),
    _core(
        "data_pipeline",
        "A data lake: raw and curated S3, Glue catalog, Athena.",
        ("workload.data_pipeline",),
        "analytics",
        DATA,
        Probe("aws_glue_catalog_database"),
        Probe("aws_athena_workgroup"),
        Probe("aws_glue_job"),
    ),
    _core(
        "batch_ml",
        "Batch jobs on AWS Batch.",
        ("workload.batch_ml",),
        "compute",
        COMPUTE,
        Probe("aws_batch_job_queue"),
    ),
    _core(
        "realtime",
        "Real-time connections (WebSocket API or a load balancer).",
        ("workload.realtime",),
        "edge",
        EDGE,
        Probe("aws_apigatewayv2_api", (("protocol_type", "==", "WEBSOCKET"),)),
        Probe("aws_lb"),
    ),
    _core(
        "queue_workers",
        "Workers reading a queue.",
        ("workload.queue_workers",),
        "messaging",
        MESSAGING,
        Probe("aws_sqs_queue"),
    ),
    _core(
        "postgres",
        "PostgreSQL on RDS.",
        ("engine.postgres",),
        "data",
        DATA,
        Probe("aws_db_instance", (("engine", "==", "postgres"),)),
        Probe("aws_rds_cluster", (("engine", "==", "aurora-postgresql"),)),
    ),
    _core(
        "mysql",
        "MySQL on RDS.",
        ("engine.mysql",),
        "data",
        DATA,
        Probe("aws_db_instance", (("engine", "==", "mysql"),)),
        Probe("aws_db_instance", (("engine", "==", "mariadb"),)),
        Probe("aws_rds_cluster", (("engine", "==", "aurora-mysql"),)),
    ),
    _core(
        "aurora_postgresql",
        "Aurora PostgreSQL.",
        ("engine.aurora-postgresql",),
        "data",
        DATA,
        Probe("aws_rds_cluster", (("engine", "==", "aurora-postgresql"),)),
    ),
    _core(
        "aurora_mysql",
        "Aurora MySQL.",
        ("engine.aurora-mysql",),
        "data",
        DATA,
        Probe("aws_rds_cluster", (("engine", "==", "aurora-mysql"),)),
    ),
    _core(
        "dynamodb",
        "A DynamoDB table.",
        ("engine.dynamodb",),
        "data",
        DATA,
        Probe("aws_dynamodb_table"),
    ),
    _core(
        "cache",
        "An in-memory cache (ElastiCache).",
        ("feature.cache",),
        "data",
        DATA,
        Probe("aws_elasticache_replication_group"),
        Probe("aws_elasticache_cluster"),
        Probe("aws_elasticache_serverless_cache"),
    ),
    _core(
        "object_storage",
        "Private, versioned S3 buckets.",
        ("feature.object_storage",),
        "data",
        DATA,
        Probe("aws_s3_bucket"),
    ),
    _core(
        "cdn",
        "CloudFront in front.",
        ("feature.cdn",),
        "edge",
        EDGE,
        Probe("aws_cloudfront_distribution"),
    ),
    _core("waf", "AWS WAF web ACL.", ("feature.waf",), "edge", EDGE, Probe("aws_wafv2_web_acl")),
    _core(
        "queue",
        "An SQS queue with a dead-letter queue.",
        ("feature.queue",),
        "messaging",
        MESSAGING,
        Probe("aws_sqs_queue"),
    ),
    _core(
        "topic", "An SNS topic.", ("feature.topic",), "messaging", MESSAGING, Probe("aws_sns_topic")
    ),
    _core(
        "stream",
        "A Kinesis data stream.",
        ("feature.stream",),
        "messaging",
        MESSAGING,
        Probe("aws_kinesis_stream"),
        Probe("aws_msk_cluster"),
        Probe("aws_msk_serverless_cluster"),
    ),
    _core(
        "schedule",
        "A schedule (EventBridge Scheduler).",
        ("feature.schedule",),
        "messaging",
        MESSAGING,
        Probe("aws_scheduler_schedule"),
        Probe("aws_cloudwatch_event_rule"),
    ),
    _core(
        "data_lake",
        "A data lake (S3, Glue, Athena).",
        ("feature.data_lake",),
        "analytics",
        DATA,
        Probe("aws_glue_catalog_database"),
        Probe("aws_athena_workgroup"),
    ),
    _core(
        "batch", "AWS Batch.", ("feature.batch",), "compute", COMPUTE, Probe("aws_batch_job_queue")
    ),
    _core(
        "dns",
        "Route 53 DNS and an ACM certificate.",
        ("feature.dns",),
        "edge",
        EDGE,
        Probe("aws_route53_zone"),
        Probe("aws_route53_record"),
        Probe("aws_acm_certificate"),
    ),
    _core(
        "api_gateway",
        "An API Gateway API.",
        ("feature.api_gateway",),
        "edge",
        EDGE,
        Probe("aws_apigatewayv2_api"),
        Probe("aws_api_gateway_rest_api"),
    ),
    _core(
        "websocket",
        "WebSocket connections: an API Gateway WebSocket API, or an ALB (which upgrades them natively).",
        ("feature.websocket",),
        "edge",
        EDGE,
        Probe("aws_apigatewayv2_api", (("protocol_type", "==", "WEBSOCKET"),)),
        Probe("aws_lb", (("load_balancer_type", "==", "application"),)),
    ),
    _core(
        "load_balancer",
        "An application load balancer in front of the service.",
        ("feature.load_balancer",),
        "edge",
        EDGE,
        Probe("aws_lb"),
    ),
    _core("kms", "A customer-managed KMS key.", (), "security", FOUNDATION, Probe("aws_kms_key")),
    _core("network", "A VPC across zones.", (), "network", FOUNDATION, Probe("aws_vpc")),
]
