"""Edge: CloudFront (with origin access control for S3), WAF, Route 53 and certificates."""

from __future__ import annotations

from functools import cache
from typing import Any

from publicsuffixlist import PublicSuffixList

from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.storage import (
    accept_acl_log_delivery,
    add_bucket,
    bucket_policy,
)
from autcloud.agent.hcl import Block, Expr

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)  # the bundled list: no network


def registrable_domain(domain: str) -> str:
    """The name a registrar sells (api.shop.co.kr → shop.co.kr): the hosted zone a domain
    registered through Route 53 gets, and where a subdomain's records usually live."""
    name = domain.lower().rstrip(".")
    return _suffixes().privatesuffix(name) or name


ZONE_ID = "local.zone_id"  # the domain's hosted zone, created here or found in the account


def add_dns(bp: Blueprint, ctx: Context) -> None:
    """The domain's public hosted zone: the one already in the account by default, so that a
    certificate validates in one apply. A zone created here has new name servers; until the
    registrar points the domain at them, certificate validation waits (up to 45 minutes, then
    fails), so creating it is a choice with its own two-step apply (docs/design-engine.md)."""
    bp.blocks.append("route53")
    stated = ctx.req.params.get("dns.zone_name")
    domain = (ctx.req.domain or "").lower()
    if not isinstance(stated, str) or not (domain == stated or domain.endswith("." + stated)):
        stated = None  # a zone that cannot hold the domain's records (dns_zone.py says so)
    bp.var(
        Variable(
            "dns_zone_name",
            "string",
            "The Route 53 hosted zone the domain's records go into: the domain itself or a parent.",
            stated or registrable_domain(domain),
        )
    )
    # A zone asked for by name ("Route 53 hosted zone", "호스팅 영역") is created; a domain alone
    # is served from the zone the account already has.
    create = any(
        ask.key in ("feature.dns", "dns.zone_name") and not ask.negated for ask in ctx.req.asks
    )
    bp.var(
        Variable(
            "create_dns_zone",
            "bool",
            "Create the domain's Route 53 hosted zone here. false: use the zone already in this "
            "account (Route 53 makes one when a domain is registered there). true: apply "
            "-target=aws_route53_zone.main first, point the registrar at the name_servers output, "
            "then apply the rest (certificates validate only once the domain is delegated).",
            create,
        )
    )
    bp.add(
        ResourceSpec(
            "aws_route53_zone",
            "main",
            "edge",
            "The public DNS zone for the domain, when create_dns_zone is true.",
            {
                "count": Expr("var.create_dns_zone ? 1 : 0"),
                "name": Expr("var.dns_zone_name"),
                "comment": interp("Managed by AutCloud for ${local.name}"),
            },
            comments=(
                "checkov:skip=CKV2_AWS_38:DNSSEC needs a KMS key in us-east-1 and a registrar step; enable it once the domain is delegated",
                "checkov:skip=CKV2_AWS_39:Query logging for public zones must live in us-east-1; enable it with the security team",
            ),
            block="route53",
        ),
        ResourceSpec(
            "aws_route53_zone",
            "main",
            "edge",
            "The domain's existing public hosted zone, when create_dns_zone is false.",
            {
                "count": Expr("var.create_dns_zone ? 0 : 1"),
                "name": Expr("var.dns_zone_name"),
                "private_zone": False,
            },
            data_source=True,
            block="route53",
        ),
    )
    bp.locals["zone_id"] = Expr(
        "one(concat(aws_route53_zone.main[*].zone_id, data.aws_route53_zone.main[*].zone_id))"
    )
    bp.out(
        Output(
            "name_servers",
            "one(concat(aws_route53_zone.main[*].name_servers, data.aws_route53_zone.main[*].name_servers))",
            "Name servers the domain's registrar must point at.",
        )
    )
    zone = bp.variables["dns_zone_name"].default
    two_steps = (
        "terraform apply -target=aws_route53_zone.main, point the registrar at the name_servers "
        "output, then terraform apply"
    )
    bp.notes.append(
        f"DNS: this design creates the hosted zone {zone}; certificates validate only once the "
        f"registrar points the domain at its new name servers, so apply in two steps: {two_steps}. "
        "If the zone already exists in this account, set create_dns_zone = false."
        if create
        else f"DNS: the Route 53 hosted zone {zone} must already exist in this account (Route 53 "
        "creates one when the domain is registered there), so certificates validate in one "
        f"apply. To create it here instead, set create_dns_zone = true and apply in two steps: "
        f"{two_steps}."
    )


