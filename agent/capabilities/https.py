"""HTTPS as asked ("HTTPS obviously", "HTTPS 리스너만"): the front door speaks TLS even when no
domain was named.

The load balancer itself is built by agent/catalog/compute.py (add_load_balancer), which reads
``https.required`` (this module's parameter) and PCI DSS, HIPAA, ISMS-P or personal-data scope: with a domain, a DNS-validated
ACM certificate; without one, an HTTPS listener on a certificate ARN the user fills in
(``alb_certificate_arn``), never a silent plain-HTTP listener. API Gateway, App Runner and
CloudFront answer over HTTPS by themselves, so they prove the ask as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autcloud.agent.capabilities.base import Parameter, declare, reader
from autcloud.agent.catalog.base import Blueprint, Context
from autcloud.agent.ledger import Evidence
from autcloud.agent.patterns import patterns
from autcloud.agent.tfparse import TerraformModule

PATTERNS = patterns("https")

# Compliance scopes whose controls require encryption in transit on open networks (ISMS-P and
# Korea's personal-information rules as well as PCI DSS and HIPAA).
TLS_SCOPES = frozenset({"pci-dss", "hipaa", "isms-p", "personal-data"})


@dataclass(frozen=True)
class HttpsParameter(Parameter):
    """Proven by any front door that answers over HTTPS: the capability's probes, in order."""

    def find(self, module: TerraformModule, value: Any) -> list[Evidence]:
        for probe in CAPABILITY.probes:
            found = probe.find(module)
            if found:
                return found[:1]
        return []


# "https" as the way clients connect — not an HTTPS URL, nor an HTTPS subscription/webhook target.
read_https = reader(PATTERNS["https"], lambda match: True)


def https_asked(ctx: Context) -> bool:
    """Whether the request asks for HTTPS, by word or by a compliance scope that requires it."""
    return bool(ctx.req.params.get("https.required")) or bool(TLS_SCOPES & set(ctx.req.compliance))


def build(bp: Blueprint, ctx: Context) -> None:
    types = {r.type for r in bp.resources}
    if not types & {probe.type for probe in CAPABILITY.probes}:
        bp.notes.append(
            "HTTPS was asked, but this design has no front door that serves clients; add a load "
            "balancer or an API to get one."
        )


CAPABILITY = declare("https", build=build, readers={"https.required": read_https})
