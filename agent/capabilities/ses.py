"""Amazon SES: a sending identity (the request's domain, with DKIM records when its zone is ours,
or a sender address) and a configuration set that requires TLS and suppresses bounces."""

from __future__ import annotations

from autcloud.agent.capabilities.base import INTEGRATION, Capability, Parameter, Probe, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.hcl import Block, Expr

_ADDRESS = r"([\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
_FROM_ADDRESS = reader(
    r"(?:send(?:s|ing)?\s+(?:e-?mails?\s+|mails?\s+|messages?\s+)?from|from[- ]address(?:\s+(?:is|of))?"
    r"|sender(?:\s+address)?(?:\s+is)?|reply\s+from|발신(?:\s*주소|\s*이메일|\s*메일)?(?:은|는|:)?)"
    rf"\s*[:=]?\s*{_ADDRESS}"
    rf"|{_ADDRESS}\s*(?:으로|로|에서)?\s*(?:(?:이메일|메일)을?\s*)?발신",
    lambda m: (m.group(1) or m.group(2)).lower().rstrip("."),
)


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("ses")
    sender = ctx.req.params.get("ses.from_address")
    bp.add(
        ResourceSpec(
            "aws_sesv2_configuration_set",
            "main",
            "messaging",
            "Sending rules for every e-mail: TLS required, reputation tracked, bounces and complaints suppressed.",
            {
                "configuration_set_name": interp("${local.name}-email"),
                "delivery_options": Block("delivery_options", body={"tls_policy": "REQUIRE"}),
                "reputation_options": Block(
                    "reputation_options", body={"reputation_metrics_enabled": True}
                ),
                "sending_options": Block("sending_options", body={"sending_enabled": True}),
                "suppression_options": Block(
                    "suppression_options", body={"suppressed_reasons": ["BOUNCE", "COMPLAINT"]}
                ),
                "tags": tags("email"),
            },
            block="ses",
        )
    )
    if ctx.req.domain:
        _domain_identity(bp)
    if sender or not ctx.req.domain:
        address = bp.var(
            Variable(
                "ses_sender_email",
                "string",
                "The address e-mail is sent from; SES mails it a link to verify it once.",
                str(sender) if sender else None,
                validation=(
                    'can(regex("^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$", var.ses_sender_email))',
                    "ses_sender_email must be an e-mail address, such as noreply@example.com.",
                ),
            )
        )
        bp.add(
            ResourceSpec(
                "aws_sesv2_email_identity",
                "sender",
                "messaging",
                "The sender address, verified with SES (it receives a confirmation link).",
                {
                    "email_identity": address,
                    "configuration_set_name": Expr(
                        "aws_sesv2_configuration_set.main.configuration_set_name"
                    ),
                    "tags": tags("email-sender"),
                },
                block="ses",
            )
        )
    bp.notes.append(
        "SES: new accounts start in the sandbox (only verified recipients, 200 mails a day); "
        "request production access in the SES console before launch."
    )
    bp.out(
        Output(
            "ses_configuration_set",
            "aws_sesv2_configuration_set.main.configuration_set_name",
            "Configuration set to name when sending (ConfigurationSetName).",
        )
    )


def _domain_identity(bp: Blueprint) -> None:
    bp.add(
        ResourceSpec(
            "aws_sesv2_email_identity",
            "domain",
            "messaging",
            "The domain as a sending identity, signed with Easy DKIM so mail is not marked as spam.",
            {
                "email_identity": Expr("var.domain_name"),
                "configuration_set_name": Expr(
                    "aws_sesv2_configuration_set.main.configuration_set_name"
                ),
                "tags": tags("email-domain"),
            },
            block="ses",
        )
    )
    if bp.has("aws_route53_zone.main"):
        bp.add(
            ResourceSpec(
                "aws_route53_record",
                "ses_dkim",
                "edge",
                "The three DKIM records that prove the domain to SES and sign its mail.",
                {
                    "count": 3,
                    "zone_id": Expr("aws_route53_zone.main.zone_id"),
                    "name": interp(
                        "${aws_sesv2_email_identity.domain.dkim_signing_attributes[0].tokens[count.index]}._domainkey.${var.domain_name}"
                    ),
                    "type": "CNAME",
                    "ttl": 600,
                    "records": [
                        interp(
                            "${aws_sesv2_email_identity.domain.dkim_signing_attributes[0].tokens[count.index]}.dkim.amazonses.com"
                        )
                    ],
                },
                block="ses",
            )
        )
    else:
        bp.notes.append(
            "SES: add the three DKIM CNAME records (output ses_dkim_tokens) to the domain's DNS to verify it."
        )
        bp.out(
            Output(
                "ses_dkim_tokens",
                "aws_sesv2_email_identity.domain.dkim_signing_attributes[0].tokens",
                "DKIM tokens: publish <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com.",
            )
        )


CAPABILITY = Capability(
    key="ses",
    summary="Amazon SES e-mail sending.",
    concepts=("service.ses",),
    probes=(Probe("aws_sesv2_email_identity"),),
    category="messaging",
    build=build,
    phase=INTEGRATION,
    parameters=(
        Parameter(
            "ses.from_address",
            "aws_sesv2_email_identity",
            "email_identity",
            "==",
            _FROM_ADDRESS,
        ),
    ),
    scanner_types=("aws_sesv2_email_identity", "aws_sesv2_configuration_set"),
)
