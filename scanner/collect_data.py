"""RDS instances and clusters, S3 buckets, ElastiCache clusters and replication groups, DynamoDB.

No secret is ever exported. A database whose master password lives in Secrets Manager keeps
``manage_master_user_password = true``; any other password is left out of the configuration and
ignored (``lifecycle { ignore_changes = [password] }``) so a plan never touches it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from autcloud.agent.hcl import Block
from autcloud.aws import error_code, tag_map
from autcloud.scanner.context import ScanContext
from autcloud.scanner.model import Found, Ref

_PASSWORD_NOTE = "the master password is not exported"
# AWS holds no value for skip_final_snapshot, and an import records true: written as such.
_SNAPSHOT_NOTE = (
    "skip_final_snapshot = true is what an import records; to keep a final snapshot on destroy,"
    " set false and final_snapshot_identifier (changes the state only)"
)


def _password(resource: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(arguments, ignore_changes) for a database's master password.

    ``manage_master_user_password`` is written as it is live, and ignored: the provider reads
    the secret, not the flag, so an import records no value for it.
    """
    if resource.get("MasterUserSecret"):
        return {"manage_master_user_password": True}, ("manage_master_user_password",)
    return {}, ("password",)


def collect_rds_instances(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("rds:db"):
        db, tags = resource.item, resource.tags or {}
        groups = [Ref(g["VpcSecurityGroupId"]) for g in db.get("VpcSecurityGroups", [])] or None
        aliases = {"vpc": resource.vpc_id} if resource.vpc_id else {}
        if db.get("DBClusterIdentifier"):
            cluster = Ref(_cluster_arn(db), literal=db["DBClusterIdentifier"])
            found.append(
                ctx.record(
                    "aws_rds_cluster_instance",
                    db,
                    tags=tags,
                    arguments={"cluster_identifier": cluster},
                    aliases=aliases,
                )
            )
            continue
        password, ignore = _password(db)
        found.append(
            ctx.record(
                "aws_db_instance",
                db,
                tags=tags,
                arguments={
                    **password,
                    "vpc_security_group_ids": groups,
                    "skip_final_snapshot": True,
                },
                ignore_changes=ignore,
                notes=(_PASSWORD_NOTE, _SNAPSHOT_NOTE),
                aliases=aliases,
            )
        )
    return found


def _cluster_arn(db: dict[str, Any]) -> str:
    prefix = db["DBInstanceArn"].rsplit(":db:", 1)[0]
    return f"{prefix}:cluster:{db['DBClusterIdentifier']}"


def collect_rds_clusters(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("rds:cluster"):
        cluster = resource.item
        password, ignore = _password(cluster)
        unrecorded: tuple[str, ...] = ()
        blocks: dict[str, Any] = {}
        scaling = {
            key: value
            for key, value in (cluster.get("ScalingConfigurationInfo") or {}).items()
            if value is not None
        }
        if scaling:  # Aurora Serverless v1
            blocks["scaling_configuration"] = Block(
                "",
                body={
                    "auto_pause": scaling.get("AutoPause"),
                    "max_capacity": scaling.get("MaxCapacity"),
                    "min_capacity": scaling.get("MinCapacity"),
                    "seconds_before_timeout": scaling.get("SecondsBeforeTimeout"),
                    "seconds_until_auto_pause": scaling.get("SecondsUntilAutoPause"),
                    "timeout_action": scaling.get("TimeoutAction"),
                },
            )
        elif "ScalingConfigurationInfo" in cluster:
            # Reported without values: the provider would fill in its defaults on adoption.
            unrecorded += ("scaling_configuration",)
        local_forwarding = {"enabled": True, "disabled": False}.get(
            str(cluster.get("LocalWriteForwardingStatus"))
        )
        # Written as they are live, and ignored: the provider does not read them back.
        unrecorded += ("enable_global_write_forwarding", "enable_local_write_forwarding")
        groups = [Ref(g["VpcSecurityGroupId"]) for g in cluster.get("VpcSecurityGroups", [])]
        found.append(
            ctx.record(
                "aws_rds_cluster",
                cluster,
                tags=resource.tags,
                arguments={
                    **password,
                    "vpc_security_group_ids": groups or None,
                    "enable_local_write_forwarding": local_forwarding,
                    "skip_final_snapshot": True,
                },
                blocks=blocks,
                ignore_changes=ignore,
                notes=(_PASSWORD_NOTE, _SNAPSHOT_NOTE),
                unrecorded=unrecorded,
            )
        )
    return found


def collect_s3_buckets(ctx: ScanContext) -> list[Found]:
    """Buckets whose home is the scanned region (ListBuckets lists every region's buckets)."""
    client = ctx.client("s3")
    buckets = ctx.resources("s3:bucket")

    def tags_of(name: str) -> dict[str, str]:
        try:
            return tag_map(client.get_bucket_tagging(Bucket=name).get("TagSet"))
        except ClientError as error:
            if error_code(error) != "NoSuchTagSet":
                raise
            return {}

    found = []
    names = [str(bucket.name) for bucket in buckets]
    for name, tags in zip(names, ctx.each(tags_of, names), strict=True):
        found.append(
            ctx.found(
                "aws_s3_bucket",
                f"arn:aws:s3:::{name}",
                imported_as=name,
                tags=tags,
                arguments={"bucket": name},
                aliases={
                    "regional_domain": f"{name}.s3.{ctx.region}.amazonaws.com",
                    "domain": f"{name}.s3.amazonaws.com",
                },
            )
        )
    return found


def _elasticache_tags(ctx: ScanContext, arns: list[str]) -> list[dict[str, str]]:
    client = ctx.client("elasticache")
    return ctx.each(
        lambda arn: tag_map(client.list_tags_for_resource(ResourceName=arn).get("TagList")), arns
    )


def collect_elasticache_clusters(ctx: ScanContext) -> list[Found]:
    clusters = [resource.item for resource in ctx.resources("elasticache:cluster")]
    tag_sets = _elasticache_tags(ctx, [cluster["ARN"] for cluster in clusters])
    found = []
    for cluster, tags in zip(clusters, tag_sets, strict=True):
        group = cluster.get("ReplicationGroupId")
        groups = [Ref(g["SecurityGroupId"]) for g in cluster.get("SecurityGroups", [])] or None
        found.append(
            ctx.record(
                "aws_elasticache_cluster",
                cluster,
                tags=tags,
                arguments={
                    "security_group_ids": groups,
                    # A string argument in the provider ("true"/"false").
                    "auto_minor_version_upgrade": str(cluster["AutoMinorVersionUpgrade"]).lower()
                    if "AutoMinorVersionUpgrade" in cluster
                    else None,
                },
                unrecorded=()
                if "AutoMinorVersionUpgrade" in cluster
                else ("auto_minor_version_upgrade",),
                skip_reason=(
                    f"a member of replication group {group}: managed through the group"
                    if group
                    else None
                ),
            )
        )
    return found


def collect_elasticache_replication_groups(ctx: ScanContext) -> list[Found]:
    groups = [resource.item for resource in ctx.resources("elasticache:replicationgroup")]
    tag_sets = _elasticache_tags(ctx, [group["ARN"] for group in groups])
    found = []
    for group, tags in zip(groups, tag_sets, strict=True):
        clustered = bool(group.get("ClusterEnabled"))
        node_groups = group.get("NodeGroups", [])
        members = group.get("MemberClusters", [])
        shape: dict[str, Any] = (
            {
                "num_node_groups": len(node_groups),
                "replicas_per_node_group": max(
                    len(node_groups[0].get("NodeGroupMembers", [])) - 1, 0
                )
                if node_groups
                else None,
            }
            if clustered
            else {"num_cache_clusters": len(members) or None}
        )
        found.append(
            ctx.record(
                "aws_elasticache_replication_group",
                group,
                tags=tags,
                arguments={
                    "description": group.get("Description") or group["ReplicationGroupId"],
                    **shape,
                    "automatic_failover_enabled": group.get("AutomaticFailover")
                    in {"enabled", "enabling"},
                    "multi_az_enabled": group.get("MultiAZ") == "enabled",
                },
                ignore_changes=("auth_token",) if group.get("AuthTokenEnabled") else (),
                notes=("the AUTH token is not exported",) if group.get("AuthTokenEnabled") else (),
            )
        )
    return found


def collect_dynamodb_tables(ctx: ScanContext) -> list[Found]:
    client = ctx.client("dynamodb")
    names = [str(resource.name) for resource in ctx.resources("dynamodb:table")]

    def details(name: str) -> tuple[dict[str, Any], dict[str, str]]:
        table = client.describe_table(TableName=name)["Table"]
        tags = tag_map(client.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags"))
        return table, tags

    return [_table(ctx, table, tags) for table, tags in ctx.each(details, names)]


def _table(ctx: ScanContext, table: dict[str, Any], tags: dict[str, str]) -> Found:
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    provisioned = billing == "PROVISIONED"
    throughput = table.get("ProvisionedThroughput") or {}
    keys = {item["KeyType"]: item["AttributeName"] for item in table["KeySchema"]}
    stream = table.get("StreamSpecification") or {}
    blocks: dict[str, Any] = {
        "attribute": [
            Block("", body={"name": a["AttributeName"], "type": a["AttributeType"]})
            for a in table.get("AttributeDefinitions", [])
        ]
    }
    indexes = [
        _index(index, provisioned, gsi=True) for index in table.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        blocks["global_secondary_index"] = indexes
    local = [_index(index, False, gsi=False) for index in table.get("LocalSecondaryIndexes", [])]
    if local:
        blocks["local_secondary_index"] = local
    return ctx.record(
        "aws_dynamodb_table",
        table,
        tags=tags,
        arguments={
            "billing_mode": billing,
            "hash_key": keys.get("HASH"),
            "range_key": keys.get("RANGE"),
            "read_capacity": throughput.get("ReadCapacityUnits") if provisioned else None,
            "write_capacity": throughput.get("WriteCapacityUnits") if provisioned else None,
            "stream_enabled": bool(stream.get("StreamEnabled")) or None,
            "stream_view_type": stream.get("StreamViewType")
            if stream.get("StreamEnabled")
            else None,
        },
        blocks=blocks,
    )


def _index(index: dict[str, Any], provisioned: bool, *, gsi: bool) -> Block:
    keys = {item["KeyType"]: item["AttributeName"] for item in index["KeySchema"]}
    projection = index.get("Projection") or {}
    throughput = index.get("ProvisionedThroughput") or {}
    body: dict[str, Any] = {
        "name": index["IndexName"],
        "hash_key": keys.get("HASH") if gsi else None,
        "range_key": keys.get("RANGE"),
        "projection_type": projection.get("ProjectionType", "ALL"),
        "non_key_attributes": projection.get("NonKeyAttributes"),
    }
    if gsi and provisioned:
        body["read_capacity"] = throughput.get("ReadCapacityUnits")
        body["write_capacity"] = throughput.get("WriteCapacityUnits")
    return Block("", body=body)
