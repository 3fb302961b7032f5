"""CloudFront options as stated: the price class from the edge locations people ask for ("only the
cheapest edge locations (North America + Europe)" → PriceClass_100, "every edge location" →
PriceClass_All, "북미·유럽만" → PriceClass_100). It tunes every distribution the design has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context

_CLASSES = (
    (
        re.compile(
            r"cheapest\s+(?:edge\s+)?(?:locations?|regions?|price\s+class)"
            r"|north\s+america\s*(?:\+|and|&|,)\s*europe(?:\s+only)?"
            r"|price\s*class\s*_?\s*100"
            r"|(?:가장\s*)?저렴한\s*엣지"
            r"|북미\s*(?:와|과|[,·+]|및)?\s*유럽",
            re.I,
        ),
        "PriceClass_100",
    ),
    (
        re.compile(r"price\s*class\s*_?\s*200|asia\s+included|아시아\s*포함", re.I),
        "PriceClass_200",
    ),
    (
        re.compile(r"(?:all|every)\s+edge\s+locations?|price\s*class\s*_?\s*all|모든\s*엣지", re.I),
        "PriceClass_All",
    ),
)


def _read_price_class(text: str) -> Iterator[tuple[str, Any]]:
    for pattern, value in _CLASSES:
        match = pattern.search(text)
        if match:
            yield match.group(0).strip(), value
            return


def build(bp: Blueprint, ctx: Context) -> None:
    price_class = ctx.req.params.get("cdn.price_class")
    if not isinstance(price_class, str):
        return
    for spec in bp.resources:
        if spec.type == "aws_cloudfront_distribution":
            spec.body["price_class"] = price_class


CAPABILITY = declare("cdn_options", build=build, readers={"cdn.price_class": _read_price_class})
