"""Resources the moto server cannot create the way the real AWS provider asks for them.

Each entry is one resource type and what moto does wrong; the apply tests leave out that resource
(and whatever refers to it) and report it, instead of leaving out the whole design. Remove an
entry when moto learns the call: the tests then apply the resource like any other.
"""

from __future__ import annotations

import json

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
    "aws_elasticache_replication_group": (
        "moto creates no member clusters for a replication group (cluster mode or not), so "
        "DescribeCacheClusters for its first member, which the provider reads, answers 404"
    ),
    "aws_eks_pod_identity_association": "moto has no EKS CreatePodIdentityAssociation (HTTP 404)",
    "aws_budgets_budget": (
        "moto answers Budgets DescribeSubscribersForNotification with HTTP 500, which the "
        "provider reads after creating a budget with e-mail subscribers"
    ),
    "aws_batch_compute_environment": (
        "moto's Batch CreateComputeEnvironment refuses a request without serviceRole "
        "(ClientException), which AWS makes optional (it uses the Batch service-linked role)"
    ),
    "aws_appsync_datasource": "moto has no AppSync CreateDataSource (HTTP 404)",
    "aws_backup_selection": "moto has no AWS Backup CreateBackupSelection (HTTP 500)",
    "aws_vpn_connection_route": "moto has no EC2 CreateVpnConnectionRoute (HTTP 500)",
    "aws_vpn_gateway_route_propagation": "moto has no EC2 EnableVgwRoutePropagation (HTTP 500)",
    "aws_msk_cluster": (
        "moto's MSK CreateCluster leaves the cluster CREATING forever; the provider waits for "
        "ACTIVE"
    ),
    "aws_msk_serverless_cluster": (
        "moto's MSK CreateClusterV2 leaves the cluster CREATING forever; the provider waits for "
        "ACTIVE"
    ),
    "aws_securityhub_account": (
        "moto has no Security Hub UpdateSecurityHubConfiguration (HTTP 500), which the provider "
        "calls after EnableSecurityHub"
    ),
    "aws_redshiftserverless_": "moto has no Redshift Serverless (CreateNamespace: HTTP 500)",
}
# Gaps that hold only for some resources of a type: (type, attribute whose presence marks them).
# "attribute~text": the attribute is present and its value mentions text.
MOTO_PARTIAL_GAPS: dict[tuple[str, str], str] = {
    (
        "aws_vpc_security_group_ingress_rule",
        "referenced_security_group_id~cluster_security_group_id",
    ): (
        "moto's EKS clusters have no cluster security group (DescribeCluster leaves "
        "clusterSecurityGroupId empty), so AuthorizeSecurityGroupIngress from it is refused"
    ),
    ("aws_dynamodb_table", "replica"): (
        "moto ignores DynamoDB UpdateTable ReplicaUpdates (no global table replicas); the "
        "provider polls DescribeTable for the replica to be ACTIVE until it times out"
    ),
    ("aws_instance", "monitoring"): (
        "moto answers EC2 MonitorInstances with HTTP 500 (not implemented), which the provider "
        "calls after creating an instance with detailed monitoring"
    ),
}


def gap_of(rtype: str, attributes: dict[str, object]) -> str | None:
    """Why moto cannot create this resource, or None. Keys ending in "_" name a type prefix."""
    for key, why in MOTO_GAPS.items():
        if rtype == key or (key.endswith("_") and rtype.startswith(key)):
            return why
    for (gap_type, attribute), why in MOTO_PARTIAL_GAPS.items():
        name, _, mentions = attribute.partition("~")
        if rtype == gap_type and name in attributes and mentions in json.dumps(attributes[name]):
            return why
    return None


def gap_name(rtype: str, why: str) -> str:
    """How a left-out resource's gap is named in the results: its type, and for a partial gap
    the attribute that marks it ("aws_instance with monitoring")."""
    for (gap_type, attribute), reason in MOTO_PARTIAL_GAPS.items():
        if rtype == gap_type and why == reason:
            name, _, mentions = attribute.partition("~")
            return f"{rtype} with {name}" + (f" from {mentions}" if mentions else "")
    return rtype