def domain_variable(bp: Blueprint, ctx: Context) -> None:
    if ctx.req.domain:
        bp.var(
            Variable(
                "domain_name", "string", "The domain the application is served on.", ctx.req.domain
            )
        )


def certificate_validation(bp: Blueprint, certificate: str, provider: str | None = None) -> None:
    """DNS records that prove domain ownership, and the wait for the certificate to be issued."""
    bp.add(
        ResourceSpec(
            "aws_route53_record",
            f"{certificate}_validation",
            "edge",
            "DNS records proving we own the domain.",
            {
                "for_each": Expr(
                    f"{{ for option in aws_acm_certificate.{certificate}.domain_validation_options : option.domain_name => option }}"
                ),
                "zone_id": Expr(ZONE_ID),
                "name": Expr("each.value.resource_record_name"),
                "type": Expr("each.value.resource_record_type"),
                "records": [Expr("each.value.resource_record_value")],
                "ttl": 300,
                "allow_overwrite": True,
            },
            block="acm",
        ),
        ResourceSpec(
            "aws_acm_certificate_validation",
            certificate,
            "edge",
            "Waits until the certificate is issued.",
            {
                **({"provider": Expr(provider)} if provider else {}),
                "certificate_arn": Expr(f"aws_acm_certificate.{certificate}.arn"),
                "validation_record_fqdns": Expr(
                    f"[for record in aws_route53_record.{certificate}_validation : record.fqdn]"
                ),
            },
            block="acm",
        ),
    )


def managed_rule(group: str, priority: int) -> Block:
    """A web ACL rule that applies an AWS managed rule group, counted in CloudWatch."""
    return Block(
        "rule",
        body={
            "name": group,
            "priority": priority,
            "override_action": Block("override_action", body={"none": Block("none")}),
            "statement": Block(
                "statement",
                body={
                    "managed_rule_group_statement": Block(
                        "managed_rule_group_statement", body={"name": group, "vendor_name": "AWS"}
                    )
                },
            ),
            "visibility_config": Block(
                "visibility_config",
                body={
                    "cloudwatch_metrics_enabled": True,
                    "metric_name": group,
                    "sampled_requests_enabled": True,
                },
            ),
        },
    )


