"""Resources the moto server cannot create the way the real AWS provider asks for them.

Each entry is one resource type and what moto does wrong; the apply tests leave out that resource
(and whatever refers to it) and report it, instead of leaving out the whole design. Remove an
entry when moto learns the call: the tests then apply the resource like any other.
"""

from __future__ import annotations

MOTO_GAPS: dict[str, str] = {
    "aws_appautoscaling_target": (
        "moto answers Application Auto Scaling ListTagsForResource with HTTP 500 (not "
        "implemented), which the provider reads after creating the target"
    ),
    "aws_cloudfront_response_headers_policy": (
        "moto has no CloudFront CreateResponseHeadersPolicy (HTTP 404)"
    ),
    "aws_apigatewayv2_domain_name": (
        "moto returns the domain without a DomainNameStatus; the provider waits for AVAILABLE"
    ),
    "aws_apprunner_": "moto has no App Runner (every call fails)",
    "aws_ec2_client_vpn_endpoint": "moto answers CreateClientVpnEndpoint with HTTP 500",
    "aws_sesv2_configuration_set": (
        "moto's SESv2 GetConfigurationSet answer cannot be read by the provider"
    ),
    "aws_eks_addon": "moto has no EKS CreateAddon (HTTP 404)",
    "aws_efs_backup_policy": "moto answers EFS PutBackupPolicy with HTTP 500",
    "aws_iot_topic_rule": "moto answers IoT ListTagsForResource for topic rules with HTTP 500",
    "aws_sfn_state_machine": (
        "moto has no Step Functions ValidateStateMachineDefinition (HTTP 500), which the "
        "provider calls before creating a state machine"
    ),
    "aws_elasticache_serverless_cache": "moto has no ElastiCache serverless caches",
    "aws_budgets_budget": (
        "moto answers Budgets DescribeSubscribersForNotification with HTTP 500, which the "
        "provider reads after creating a budget with e-mail subscribers"
    ),
}
# Gaps that hold only for some resources of a type: (type, attribute whose presence marks them).
MOTO_PARTIAL_GAPS: dict[tuple[str, str], str] = {
    ("aws_elasticache_replication_group", "num_node_groups"): (
        "moto's DescribeCacheClusters does not know the member clusters of a cluster-mode "
        "replication group (HTTP 404)"
    ),
}


def gap_of(rtype: str, attributes: dict[str, object]) -> str | None:
    """Why moto cannot create this resource, or None. Keys ending in "_" name a type prefix."""
    for key, why in MOTO_GAPS.items():
        if rtype == key or (key.endswith("_") and rtype.startswith(key)):
            return why
    for (gap_type, attribute), why in MOTO_PARTIAL_GAPS.items():
        if rtype == gap_type and attribute in attributes:
            return why
    return None
