"""Route and guard: is this a design request, a follow-up to one, or something to refuse?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from autcloud.agent.lexicon import lexicon
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


_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|of\s+)?(?:the\s+|your\s+|my\s+|these\s+)?"
    r"(?:(?:previous|prior|above|earlier|preceding|original|initial|system|existing)\s+)?"
    r"(?:instructions|prompts?|directions|guidelines|directives)\b"
    r"|\b(?:ignore|disregard|forget)\s+(?:everything\s+|all\s+|the\s+text\s+|the\s+)?(?:above|before this)\b"
    r"|\b(?:your|previous|prior|system)\s+rules\b"
    r"|(?:reveal|print|show|repeat|output) (?:me )?(?:your|the) (?:system |hidden |initial )?prompt|system prompt"
    r"|you are now\b|pretend (?:you are|to be)\b|act as (?:an? )?(?:unrestricted|jailbroken)|jailbreak|developer mode"
    r"|(?:지시|명령|지침|규칙|프롬프트)\s*(?:사항|들)?\s*(?:을|를|은|는|이|가)?\s*(?:모두\s*|전부\s*|다\s*)?무시"
    r"|(?:지시|명령|지침|규칙)\s*(?:사항|들)?\s*(?:을|를|은|는)?\s*(?:모두\s*|전부\s*|다\s*)?잊어"
    r"|시스템\s*프롬프트|프롬프트\s*를\s*(?:보여|출력|알려)",
    re.IGNORECASE,
)
_CREDENTIAL_INTO_CODE = re.compile(
    rf"\b(?:hard-?code|hardcoded|embed|put|include|write|store|place|output|print|expose|show|return|commit|add|pass|inject|bake)\w*\b"
    rf".{{0,40}}\b(?:{CREDENTIAL_WORDS}|(?:db|database) (?:login|credentials?))\b.{{0,50}}\b(?:terraform|code|outputs?|\.tf|tf files?|plain ?text|variables? defaults?|repo|repository|git|state|user ?data|environment variables? in plain)",
    re.IGNORECASE,
)
_KO_CREDENTIAL_INTO_CODE = re.compile(
    r"(?:비밀번호|패스워드|암호|시크릿|액세스 ?키|시크릿 ?키|자격 ?증명|토큰|api ?키|접속 ?정보)"
    r".{0,30}(?:코드에|테라폼에|테라폼 코드|출력(?:값|에|해)|outputs?에|아웃풋|하드코딩|평문|그대로 넣|넣어|깃에|레포에)",
    re.IGNORECASE,
)
# The safe place named between the credential and the code: "in Secrets Manager, read in the code".
_SAFE_STORE = re.compile(
    r"secrets?[ -]?manager|parameter store|ssm|vault|kms|시크릿 ?매니저|시크릿 ?관리자|파라미터 스토어",
    re.IGNORECASE,
)
_EN_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:don't|do not|never|not|avoid|without|no|nor|mustn't|shouldn't|stop)\s+(?:\w+\s+)?)$",
    re.IGNORECASE,
)
_KO_NEGATION_AFTER = re.compile(r"^\S{0,8}\s*(?:\S{0,4}지\s*(?:않|마|말)|금지|안\s*(?:되|돼)|않)")
_OTHER_CLOUDS = re.compile(
    r"\b(?:gcp|google cloud|azure|alibaba cloud|oracle cloud|digitalocean|linode|naver cloud|ncp|kt cloud)\b"
    r"|\boci\b(?!\s*(?:images?|containers?|registry|registries|artifacts?|compliant|spec|runtime|format|distribution))"
    r"|구글 클라우드|애저|네이버 클라우드|알리바바 클라우드",
    re.IGNORECASE,
)
# Things people ask a chatbot for that are not infrastructure. As the subject of an application
# ("a weather API", "a recipe-sharing site") they are fine: see _relevant.
_OFF_TOPIC_TASKS = re.compile(
    r"\b(?:poem|poems|song|lyrics|joke|story|recipe|essay|horoscope|weather|translate|homework|love letter)\b"
    r"|시를|노래|농담|레시피|요리|날씨|번역|숙제|운세",
    re.IGNORECASE,
)
# Asking for the creative work itself ("write me a poem about Kubernetes"): never a design.
_CREATIVE_TASK = re.compile(
    r"\b(?:write|compose|tell|sing|recite|make|create|give)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|some\s+|the\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:poem|poems|song|songs|lyrics|joke|jokes|story|stories|essay|love letter|haiku|limerick)\b"
    r"|시를?\s*(?:한\s*편\s*)?(?:써|지어)|노래(?:를)?\s*(?:불러|지어|추천)|농담\s*(?:을|를|좀|하나)?\s*(?:해|들려)|운세",
    re.IGNORECASE,
)
# What an application would be: with one named, a creative word is its subject ("a song lyrics site").
_PRODUCT_NOUN = re.compile(
    r"\b(?:site|website|app|application|service|platform|api|backend|database|store|bot)\b"
    r"|사이트|서비스|앱|플랫폼|백엔드|데이터베이스",
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
    """A refusal for one message, or None when it is fine. Read as it renders: look-alike
    letters and invisible characters do not hide an injection or a secret."""
    text = normalise(text)
    if _INJECTION.search(text):
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
    if _OTHER_CLOUDS.search(text) and not re.search(r"\baws\b|amazon", text, re.IGNORECASE):
        return Decision(
            Route.REFUSED,
            "AutCloud designs for AWS only; ask for the AWS equivalent.",
            "UnsupportedCloud",
        )
    return None


def _asks_credentials_into_code(text: str) -> bool:
    """Asking for a credential in Terraform, outputs or Git; not "don't hardcode the password"."""
    for match in _CREDENTIAL_INTO_CODE.finditer(text):
        if _SAFE_STORE.search(match.group(0)):
            continue
        if _EN_NEGATION_BEFORE.search(text[max(0, match.start() - 24) : match.start()]):
            continue
        return True
    for match in _KO_CREDENTIAL_INTO_CODE.finditer(text):
        if _SAFE_STORE.search(match.group(0)):
            continue
        if _KO_NEGATION_AFTER.search(text[match.end() : match.end() + 16]):
            continue
        return True
    return False


def _relevant(text: str) -> bool:
    if _CREATIVE_TASK.search(text) and not _PRODUCT_NOUN.search(text):
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
    if _OFF_TOPIC_TASKS.search(text) and not _BUILD_VERBS.search(text):
        return False
    return find_region(text) is not None and bool(_BUILD_VERBS.search(text))
