"""Amazon SES: a sending identity (the request's domain, with DKIM records when its zone is ours,
or a sender address) and a configuration set that requires TLS and suppresses bounces."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare, reader
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.catalog.edge import ZONE_ID
from autcloud.agent.hcl import Block, Expr
from autcloud.agent.patterns import patterns

PATTERNS = patterns("ses")

_FROM_ADDRESS = reader(
    PATTERNS["from_address"],
    lambda m: (m.group(1) or m.group(2)).lower().rstrip("."),
)

_VERIFY_DOMAIN = reader(PATTERNS["verify_domain"], lambda m: "RSA_2048_BIT")
_NOTIFICATIONS = reader(PATTERNS["notifications"], lambda m: ["BOUNCE", "COMPLAINT"])


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
    sender_domain = str(sender).split("@", 1)[1] if sender else None
    if ctx.req.domain:
        _domain_identity(bp)
    elif sender_domain and ctx.req.params.get("ses.verify_domain"):
        _domain_identity(bp, sender_domain)
    if ctx.req.params.get("ses.notifications"):
        _notifications(bp)
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
                    "email_identity": str(sender) if sender else address,
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


def _notifications(bp: Blueprint) -> None:
    """Bounce and complaint events published to an SNS topic (the design's, or a new one)."""
    topics = [r for r in bp.resources if r.type == "aws_sns_topic" and not r.data_source]
    if not topics:
        bp.add(
            ResourceSpec(
                "aws_sns_topic",
                "email_events",
                "messaging",
                "Receives SES bounce and complaint notifications; encrypted.",
                {
                    "name": interp("${local.name}-email-events"),
                    "kms_master_key_id": Expr("aws_kms_key.main.id"),
                    "tags": tags("email-events"),
                },
                block="ses",
            )
        )
        topic = "aws_sns_topic.email_events"
    else:
        named = [t for t in topics if t.name != "alerts"]
        topic = (named or topics)[0].address
    bp.add(
        ResourceSpec(
            "aws_sesv2_configuration_set_event_destination",
            "bounces",
            "messaging",
            "Publishes every bounce and complaint to SNS so the app can stop mailing those addresses.",
            {
                "configuration_set_name": Expr(
                    "aws_sesv2_configuration_set.main.configuration_set_name"
                ),
                "event_destination_name": "bounces-complaints",
                "event_destination": Block(
                    "event_destination",
                    body={
                        "enabled": True,
                        "matching_event_types": ["BOUNCE", "COMPLAINT"],
                        "sns_destination": Block(
                            "sns_destination", body={"topic_arn": Expr(f"{topic}.arn")}
                        ),
                    },
                ),
            },
            block="ses",
        )
    )


def _cognito_sender(bp: Blueprint, sender: object) -> None:
    """A user pool in the design mails its verification codes through this SES identity."""
    pool = bp.find("aws_cognito_user_pool.main")
    if pool is None or not sender:
        return
    pool.body["email_configuration"] = Block(
        "email_configuration",
        body={
            "email_sending_account": "DEVELOPER",
            "from_email_address": str(sender),
            "source_arn": Expr("aws_sesv2_email_identity.sender.arn"),
            "configuration_set": Expr("aws_sesv2_configuration_set.main.configuration_set_name"),
        },
    )


def _domain_identity(bp: Blueprint, domain: str | None = None) -> None:
    bp.add(
        ResourceSpec(
            "aws_sesv2_email_identity",
            "domain",
            "messaging",
            "The domain as a sending identity, signed with Easy DKIM so mail is not marked as spam.",
            {
                "email_identity": domain or Expr("var.domain_name"),
                "dkim_signing_attributes": Block(
                    "dkim_signing_attributes", body={"next_signing_key_length": "RSA_2048_BIT"}
                ),
                "configuration_set_name": Expr(
                    "aws_sesv2_configuration_set.main.configuration_set_name"
                ),
                "tags": tags("email-domain"),
            },
            block="ses",
        )
    )
    if domain is None and bp.has("aws_route53_zone.main"):
        bp.add(
            ResourceSpec(
                "aws_route53_record",
                "ses_dkim",
                "edge",
                "The three DKIM records that prove the domain to SES and sign its mail.",
                {
                    "count": 3,
                    "zone_id": Expr(ZONE_ID),
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


def _cognito_build(bp: Blueprint, ctx: Context) -> None:
    _cognito_sender(bp, ctx.req.params.get("ses.from_address"))


CAPABILITIES = [
    declare(
        "ses",
        build=build,
        readers={
            "ses.from_address": _FROM_ADDRESS,
            "ses.verify_domain": _VERIFY_DOMAIN,
            "ses.notifications": _NOTIFICATIONS,
        },
    ),
    declare(
        "ses_cognito",
        build=_cognito_build,
        applies=lambda req: "ses" in req.services and "cognito" in req.services,
    ),
]
