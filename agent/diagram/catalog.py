"""What the architecture view knows about AWS, as tables (no per-service code).

- :data:`COMPONENTS`: the resource types a person talks about (a load balancer, a service, a
  database...), each with its label, category, icon, tier and how to read its size and zones.
- :data:`FOLDS`: the plumbing (alarms, keys, roles, log groups, route tables, security groups...)
  and how to find what it serves; it becomes a badge on that component or group.
- :data:`FLOWS`: how edges are derived: which resource type, which arguments name the two
  ends, the kind of flow and its label in words.

A type in none of the tables is a component when its category is one people draw (compute,
data, messaging, edge, analytics, other) and plumbing otherwise; a type extending a component's
type (``aws_s3_bucket_versioning`` → ``aws_s3_bucket``) folds into it.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- components -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    label: str  # "RDS", "Application Load Balancer"
    category: str  # a key of model.CATEGORIES
    icon: str | None  # a PNG under the `diagrams` package's resources/aws/
    tier: str  # edge | entry | compute | data | integration | network | management
    subtitle: str = ""  # a label template read from the resource, e.g. "{engine}"
    size: str = ""  # the argument saying how many objects it runs ("desired_count")
    size_word: str = ""  # what they are called ("tasks", "nodes")
    multi_az: tuple[str, ...] = ()  # arguments that, when true, mean it spans zones


COMPONENTS: dict[str, Component] = {
    # edge and entry
    "aws_cloudfront_distribution": Component(
        "CloudFront", "edge", "network/cloudfront.png", "edge"
    ),
    "aws_globalaccelerator_accelerator": Component(
        "Global Accelerator", "edge", "network/global-accelerator.png", "edge"
    ),
    "aws_apigatewayv2_api": Component(
        "API Gateway", "edge", "network/api-gateway.png", "entry", subtitle="{protocol_type} API"
    ),
    "aws_api_gateway_rest_api": Component(
        "API Gateway", "edge", "network/api-gateway.png", "entry", subtitle="REST API"
    ),
    "aws_appsync_graphql_api": Component(
        "AppSync", "messaging", "integration/appsync.png", "entry", subtitle="GraphQL API"
    ),
    "aws_lb": Component("Load balancer", "network", "network/elastic-load-balancing.png", "entry"),
    "aws_alb": Component("ALB", "network", "network/elb-application-load-balancer.png", "entry"),
    "aws_elb": Component("Classic LB", "network", "network/elb-classic-load-balancer.png", "entry"),
    "aws_nat_gateway": Component("NAT gateway", "network", "network/nat-gateway.png", "network"),
    "aws_ec2_transit_gateway": Component(
        "Transit gateway", "network", "network/transit-gateway.png", "network"
    ),
    "aws_vpn_gateway": Component("VPN gateway", "network", "network/vpn-gateway.png", "network"),
    "aws_lb_target_group": Component(  # drawn only when nothing known consumes it (a scan)
        "Target group", "network", "network/elastic-load-balancing.png", "compute"
    ),
    # compute
    "aws_ecs_service": Component(
        "ECS service",
        "compute",
        "compute/elastic-container-service-service.png",
        "compute",
        subtitle="{launch_type}",
        size="desired_count",
        size_word="tasks",
    ),
    "aws_lambda_function": Component(
        "Lambda", "compute", "compute/lambda.png", "compute", subtitle="{runtime}"
    ),
    "aws_eks_cluster": Component(
        "EKS", "compute", "compute/elastic-kubernetes-service.png", "compute"
    ),
    "aws_eks_node_group": Component(
        "EKS nodes",
        "compute",
        "compute/ec2-auto-scaling.png",
        "compute",
        size="scaling_config.desired_size",
        size_word="nodes",
    ),
    "aws_instance": Component("EC2", "compute", "compute/ec2.png", "compute", "{instance_type}"),
    "aws_autoscaling_group": Component(
        "Auto Scaling group",
        "compute",
        "compute/ec2-auto-scaling.png",
        "compute",
        size="desired_capacity",
        size_word="instances",
    ),
    "aws_apprunner_service": Component(
        "App Runner", "compute", "compute/app-runner.png", "compute"
    ),
    "aws_elastic_beanstalk_environment": Component(
        "Elastic Beanstalk", "compute", "compute/elastic-beanstalk.png", "compute"
    ),
    "aws_batch_compute_environment": Component("Batch", "compute", "compute/batch.png", "compute"),
    "aws_ecr_repository": Component("ECR", "compute", "compute/ec2-container-registry.png", "data"),
    # data
    "aws_db_instance": Component(
        "RDS",
        "data",
        "database/rds.png",
        "data",
        subtitle="{engine}",
        multi_az=("multi_az",),
    ),
    "aws_rds_cluster": Component(
        "Aurora", "data", "database/aurora.png", "data", subtitle="{engine}"
    ),
    "aws_elasticache_replication_group": Component(
        "ElastiCache",
        "data",
        "database/elasticache.png",
        "data",
        subtitle="{engine}",
        size="num_cache_clusters",
        size_word="nodes",
        multi_az=("multi_az_enabled", "automatic_failover_enabled"),
    ),
    "aws_elasticache_cluster": Component(
        "ElastiCache",
        "data",
        "database/elasticache.png",
        "data",
        subtitle="{engine}",
        size="num_cache_nodes",
        size_word="nodes",
    ),
    "aws_memorydb_cluster": Component("MemoryDB", "data", "database/elasticache.png", "data"),
    "aws_dynamodb_table": Component("DynamoDB", "data", "database/dynamodb.png", "data"),
    "aws_docdb_cluster": Component(
        "DocumentDB", "data", "database/documentdb-mongodb-compatibility.png", "data"
    ),
    "aws_neptune_cluster": Component("Neptune", "data", "database/neptune.png", "data"),
    "aws_redshift_cluster": Component("Redshift", "analytics", "analytics/redshift.png", "data"),
    "aws_opensearch_domain": Component(
        "OpenSearch", "analytics", "analytics/amazon-opensearch-service.png", "data"
    ),
    "aws_elasticsearch_domain": Component(
        "OpenSearch", "analytics", "analytics/elasticsearch-service.png", "data"
    ),
    "aws_s3_bucket": Component("S3", "data", "storage/simple-storage-service-s3.png", "data"),
    "aws_efs_file_system": Component("EFS", "data", "storage/elastic-file-system-efs.png", "data"),
    "aws_fsx_lustre_file_system": Component("FSx", "data", "storage/fsx.png", "data"),
    # integration
    "aws_sqs_queue": Component(
        "SQS", "messaging", "integration/simple-queue-service-sqs.png", "integration"
    ),
    "aws_sns_topic": Component(
        "SNS", "messaging", "integration/simple-notification-service-sns.png", "integration"
    ),
    "aws_cloudwatch_event_bus": Component(
        "EventBridge bus", "messaging", "integration/eventbridge.png", "integration"
    ),
    "aws_cloudwatch_event_rule": Component(
        "EventBridge rule", "messaging", "integration/eventbridge-rule.png", "integration"
    ),
    "aws_scheduler_schedule": Component(
        "EventBridge schedule", "messaging", "integration/eventbridge-scheduler.png", "integration"
    ),
    "aws_sfn_state_machine": Component(
        "Step Functions", "messaging", "integration/step-functions.png", "integration"
    ),
    "aws_mq_broker": Component("Amazon MQ", "messaging", "integration/mq.png", "integration"),
    "aws_kinesis_stream": Component(
        "Kinesis", "analytics", "analytics/kinesis-data-streams.png", "integration"
    ),
    "aws_kinesis_firehose_delivery_stream": Component(
        "Firehose", "analytics", "analytics/kinesis-data-firehose.png", "integration"
    ),
    "aws_msk_cluster": Component(
        "MSK", "messaging", "analytics/managed-streaming-for-kafka.png", "integration"
    ),
    "aws_glue_catalog_database": Component(
        "Glue Data Catalog", "analytics", "analytics/glue-data-catalog.png", "data"
    ),
    "aws_glue_job": Component("Glue job", "analytics", "analytics/glue.png", "compute"),
    "aws_athena_workgroup": Component("Athena", "analytics", "analytics/athena.png", "compute"),
    # management that moves data
    "aws_cloudtrail": Component(
        "CloudTrail", "observability", "management/cloudtrail.png", "management"
    ),
}

# A load balancer's label and icon follow its type.
LOAD_BALANCER_TYPES = {
    "application": ("ALB", "network/elb-application-load-balancer.png"),
    "network": ("NLB", "network/elb-network-load-balancer.png"),
    "gateway": ("GWLB", "network/elastic-load-balancing.png"),
}
# The synthetic endpoints flows may start or end at.
INTERNET_COMPONENT = Component("Internet", "other", "general/internet-alt1.png", "edge")
ENGINE_WORDS = {
    "postgres": "PostgreSQL",
    "aurora-postgresql": "Aurora PostgreSQL",
    "mysql": "MySQL",
    "aurora-mysql": "Aurora MySQL",
    "mariadb": "MariaDB",
    "redis": "Redis",
    "valkey": "Valkey",
    "memcached": "Memcached",
    "sqlserver-ex": "SQL Server",
    "sqlserver-se": "SQL Server",
    "oracle-se2": "Oracle",
    "FARGATE": "Fargate",
    "EC2": "EC2",
}


# --- plumbing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """How a plumbing resource finds what it serves, and the badge it adds there.

    ``via`` names the arguments whose references lead to the owner (a rule's
    ``security_group_id``, an alarm's ``dimensions``); empty means "whoever references it"
    (a KMS key serves every component that references it, directly or through other plumbing).
    ``group`` puts it on the VPC or region instead. ``badge`` may read the resource's
    arguments (``"logs {retention_in_days} d"``); with ``plural``, equal badges are counted
    (``"4 alarms"``)."""

    badge: str = ""
    via: tuple[str, ...] = ()
    group: str | None = None  # "vpc" | "region"
    plural: str = ""
    peer: tuple[str, ...] = ()  # arguments naming a peer, not what it serves (a rule's other SG)


FOLDS: dict[str, Fold] = {
    # security
    "aws_kms_key": Fold("encrypted (KMS)"),
    "aws_kms_alias": Fold(via=("target_key_id",)),
    "aws_iam_role": Fold("IAM role", plural="IAM roles"),
    "aws_iam_role_policy": Fold(via=("role",)),
    "aws_iam_role_policy_attachment": Fold(via=("role",)),
    "aws_iam_policy": Fold(),
    "aws_iam_instance_profile": Fold(),
    "aws_security_group": Fold(
        "security group", plural="security groups", peer=("ingress", "egress")
    ),
    "aws_vpc_security_group_ingress_rule": Fold(
        via=("security_group_id",), peer=("referenced_security_group_id",)
    ),
    "aws_vpc_security_group_egress_rule": Fold(
        via=("security_group_id",), peer=("referenced_security_group_id",)
    ),
    "aws_security_group_rule": Fold(via=("security_group_id",), peer=("source_security_group_id",)),
    "aws_default_security_group": Fold("default SG closed", group="vpc"),
    "aws_secretsmanager_secret": Fold("secret", plural="secrets"),
    "aws_secretsmanager_secret_version": Fold(via=("secret_id",)),
    "aws_ssm_parameter": Fold("parameter", plural="parameters"),
    "aws_acm_certificate": Fold("TLS certificate"),
    "aws_acm_certificate_validation": Fold("TLS certificate"),
    "aws_wafv2_web_acl": Fold("WAF"),
    "aws_wafv2_web_acl_association": Fold(via=("resource_arn", "web_acl_arn")),
    "aws_guardduty_detector": Fold("GuardDuty", group="region"),
    "aws_securityhub_account": Fold("Security Hub", group="region"),
    "aws_accessanalyzer_analyzer": Fold("Access Analyzer", group="region"),
    "aws_ebs_encryption_by_default": Fold("EBS encrypted by default", group="region"),
    "aws_s3_account_public_access_block": Fold("S3 public access blocked", group="region"),
    # observability
    "aws_cloudwatch_metric_alarm": Fold("alarm", via=("dimensions",), plural="alarms"),
    "aws_cloudwatch_log_group": Fold("logs {retention_in_days} d"),
    "aws_cloudwatch_dashboard": Fold("dashboard", group="region"),
    "aws_flow_log": Fold("flow logs", via=("vpc_id", "subnet_id"), group="vpc"),
    "aws_config_configuration_recorder": Fold("AWS Config", group="region"),
    "aws_config_delivery_channel": Fold(group="region"),
    "aws_config_configuration_recorder_status": Fold(group="region"),
    "aws_budgets_budget": Fold("budget", group="region"),
    # network
    "aws_internet_gateway": Fold("internet gateway", group="vpc"),
    "aws_egress_only_internet_gateway": Fold("egress-only IGW", group="vpc"),
    "aws_route_table": Fold("route table", group="vpc", plural="route tables"),
    "aws_default_route_table": Fold(group="vpc"),
    "aws_route": Fold(via=("route_table_id",)),
    "aws_route_table_association": Fold(via=("route_table_id",)),
    "aws_main_route_table_association": Fold(via=("route_table_id",)),
    "aws_network_acl": Fold("network ACL", group="vpc"),
    "aws_default_network_acl": Fold(group="vpc"),
    "aws_vpc_endpoint": Fold("{tail(service_name)} endpoint", group="vpc"),
    "aws_vpc_dhcp_options": Fold(group="vpc"),
    "aws_eip": Fold("Elastic IP"),
    "aws_route53_zone": Fold("Route 53 zone"),
    "aws_route53_record": Fold("DNS name", via=("alias", "records", "for_each")),
    "aws_lb_listener": Fold(
        "listener {protocol} :{port}", via=("load_balancer_arn",), peer=("default_action",)
    ),
    "aws_lb_listener_rule": Fold(via=("listener_arn",), peer=("action",)),
    "aws_lb_listener_certificate": Fold(via=("listener_arn",)),
    "aws_lb_target_group": Fold("target group"),
    "aws_lb_target_group_attachment": Fold(via=("target_id", "target_group_arn")),
    "aws_autoscaling_attachment": Fold(via=("autoscaling_group_name",)),
    # compute
    "aws_ecs_cluster": Fold("cluster {name}"),
    "aws_ecs_task_definition": Fold("task {cpu}/{memory}"),
    "aws_ecs_cluster_capacity_providers": Fold(via=("cluster_name",)),
    "aws_appautoscaling_target": Fold(
        "auto scaling {min_capacity}–{max_capacity}", via=("resource_id",)
    ),
    "aws_appautoscaling_policy": Fold(via=("resource_id", "service_namespace")),
    "aws_autoscaling_policy": Fold(via=("autoscaling_group_name",)),
    "aws_launch_template": Fold("launch template"),
    "aws_lambda_permission": Fold(via=("function_name",)),
    "aws_lambda_event_source_mapping": Fold(via=("function_name",)),
    "aws_lambda_alias": Fold(via=("function_name",)),
    "aws_lambda_function_url": Fold("function URL", via=("function_name",)),
    "aws_eks_addon": Fold("add-on", via=("cluster_name",), plural="add-ons"),
    "aws_apigatewayv2_stage": Fold(via=("api_id",)),
    "aws_apigatewayv2_route": Fold(via=("api_id",)),
    "aws_apigatewayv2_integration": Fold(via=("api_id",)),
    "aws_api_gateway_stage": Fold(via=("rest_api_id",)),
    "aws_api_gateway_deployment": Fold(via=("rest_api_id",)),
    "aws_api_gateway_integration": Fold(via=("rest_api_id",)),
    "aws_api_gateway_resource": Fold(via=("rest_api_id",)),
    "aws_api_gateway_method": Fold(via=("rest_api_id",)),
    # data
    "aws_db_parameter_group": Fold("parameter group"),
    "aws_db_option_group": Fold("option group"),
    "aws_rds_cluster_parameter_group": Fold("parameter group"),
    "aws_rds_cluster_instance": Fold("instance", via=("cluster_identifier",), plural="instances"),
    "aws_elasticache_parameter_group": Fold("parameter group"),
    "aws_db_subnet_group": Fold(),
    "aws_elasticache_subnet_group": Fold(),
    "aws_redshift_subnet_group": Fold(),
    "aws_backup_plan": Fold("backup plan", group="region"),
    "aws_backup_vault": Fold("backup vault", group="region"),
    "aws_backup_selection": Fold(via=("plan_id",)),
    "aws_efs_mount_target": Fold(via=("file_system_id",)),
    "aws_s3_bucket_notification": Fold(via=("bucket",)),
    "aws_s3_bucket_replication_configuration": Fold("replicated", via=("bucket",)),
    # integration
    "aws_sns_topic_subscription": Fold("{protocol} subscription", via=("topic_arn",)),
    "aws_sns_topic_policy": Fold(via=("arn",)),
    "aws_sqs_queue_policy": Fold(via=("queue_url",)),
    "aws_sqs_queue_redrive_policy": Fold(via=("queue_url",)),
    "aws_cloudwatch_event_target": Fold(via=("rule",)),
    "aws_pipes_pipe": Fold(via=("target",)),
    "aws_cloudwatch_log_resource_policy": Fold(via=("policy_document",)),
    "aws_cloudwatch_event_archive": Fold("event archive", via=("event_source_arn",)),
    "aws_ecs_capacity_provider": Fold("capacity provider", via=("auto_scaling_group_provider",)),
    "aws_efs_access_point": Fold("access point", via=("file_system_id",), plural="access points"),
    "aws_efs_backup_policy": Fold("backups", via=("file_system_id",)),
    "aws_efs_file_system_policy": Fold(via=("file_system_id",)),
    "aws_batch_job_queue": Fold(
        "job queue", via=("compute_environment_order", "compute_environments")
    ),
    "aws_batch_job_definition": Fold("job definition"),
    "aws_glue_crawler": Fold("crawler", via=("database_name",), plural="crawlers"),
    "aws_s3_object": Fold("object", via=("bucket",), plural="objects"),
}

# Families of plumbing, by type prefix (after FOLDS and COMPONENTS).
PREFIX_FOLDS: tuple[tuple[str, Fold], ...] = (
    ("aws_cloudfront_", Fold()),  # policies, origin access, functions → the distribution
    ("aws_cloudwatch_log_", Fold()),
    ("aws_eks_", Fold(via=("cluster_name",))),
    ("aws_wafv2_", Fold(via=("resource_arn", "web_acl_arn"))),
    ("aws_glue_", Fold()),
    ("aws_iam_", Fold()),
    ("aws_kms_", Fold()),
)


# --- flows ----------------------------------------------------------------------------------

INTERNET_END = "@internet"  # the internet (requests from anywhere)
OUTBOUND_END = "@outbound"  # the way out: the VPC's NAT gateway, else the internet
SELF = "."  # the resource the rule reads (or what it folds into)
PUBLIC_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


@dataclass(frozen=True)
class Flow:
    """An edge derivation: a ``type`` resource whose ``source`` and ``target`` arguments
    (dotted paths; ``.`` the resource itself; ``@internet``, ``@outbound``) name the ends.

    An end that is plumbing stands for what it serves (a security group → the components
    behind it). ``each`` iterates over a repeated block (paths then start with ``item.``).
    ``when`` holds (path, accepted values) conditions; a list value matches when any item
    does. ``label`` is a template: ``{port(item.from_port, item.ip_protocol)}``,
    ``{port(dst.port, dst.protocol)}``, ``{speaks(dst)}``, ``{events(src)}`` or text."""

    type: str
    source: str
    target: str
    kind: str  # request | event | data | replication | management
    label: str
    each: str | None = None
    when: tuple[tuple[str, frozenset[object]], ...] = ()
    unless: tuple[tuple[str, frozenset[object]], ...] = ()  # conditions that rule it out


_PUBLIC = frozenset(PUBLIC_CIDRS)
# AWS's default egress rule (everything, anywhere) says nothing about where traffic goes.
_ALL_TRAFFIC = frozenset({"-1", -1, "all"})
_INGRESS = frozenset({"ingress"})
_EGRESS = frozenset({"egress"})
_PORT = "{port(from_port, ip_protocol)}"
_ITEM_PORT = "{port(item.from_port, item.protocol)}"

FLOWS: tuple[Flow, ...] = (
    # security group rules: who may talk to whom, on which port
    Flow(
        "aws_vpc_security_group_ingress_rule",
        "referenced_security_group_id",
        "security_group_id",
        "request",
        _PORT,
    ),
    Flow(
        "aws_vpc_security_group_ingress_rule",
        INTERNET_END,
        "security_group_id",
        "request",
        _PORT,
        when=(("cidr_ipv4", _PUBLIC),),
    ),
    Flow(
        "aws_vpc_security_group_ingress_rule",
        INTERNET_END,
        "security_group_id",
        "request",
        _PORT,
        when=(("cidr_ipv6", _PUBLIC),),
    ),
    Flow(
        "aws_vpc_security_group_egress_rule",
        "security_group_id",
        "referenced_security_group_id",
        "request",
        _PORT,
    ),
    Flow(
        "aws_vpc_security_group_egress_rule",
        "security_group_id",
        OUTBOUND_END,
        "request",
        _PORT,
        when=(("cidr_ipv4", _PUBLIC),),
        unless=(("ip_protocol", _ALL_TRAFFIC),),
    ),
    Flow(
        "aws_security_group_rule",
        "source_security_group_id",
        "security_group_id",
        "request",
        "{port(from_port, protocol)}",
        when=(("type", _INGRESS),),
    ),
    Flow(
        "aws_security_group_rule",
        INTERNET_END,
        "security_group_id",
        "request",
        "{port(from_port, protocol)}",
        when=(("type", _INGRESS), ("cidr_blocks", _PUBLIC)),
    ),
    Flow(
        "aws_security_group_rule",
        "security_group_id",
        "source_security_group_id",
        "request",
        "{port(from_port, protocol)}",
        when=(("type", _EGRESS),),
    ),
    Flow("aws_security_group", "item.security_groups", SELF, "request", _ITEM_PORT, each="ingress"),
    Flow(
        "aws_security_group",
        INTERNET_END,
        SELF,
        "request",
        _ITEM_PORT,
        each="ingress",
        when=(("item.cidr_blocks", _PUBLIC),),
    ),
    Flow("aws_security_group", SELF, "item.security_groups", "request", _ITEM_PORT, each="egress"),
    Flow(
        "aws_security_group",
        SELF,
        OUTBOUND_END,
        "request",
        _ITEM_PORT,
        each="egress",
        when=(("item.cidr_blocks", _PUBLIC),),
        unless=(("item.protocol", _ALL_TRAFFIC),),
    ),
    Flow("aws_nat_gateway", SELF, INTERNET_END, "request", "outbound to the internet"),
    # load balancers: listeners forward to target groups, target groups reach their targets
    Flow(
        "aws_lb_listener",
        INTERNET_END,
        "load_balancer_arn",
        "request",
        "{port(port, protocol)}",
        when=(("dst.internal", frozenset({False, None})),),
    ),
    Flow(
        "aws_lb_listener",
        "load_balancer_arn",
        "default_action.target_group_arn",
        "request",
        "{port(dst.port, dst.protocol)}",
    ),
    Flow(
        "aws_lb_listener",
        "load_balancer_arn",
        "default_action.forward.target_group.arn",
        "request",
        "{port(dst.port, dst.protocol)}",
    ),
    Flow(
        "aws_lb_listener_rule",
        "listener_arn",
        "action.target_group_arn",
        "request",
        "{port(dst.port, dst.protocol)}",
    ),
    # edges and APIs
    Flow("aws_cloudfront_distribution", INTERNET_END, SELF, "request", "HTTPS :443"),
    Flow("aws_cloudfront_distribution", SELF, "origin.domain_name", "request", "HTTPS :443"),
    Flow("aws_cloudfront_distribution", SELF, "logging_config.bucket", "data", "access logs"),
    Flow("aws_apigatewayv2_api", INTERNET_END, SELF, "request", "HTTPS :443"),
    Flow("aws_apigatewayv2_integration", "api_id", "integration_uri", "request", "invokes"),
    Flow("aws_api_gateway_rest_api", INTERNET_END, SELF, "request", "HTTPS :443"),
    Flow("aws_api_gateway_integration", "rest_api_id", "uri", "request", "invokes"),
    Flow("aws_lambda_function_url", INTERNET_END, "function_name", "request", "HTTPS :443"),
    Flow("aws_appsync_graphql_api", INTERNET_END, SELF, "request", "HTTPS :443"),
    Flow("aws_sfn_state_machine", SELF, "definition", "request", "invokes"),
    # events
    Flow(
        "aws_lambda_event_source_mapping",
        "event_source_arn",
        "function_name",
        "event",
        "{events(src)}",
    ),
    Flow(
        "aws_s3_bucket_notification",
        "bucket",
        "item.queue_arn",
        "event",
        "object events",
        each="queue",
    ),
    Flow(
        "aws_s3_bucket_notification",
        "bucket",
        "item.topic_arn",
        "event",
        "object events",
        each="topic",
    ),
    Flow(
        "aws_s3_bucket_notification",
        "bucket",
        "item.lambda_function_arn",
        "event",
        "object events",
        each="lambda_function",
    ),
    Flow("aws_sns_topic_subscription", "topic_arn", "endpoint", "event", "notifications"),
    Flow("aws_cloudwatch_event_target", "rule", "arn", "event", "matching events"),
    Flow("aws_cloudwatch_event_rule", "event_bus_name", SELF, "event", "events"),
    Flow("aws_scheduler_schedule", SELF, "target.arn", "event", "on schedule"),
    Flow("aws_scheduler_schedule", SELF, "target.input", "event", "on schedule"),
    Flow("aws_lambda_function", SELF, "dead_letter_config.target_arn", "event", "failed events"),
    Flow("aws_pipes_pipe", "source", "target", "event", "{events(src)}"),
    Flow("aws_sqs_queue", SELF, "redrive_policy", "event", "failed messages"),
    # data movement
    Flow(
        "aws_kinesis_firehose_delivery_stream",
        "kinesis_source_configuration.kinesis_stream_arn",
        SELF,
        "data",
        "stream records",
    ),
    Flow(
        "aws_kinesis_firehose_delivery_stream",
        SELF,
        "extended_s3_configuration.bucket_arn",
        "data",
        "delivers records",
    ),
    Flow(
        "aws_kinesis_firehose_delivery_stream",
        SELF,
        "s3_configuration.bucket_arn",
        "data",
        "delivers records",
    ),
    Flow("aws_lb", SELF, "access_logs.bucket", "data", "access logs"),
    Flow("aws_cloudtrail", SELF, "s3_bucket_name", "data", "audit logs"),
    Flow("aws_s3_bucket_logging", "bucket", "target_bucket", "data", "access logs"),
    Flow("aws_flow_log", SELF, "log_destination", "data", "flow logs"),
    # replication
    Flow(
        "aws_s3_bucket_replication_configuration",
        "bucket",
        "rule.destination.bucket",
        "replication",
        "S3 replication",
    ),
    Flow("aws_db_instance", "replicate_source_db", SELF, "replication", "read replica"),
    Flow("aws_rds_cluster", "replication_source_identifier", SELF, "replication", "replica"),
    # management
    Flow("aws_cloudwatch_metric_alarm", "dimensions", "alarm_actions", "management", "alarms"),
    # what code reaches through its configuration (environment, container definitions)
    Flow("aws_ecs_task_definition", SELF, "container_definitions", "request", "{speaks(dst)}"),
    Flow("aws_lambda_function", SELF, "environment", "request", "{speaks(dst)}"),
    Flow("aws_instance", SELF, "user_data", "request", "{speaks(dst)}"),
    Flow("aws_launch_template", SELF, "user_data", "request", "{speaks(dst)}"),
)

# Ports named in words; a listener or target group's protocol wins when it has one.
PORT_WORDS = {
    22: "SSH",
    53: "DNS",
    80: "HTTP",
    443: "HTTPS",
    1433: "SQL Server",
    1521: "Oracle",
    2049: "NFS",
    3306: "MySQL",
    3389: "RDP",
    5432: "PostgreSQL",
    5439: "Redshift",
    5671: "AMQPS",
    5672: "AMQP",
    6379: "Redis",
    8080: "HTTP",
    8443: "HTTPS",
    9092: "Kafka",
    9094: "Kafka TLS",
    9200: "OpenSearch",
    11211: "Memcached",
    27017: "MongoDB",
}
# What a component speaks, for flows found in configuration ({speaks(dst)}).
SPEAKS = {
    "aws_db_instance": "{engine} :{port}",
    "aws_rds_cluster": "{engine} :{port}",
    "aws_elasticache_replication_group": "{engine} :{port}",
    "aws_elasticache_cluster": "{engine} :{port}",
    "aws_dynamodb_table": "DynamoDB API (HTTPS)",
    "aws_s3_bucket": "S3 API (HTTPS)",
    "aws_sqs_queue": "sends messages",
    "aws_sns_topic": "publishes",
    "aws_kinesis_stream": "puts records",
    "aws_kinesis_firehose_delivery_stream": "puts records",
    "aws_cloudwatch_event_bus": "puts events",
    "aws_sfn_state_machine": "starts executions",
    "aws_lambda_function": "invokes",
    "aws_opensearch_domain": "HTTPS :443",
    "aws_efs_file_system": "NFS :2049",
    "aws_lb": "HTTP",
}
DEFAULT_PORTS = {
    "postgres": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "redis": 6379,
    "valkey": 6379,
    "memcached": 11211,
    "aurora-postgresql": 5432,
    "aurora-mysql": 3306,
}
# What an event source delivers ({events(src)}).
EVENT_WORDS = {
    "aws_sqs_queue": "messages",
    "aws_kinesis_stream": "stream records",
    "aws_dynamodb_table": "table changes",
    "aws_msk_cluster": "Kafka records",
    "aws_mq_broker": "messages",
    "aws_sns_topic": "notifications",
}
FLOW_KINDS = {
    # kind: (legend label, colour, graphviz style)
    "request": ("Request", "#232F3E", "solid"),
    "event": ("Event", "#E7157B", "dashed"),
    "data": ("Data movement", "#147EBA", "solid"),
    "replication": ("Replication", "#8C4FFF", "dotted"),
    "management": ("Management", "#7D8998", "dotted"),
}
# Categories whose unknown types are drawn as components (the rest fold as plumbing).
COMPONENT_CATEGORIES = frozenset({"compute", "data", "edge", "messaging", "analytics", "other"})
