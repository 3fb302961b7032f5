"""Pricers for compute: EC2 instances and volumes, Auto Scaling, ECS on Fargate, EKS, Lambda,
Batch, App Runner."""

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
from autcloud.agent.cost.formulas import hourly_pricer

DEFAULT_ROOT_VOLUME_GB = 8.0  # what common Linux AMIs ask for when no size is given
DEFAULT_EKS_NODE_DISK_GB = 20.0  # the EKS managed node group default
DEFAULT_EKS_NODE_TYPE = "t3.medium"  # the EKS managed node group default


def instance_hour(ctx: PricingContext, instance_type: str) -> float:
    return ctx.listed_price("ec2_instance_hour", instance_type, "instance type")


def volume(
    ctx: PricingContext, attrs: Attrs | None, default_gb: float, default_type: str
) -> Priced:
    """One EBS volume described by ``size``/``volume_size``, ``type``/``volume_type``, extras."""
    size = default_gb
    kind = default_type
    iops = throughput = 0.0
    if attrs is not None:
        size = attrs.number("volume_size", attrs.number("size", default_gb))
        kind = attrs.text("volume_type", attrs.text("type", default_type))
        iops = attrs.number("iops", 0.0)
        throughput = attrs.number("throughput", 0.0)
    per_gb = ctx.listed_price("ebs_gb_month", kind, "EBS volume type")
    monthly = size * per_gb
    basis = f"{qty(size)} GB {kind} @ {usd(per_gb)}/GB-month"
    if kind == "gp3" and iops > 3000:
        per_iops = ctx.price("ebs_gp3_iops_month")
        monthly += (iops - 3000) * per_iops
        basis += f" + {qty(iops - 3000)} extra IOPS @ {usd(per_iops)}"
    if kind == "gp3" and throughput > 125:
        per_mbps = ctx.price("ebs_gp3_throughput_month")
        monthly += (throughput - 125) * per_mbps
        basis += f" + {qty(throughput - 125)} extra MB/s @ {usd(per_mbps)}"
    return Priced(monthly, basis)


def _servers(ctx: PricingContext, instance_type: str, count: float, disks: list[Priced]) -> Priced:
    hourly = instance_hour(ctx, instance_type)
    monthly = count * hourly * ctx.hours
    basis = f"{qty(count)} × {instance_type} × {qty(ctx.hours)} h @ {usd(hourly)}/h"
    for disk in disks:
        monthly += count * disk.monthly_usd
        basis += f" + {qty(count)} × {disk.basis}"
    return Priced(monthly, basis)


