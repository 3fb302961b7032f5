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
}
