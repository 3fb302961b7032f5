"""The usage a cost estimate assumes: plain data a caller derives from a request's scale.

Every figure is a monthly total for the whole design. Resources of the kind a figure applies to
share it evenly (two Lambda functions get half the invocations each; two buckets half the
storage), so adding a resource never invents traffic. Hourly resources run ``hours_per_month``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class UsageAssumptions:
    hours_per_month: float = 730.0
    # Front door: requests reaching API Gateway, CloudFront and WAF (each sees all of them).
    requests_per_month: float = 1_000_000
    cdn_gb_per_month: float = 50.0  # CloudFront bytes to viewers
    nat_gb_per_month: float = 10.0  # bytes processed by NAT gateways
    vpc_endpoint_gb_per_month: float = 10.0  # bytes through interface endpoints
    alb_average_lcu: float = 1.0  # average LCUs of each load balancer
    lambda_invocations_per_month: float = 1_000_000
    lambda_average_duration_ms: float = 200.0
    lambda_memory_mb: int = 512  # only when a function's memory_size cannot be resolved
    log_ingest_gb_per_month: float = 5.0  # CloudWatch Logs, across all log groups
    log_retention_months_if_unset: float = 12.0  # logs kept forever: a year's worth is stored
    flow_log_gb_per_month: float = 5.0
    dynamodb_reads_per_month: float = 5_000_000  # read request units (on-demand tables)
    dynamodb_writes_per_month: float = 1_000_000  # write request units (on-demand tables)
    dynamodb_storage_gb: float = 5.0
    s3_storage_gb: float = 50.0
    s3_put_requests_per_month: float = 100_000
    s3_get_requests_per_month: float = 1_000_000
    database_storage_gb: float = 20.0  # Aurora clusters, and RDS when allocated_storage is unknown
    aurora_io_requests_per_month: float = 10_000_000
    aurora_acu_utilisation: float = 0.25  # average ACUs = min + this share of (max - min)
    elasticache_serverless_gb: float = 1.0
    messages_per_month: float = 1_000_000  # SQS messages, SNS publishes, EventBridge events
    stream_gb_per_month: float = 10.0  # Kinesis data written
    cloudtrail_events_per_month: float = 500_000  # management events, for extra trails
    websocket_connection_minutes_per_month: float = 1_000_000
    glue_dpu_hours_per_month: float = 2.0
    athena_tb_scanned_per_month: float = 0.1
    batch_vcpu_hours_per_month: float = 100.0
    ecr_storage_gb: float = 2.0
    efs_storage_gb: float = 10.0
    fargate_task_vcpu: float = 0.25  # when a service's task definition cannot be resolved
    fargate_task_memory_gb: float = 0.5
    firehose_gb_per_month: float = 10.0  # data written to Firehose streams
    msk_serverless_partitions: float = 10.0  # partitions of MSK Serverless clusters
    mq_storage_gb: float = 20.0  # Amazon MQ broker storage
    state_transitions_per_month: float = 100_000  # Step Functions Standard workflows
    apprunner_active_hours_per_month: float = 182.5  # App Runner instances serving requests
    redshift_serverless_hours_per_month: float = 60.0  # Redshift Serverless compute running
    client_vpn_connection_hours_per_month: float = 880.0  # 5 people × 8 h × 22 days
    cognito_monthly_active_users: float = 1_000
    config_items_per_month: float = 1_000  # AWS Config configuration items recorded
    config_rule_evaluations_per_month: float = 5_000
    security_hub_checks_per_month: float = 10_000
    event_archive_gb_per_month: float = 1.0  # EventBridge events archived
    emails_per_month: float = 10_000  # SES

    def to_dict(self) -> dict[str, float]:
        return {key: float(value) for key, value in asdict(self).items()}
