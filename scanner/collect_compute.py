"""EC2 instances, Auto Scaling groups, Lambda functions, ECS clusters and services, EKS clusters."""

from __future__ import annotations

from typing import Any

from autcloud.agent.hcl import Block
from autcloud.aws import pages, tag_map
from autcloud.scanner.context import ScanContext
from autcloud.scanner.model import Found, Ref


def collect_instances(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("ec2:instance"):
        instance, tags = resource.item, resource.tags or {}
        group = tags.get("aws:autoscaling:groupName")
        arguments: dict[str, Any] = {
            "subnet_id": Ref(instance["SubnetId"]) if instance.get("SubnetId") else None,
            "vpc_security_group_ids": [
                Ref(g["GroupId"]) for g in instance.get("SecurityGroups", [])
            ]
            or None,
            "iam_instance_profile": _profile_name(instance),
        }
        tokens = instance.get("MetadataOptions", {}).get("HttpTokens")
        blocks = {"metadata_options": Block("", body={"http_tokens": tokens})} if tokens else {}
        found.append(
            ctx.record(
                "aws_instance",
                instance,
                tags=tags,
                arguments=arguments,
                blocks=blocks,
                ignore_changes=("user_data", "user_data_base64"),
                notes=("user data is not exported (it may hold secrets)",),
                skip_reason=(
                    f"launched by Auto Scaling group {group}: managed through the group"
                    if group
                    else None
                ),
            )
        )
    return found


def _profile_name(instance: dict[str, Any]) -> str | None:
    arn = instance.get("IamInstanceProfile", {}).get("Arn")
    return str(arn).rsplit("/", 1)[-1] if arn else None


def collect_autoscaling_groups(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("autoscaling:autoScalingGroup"):
        group, tags = resource.item, resource.tags or {}
        propagate = {t["Key"]: bool(t.get("PropagateAtLaunch")) for t in group.get("Tags", [])}
        subnets = [s for s in (group.get("VPCZoneIdentifier") or "").split(",") if s]
        arguments: dict[str, Any] = {
            "vpc_zone_identifier": [Ref(subnet) for subnet in subnets] or None,
            "availability_zones": None if subnets else group.get("AvailabilityZones"),
            "target_group_arns": [Ref(arn, "arn") for arn in group.get("TargetGroupARNs", [])]
            or None,
        }
        blocks: dict[str, Any] = {}
        unrecorded: tuple[str, ...] = ()
        reservation = (group.get("CapacityReservationSpecification") or {}).get(
            "CapacityReservationPreference"
        )
        if reservation:
            blocks["capacity_reservation_specification"] = Block(
                "", body={"capacity_reservation_preference": reservation}
            )
        else:  # not reported: the provider would otherwise plan its own empty preference
            unrecorded = ("capacity_reservation_specification",)
        skip = None
        if group.get("LaunchTemplate"):
            template = group["LaunchTemplate"]
            blocks["launch_template"] = Block(
                "",
                body={"id": template["LaunchTemplateId"], "version": template.get("Version")},
            )
        elif group.get("LaunchConfigurationName"):
            arguments["launch_configuration"] = group["LaunchConfigurationName"]
        else:
            skip = "uses a mixed instances policy, which the exporter does not write yet"
        blocks["tag"] = [
            Block("", body={"key": k, "value": v, "propagate_at_launch": propagate.get(k, False)})
            for k, v in sorted(tags.items())
            if not k.startswith("aws:")
        ]
        found.append(
            ctx.record(
                "aws_autoscaling_group",
                group,
                tags=tags,
                arguments=arguments,
                blocks=blocks,
                taggable=False,  # tags are `tag` blocks, written above
                skip_reason=skip,
                unrecorded=unrecorded,
            )
        )
    return found


def collect_lambda_functions(ctx: ScanContext) -> list[Found]:
    client = ctx.client("lambda")
    functions = [resource.item for resource in ctx.resources("lambda:function")]
    tag_sets = ctx.each(
        lambda f: client.list_tags(Resource=f["FunctionArn"]).get("Tags", {}), functions
    )
    found = []
    for function, tags in zip(functions, tag_sets, strict=True):
        image = function.get("PackageType") == "Image"
        arguments: dict[str, Any] = {
            "description": function.get("Description") or None,
            "package_type": function.get("PackageType", "Zip"),
            "handler": None if image else function.get("Handler"),
            "runtime": None if image else function.get("Runtime"),
            "layers": [layer["Arn"] for layer in function.get("Layers", [])] or None,
        }
        ignore = ["environment"]
        if image:
            image_uri = client.get_function(FunctionName=function["FunctionName"]).get("Code", {})
            arguments["image_uri"] = image_uri.get("ImageUri")
        else:
            # The code is not downloaded: the deployed package stays as it is (see docs).
            arguments["filename"] = f"lambda/{function['FunctionName']}.zip"
            ignore += ["filename", "source_code_hash"]
        blocks: dict[str, Any] = {}
        vpc = function.get("VpcConfig") or {}
        if vpc.get("SubnetIds"):
            blocks["vpc_config"] = Block(
                "",
                body={
                    "subnet_ids": [Ref(s) for s in vpc["SubnetIds"]],
                    "security_group_ids": [Ref(g) for g in vpc.get("SecurityGroupIds", [])],
                },
            )
        found.append(
            ctx.record(
                "aws_lambda_function",
                function,
                tags=tags,
                arguments=arguments,
                blocks=blocks,
                ignore_changes=tuple(ignore),
                notes=(
                    "code is not exported: the deployed package stays in place",
                    "environment variables are not exported (they may hold secrets)",
                ),
            )
        )
    return found


def collect_ecs(ctx: ScanContext) -> list[Found]:
    """Clusters, then the services of each cluster (services are named per cluster)."""
    client = ctx.client("ecs")
    arns = [resource.arn for resource in ctx.resources("ecs:cluster")]
    clusters: list[dict[str, Any]] = []
    for start in range(0, len(arns), 100):  # DescribeClusters takes up to 100 clusters
        answer = client.describe_clusters(
            clusters=arns[start : start + 100], include=["TAGS", "SETTINGS"]
        )
        clusters.extend(answer.get("clusters", []))
    found: list[Found] = []
    for cluster in clusters:
        tags = tag_map(cluster.get("tags"), "key", "value")
        settings = [
            Block("", body={"name": s["name"], "value": s["value"]})
            for s in cluster.get("settings", [])
        ]
        found.append(
            ctx.record(
                "aws_ecs_cluster",
                cluster,
                tags=tags,
                blocks={"setting": settings} if settings else {},
            )
        )
    for services in ctx.each(lambda c: _ecs_services(ctx, c), clusters):
        found.extend(services)
    return found


def _ecs_services(ctx: ScanContext, cluster: dict[str, Any]) -> list[Found]:
    client = ctx.client("ecs")
    arns = list(pages(client, "list_services", "serviceArns", cluster=cluster["clusterArn"]))
    found = []
    for start in range(0, len(arns), 10):  # DescribeServices takes up to 10 services
        answer = client.describe_services(
            cluster=cluster["clusterArn"], services=arns[start : start + 10], include=["TAGS"]
        )
        for service in answer.get("services", []):
            if service.get("status") == "INACTIVE":
                continue
            found.append(_ecs_service(ctx, cluster, service))
    return found


def _ecs_service(ctx: ScanContext, cluster: dict[str, Any], service: dict[str, Any]) -> Found:
    # Task definitions are not scanned. The provider records a task definition in the same
    # form it was given, FAMILY:REVISION for an import: written that way, not as the ARN.
    task_definition = str(service.get("taskDefinition") or "").rsplit("task-definition/", 1)[-1]
    blocks: dict[str, Any] = {}
    network = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if network:
        blocks["network_configuration"] = Block(
            "",
            body={
                "subnets": [Ref(s) for s in network.get("subnets", [])],
                "security_groups": [Ref(g) for g in network.get("securityGroups", [])],
                "assign_public_ip": network.get("assignPublicIp") == "ENABLED",
            },
        )
    balancers = [
        Block(
            "",
            body={
                "target_group_arn": Ref(lb["targetGroupArn"], "arn")
                if lb.get("targetGroupArn")
                else None,
                "elb_name": lb.get("loadBalancerName"),
                "container_name": lb["containerName"],
                "container_port": lb["containerPort"],
            },
        )
        for lb in service.get("loadBalancers", [])
    ]
    if balancers:
        blocks["load_balancer"] = balancers
    strategy = [
        Block(
            "",
            body={
                "capacity_provider": item["capacityProvider"],
                "weight": item.get("weight"),
                "base": item.get("base"),
            },
        )
        for item in service.get("capacityProviderStrategy", [])
    ]
    if strategy:
        blocks["capacity_provider_strategy"] = strategy
    return ctx.record(
        "aws_ecs_service",
        service,
        imported_as=f"{cluster['clusterName']}/{service['serviceName']}",
        tags=tag_map(service.get("tags"), "key", "value"),
        arguments={
            "cluster": Ref(cluster["clusterArn"]),
            "task_definition": task_definition or None,
        },
        blocks=blocks,
        parent=None,
    )


def collect_eks_clusters(ctx: ScanContext) -> list[Found]:
    found = []
    for resource in ctx.resources("eks:cluster"):
        cluster = resource.item
        vpc = cluster.get("resourcesVpcConfig", {})
        body: dict[str, Any] = {
            "subnet_ids": [Ref(s) for s in vpc.get("subnetIds", [])],
            "security_group_ids": [Ref(g) for g in vpc.get("securityGroupIds", [])] or None,
            "endpoint_private_access": vpc.get("endpointPrivateAccess"),
            "endpoint_public_access": vpc.get("endpointPublicAccess"),
        }
        logging = cluster.get("logging", {}).get("clusterLogging", [])
        log_types = sorted({t for item in logging if item.get("enabled") for t in item["types"]})
        unrecorded = tuple(
            f"vpc_config[0].{name}"
            for name in ("endpoint_private_access", "endpoint_public_access")
            if body[name] is None
        )
        found.append(
            ctx.record(
                "aws_eks_cluster",
                cluster,
                tags=resource.tags,
                arguments={"enabled_cluster_log_types": log_types or None},
                blocks={"vpc_config": Block("", body=body)},
                unrecorded=unrecorded,
            )
        )
    return found
