"""CloudFront options as stated: the price class from the edge locations people ask for ("only the
cheapest edge locations (North America + Europe)" → PriceClass_100, "every edge location" →
PriceClass_All, "북미·유럽만" → PriceClass_100). It tunes every distribution the design has."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare, named_reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.patterns import patterns

PATTERNS = patterns("cdn_options")

# The price classes people name, with the class each stands for (agent/patterns/cdn_options.yaml).
_CLASSES = {
    "price_class_100": "PriceClass_100",
    "price_class_200": "PriceClass_200",
    "price_class_all": "PriceClass_All",
}
_read_price_class = named_reader(PATTERNS, _CLASSES, first=True)


def build(bp: Blueprint, ctx: Context) -> None:
    price_class = ctx.req.params.get("cdn.price_class")
    if not isinstance(price_class, str):
        return
    for spec in bp.resources:
        if spec.type == "aws_cloudfront_distribution":
            spec.body["price_class"] = price_class


CAPABILITY = declare("cdn_options", build=build, readers={"cdn.price_class": _read_price_class})
