"""Pricers for networking and the edge: NAT, load balancers, endpoints, flow logs, CloudFront,
WAF, Route 53, API Gateway, Site-to-Site and Client VPN."""

from __future__ import annotations

from autcloud.agent.cost.context import Attrs, Priced, Pricer, PricingContext, qty, usd
from autcloud.agent.cost.formulas import hourly_pricer, monthly_pricer, usage_pricer

DEFAULT_ENDPOINT_AZS = 2  # interface endpoints whose subnets are not literal: one per AZ of two


def price_nat_gateway(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    hourly = ctx.price("nat_gateway_hour")
    per_gb = ctx.price("nat_gateway_gb")
    gb = ctx.usage.nat_gb_per_month * ctx.share("aws_nat_gateway")
    return Priced(
        hourly * ctx.hours + gb * per_gb,
        f"{qty(ctx.hours)} h @ {usd(hourly)}/h + {qty(gb)} GB processed @ {usd(per_gb)}/GB",
    )


_LOAD_BALANCER_KINDS = {
    "application": ("alb_hour", "alb_lcu_hour", "ALB", "LCU"),
    "network": ("nlb_hour", "nlb_lcu_hour", "NLB", "NLCU"),
    "gateway": ("gwlb_hour", "gwlb_lcu_hour", "Gateway LB", "GLCU"),
}


def price_load_balancer(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    kind = attrs.text("load_balancer_type", "application")
    hour_kind, lcu_kind, label, lcu_label = _LOAD_BALANCER_KINDS.get(
        kind, _LOAD_BALANCER_KINDS["application"]
    )
    hourly = ctx.price(hour_kind)
    per_lcu = ctx.price(lcu_kind)
    lcu = ctx.usage.alb_average_lcu
    return Priced(
        (hourly + lcu * per_lcu) * ctx.hours,
        f"{label} {qty(ctx.hours)} h @ {usd(hourly)}/h + {qty(lcu)} {lcu_label} × "
        f"{qty(ctx.hours)} h @ {usd(per_lcu)}/{lcu_label}-h",
    )


def price_vpc_endpoint(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    kind = attrs.text("vpc_endpoint_type", "Gateway")
    if kind == "Gateway":
        return Priced(0.0, "no charge (gateway endpoint)")
    subnets = attrs.strings("subnet_ids")
    if subnets is None:
        azs = float(DEFAULT_ENDPOINT_AZS)
        if "subnet_ids" in attrs.raw:
            attrs.notes.append(f"subnet_ids unknown before apply; assumed {azs:g} AZs")
    else:
        azs = float(len(subnets)) or 1.0
    hourly = ctx.price("vpc_interface_endpoint_hour")
    per_gb = ctx.price("vpc_endpoint_gb")
    gb = ctx.usage.vpc_endpoint_gb_per_month * ctx.share("aws_vpc_endpoint")
    return Priced(
        azs * hourly * ctx.hours + gb * per_gb,
        f"{kind} endpoint in {qty(azs)} AZs × {qty(ctx.hours)} h @ {usd(hourly)}/h"
        f" + {qty(gb)} GB @ {usd(per_gb)}/GB",
    )


def price_flow_log(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    destination = attrs.text("log_destination_type", "cloud-watch-logs")
    kind = "vended_logs_s3_gb" if destination == "s3" else "vended_logs_cloudwatch_gb"
    gb = ctx.usage.flow_log_gb_per_month * ctx.share("aws_flow_log")
    per_gb = ctx.price(kind)
    return Priced(gb * per_gb, f"{qty(gb)} GB delivered to {destination} @ {usd(per_gb)}/GB")


def price_cloudfront(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    share = ctx.share("aws_cloudfront_distribution")
    gb = ctx.usage.cdn_gb_per_month * share
    requests = ctx.usage.requests_per_month * share / 1e6
    per_gb = ctx.price("cloudfront_gb")
    per_million = ctx.price("cloudfront_request_million")
    return Priced(
        gb * per_gb + requests * per_million,
        f"{qty(gb)} GB to viewers @ {usd(per_gb)}/GB + {qty(requests)}M HTTPS requests"
        f" @ {usd(per_million)}/M",
    )


def price_waf_web_acl(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    rules = float(len(attrs.blocks("rule")))
    requests = ctx.usage.requests_per_month * ctx.share("aws_wafv2_web_acl") / 1e6
    per_acl = ctx.price("waf_web_acl_month")
    per_rule = ctx.price("waf_rule_month")
    per_million = ctx.price("waf_request_million")
    return Priced(
        per_acl + rules * per_rule + requests * per_million,
        f"web ACL @ {usd(per_acl)} + {qty(rules)} rules @ {usd(per_rule)}"
        f" + {qty(requests)}M requests @ {usd(per_million)}/M",
    )


_API_TYPES = ("aws_apigatewayv2_api", "aws_api_gateway_rest_api")


def _api_requests(ctx: PricingContext, protocol: str) -> Priced:
    requests = ctx.usage.requests_per_month * ctx.share(*_API_TYPES) / 1e6
    per_million = ctx.price("apigateway_request_million", protocol)
    noun = "messages" if protocol == "websocket" else "requests"
    return Priced(
        requests * per_million,
        f"{protocol.upper()} API {qty(requests)}M {noun} @ {usd(per_million)}/M",
    )


def price_apigatewayv2_api(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    protocol = attrs.text("protocol_type", "HTTP").lower()
    priced = _api_requests(ctx, "websocket" if protocol == "websocket" else "http")
    if protocol != "websocket":
        return priced
    websockets = sum(
        1
        for api in ctx.module.resources.get("aws_apigatewayv2_api", {}).values()
        if str(api.get("protocol_type", "")).upper() == "WEBSOCKET"
    )
    minutes = ctx.usage.websocket_connection_minutes_per_month / max(websockets, 1) / 1e6
    per_million = ctx.price("apigateway_websocket_connection_minute_million")
    return Priced(
        priced.monthly_usd + minutes * per_million,
        f"{priced.basis} + {qty(minutes)}M connection-minutes @ {usd(per_million)}/M",
    )


def price_api_gateway_rest_api(ctx: PricingContext, attrs: Attrs, address: str) -> Priced:
    return _api_requests(ctx, "rest")


NETWORK_PRICERS: dict[str, Pricer] = {
    "aws_nat_gateway": price_nat_gateway,
    "aws_lb": price_load_balancer,
    "aws_alb": price_load_balancer,
    "aws_vpc_endpoint": price_vpc_endpoint,
    "aws_flow_log": price_flow_log,
    "aws_cloudfront_distribution": price_cloudfront,
    "aws_wafv2_web_acl": price_waf_web_acl,
    "aws_route53_zone": monthly_pricer(
        "route53_hosted_zone_month", "hosted zone", " (queries not estimated)"
    ),
    "aws_route53_health_check": monthly_pricer("route53_health_check_month", "health check"),
    "aws_apigatewayv2_api": price_apigatewayv2_api,
    "aws_api_gateway_rest_api": price_api_gateway_rest_api,
    "aws_vpn_connection": hourly_pricer(
        "vpn_connection_hour", "Site-to-Site VPN connection", " (data transfer out not estimated)"
    ),
    "aws_ec2_client_vpn_endpoint": usage_pricer(
        "client_vpn_connection_hours_per_month",
        "client_vpn_connection_hour",
        "connection-hours",
        "/h",
        note=" (subnet associations on their own lines)",
    ),
    "aws_ec2_client_vpn_network_association": hourly_pricer(
        "client_vpn_association_hour", "subnet association"
    ),
}
