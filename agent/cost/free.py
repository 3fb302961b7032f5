"""Resource types AWS does not bill for themselves (their traffic or contents may be billed
on another resource's line, e.g. a route's traffic on the NAT gateway)."""

from __future__ import annotations

FREE_TYPES: frozenset[str] = frozenset(
    {
        "aws_vpc",
        "aws_subnet",
        "aws_internet_gateway",
        "aws_egress_only_internet_gateway",
        "aws_route",
        "aws_route_table",
        "aws_route_table_association",
        "aws_main_route_table_association",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_network_acl_association",
        "aws_vpc_dhcp_options",
        "aws_vpc_dhcp_options_association",
        "aws_key_pair",
        "aws_launch_template",
        "aws_autoscaling_policy",
        "aws_autoscaling_schedule",
        "aws_autoscaling_attachment",
        "aws_lb_listener",
        "aws_lb_listener_rule",
        "aws_lb_listener_certificate",
        "aws_lb_target_group",
        "aws_lb_target_group_attachment",
        "aws_alb_listener",
        "aws_alb_listener_rule",
        "aws_alb_target_group",
        "aws_alb_target_group_attachment",
        "aws_ecs_cluster",
        "aws_ecs_cluster_capacity_providers",
        "aws_ecs_capacity_provider",
        "aws_ecs_task_definition",  # priced through the services that run it
        "aws_eks_addon",
        "aws_eks_access_entry",
        "aws_eks_access_policy_association",
        "aws_eks_fargate_profile",  # pods on it are billed as Fargate tasks
        "aws_db_subnet_group",
        "aws_db_parameter_group",
        "aws_db_option_group",
        "aws_rds_cluster_parameter_group",
        "aws_elasticache_subnet_group",
        "aws_elasticache_parameter_group",
        "aws_elasticache_user",
        "aws_elasticache_user_group",
        "aws_kms_alias",
        "aws_acm_certificate",  # public certificates
        "aws_acm_certificate_validation",
        "aws_route53_record",  # queries are billed to the zone
        "aws_secretsmanager_secret_version",
        "aws_secretsmanager_secret_rotation",
        "aws_secretsmanager_secret_policy",
        "aws_lambda_permission",
        "aws_lambda_alias",
        "aws_lambda_event_source_mapping",
        "aws_lambda_function_url",
        "aws_sns_topic_subscription",
        "aws_sns_topic_policy",
        "aws_sqs_queue_policy",
        "aws_sqs_queue_redrive_policy",
        "aws_sqs_queue_redrive_allow_policy",
        "aws_cloudwatch_event_rule",  # events of AWS services on the default bus are free
        "aws_cloudwatch_event_target",
        "aws_cloudwatch_log_stream",
        "aws_cloudwatch_log_resource_policy",
        "aws_cloudwatch_log_subscription_filter",
        "aws_cloudwatch_log_metric_filter",
        "aws_scheduler_schedule_group",
        "aws_wafv2_web_acl_association",
        "aws_wafv2_web_acl_logging_configuration",  # logs are billed where they land
        "aws_cloudfront_origin_access_control",
        "aws_cloudfront_origin_access_identity",
        "aws_cloudfront_cache_policy",
        "aws_cloudfront_origin_request_policy",
        "aws_cloudfront_response_headers_policy",
        "aws_glue_security_configuration",
        "aws_batch_job_queue",
        "aws_batch_job_definition",
        "aws_ecr_lifecycle_policy",
        "aws_ecr_repository_policy",
        "aws_appautoscaling_target",
        "aws_appautoscaling_policy",
        "aws_appautoscaling_scheduled_action",
        "aws_backup_vault",  # backups are billed by the GB stored
        "aws_ebs_encryption_by_default",
        "aws_volume_attachment",
        "aws_eip_association",
        "aws_flow_log_subscription",
        "aws_s3_object",  # its bytes are billed as the bucket's storage, on the bucket's line
        "aws_budgets_budget",  # budgets without actions are free (action budgets: their own type)
        "aws_backup_plan",  # backups are billed by the GB stored
        "aws_backup_selection",
        "aws_efs_mount_target",
        "aws_efs_access_point",
        "aws_efs_file_system_policy",
        "aws_efs_backup_policy",  # backups are billed by the GB stored
        "aws_eks_pod_identity_association",
        "aws_cognito_user_pool_client",  # users are billed on the user pool's line
        "aws_cognito_user_pool_domain",
        "aws_cognito_identity_provider",
        "aws_config_delivery_channel",  # items and evaluations are billed on the recorder and rules
        "aws_config_configuration_recorder_status",
        "aws_securityhub_standards_subscription",  # checks are billed on the account's line
        "aws_apprunner_auto_scaling_configuration_version",
        "aws_apprunner_observability_configuration",  # traces are billed by X-Ray
        "aws_apprunner_vpc_connector",
        "aws_appsync_datasource",  # requests are billed on the API's line
        "aws_appsync_resolver",
        "aws_sesv2_configuration_set",  # emails are billed on the identity's line
        "aws_sesv2_configuration_set_event_destination",
        "aws_ec2_client_vpn_authorization_rule",  # hours are billed on the endpoint and associations
        "aws_ec2_client_vpn_route",
        "aws_vpn_gateway",  # the hours are billed on the VPN connection
        "aws_vpn_gateway_attachment",
        "aws_vpn_gateway_route_propagation",
        "aws_vpn_connection_route",
        "aws_customer_gateway",
        "aws_glue_trigger",  # the runs it starts are billed on the jobs and crawlers
        "aws_ssm_document",
        "aws_db_proxy_default_target_group",  # billed on the proxy's line
        "aws_db_proxy_target",
    }
)

# Prefixes of whole families of free, configuration-only types.
FREE_PREFIXES: tuple[str, ...] = (
    "aws_iam_",
    "aws_default_",  # the default VPC's security group, route table, network ACL
    "aws_s3_bucket_",  # a bucket's policy, versioning, encryption, ... (not the bucket itself)
    "aws_s3_account_public_access_block",
    "aws_api_gateway_",  # resources, methods, stages, deployments of a REST API
    "aws_apigatewayv2_",  # routes, integrations, stages of an HTTP or WebSocket API
    "aws_vpc_security_group_",  # the newer ingress/egress rule resources
    "aws_networkfirewall_rule_group",
)

# Providers that create nothing in AWS.
LOCAL_PREFIXES: tuple[str, ...] = ("random_", "tls_", "null_", "time_", "local_", "terraform_data")


def is_free(resource_type: str, priced: frozenset[str]) -> bool:
    """True for a type AWS does not bill for itself; ``priced`` types are never free."""
    if resource_type in priced:
        return False
    return (
        resource_type in FREE_TYPES
        or resource_type.startswith(FREE_PREFIXES)
        or resource_type.startswith(LOCAL_PREFIXES)
    )
