"""Monthly cost estimates of Terraform designs from a price table shipped with AutCloud.

``estimate_cost(module, region, usage)`` prices a :class:`~autcloud.agent.tfparse.TerraformModule`;
``price_of(kind, region, name)`` looks up one unit price so the planner can compare options.
No network is used. See docs/cost.md.
"""

from autcloud.agent.cost.estimate import (
    NO_CHARGE,
    NOT_PRICED,
    PRICED_TYPES,
    CostEstimate,
    CostLine,
    estimate_cost,
)
from autcloud.agent.cost.prices import PriceNotFoundError, PriceTable, default_table, price_of
from autcloud.agent.cost.usage import UsageAssumptions

__all__ = [
    "NOT_PRICED",
    "NO_CHARGE",
    "PRICED_TYPES",
    "CostEstimate",
    "CostLine",
    "PriceNotFoundError",
    "PriceTable",
    "UsageAssumptions",
    "default_table",
    "estimate_cost",
    "price_of",
]