def add_waf(
    bp: Blueprint,
    scope: str,
    *,
    protects: str = "aws_lb.app",
    name: str | None = None,
    what: str = "the load balancer",
) -> None:
    """A WAF web ACL with AWS managed rules (common exploits, known bad inputs, IP reputation) and
    rate limiting; a regional one is associated with ``protects`` (a load balancer, an API stage)."""
    bp.blocks.append("waf")
    name = name or ("cdn" if scope == "CLOUDFRONT" else "alb")
    provider = {"provider": Expr("aws.us_east_1")} if scope == "CLOUDFRONT" else {}
    rules: list[Block] = []
    for priority, group in enumerate(
        (
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesAnonymousIpList",
        ),
        start=1,
    ):
        rules.append(managed_rule(group, priority))
    rules.append(
        Block(
            "rule",
            body={
                "name": "rate-limit",
                "priority": 10,
                "action": Block("action", body={"block": Block("block")}),
                "statement": Block(
                    "statement",
                    body={
                        "rate_based_statement": Block(
                            "rate_based_statement", body={"limit": 2000, "aggregate_key_type": "IP"}
                        )
                    },
                ),
                "visibility_config": Block(
                    "visibility_config",
                    body={
                        "cloudwatch_metrics_enabled": True,
                        "metric_name": "rate-limit",
                        "sampled_requests_enabled": True,
                    },
                ),
            },
        )
    )
    bp.add(
        ResourceSpec(
            "aws_wafv2_web_acl",
            name,
            "edge",
            f"Filters common exploits, bad inputs (Log4j included), known bad and anonymous IPs, and floods ({scope.lower()}).",
            {
                **provider,
                "name": interp(f"${{local.name}}-{name}"),
                "scope": scope,
                "default_action": Block("default_action", body={"allow": Block("allow")}),
                "rule": rules,
                "visibility_config": Block(
                    "visibility_config",
                    body={
                        "cloudwatch_metrics_enabled": True,
                        "metric_name": interp(f"${{local.name}}-{name}"),
                        "sampled_requests_enabled": True,
                    },
                ),
                "tags": tags(f"waf-{name}"),
            },
            block="waf",
        )
    )
    # WAF logs must go to a log group whose name starts with aws-waf-logs-.
    bp.add(
        ResourceSpec(
            "aws_cloudwatch_log_group",
            f"waf_{name}",
            "edge",
            "WAF decisions, for tuning rules and investigations.",
            {
                **provider,
                "name": interp(f"aws-waf-logs-${{local.name}}-{name}"),
                "retention_in_days": Expr("var.log_retention_days"),
                **({} if scope == "CLOUDFRONT" else {"kms_key_id": Expr("aws_kms_key.main.arn")}),
            },
            comments=(
                (
                    "checkov:skip=CKV_AWS_158:The project key lives in the workload region; CloudFront WAF logs must stay in us-east-1",
                )
                if scope == "CLOUDFRONT"
                else ()
            ),
            block="waf",
        ),
        ResourceSpec(
            "aws_wafv2_web_acl_logging_configuration",
            name,
            "edge",
            "Sends WAF decisions to the log group.",
            {
                **provider,
                "resource_arn": Expr(f"aws_wafv2_web_acl.{name}.arn"),
                "log_destination_configs": [Expr(f"aws_cloudwatch_log_group.waf_{name}.arn")],
            },
            block="waf",
        ),
    )
    if scope == "REGIONAL":
        bp.add(
            ResourceSpec(
                "aws_wafv2_web_acl_association",
                name,
                "edge",
                f"Puts the WAF in front of {what}.",
                {
                    "resource_arn": Expr(f"{protects}.arn"),
                    "web_acl_arn": Expr(f"aws_wafv2_web_acl.{name}.arn"),
                },
                block="waf",
            )
        )


