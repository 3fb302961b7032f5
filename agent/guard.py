"""Route and guard: is this a design request, a follow-up to one, or something to refuse?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from autcloud.agent.regions import find_region
from autcloud.agent.requirements import COMPLIANCE, ENGINES, FEATURES, WORKLOADS, _find


class Route(StrEnum):
    DESIGN = "design"
    FOLLOW_UP = "follow_up"
    REFUSED = "refused"


@dataclass(frozen=True)
class Decision:
    route: Route
    reason: str = ""
    code: str = ""  # a CamelCase reason a program can switch on


_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier|preceding) (?:instructions|prompts?|rules)"
    r"|disregard (?:all |the |your )?(?:previous |prior )?(?:instructions|rules|guidelines)"
    r"|(?:reveal|print|show|repeat) (?:me )?(?:your|the) (?:system )?prompt|system prompt"
    r"|you are now\b|act as (?:an? )?(?:unrestricted|jailbroken)|jailbreak|developer mode"
    r"|이전 (?:지시|명령|지침)(?:을|를|은|는)? ?(?:모두 )?무시|시스템 프롬프트|프롬프트를 (?:보여|출력|알려)",
    re.IGNORECASE,
)
_AWS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_CREDENTIAL = r"(?:passwords?|passwd|secrets?|credentials?|access[ _-]?keys?|secret[ _-]?keys?|api[ _-]?keys?|tokens?|private[ _-]?keys?)"
_LITERAL_CREDENTIAL = re.compile(
    rf"\b{_CREDENTIAL}\s*(?:=|:|is|was)\s*[\"']?[^\s\"',.]{{4,}}", re.IGNORECASE
)
_CREDENTIAL_INTO_CODE = re.compile(
    rf"\b(?:hard-?code|hardcoded|embed|put|include|write|store|place|output|print|expose|show|return|commit)\w*\b"
    rf".{{0,40}}\b{_CREDENTIAL}\b.{{0,50}}\b(?:terraform|code|outputs?|\.tf|tf files?|plain ?text|variables? defaults?|repo|repository|git|state|user ?data|environment variables? in plain)",
    re.IGNORECASE,
)
_KO_CREDENTIAL_INTO_CODE = re.compile(
    r"(?:비밀번호|패스워드|암호|시크릿|액세스 ?키|시크릿 ?키|자격 ?증명|토큰|api ?키)"
    r".{0,30}(?:코드에|테라폼에|테라폼 코드|출력(?:값|에|해)|하드코딩|평문|그대로 넣|넣어|깃에|레포에)"
)
_KO_LITERAL = re.compile(r"(?:비밀번호|패스워드|암호)(?:는|은|:|=)\s*\S{4,}")
_OTHER_CLOUDS = re.compile(
    r"\b(?:gcp|google cloud|azure|alibaba cloud|oracle cloud|oci|digitalocean|linode|naver cloud|ncp|kt cloud)\b"
    r"|구글 클라우드|애저|네이버 클라우드|알리바바 클라우드",
    re.IGNORECASE,
)
_OFF_TOPIC_TASKS = re.compile(
    r"\b(?:poem|poems|song|lyrics|joke|story|recipe|essay|horoscope|weather|translate|homework|love letter)\b"
    r"|시를|노래|농담|레시피|요리|날씨|번역|숙제|운세",
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
    ),
)
_BUILD_VERBS = re.compile(
    r"\b(?:build|create|deploy|set ?up|design|make|provision|need|host|run|spin up|give me|i want)\b"
    r"|구성|만들|배포|설계|구축|필요|올려|띄워",
    re.IGNORECASE,
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
    """A refusal for one message, or None when it is fine."""
    if _INJECTION.search(text):
        return Decision(
            Route.REFUSED,
            "The request tries to override the designer's instructions; describe the infrastructure you need instead.",
            "PromptInjection",
        )
    if _AWS_KEY.search(text) or _LITERAL_CREDENTIAL.search(text) or _KO_LITERAL.search(text):
        return Decision(
            Route.REFUSED,
            "The request contains a credential. Never paste secrets into a request: designs keep passwords in "
            "AWS Secrets Manager (manage_master_user_password) and read keys from the environment. Rotate that credential.",
            "SecretInRequest",
        )
    if _CREDENTIAL_INTO_CODE.search(text) or _KO_CREDENTIAL_INTO_CODE.search(text):
        return Decision(
            Route.REFUSED,
            "Credentials must not be written into Terraform, outputs or Git. The design stores them in AWS Secrets "
            "Manager instead; ask for that, for example 'keep the database password in Secrets Manager'.",
            "SecretsInInfrastructure",
        )
    if _OTHER_CLOUDS.search(text) and not re.search(r"\baws\b|amazon", text, re.IGNORECASE):
        return Decision(
            Route.REFUSED,
            "AutCloud designs for AWS only; ask for the AWS equivalent.",
            "UnsupportedCloud",
        )
    return None


def _relevant(text: str) -> bool:
    if _OFF_TOPIC_TASKS.search(text) and not _BUILD_VERBS.search(text):
        return False
    vocabularies = [
        *WORKLOADS.values(),
        *FEATURES.values(),
        *ENGINES.values(),
        *COMPLIANCE.values(),
        _INFRA_WORDS,
    ]
    if any(_find(words, text) for words in vocabularies):
        return not (_OFF_TOPIC_TASKS.search(text) and not _BUILD_VERBS.search(text))
    return find_region(text) is not None and bool(_BUILD_VERBS.search(text))