def price_instance(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    instance_type = attrs.required_text("instance_type")
    disks = [volume(ctx, attrs.block("root_block_device"), DEFAULT_ROOT_VOLUME_GB, "gp3")]
    disks += [
        volume(ctx, block, DEFAULT_ROOT_VOLUME_GB, "gp2")
        for block in attrs.blocks("ebs_block_device")
    ]
    return _servers(ctx, instance_type, 1, disks)


def price_ebs_volume(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    return volume(ctx, attrs, DEFAULT_ROOT_VOLUME_GB, "gp2")


def price_autoscaling_group(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    minimum = attrs.number("min_size", 0)
    count = attrs.number("desired_capacity", minimum)
    template = _launch_template(ctx, attrs)
    if template is None:
        raise NotPricedError("its launch template is not in this module")
    instance_type = template.required_text("instance_type")
    mappings = [m.block("ebs") for m in template.blocks("block_device_mappings")]
    disks = [volume(ctx, ebs, DEFAULT_ROOT_VOLUME_GB, "gp3") for ebs in mappings if ebs]
    if not disks:
        disks = [volume(ctx, None, DEFAULT_ROOT_VOLUME_GB, "gp3")]
        template.notes.append(f"root volume assumed {DEFAULT_ROOT_VOLUME_GB:g} GB gp3")
    priced = _servers(ctx, instance_type, count, disks)
    return Priced(priced.monthly_usd, f"{priced.basis} (desired capacity)")


def _launch_template(ctx: PricingContext, attrs: Attrs) -> Attrs | None:
    spec = attrs.block("launch_template")
    mixed = attrs.block("mixed_instances_policy")
    if spec is None and mixed is not None:
        inner = mixed.block("launch_template")
        spec = inner.block("launch_template_specification") if inner else None
    address = None
    if spec is not None:
        # launch_template { id } / launch_template_specification { launch_template_id }
        keys = ("id", "name", "launch_template_id", "launch_template_name")
        address = next((a for a in map(spec.reference, keys) if a), None)
    if address is None:
        return None
    return ctx.attrs(address, attrs.notes)


def price_ecs_service(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    launch_type = attrs.text("launch_type", "")
    providers = [
        p.text("capacity_provider", "") for p in attrs.blocks("capacity_provider_strategy")
    ]
    task = ctx.attrs(attrs.reference("task_definition") or "", attrs.notes)
    compatibilities = task.strings("requires_compatibilities") if task else None
    fargate = launch_type == "FARGATE" or any(p.startswith("FARGATE") for p in providers)
    if not launch_type and not providers and compatibilities and "FARGATE" in compatibilities:
        fargate = True
    if not fargate:
        return Priced(0.0, "tasks run on EC2 capacity priced on its own lines")
    desired = attrs.number("desired_count", 0)
    for target in ctx.referring("aws_appautoscaling_target", address):
        desired = max(desired, Attrs(target, ctx.resolver, attrs.notes).number("min_capacity", 0))
    if task is None:
        vcpu, memory_gb = ctx.usage.fargate_task_vcpu, ctx.usage.fargate_task_memory_gb
        attrs.notes.append("task definition not in this module; default task size assumed")
        architecture = "x86_64"
    else:
        vcpu = task.number("cpu", ctx.usage.fargate_task_vcpu * 1024) / 1024
        memory_gb = task.number("memory", ctx.usage.fargate_task_memory_gb * 1024) / 1024
        platform = task.block("runtime_platform")
        arm = platform is not None and platform.text("cpu_architecture", "X86_64") == "ARM64"
        architecture = "arm64" if arm else "x86_64"
    per_vcpu = ctx.price("fargate_vcpu_hour", architecture)
    per_gb = ctx.price("fargate_gb_hour", architecture)
    task_hourly = vcpu * per_vcpu + memory_gb * per_gb
    on_spot = _spot_tasks(attrs, desired) if "FARGATE_SPOT" in providers else 0.0
    monthly = (desired - on_spot) * task_hourly * ctx.hours
    basis = (
        f"{qty(desired - on_spot)} Fargate tasks ({architecture}) × ({qty(vcpu)} vCPU @ "
        f"{usd(per_vcpu)} + {qty(memory_gb)} GB @ {usd(per_gb)}) × {qty(ctx.hours)} h"
    )
    if on_spot:
        if ctx.table.has("fargate_spot_vcpu_hour", architecture):
            spot_vcpu = ctx.price("fargate_spot_vcpu_hour", architecture)
            spot_gb = ctx.price("fargate_spot_gb_hour", architecture)
        else:  # no Spot rate listed for this architecture
            spot_vcpu, spot_gb = per_vcpu, per_gb
            basis += "; Spot priced at on-demand rates (an upper bound)"
        monthly += on_spot * (vcpu * spot_vcpu + memory_gb * spot_gb) * ctx.hours
        basis += (
            f" + {qty(on_spot)} on Fargate Spot × ({qty(vcpu)} vCPU @ {usd(spot_vcpu)}"
            f" + {qty(memory_gb)} GB @ {usd(spot_gb)}) × {qty(ctx.hours)} h"
        )
    return Priced(monthly, basis)


def _spot_tasks(attrs: Attrs, desired: float) -> float:
    """How many of ``desired`` tasks the capacity provider strategy puts on Fargate Spot: the
    base goes first, the rest splits by weight."""
    weights: dict[str, float] = {}
    base = {"FARGATE": 0.0, "FARGATE_SPOT": 0.0}
    for strategy in attrs.blocks("capacity_provider_strategy"):
        provider = strategy.text("capacity_provider", "")
        weights[provider] = strategy.number("weight", 0)
        base[provider] = strategy.number("base", 0)
    on_demand_base = min(desired, base.get("FARGATE", 0.0))
    spot_base = min(desired - on_demand_base, base.get("FARGATE_SPOT", 0.0))
    rest = desired - on_demand_base - spot_base
    total = weights.get("FARGATE", 0.0) + weights.get("FARGATE_SPOT", 0.0)
    share = weights.get("FARGATE_SPOT", 0.0) / total if total else 0.0
    return spot_base + rest * share


def price_eks_node_group(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    types = attrs.strings("instance_types") or [DEFAULT_EKS_NODE_TYPE]
    scaling = attrs.block("scaling_config")
    count = 1.0
    if scaling is not None:
        count = scaling.number("desired_size", scaling.number("min_size", 1))
    disk = volume(ctx, None, attrs.number("disk_size", DEFAULT_EKS_NODE_DISK_GB), "gp3")
    priced = _servers(ctx, types[0], count, [disk])
    if attrs.text("capacity_type", "ON_DEMAND") == "SPOT":
        return Priced(priced.monthly_usd, f"{priced.basis}; Spot priced on-demand (upper bound)")
    return priced


def price_lambda_function(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    usage = ctx.usage
    invocations = usage.lambda_invocations_per_month * ctx.share("aws_lambda_function")
    if "memory_size" in attrs.raw:
        memory_mb = attrs.number("memory_size", usage.lambda_memory_mb)
    else:
        memory_mb = 128.0  # the provider's default
    architectures = attrs.strings("architectures") or ["x86_64"]
    architecture = "arm64" if "arm64" in architectures else "x86_64"
    gb_seconds = invocations * usage.lambda_average_duration_ms / 1000 * memory_mb / 1024
    per_million = ctx.price("lambda_request_million")
    per_gb_second = ctx.price("lambda_gb_second", architecture)
    monthly = invocations / 1e6 * per_million + gb_seconds * per_gb_second
    basis = (
        f"{qty(invocations)} invocations @ {usd(per_million)}/M + {qty(invocations)} × "
        f"{qty(usage.lambda_average_duration_ms)} ms × {qty(memory_mb)} MB ({architecture}) "
        f"= {qty(gb_seconds)} GB-s @ {usd(per_gb_second)}"
    )
    return Priced(monthly, basis)


def price_batch_compute_environment(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    resources = attrs.block("compute_resources")
    kind = resources.text("type", "EC2") if resources else "FARGATE"
    vcpu_hours = ctx.usage.batch_vcpu_hours_per_month * ctx.share("aws_batch_compute_environment")
    if kind.startswith("FARGATE"):
        per_vcpu = ctx.price("fargate_vcpu_hour", "x86_64")
        per_gb = ctx.price("fargate_gb_hour", "x86_64")
        hourly = per_vcpu + 2 * per_gb  # Batch on Fargate: 2 GB per vCPU assumed
        return Priced(
            vcpu_hours * hourly,
            f"{qty(vcpu_hours)} vCPU-h on Fargate (2 GB per vCPU) @ {usd(hourly)}/vCPU-h",
        )
    minimum = resources.number("min_vcpus", 0) * ctx.hours if resources else 0.0
    hours = max(vcpu_hours, minimum)
    per_vcpu = ctx.price("ec2_vcpu_hour_general_purpose")
    return Priced(
        hours * per_vcpu,
        f"{qty(hours)} vCPU-h on EC2 (the larger of usage and min_vcpus) @ {usd(per_vcpu)}/vCPU-h",
    )


def price_apprunner_service(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    """Provisioned instances pay for memory all month; vCPUs (and memory) too while serving."""
    config = attrs.block("instance_configuration")
    vcpu = (config.number("cpu", 1024) if config else 1024) / 1024
    memory_gb = (config.number("memory", 2048) if config else 2048) / 1024
    scaling = ctx.attrs(attrs.reference("auto_scaling_configuration_arn") or "", attrs.notes)
    instances = scaling.number("min_size", 1) if scaling else 1.0
    active = ctx.usage.apprunner_active_hours_per_month
    per_vcpu = ctx.price("apprunner_vcpu_hour")
    per_gb = ctx.price("apprunner_gb_hour")
    monthly = instances * (memory_gb * per_gb * ctx.hours + vcpu * per_vcpu * active)
    return Priced(
        monthly,
        f"{qty(instances)} instances × ({qty(memory_gb)} GB × {qty(ctx.hours)} h @ {usd(per_gb)}"
        f"/GB-h + {qty(vcpu)} vCPU × {qty(active)} h active @ {usd(per_vcpu)}/vCPU-h)",
    )


def _function_of(ctx: PricingContext, attrs: Attrs) -> Attrs | None:
    """The function a provisioned-concurrency config or alias names, through an alias."""
    address = attrs.reference("function_name")
    for _ in range(2):
        found = ctx.attrs(address or "", attrs.notes)
        if found is None or address is None or address.startswith("aws_lambda_function."):
            return found
        address = found.reference("function_name")
    return None


def price_lambda_provisioned_concurrency(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    executions = attrs.number("provisioned_concurrent_executions", 1)
    function = _function_of(ctx, attrs)
    if function is None:
        memory_mb = float(ctx.usage.lambda_memory_mb)
        attrs.notes.append(f"function not found; {memory_mb:g} MB assumed")
        architecture = "x86_64"
    else:
        memory_mb = function.number("memory_size", 128.0)
        architecture = "arm64" if "arm64" in (function.strings("architectures") or []) else "x86_64"
    gb_seconds = executions * memory_mb / 1024 * ctx.hours * 3600
    per_gb_second = ctx.price("lambda_provisioned_concurrency_gb_second", architecture)
    return Priced(
        gb_seconds * per_gb_second,
        f"{qty(executions)} warm executions × {qty(memory_mb)} MB ({architecture}) × "
        f"{qty(ctx.hours)} h = {qty(gb_seconds)} GB-s @ {usd(per_gb_second)}"
        " (invocations on the function's line)",
    )


COMPUTE_PRICERS: dict[str, Pricer] = {
    "aws_instance": price_instance,
    "aws_ebs_volume": price_ebs_volume,
    "aws_autoscaling_group": price_autoscaling_group,
    "aws_ecs_service": price_ecs_service,
    "aws_eks_cluster": hourly_pricer("eks_cluster_hour", "control plane"),
    "aws_eks_node_group": price_eks_node_group,
    "aws_lambda_function": price_lambda_function,
    "aws_batch_compute_environment": price_batch_compute_environment,
    "aws_eip": hourly_pricer("public_ipv4_hour", "public IPv4"),
    "aws_apprunner_service": price_apprunner_service,
    "aws_lambda_provisioned_concurrency_config": price_lambda_provisioned_concurrency,
}
