"""ARNs: which supported kind a resource is, its region and its short id.

The tagging API answers with ARNs only, so the kind of each resource is read from its ARN
(``arn:partition:service:region:account:resource``) rather than trusted from a type filter.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every kind a ProjectTag may name (the CRD's resourceKinds enum), in the CRD's order.
SUPPORTED_KINDS: tuple[str, ...] = (
    "ec2:instance",
    "ec2:vpc",
    "ec2:subnet",
    "ec2:security-group",
    "ec2:natgateway",
    "ec2:internet-gateway",
    "ec2:volume",
    "rds:db",
    "rds:cluster",
    "s3:bucket",
    "lambda:function",
    "elasticache:cluster",
    "elasticloadbalancing:loadbalancer",
    "elasticloadbalancing:targetgroup",
    "dynamodb:table",
    "ecs:cluster",
    "ecs:service",
    "eks:cluster",
    "sqs:queue",
    "sns:topic",
    "logs:log-group",
    "kms:key",
    "secretsmanager:secret",
    "cloudfront:distribution",
)
GLOBAL_KINDS = frozenset({"cloudfront:distribution"})
# Services whose ARNs carry no resource type: the service alone names the kind.
_TYPELESS = {"s3": "s3:bucket", "sqs": "sqs:queue", "sns": "sns:topic"}


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the account, e.g. "instance/i-0abc"

    @property
    def kind(self) -> str | None:
        """The supported kind (``ec2:instance``), or None for anything else."""
        if self.service in _TYPELESS:
            return _TYPELESS[self.service] if ":" not in self.resource else None
        resource_type = self.resource.replace(":", "/").split("/", 1)[0]
        kind = f"{self.service}:{resource_type}"
        if kind == "elasticloadbalancing:loadbalancer" and self.resource.startswith(
            "loadbalancer/net/"
        ):
            return kind  # network load balancers are load balancers too
        return kind if kind in SUPPORTED_KINDS else None

    @property
    def resource_id(self) -> str:
        """The part after the resource type: ``i-0abc``, ``app/web/50dc6c495c0c9188``, a name."""
        if self.service in _TYPELESS:
            return self.resource
        for separator in ("/", ":"):
            if separator in self.resource:
                return self.resource.split(separator, 1)[1]
        return self.resource


def parse_arn(text: str) -> Arn:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"{text!r} is not an ARN (arn:partition:service:region:account:resource)")
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def kind_of(arn: str) -> str | None:
    try:
        return parse_arn(arn).kind
    except ValueError:
        return None
