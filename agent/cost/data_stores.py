"""Pricers for data stores: RDS, Aurora, RDS Proxy, ElastiCache, DynamoDB, S3, EFS, ECR,
OpenSearch, MSK, Amazon MQ, Redshift Serverless."""

from __future__ import annotations

from autcloud.agent.cost.context import (
    Attrs,
    NotPricedError,
    Priced,
    Pricer,
    PricingContext,
    qty,
    usd,
)
from autcloud.agent.cost.formulas import usage_pricer

DEFAULT_RDS_STORAGE_TYPE = "gp2"  # the RDS API default when storage_type is not given
MULTI_AZ_CLUSTER_INSTANCES = 3  # a Multi-AZ DB cluster (non-Aurora) runs one writer, two readers


def _rds_hourly(ctx: PricingContext, instance_class: str, kind: str = "rds_instance_hour") -> float:
    return ctx.listed_price(kind, instance_class, "instance class", naming_kind=True)


def price_db_instance(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    instance_class = attrs.required_text("instance_class")
    multi_az = attrs.flag("multi_az", False)
    copies = 2 if multi_az else 1
    deployment = "Multi-AZ" if multi_az else "Single-AZ"
    hourly = _rds_hourly(ctx, instance_class)
    if "allocated_storage" in attrs.raw:
        storage_gb = attrs.number("allocated_storage", ctx.usage.database_storage_gb)
    else:
        storage_gb = ctx.usage.database_storage_gb
        attrs.notes.append(f"allocated_storage not set; assumed {storage_gb:g} GB")
    storage_type = attrs.text("storage_type", DEFAULT_RDS_STORAGE_TYPE)
    per_gb = ctx.listed_price("rds_storage_gb_month", storage_type, "RDS storage type")
    compute = copies * hourly * ctx.hours
    storage = copies * storage_gb * per_gb
    basis = (
        f"{copies} × {instance_class} {deployment} × {qty(ctx.hours)} h @ {usd(hourly)}/h"
        f" + {copies} × {qty(storage_gb)} GB {storage_type} @ {usd(per_gb)}/GB-month"
    )
    engine = attrs.text("engine", "postgres")
    if engine.startswith(("oracle", "sqlserver")):
        basis += f"; {engine} priced as an open-source engine (licence not included)"
    return Priced(compute + storage, basis)


def _is_aurora(attrs: Attrs) -> bool:
    return attrs.text("engine", "aurora").startswith("aurora")


def price_rds_cluster(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    if not _is_aurora(attrs):
        # A Multi-AZ DB cluster: the instances are part of the cluster resource itself.
        instance_class = attrs.required_text("db_cluster_instance_class")
        hourly = _rds_hourly(ctx, instance_class)
        storage_gb = attrs.number("allocated_storage", ctx.usage.database_storage_gb)
        per_gb = ctx.price("rds_storage_gb_month", attrs.text("storage_type", "gp3"))
        n = MULTI_AZ_CLUSTER_INSTANCES
        return Priced(
            n * (hourly * ctx.hours + storage_gb * per_gb),
            f"Multi-AZ DB cluster: {n} × ({instance_class} × {qty(ctx.hours)} h @ {usd(hourly)}/h"
            f" + {qty(storage_gb)} GB @ {usd(per_gb)}/GB-month)",
        )
    share = ctx.share("aws_rds_cluster")
    storage_gb = ctx.usage.database_storage_gb
    io_million = ctx.usage.aurora_io_requests_per_month * share / 1e6
    per_gb = ctx.price("aurora_storage_gb_month")
    per_io = ctx.price("aurora_io_million")
    basis = (
        f"Aurora storage {qty(storage_gb)} GB @ {usd(per_gb)}/GB-month"
        f" + {qty(io_million)}M I/O @ {usd(per_io)}/M; instances on their own lines"
    )
    if attrs.text("storage_type", "") == "aurora-iopt1":
        basis += "; I/O-Optimized priced as Aurora Standard"
    return Priced(storage_gb * per_gb + io_million * per_io, basis)


def price_rds_cluster_instance(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    instance_class = attrs.required_text("instance_class")
    if instance_class != "db.serverless":
        hourly = _rds_hourly(ctx, instance_class, "aurora_instance_hour")
        return Priced(
            hourly * ctx.hours,
            f"Aurora {instance_class} × {qty(ctx.hours)} h @ {usd(hourly)}/h",
        )
    cluster = ctx.attrs(attrs.reference("cluster_identifier") or "", attrs.notes)
    scaling = cluster.block("serverlessv2_scaling_configuration") if cluster else None
    if scaling is None:
        attrs.notes.append("cluster scaling not found; assumed 0.5-2 ACU")
        low, high = 0.5, 2.0
    else:
        low = scaling.number("min_capacity", 0.5)
        high = scaling.number("max_capacity", max(low, 2.0))
    average = low + ctx.usage.aurora_acu_utilisation * (high - low)
    per_acu = ctx.price("aurora_serverless_v2_acu_hour")
    return Priced(
        average * per_acu * ctx.hours,
        f"Serverless v2 average {qty(average)} ACU ({qty(low)}-{qty(high)}) × {qty(ctx.hours)} h"
        f" @ {usd(per_acu)}/ACU-h",
    )


def _cache_nodes(ctx: PricingContext, node_type: str, nodes: float, what: str) -> Priced:
    hourly = ctx.listed_price("elasticache_node_hour", node_type, "node type")
    return Priced(
        nodes * hourly * ctx.hours,
        f"{qty(nodes)} × {node_type} {what} × {qty(ctx.hours)} h @ {usd(hourly)}/h",
    )


def price_elasticache_replication_group(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    node_type = attrs.required_text("node_type")
    if "num_node_groups" in attrs.raw:
        shards = attrs.number("num_node_groups", 1)
        replicas = attrs.number("replicas_per_node_group", 0)
        return _cache_nodes(
            ctx, node_type, shards * (replicas + 1), f"nodes ({qty(shards)} shards)"
        )
    return _cache_nodes(ctx, node_type, attrs.number("num_cache_clusters", 1), "nodes")


def price_elasticache_cluster(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    if "replication_group_id" in attrs.raw:
        return Priced(0.0, "member of a replication group priced on the group's line")
    node_type = attrs.required_text("node_type")
    return _cache_nodes(ctx, node_type, attrs.number("num_cache_nodes", 1), "nodes")


def price_elasticache_serverless(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    share = ctx.share("aws_elasticache_serverless_cache")
    stored = max(1.0, ctx.usage.elasticache_serverless_gb * share)
    ecpu_million = ctx.usage.requests_per_month * share / 1e6  # one ECPU per request
    per_gb_hour = ctx.price("elasticache_serverless_gb_hour")
    per_ecpu = ctx.price("elasticache_serverless_ecpu_million")
    return Priced(
        stored * per_gb_hour * ctx.hours + ecpu_million * per_ecpu,
        f"{qty(stored)} GB × {qty(ctx.hours)} h @ {usd(per_gb_hour)}/GB-h"
        f" + {qty(ecpu_million)}M ECPU @ {usd(per_ecpu)}/M",
    )


def price_dynamodb_table(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    share = ctx.share("aws_dynamodb_table")
    storage_gb = ctx.usage.dynamodb_storage_gb * share
    per_gb = ctx.price("dynamodb_storage_gb_month")
    storage = storage_gb * per_gb
    storage_basis = f"{qty(storage_gb)} GB @ {usd(per_gb)}/GB-month"
    if attrs.text("billing_mode", "PROVISIONED") == "PAY_PER_REQUEST":
        reads = ctx.usage.dynamodb_reads_per_month * share / 1e6
        writes = ctx.usage.dynamodb_writes_per_month * share / 1e6
        per_read = ctx.price("dynamodb_read_request_million")
        per_write = ctx.price("dynamodb_write_request_million")
        return Priced(
            reads * per_read + writes * per_write + storage,
            f"on-demand {qty(reads)}M reads @ {usd(per_read)}/M + {qty(writes)}M writes"
            f" @ {usd(per_write)}/M + {storage_basis}",
        )
    rcu = attrs.number("read_capacity", 0)
    wcu = attrs.number("write_capacity", 0)
    for index in attrs.blocks("global_secondary_index"):
        rcu += index.number("read_capacity", 0)
        wcu += index.number("write_capacity", 0)
    per_rcu = ctx.price("dynamodb_rcu_hour")
    per_wcu = ctx.price("dynamodb_wcu_hour")
    return Priced(
        (rcu * per_rcu + wcu * per_wcu) * ctx.hours + storage,
        f"provisioned ({qty(rcu)} RCU @ {usd(per_rcu)} + {qty(wcu)} WCU @ {usd(per_wcu)})"
        f" × {qty(ctx.hours)} h + {storage_basis}",
    )


def price_s3_bucket(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    share = ctx.share("aws_s3_bucket")
    stored = ctx.usage.s3_storage_gb * share
    puts = ctx.usage.s3_put_requests_per_month * share
    gets = ctx.usage.s3_get_requests_per_month * share
    per_gb = ctx.price("s3_standard_gb_month")
    per_put = ctx.price("s3_put_request_thousand")
    per_get = ctx.price("s3_get_request_thousand")
    return Priced(
        stored * per_gb + puts / 1000 * per_put + gets / 1000 * per_get,
        f"{qty(stored)} GB Standard @ {usd(per_gb)}/GB-month + {qty(puts)} PUT @ {usd(per_put)}"
        f"/1,000 + {qty(gets)} GET @ {usd(per_get)}/1,000",
    )


def price_opensearch_domain(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    cluster = attrs.block("cluster_config")
    if cluster is None:
        raise NotPricedError("cluster_config is not set")
    instance_type = cluster.required_text("instance_type")
    nodes = cluster.number("instance_count", 1)
    hourly = ctx.listed_price(
        "opensearch_instance_hour", instance_type, "instance type", naming_kind=True
    )
    monthly = nodes * hourly * ctx.hours
    basis = f"{qty(nodes)} × {instance_type} × {qty(ctx.hours)} h @ {usd(hourly)}/h"
    if cluster.flag("dedicated_master_enabled", False):
        master_type = cluster.required_text("dedicated_master_type")
        masters = cluster.number("dedicated_master_count", 3)
        per_master = ctx.listed_price(
            "opensearch_instance_hour", master_type, "instance type", naming_kind=True
        )
        monthly += masters * per_master * ctx.hours
        basis += f" + {qty(masters)} × {master_type} masters @ {usd(per_master)}/h"
    ebs = attrs.block("ebs_options")
    if ebs is not None and ebs.flag("ebs_enabled", True):
        size = ebs.number("volume_size", 10)
        volume_type = ebs.text("volume_type", "gp2")
        per_gb = ctx.listed_price(
            "opensearch_storage_gb_month", volume_type, "OpenSearch volume type"
        )
        monthly += nodes * size * per_gb
        basis += f" + {qty(nodes)} × {qty(size)} GB {volume_type} @ {usd(per_gb)}/GB-month"
    if cluster.flag("warm_enabled", False):
        basis += "; UltraWarm nodes not estimated"
    return Priced(monthly, basis)


def price_msk_cluster(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    brokers = attrs.number("number_of_broker_nodes", 3)
    group = attrs.block("broker_node_group_info")
    if group is None:
        raise NotPricedError("broker_node_group_info is not set")
    instance_type = group.required_text("instance_type")
    hourly = ctx.listed_price("msk_broker_hour", instance_type, "broker type", naming_kind=True)
    storage = group.block("storage_info")
    ebs = storage.block("ebs_storage_info") if storage else None
    size = ebs.number("volume_size", 1000) if ebs else group.number("ebs_volume_size", 1000)
    per_gb = ctx.price("msk_storage_gb_month")
    basis = (
        f"{qty(brokers)} × {instance_type} × {qty(ctx.hours)} h @ {usd(hourly)}/h"
        f" + {qty(brokers)} × {qty(size)} GB @ {usd(per_gb)}/GB-month"
    )
    if ebs is not None and ebs.block("provisioned_throughput") is not None:
        basis += "; provisioned storage throughput not estimated"
    return Priced(brokers * (hourly * ctx.hours + size * per_gb), basis)


def price_msk_serverless_cluster(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    share = ctx.share("aws_msk_serverless_cluster")
    partitions = ctx.usage.msk_serverless_partitions * share
    gb = ctx.usage.stream_gb_per_month * share  # written once, read once, kept a month
    cluster = ctx.price("msk_serverless_cluster_hour")
    partition = ctx.price("msk_serverless_partition_hour")
    gb_in = ctx.price("msk_serverless_gb_in")
    gb_out = ctx.price("msk_serverless_gb_out")
    stored = ctx.price("msk_serverless_storage_gb_month")
    return Priced(
        (cluster + partitions * partition) * ctx.hours + gb * (gb_in + gb_out + stored),
        f"cluster × {qty(ctx.hours)} h @ {usd(cluster)}/h + {qty(partitions)} partitions"
        f" @ {usd(partition)}/partition-h + {qty(gb)} GB in @ {usd(gb_in)}, out @ {usd(gb_out)},"
        f" stored @ {usd(stored)}/GB-month",
    )


_MQ_BROKERS = {"SINGLE_INSTANCE": 1, "ACTIVE_STANDBY_MULTI_AZ": 2, "CLUSTER_MULTI_AZ": 3}


def price_mq_broker(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    instance_type = attrs.required_text("host_instance_type")
    mode = attrs.text("deployment_mode", "SINGLE_INSTANCE")
    brokers = _MQ_BROKERS.get(mode, 1)
    hourly = ctx.listed_price("mq_broker_hour", instance_type, "broker type", naming_kind=True)
    engine = attrs.text("engine_type", "ActiveMQ")
    default_storage = "ebs" if engine == "RabbitMQ" else "efs"
    storage_type = attrs.text("storage_type", default_storage).lower()
    per_gb = ctx.listed_price("mq_storage_gb_month", storage_type, "Amazon MQ storage type")
    stored = ctx.usage.mq_storage_gb * ctx.share("aws_mq_broker")
    return Priced(
        brokers * hourly * ctx.hours + stored * per_gb,
        f"{brokers} × {instance_type} ({engine}, {mode}) × {qty(ctx.hours)} h @ {usd(hourly)}/h"
        f" + {qty(stored)} GB {storage_type.upper()} @ {usd(per_gb)}/GB-month",
    )


def price_redshift_serverless_workgroup(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    rpus = attrs.number("base_capacity", 128)  # the service default
    hours = ctx.usage.redshift_serverless_hours_per_month * ctx.share(
        "aws_redshiftserverless_workgroup"
    )
    per_rpu = ctx.price("redshift_serverless_rpu_hour")
    return Priced(
        rpus * hours * per_rpu,
        f"{qty(rpus)} RPU (base capacity) × {qty(hours)} h of queries @ {usd(per_rpu)}/RPU-h",
    )


_SIZE_VCPUS = {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4}
PROXY_MIN_VCPUS = 2
PROXY_MIN_ACUS = 8


def class_vcpus(instance_class: str) -> float | None:
    """vCPUs of a db./cache. class from its size (large: 2, xlarge: 4, 8xlarge: 32); None if odd."""
    size = instance_class.rsplit(".", 1)[-1]
    if size in _SIZE_VCPUS:
        return float(_SIZE_VCPUS[size])
    if size.endswith("xlarge") and size[: -len("xlarge")].isdigit():
        return 4.0 * int(size[: -len("xlarge")])
    return None


def price_db_proxy(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    """RDS Proxy bills the vCPUs (Aurora Serverless v2: the ACUs) of the databases behind it."""
    targets = [
        Attrs(raw, ctx.resolver, attrs.notes)
        for raw in ctx.referring("aws_db_proxy_target", address)
    ]
    per_unit = ctx.price("rds_proxy_vcpu_hour")
    vcpus = acus = 0.0
    for target in targets:
        cluster = target.reference("db_cluster_identifier")
        instance = target.reference("db_instance_identifier")
        addresses: list[str] = []
        if cluster:
            addresses = list(ctx.referring_addresses("aws_rds_cluster_instance", cluster))
        elif instance:
            addresses = [instance]
        for member_address in addresses:
            member = ctx.attrs(member_address, attrs.notes)
            if member is None:
                continue
            instance_class = member.text("instance_class", "")
            if instance_class == "db.serverless":
                acus = PROXY_MIN_ACUS  # Aurora Serverless v2: billed by ACU, 8 at least
            else:
                copies = ctx.instances.get(member_address, 1)  # count = 3: three instances
                vcpus += copies * (class_vcpus(instance_class) or PROXY_MIN_VCPUS)
    if not vcpus and not acus:
        attrs.notes.append(f"target database not found; {PROXY_MIN_VCPUS} vCPUs assumed")
        vcpus = PROXY_MIN_VCPUS
    vcpus = max(vcpus, PROXY_MIN_VCPUS) if vcpus else 0.0
    units = vcpus + acus
    what = " + ".join(
        part
        for part in (f"{qty(vcpus)} vCPUs" if vcpus else "", f"{qty(acus)} ACUs" if acus else "")
        if part
    )
    return Priced(
        units * per_unit * ctx.hours,
        f"{what} behind the proxy × {qty(ctx.hours)} h @ {usd(per_unit)}/h"
        + (f" (Serverless v2: the {PROXY_MIN_ACUS}-ACU minimum)" if acus else ""),
    )


DATA_STORE_PRICERS: dict[str, Pricer] = {
    "aws_db_instance": price_db_instance,
    "aws_rds_cluster": price_rds_cluster,
    "aws_rds_cluster_instance": price_rds_cluster_instance,
    "aws_elasticache_replication_group": price_elasticache_replication_group,
    "aws_elasticache_cluster": price_elasticache_cluster,
    "aws_elasticache_serverless_cache": price_elasticache_serverless,
    "aws_dynamodb_table": price_dynamodb_table,
    "aws_s3_bucket": price_s3_bucket,
    "aws_efs_file_system": usage_pricer(
        "efs_storage_gb", "efs_standard_gb_month", "GB Standard", "/GB-month"
    ),
    "aws_ecr_repository": usage_pricer(
        "ecr_storage_gb", "ecr_storage_gb_month", "GB of images", "/GB-month"
    ),
    "aws_opensearch_domain": price_opensearch_domain,
    "aws_msk_cluster": price_msk_cluster,
    "aws_msk_serverless_cluster": price_msk_serverless_cluster,
    "aws_mq_broker": price_mq_broker,
    "aws_redshiftserverless_workgroup": price_redshift_serverless_workgroup,
    "aws_redshiftserverless_namespace": usage_pricer(
        "database_storage_gb",
        "redshift_managed_storage_gb_month",
        "GB managed storage",
        "/GB-month",
    ),
    "aws_db_proxy": price_db_proxy,
}
