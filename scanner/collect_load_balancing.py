"""ELBv2 load balancers with their listeners, and target groups."""

from __future__ import annotations

from typing import Any

from autcloud.agent.hcl import Block
from autcloud.aws import pages, tag_map
from autcloud.scanner.context import ScanContext
from autcloud.scanner.model import Found, Ref

_DESCRIBE_TAGS_LIMIT = 20  # DescribeTags takes up to 20 ARNs

_APPLICATION = frozenset({"application"})
_NETWORK = frozenset({"network"})
# Load balancer attributes → (argument, type, the load balancer types the provider manages it
# for). Every one has a provider default, so an attribute AWS did not report is ignored.
_LB_ATTRIBUTES: dict[str, tuple[str, type, frozenset[str]]] = {
    "deletion_protection.enabled": (
        "enable_deletion_protection", bool, frozenset({"application", "network", "gateway"})
    ),
    "idle_timeout.timeout_seconds": ("idle_timeout", int, _APPLICATION),
    "client_keep_alive.seconds": ("client_keep_alive", int, _APPLICATION),
    "routing.http.desync_mitigation_mode": ("desync_mitigation_mode", str, _APPLICATION),
    "routing.http.drop_invalid_header_fields.enabled": (
        "drop_invalid_header_fields", bool, _APPLICATION
    ),
    "routing.http.preserve_host_header.enabled": ("preserve_host_header", bool, _APPLICATION),
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": (
        "enable_tls_version_and_cipher_suite_headers", bool, _APPLICATION
    ),
    "routing.http.xff_client_port.enabled": ("enable_xff_client_port", bool, _APPLICATION),
    "routing.http.xff_header_processing.mode": ("xff_header_processing_mode", str, _APPLICATION),
    "routing.http2.enabled": ("enable_http2", bool, _APPLICATION),
    "waf.fail_open.enabled": ("enable_waf_fail_open", bool, _APPLICATION),
    "zonal_shift.config.enabled": (
        "enable_zonal_shift", bool, frozenset({"application", "network"})
    ),
    "load_balancing.cross_zone.enabled": (
        "enable_cross_zone_load_balancing", bool, frozenset({"network", "gateway"})
    ),
    "dns_record.client_routing_policy": ("dns_record_client_routing_policy", str, _NETWORK),
}  # fmt: skip
# Log blocks: (block, attribute prefix, the load balancer types that have it).
_LB_LOGS = (
    ("access_logs", "access_logs.s3", frozenset({"application", "network"})),
    ("connection_logs", "connection_logs.s3", _APPLICATION),
)
_TCP_PROTOCOLS = frozenset({"TCP", "UDP", "TCP_UDP", "TLS"})
# Listener actions written from their configuration alone: action type → (block, API field,
# {argument: configuration field}).
_ACTION_CONFIGS: dict[str, tuple[str, str, dict[str, str]]] = {
    "redirect": (
        "redirect",
        "RedirectConfig",
        {
            "status_code": "StatusCode",
            "protocol": "Protocol",
            "port": "Port",
            "host": "Host",
            "path": "Path",
            "query": "Query",
        },
    ),
    "fixed-response": (
        "fixed_response",
        "FixedResponseConfig",
        {
            "content_type": "ContentType",
            "message_body": "MessageBody",
            "status_code": "StatusCode",
        },
    ),
}


def _typed(value: str, kind: type) -> Any:
    """An ELBv2 attribute (always a string) as the provider's argument type."""
    if kind is bool:
        return value.lower() == "true"
    if kind is int:
        return int(value)
    return value


def _attributes(answer: dict[str, Any]) -> dict[str, str]:
    return {item["Key"]: str(item.get("Value", "")) for item in answer.get("Attributes", [])}


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


# The ELBv2 call that reads an item's attributes, and the field it is given the ARN in.
_ATTRIBUTES_CALLS = {
    "elasticloadbalancing:loadbalancer": ("describe_load_balancer_attributes", "LoadBalancerArn"),
    "elasticloadbalancing:targetgroup": ("describe_target_group_attributes", "TargetGroupArn"),
}


def _described(
    ctx: ScanContext, kind: str
) -> list[tuple[dict[str, Any], dict[str, str], dict[str, str]]]:
    """(item, tags, attributes) of each ``kind`` item."""
    client = ctx.client("elbv2")
    attributes_call, arn_field = _ATTRIBUTES_CALLS[kind]
    items = [resource.item for resource in ctx.resources(kind)]
    tags = _tags(ctx, [item[arn_field] for item in items])
    describe = getattr(client, attributes_call)
    attribute_sets = ctx.each(
        lambda item: _attributes(describe(**{arn_field: item[arn_field]})), items
    )
    return [
        (item, tags.get(item[arn_field], {}), attributes)
        for item, attributes in zip(items, attribute_sets, strict=True)
    ]


