"""Map every check to a Well-Architected pillar and score each pillar.

A check belongs to one pillar: first by our explicit table (our own checks and the checkov
checks our designs meet or skip), then by what its name says it is about (encryption → security,
backups → reliability, logging → operational excellence, ...). docs/quality-gate.md explains it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

# The six pillars in the order they are reported (design.json's schema names them from here).
Pillar = Literal[
    "operational_excellence",
    "security",
    "reliability",
    "performance_efficiency",
    "cost_optimization",
    "sustainability",
]
PILLARS: tuple[Pillar, ...] = get_args(Pillar)

EXPLICIT: dict[str, Pillar] = {
    "intent.region": "operational_excellence",
    "intent.engine": "performance_efficiency",
    "intent.value": "operational_excellence",
    "intent.encryption": "security",
    "intent.public_database": "security",
    "intent.availability": "reliability",
    "intent.budget": "cost_optimization",
    "terraform.validate": "operational_excellence",
    "terraform.fmt": "operational_excellence",
    "references.resource": "operational_excellence",
    "secrets.literal": "security",
    "secrets.credential": "security",
    "CKV_AWS_144": "reliability",  # cross-region replication
    "CKV2_AWS_61": "cost_optimization",  # S3 lifecycle
    "CKV2_AWS_62": "operational_excellence",  # S3 event notifications
    "CKV_AWS_338": "operational_excellence",  # log retention
    "CKV_AWS_157": "reliability",  # RDS Multi-AZ
    "CKV_AWS_118": "performance_efficiency",  # enhanced monitoring
    "CKV_AWS_353": "performance_efficiency",  # performance insights
    "CKV_AWS_354": "security",
    "CKV_AWS_310": "reliability",  # CloudFront origin failover
    "CKV_AWS_65": "operational_excellence",  # container insights
    "CKV_AWS_115": "performance_efficiency",  # Lambda concurrency limit
    "CKV_AWS_116": "reliability",  # Lambda DLQ
    "CKV_AWS_50": "operational_excellence",  # X-Ray tracing
    "CKV_AWS_28": "reliability",  # DynamoDB PITR
    "CKV_AWS_394": "reliability",
}
_KEYWORDS: tuple[tuple[Pillar, tuple[str, ...]], ...] = (
    (
        "security",
        (
            "encrypt",
            "kms",
            "public",
            "iam",
            "tls",
            "ssl",
            "https",
            "secret",
            "password",
            "waf",
            "imds",
            "security group",
            "ingress",
            "privilege",
            "auth",
            "signing",
            "certificate",
            "0.0.0.0",
            "admin",
            "policy",
        ),
    ),
    (
        "reliability",
        (
            "backup",
            "multi-az",
            "multi az",
            "deletion protection",
            "replica",
            "failover",
            "recovery",
            "snapshot",
            "versioning",
            "redundan",
            "dead letter",
            "health",
        ),
    ),
    (
        "operational_excellence",
        ("log", "monitor", "trac", "alarm", "insight", "notification", "audit", "metric"),
    ),
    ("cost_optimization", ("lifecycle", "cost", "budget", "reserved", "spot")),
    ("performance_efficiency", ("performance", "concurren", "cache", "gp3", "throughput")),
    ("sustainability", ("graviton", "arm64", "idle", "rightsiz")),
)


@dataclass(frozen=True)
class CheckOutcome:
    check_id: str
    name: str
    passed: bool
    address: str = ""


@dataclass
class PillarScore:
    pillar: Pillar
    # 0..100, the share of the pillar's checks that passed; None when no check of the pillar ran:
    # "not assessed", never a perfect score for want of evidence.
    score: int | None
    passed: int = 0
    failed: int = 0
    failing: list[str] = field(default_factory=list)  # "CKV_AWS_16 aws_db_instance.main: ..."

    @property
    def assessed(self) -> bool:
        return self.score is not None

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "assessed": self.assessed}


def pillar_of(check_id: str, name: str = "") -> Pillar:
    if check_id in EXPLICIT:
        return EXPLICIT[check_id]
    lowered = f"{check_id} {name}".lower()
    for pillar, words in _KEYWORDS:
        if any(word in lowered for word in words):
            return pillar
    return "operational_excellence"


def score(outcomes: Iterable[CheckOutcome]) -> list[PillarScore]:
    scores = {pillar: PillarScore(pillar, None) for pillar in PILLARS}
    for outcome in outcomes:
        entry = scores[pillar_of(outcome.check_id, outcome.name)]
        if outcome.passed:
            entry.passed += 1
        else:
            entry.failed += 1
            entry.failing.append(f"{outcome.check_id} {outcome.address}: {outcome.name}".strip())
    for entry in scores.values():
        total = entry.passed + entry.failed
        entry.score = None if total == 0 else round(100 * entry.passed / total)
    return list(scores.values())