def add_static_site(bp: Blueprint, ctx: Context) -> None:
    """A private S3 bucket served through CloudFront with origin access control and HTTPS."""
    bp.blocks.append("static_site")
    add_bucket(
        bp,
        "site",
        "Holds the static site's files; only CloudFront can read them.",
        topic="edge",
        transition_to_ia_days=None,
    )
    _distribution(bp, ctx, origin="s3")
    bucket_policy(
        bp,
        "site",
        [
            {
                "Sid": "CloudFrontRead",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": Expr('"${aws_s3_bucket.site.arn}/*"'),
                "Condition": {
                    "StringEquals": {"AWS:SourceArn": Expr("aws_cloudfront_distribution.main.arn")}
                },
            }
        ],
        "Lets only this CloudFront distribution read the site; TLS only.",
        "edge",
        "static_site",
    )


def add_cdn_for_app(bp: Blueprint, ctx: Context) -> None:
    """CloudFront in front of the load balancer: TLS at the edge, caching of static paths."""
    bp.blocks.append("cloudfront")
    _distribution(bp, ctx, origin="alb")


def add_cdn_for_api(
    bp: Blueprint, ctx: Context, host: Expr, *, path: Expr | None, web_acl: bool
) -> None:
    """CloudFront in front of an API Gateway endpoint (``host``, stage ``path`` for a REST API).

    API Gateway routes on its own host name, so the viewer's Host header is not forwarded; nothing
    is cached unless the API says so in its responses' headers."""
    bp.blocks.append("cloudfront")
    api_origin: dict[str, Any] = {
        "domain_name": host,
        **({"origin_path": path} if path is not None else {}),
        "origin_id": "api",
        "custom_origin_config": _custom_origin("https-only"),
    }
    _distribution(bp, ctx, origin="api", api_origin=api_origin, web_acl=web_acl)


def _custom_origin(protocol_policy: str) -> Block:
    """How CloudFront reaches an origin that is not a bucket: the standard ports, TLS 1.2 when
    ``protocol_policy`` lets it use HTTPS."""
    return Block(
        "custom_origin_config",
        body={
            "http_port": 80,
            "https_port": 443,
            "origin_protocol_policy": protocol_policy,
            "origin_ssl_protocols": ["TLSv1.2"],
        },
    )


def _distribution(
    bp: Blueprint,
    ctx: Context,
    origin: str,
    *,
    api_origin: dict[str, Any] | None = None,
    web_acl: bool | None = None,
) -> None:
    bp.needs_us_east_1 = True
    web_acl = ctx.req.has("waf") if web_acl is None else web_acl
    accept_acl_log_delivery(bp)
    domain = bool(ctx.req.domain)
    comments = [
        "checkov:skip=CKV_AWS_310:A second origin for failover doubles the stack; the origin is already multi-AZ",
        "checkov:skip=CKV_AWS_374:Geo restriction would block real users; none was asked for",
    ]
    if not web_acl:
        comments.append(
            "checkov:skip=CKV_AWS_68:No WAF was asked for here; add 'WAF' to the request to attach one"
        )
        comments.append(
            "checkov:skip=CKV2_AWS_47:No WAF was asked for here, so there is no web ACL to configure"
        )
    if origin != "s3":
        what = "the load balancer" if origin == "alb" else "the API"
        comments.append(
            f"checkov:skip=CKV2_AWS_46:The origin is {what}; the only bucket attached receives logs"
        )
        comments.append(
            "checkov:skip=CKV_AWS_305:The application serves every path itself; there is no root object"
        )
    if not domain:
        comments.append(
            "checkov:skip=CKV_AWS_174:Without a domain the default CloudFront certificate is used (TLSv1 floor)"
        )
        comments.append(
            "checkov:skip=CKV2_AWS_42:Without a domain the default CloudFront certificate is used"
        )
    if origin == "s3":
        bp.add(
            ResourceSpec(
                "aws_cloudfront_origin_access_control",
                "site",
                "edge",
                "Signs CloudFront's requests to the bucket.",
                {
                    "name": interp("${local.name}-site"),
                    "origin_access_control_origin_type": "s3",
                    "signing_behavior": "always",
                    "signing_protocol": "sigv4",
                },
                block="static_site",
            )
        )
        origin_block: dict[str, Any] = {
            "domain_name": Expr("aws_s3_bucket.site.bucket_regional_domain_name"),
            "origin_id": "site",
            "origin_access_control_id": Expr("aws_cloudfront_origin_access_control.site.id"),
        }
        cache_policy = CACHING_OPTIMIZED
    elif api_origin is not None:
        origin_block = api_origin
        cache_policy = CACHING_DISABLED
    else:
        origin_block = {
            "domain_name": Expr("aws_lb.app.dns_name"),
            "origin_id": "app",
            "custom_origin_config": _custom_origin("https-only" if domain else "http-only"),
        }
        cache_policy = CACHING_DISABLED
    if domain:
        bp.add(
            ResourceSpec(
                "aws_acm_certificate",
                "cdn",
                "edge",
                "The CloudFront certificate; CloudFront only reads certificates in us-east-1.",
                {
                    "provider": Expr("aws.us_east_1"),
                    "domain_name": Expr("var.domain_name"),
                    **(
                        {"subject_alternative_names": _aliases(origin)[1:]}
                        if origin != "api"
                        else {}
                    ),
                    "validation_method": "DNS",
                    "lifecycle": Block("lifecycle", body={"create_before_destroy": True}),
                    "tags": tags("cdn-certificate"),
                },
                block="acm",
            )
        )
        certificate_validation(bp, "cdn", provider="aws.us_east_1")
        viewer_cert: dict[str, Any] = {
            "acm_certificate_arn": Expr("aws_acm_certificate_validation.cdn.certificate_arn"),
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        }
    else:
        viewer_cert = {"cloudfront_default_certificate": True}
    body: dict[str, Any] = {
        "enabled": True,
        "is_ipv6_enabled": True,
        "comment": interp("${local.name}"),
        "price_class": "PriceClass_200",
        "http_version": "http2and3",
        **({"default_root_object": "index.html"} if origin == "s3" else {}),
        **({"aliases": _aliases(origin)} if domain else {}),
        **({"web_acl_id": Expr("aws_wafv2_web_acl.cdn.arn")} if web_acl else {}),
        "origin": Block("origin", body=origin_block),
        "default_cache_behavior": Block(
            "default_cache_behavior",
            body={
                "target_origin_id": origin_block["origin_id"],
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD", "OPTIONS"]
                if origin == "s3"
                else ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
                "cached_methods": ["GET", "HEAD"],
                "compress": True,
                "cache_policy_id": cache_policy,
                **({} if origin == "s3" else {"origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST}),
                "response_headers_policy_id": Expr(
                    "aws_cloudfront_response_headers_policy.security.id"
                ),
            },
        ),
        "restrictions": Block(
            "restrictions",
            body={"geo_restriction": Block("geo_restriction", body={"restriction_type": "none"})},
        ),
        "viewer_certificate": Block("viewer_certificate", body=viewer_cert),
        "logging_config": Block(
            "logging_config",
            body={
                "bucket": Expr("aws_s3_bucket.access_logs.bucket_domain_name"),
                "prefix": "cloudfront/",
                "include_cookies": False,
            },
        ),
        "tags": tags("cdn"),
    }
    bp.add(
        ResourceSpec(
            "aws_cloudfront_response_headers_policy",
            "security",
            "edge",
            "Security headers on every response: HSTS, no sniffing, no framing, strict referrer.",
            {
                "name": interp("${local.name}-security-headers"),
                "security_headers_config": Block(
                    "security_headers_config",
                    body={
                        "strict_transport_security": Block(
                            "strict_transport_security",
                            body={
                                "access_control_max_age_sec": 31536000,
                                "include_subdomains": True,
                                "preload": True,
                                "override": True,
                            },
                        ),
                        "content_type_options": Block(
                            "content_type_options", body={"override": True}
                        ),
                        "frame_options": Block(
                            "frame_options", body={"frame_option": "DENY", "override": True}
                        ),
                        "referrer_policy": Block(
                            "referrer_policy",
                            body={
                                "referrer_policy": "strict-origin-when-cross-origin",
                                "override": True,
                            },
                        ),
                        "xss_protection": Block(
                            "xss_protection",
                            body={"protection": True, "mode_block": True, "override": True},
                        ),
                    },
                ),
            },
            block="cloudfront",
        )
    )
    bp.add(
        ResourceSpec(
            "aws_cloudfront_distribution",
            "main",
            "edge",
            "Serves users from edge locations over HTTPS, with security headers.",
            body,
            comments=tuple(comments),
            block="cloudfront",
        )
    )
    if domain:
        for record, name in zip(("cdn", "cdn_www"), _aliases(origin), strict=False):
            alias_record(
                bp,
                record,
                f"Points {'the domain' if record == 'cdn' else 'its www. name'} at CloudFront.",
                "aws_cloudfront_distribution.main.domain_name",
                "aws_cloudfront_distribution.main.hosted_zone_id",
                name=name,
                block="cloudfront",
            )
    bp.out(
        Output(
            "cdn_domain_name",
            "aws_cloudfront_distribution.main.domain_name",
            "CloudFront domain name.",
        )
    )


def _aliases(origin: str) -> list[Any]:
    """The names CloudFront answers to: the domain, and its www. form for a site or an app (the
    certificate covers both); an API's own host name ("api.example.com") has no www. form."""
    domain = Expr("var.domain_name")
    return [domain] if origin == "api" else [domain, interp("www.${var.domain_name}")]


def alias_record(
    bp: Blueprint,
    record: str,
    reason: str,
    target_name: str,
    target_zone: str,
    *,
    name: Any = None,
    evaluate_target_health: bool = False,
    block: str = "route53",
) -> None:
    """An A alias record in the design's zone (the domain unless ``name`` says otherwise) for an
    AWS endpoint: a load balancer, a distribution, an API's custom domain."""
    bp.add(
        ResourceSpec(
            "aws_route53_record",
            record,
            "edge",
            reason,
            {
                "zone_id": Expr(ZONE_ID),
                "name": Expr("var.domain_name") if name is None else name,
                "type": "A",
                "alias": Block(
                    "alias",
                    body={
                        "name": Expr(target_name),
                        "zone_id": Expr(target_zone),
                        "evaluate_target_health": evaluate_target_health,
                    },
                ),
            },
            block=block,
        )
    )


def add_alb_dns(bp: Blueprint, *, with_record: bool) -> None:
    """Validates the ALB certificate; points the domain at the ALB unless CloudFront fronts it."""
    certificate_validation(bp, "app")
    if not with_record:
        return
    alias_record(
        bp,
        "app",
        "Points the domain at the load balancer.",
        "aws_lb.app.dns_name",
        "aws_lb.app.zone_id",
        evaluate_target_health=True,
    )