def collect_load_balancers(ctx: ScanContext) -> list[Found]:
    described = _described(ctx, "elasticloadbalancing:loadbalancer")
    found: list[Found] = []
    for lb, tags, attributes in described:
        subnets = [
            zone["SubnetId"] for zone in lb.get("AvailabilityZones", []) if zone.get("SubnetId")
        ]
        lb_type = lb.get("Type", "application")
        settings, blocks, unrecorded = _lb_settings(lb_type, attributes)
        found.append(
            ctx.record(
                "aws_lb",
                lb,
                tags=tags,
                arguments={
                    "load_balancer_type": lb_type,
                    "internal": lb.get("Scheme") == "internal",
                    "subnets": [Ref(subnet) for subnet in subnets],
                    "security_groups": [Ref(g) for g in lb.get("SecurityGroups", [])] or None,
                    **settings,
                },
                blocks=blocks,
                unrecorded=unrecorded,
                aliases={"dns_name": str(lb.get("DNSName", "")).lower()},
            )
        )
    for listeners in ctx.each(lambda lb: _listeners(ctx, lb), [lb for lb, _, _ in described]):
        found.extend(listeners)
    return found


def _lb_settings(
    lb_type: str, attributes: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]:
    """(arguments, log blocks, unrecorded arguments) from a load balancer's attributes: every
    setting as it is live, deletion protection and access logs included."""
    arguments: dict[str, Any] = {}
    unrecorded: list[str] = []
    for key, (argument, kind, types) in _LB_ATTRIBUTES.items():
        if lb_type not in types:
            continue
        if key in attributes:
            arguments[argument] = _typed(attributes[key], kind)
        else:
            unrecorded.append(argument)
    blocks: dict[str, Any] = {}
    for block, prefix, types in _LB_LOGS:
        bucket = attributes.get(f"{prefix}.bucket")
        # No bucket: logging was never set up, which is what the provider assumes without it.
        if lb_type in types and bucket:
            blocks[block] = Block(
                "",
                body={
                    "bucket": bucket,
                    "prefix": attributes.get(f"{prefix}.prefix", ""),
                    "enabled": attributes.get(f"{prefix}.enabled", "false") == "true",
                },
            )
    return arguments, blocks, tuple(unrecorded)


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
            ctx.found(
                "aws_lb_listener",
                listener["ListenerArn"],
                name=f"{lb['LoadBalancerName']}_{listener.get('Protocol', '')}_{listener['Port']}",
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
    elif kind in _ACTION_CONFIGS:
        block, field, arguments = _ACTION_CONFIGS[kind]
        config = action.get(field, {})
        body[block] = Block("", body={arg: config.get(name) for arg, name in arguments.items()})
    else:
        return None
    return Block("", body=body)


def collect_target_groups(ctx: ScanContext) -> list[Found]:
    described = _described(ctx, "elasticloadbalancing:targetgroup")
    found = []
    for group, tags, attributes in described:
        lambda_target = group.get("TargetType") == "lambda"
        settings, unrecorded = _target_group_settings(group, attributes)
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
            ctx.record(
                "aws_lb_target_group",
                group,
                tags=tags,
                arguments={
                    "target_type": group.get("TargetType", "instance"),
                    "port": None if lambda_target else group.get("Port"),
                    "protocol": None if lambda_target else group.get("Protocol"),
                    "vpc_id": Ref(group["VpcId"]) if group.get("VpcId") else None,
                    **settings,
                },
                blocks={"health_check": Block("", body=health)},
                unrecorded=unrecorded,
            )
        )
    return found


def _target_group_settings(
    group: dict[str, Any], attributes: dict[str, str]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(arguments, unrecorded arguments) from a target group's attributes.

    The provider reads some settings only for the target groups they apply to (Lambda headers
    for Lambda targets, proxy protocol and connection termination for TCP-family protocols)
    and records nothing for the others, so those are ignored rather than written.
    """
    lambda_target = group.get("TargetType") == "lambda"
    tcp = group.get("Protocol") in _TCP_PROTOCOLS
    # (attribute, argument, type, applies to this group, recorded by an import where it does not)
    wanted: list[tuple[str, str, type, bool, bool]] = [
        ("deregistration_delay.timeout_seconds", "deregistration_delay", str, not lambda_target,
         True),
        ("slow_start.duration_seconds", "slow_start", int, not lambda_target and not tcp, True),
        ("lambda.multi_value_headers.enabled", "lambda_multi_value_headers_enabled", bool,
         lambda_target, False),
        ("proxy_protocol_v2.enabled", "proxy_protocol_v2", bool, tcp, False),
        ("deregistration_delay.connection_termination.enabled", "connection_termination", bool,
         tcp, True),
    ]  # fmt: skip
    arguments: dict[str, Any] = {}
    unrecorded: list[str] = []
    for key, argument, kind, applies, recorded_elsewhere in wanted:
        if applies and key in attributes:
            arguments[argument] = _typed(attributes[key], kind)
        elif applies or not recorded_elsewhere:
            unrecorded.append(argument)
    return arguments, tuple(unrecorded)
