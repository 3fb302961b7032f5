"""ELBv2 load balancers with their listeners, and target groups."""

from __future__ import annotations

from typing import Any

from autcloud.agent.hcl import Block
from autcloud.scanner.aws import pages
from autcloud.scanner.context import ScanContext
from autcloud.scanner.model import Found, Ref, tag_map

_DESCRIBE_TAGS_LIMIT = 20  # DescribeTags takes up to 20 ARNs


def _tags(ctx: ScanContext, arns: list[str]) -> dict[str, dict[str, str]]:
    client = ctx.client("elbv2")
    batches = [
        arns[i : i + _DESCRIBE_TAGS_LIMIT] for i in range(0, len(arns), _DESCRIBE_TAGS_LIMIT)
    ]
    answers = ctx.each(lambda batch: client.describe_tags(ResourceArns=batch), batches)
    return {
        item["ResourceArn"]: tag_map(item.get("Tags"))
        for answer in answers
        for item in answer.get("TagDescriptions", [])
    }


def collect_load_balancers(ctx: ScanContext) -> list[Found]:
    client = ctx.client("elbv2")
    balancers = list(pages(client, "describe_load_balancers", "LoadBalancers"))
    tags = _tags(ctx, [lb["LoadBalancerArn"] for lb in balancers])
    found: list[Found] = []
    for lb in balancers:
        arn = lb["LoadBalancerArn"]
        subnets = [
            zone["SubnetId"] for zone in lb.get("AvailabilityZones", []) if zone.get("SubnetId")
        ]
        found.append(
            Found(
                kind="aws_lb",
                key=arn,
                import_id=arn,
                name_hint=lb["LoadBalancerName"],
                region=ctx.region,
                tags=tags.get(arn, {}),
                arguments={
                    "name": lb["LoadBalancerName"],
                    "load_balancer_type": lb.get("Type", "application"),
                    "internal": lb.get("Scheme") == "internal",
                    "ip_address_type": lb.get("IpAddressType"),
                    "subnets": [Ref(subnet) for subnet in subnets],
                    "security_groups": [Ref(g) for g in lb.get("SecurityGroups", [])] or None,
                },
                aliases={"dns_name": str(lb.get("DNSName", "")).lower()},
            )
        )
    for listeners in ctx.each(lambda lb: _listeners(ctx, lb), balancers):
        found.extend(listeners)
    return found


def _listeners(ctx: ScanContext, lb: dict[str, Any]) -> list[Found]:
    client = ctx.client("elbv2")
    found = []
    listeners = pages(
        client, "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"]
    )
    for listener in listeners:
        actions = [_action(action) for action in listener.get("DefaultActions", [])]
        unsupported = [a for a in listener.get("DefaultActions", []) if _action(a) is None]
        certificates = listener.get("Certificates") or [{}]
        secure = listener.get("Protocol") in {"HTTPS", "TLS"}
        found.append(
            Found(
                kind="aws_lb_listener",
                key=listener["ListenerArn"],
                import_id=listener["ListenerArn"],
                name_hint=f"{lb['LoadBalancerName']}_{listener.get('Protocol', '')}_{listener['Port']}",
                region=ctx.region,
                arguments={
                    "load_balancer_arn": Ref(lb["LoadBalancerArn"], "arn"),
                    "port": listener["Port"],
                    "protocol": listener.get("Protocol"),
                    "ssl_policy": listener.get("SslPolicy") if secure else None,
                    "certificate_arn": certificates[0].get("CertificateArn") if secure else None,
                },
                blocks={"default_action": [a for a in actions if a is not None]},
                parent=lb["LoadBalancerArn"],
                skip_reason=(
                    f"default action type {unsupported[0].get('Type')} is not exported yet"
                    if unsupported
                    else None
                ),
            )
        )
    return found


def _action(action: dict[str, Any]) -> Block | None:
    kind = action.get("Type")
    body: dict[str, Any] = {"type": kind, "order": action.get("Order")}
    if kind == "forward" and action.get("TargetGroupArn"):
        body["target_group_arn"] = Ref(action["TargetGroupArn"], "arn")
    elif kind == "redirect":
        config = action.get("RedirectConfig", {})
        body["redirect"] = Block(
            "",
            body={
                "status_code": config.get("StatusCode"),
                "protocol": config.get("Protocol"),
                "port": config.get("Port"),
                "host": config.get("Host"),
                "path": config.get("Path"),
                "query": config.get("Query"),
            },
        )
    elif kind == "fixed-response":
        config = action.get("FixedResponseConfig", {})
        body["fixed_response"] = Block(
            "",
            body={
                "content_type": config.get("ContentType"),
                "message_body": config.get("MessageBody"),
                "status_code": config.get("StatusCode"),
            },
        )
    else:
        return None
    return Block("", body=body)


def collect_target_groups(ctx: ScanContext) -> list[Found]:
    client = ctx.client("elbv2")
    groups = list(pages(client, "describe_target_groups", "TargetGroups"))
    tags = _tags(ctx, [group["TargetGroupArn"] for group in groups])
    found = []
    for group in groups:
        arn = group["TargetGroupArn"]
        lambda_target = group.get("TargetType") == "lambda"
        health: dict[str, Any] = {
            "enabled": group.get("HealthCheckEnabled"),
            "path": group.get("HealthCheckPath"),
            "protocol": group.get("HealthCheckProtocol"),
            "port": group.get("HealthCheckPort"),
            "interval": group.get("HealthCheckIntervalSeconds"),
            "timeout": group.get("HealthCheckTimeoutSeconds"),
            "healthy_threshold": group.get("HealthyThresholdCount"),
            "unhealthy_threshold": group.get("UnhealthyThresholdCount"),
            "matcher": (group.get("Matcher") or {}).get("HttpCode"),
        }
        found.append(
            Found(
                kind="aws_lb_target_group",
                key=arn,
                import_id=arn,
                name_hint=group["TargetGroupName"],
                region=ctx.region,
                tags=tags.get(arn, {}),
                arguments={
                    "name": group["TargetGroupName"],
                    "target_type": group.get("TargetType", "instance"),
                    "port": None if lambda_target else group.get("Port"),
                    "protocol": None if lambda_target else group.get("Protocol"),
                    "vpc_id": Ref(group["VpcId"]) if group.get("VpcId") else None,
                },
                blocks={"health_check": Block("", body=health)},
            )
        )
    return found
