"""Route and guard: is this a design request, a follow-up to one, or something to refuse?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from autcloud.agent.lexicon import lexicon
from autcloud.agent.patterns import patterns
from autcloud.agent.regions import find_region
from autcloud.agent.requirements import (
    AURORA,
    COMPLIANCE,
    ENGINES,
    FEATURES,
    GENERIC_DATABASE,
    WORKLOADS,
    find_words,
)
from autcloud.agent.secrets import CREDENTIAL_WORDS, find_secrets, normalise


class Route(StrEnum):
    DESIGN = "design"
    FOLLOW_UP = "follow_up"
    REFUSED = "refused"


@dataclass(frozen=True)
class Decision:
    route: Route
    reason: str = ""
    code: str = ""  # a CamelCase reason a program can switch on


PATTERNS = patterns("guard")
# Built from secrets.CREDENTIAL_WORDS, the words the secret finder's own credential pattern reads
# too: one list for both, so this one pattern stays in code.
_CREDENTIAL_INTO_CODE = re.compile(
    rf"\b(?:hard-?code|hardcoded|embed|put|include|write|store|place|output|print|expose|show|return|commit|add|pass|inject|bake)\w*\b"
    rf".{{0,40}}\b(?:{CREDENTIAL_WORDS}|(?:db|database) (?:login|credentials?))\b.{{0,50}}\b(?:terraform|code|outputs?|\.tf|tf files?|plain ?text|variables? defaults?|repo|repository|git|state|user ?data|environment variables? in plain)",
    re.IGNORECASE,
)
_INFRA_WORDS = (
    (
        "aws",
        "amazon web services",
        "infrastructure",
        "infra",
        "terraform",
        "cloud",
        "deploy",
        "deployment",
        "architecture",
        "hosting",
        "host",
        "vpc",
        "network",
        "production",
        "environment",
        "stack",
        "baseline",
        "secrets manager",
        "parameter store",
        "kms",
        "iam",
        "cloudwatch",
        "monitoring",
        "alarms",
        "load balancer",
        "alb",
        "nat gateway",
        "subnet",
        "subnets",
        "ecr",
        "endpoint",
    ),
    (
        "인프라",
        "클라우드",
        "배포",
        "아키텍처",
        "구성",
        "호스팅",
        "네트워크",
        "환경",
        "테라폼",
        "구축",
        "설계",
        "모니터링",
        "로드밸런서",
        "로드 밸런서",
        "서브넷",
        "시크릿 매니저",
    ),
)


def route(request: str, follow_ups: list[str]) -> Decision:
    """Decide what to do with a request; every later message is screened the same way."""
    for text in (request, *follow_ups):
        refusal = screen(text)
        if refusal is not None:
            return refusal
    if not _relevant(request):
        return Decision(
            Route.REFUSED,
            "This does not look like an infrastructure request. Describe what you want to run on AWS, "
            "for example: 'a web API with PostgreSQL in Seoul'.",
            "OffTopic",
        )
    return Decision(Route.FOLLOW_UP if follow_ups else Route.DESIGN)


def screen(text: str) -> Decision | None:
    """A refusal for one message, or None when it is fine. Read as it renders: look-alike
    letters and invisible characters do not hide an injection or a secret."""
    text = normalise(text)
    if PATTERNS["injection"].search(text):
        return Decision(
            Route.REFUSED,
            "The request tries to override the designer's instructions; describe the infrastructure you need instead.",
            "PromptInjection",
        )
    if find_secrets(text):
        return Decision(
            Route.REFUSED,
            "The request contains a credential. Never paste secrets into a request: designs keep passwords in "
            "AWS Secrets Manager (manage_master_user_password) and read keys from the environment. Rotate that credential.",
            "SecretInRequest",
        )
    if _asks_credentials_into_code(text):
        return Decision(
            Route.REFUSED,
            "Credentials must not be written into Terraform, outputs or Git. The design stores them in AWS Secrets "
            "Manager instead; ask for that, for example 'keep the database password in Secrets Manager'.",
            "SecretsInInfrastructure",
        )
    if PATTERNS["other_clouds"].search(text) and not PATTERNS["aws"].search(text):
        return Decision(
            Route.REFUSED,
            "AutCloud designs for AWS only; ask for the AWS equivalent.",
            "UnsupportedCloud",
        )
    return None


def _asks_credentials_into_code(text: str) -> bool:
    """Asking for a credential in Terraform, outputs or Git; not "don't hardcode the password"."""
    for match in _CREDENTIAL_INTO_CODE.finditer(text):
        if PATTERNS["safe_store"].search(match.group(0)):
            continue
        if PATTERNS["en_negation_before"].search(text[max(0, match.start() - 24) : match.start()]):
            continue
        return True
    for match in PATTERNS["ko_credential_into_code"].finditer(text):
        if PATTERNS["safe_store"].search(match.group(0)):
            continue
        if PATTERNS["ko_negation_after"].search(text[match.end() : match.end() + 16]):
            continue
        return True
    return False


def _relevant(text: str) -> bool:
    if PATTERNS["creative_task"].search(text) and not PATTERNS["product_noun"].search(text):
        return False
    vocabularies = [
        *WORKLOADS.values(),
        *FEATURES.values(),
        *ENGINES.values(),
        *COMPLIANCE.values(),
        AURORA,
        GENERIC_DATABASE,
        _INFRA_WORDS,
    ]
    if any(find_words(words, text) for words in vocabularies):
        return True
    lex = lexicon()
    if any(
        find_words(lex.words(key), text)
        for key in lex.concept_keys()
        if key.partition(".")[0] in ("service", "unsupported", "exposure")
    ):
        return True
    if PATTERNS["off_topic_tasks"].search(text) and not PATTERNS["build_verbs"].search(text):
        return False
    return find_region(text) is not None and bool(PATTERNS["build_verbs"].search(text))
