"""Gather requirements from plain language (English and Korean).

Each message (the request, an answer, a follow-up change) is read into :class:`Signals`: only
what that message says, with features it asks to add or remove. Folding the signals of a
conversation in order gives :class:`Requirements`; what is still missing becomes a question,
or, when defaults may be assumed, a documented default listed as an assumption.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from autcloud.agent.cost.prices import default_table
from autcloud.agent.ledger import Ask
from autcloud.agent.lexicon import HANGUL, Words, domain_pattern, lexicon
from autcloud.agent.patterns import patterns
from autcloud.agent.regions import find_region_mention, get_region

# ---------------------------------------------------------------------------------------------
# Vocabulary: the words live in agent/lexicon/<language>.yaml; these are views of it by group.
# The patterns that read amounts, names, times and sizes live in agent/patterns/requirements.yaml.

_LEXICON = lexicon()
PATTERNS = patterns("requirements")
WORKLOADS: dict[str, Words] = _LEXICON.table("workload")
ENGINES: dict[str, Words] = _LEXICON.table("engine")
RELATIONAL_ENGINES = ("postgres", "mysql", "aurora-postgresql", "aurora-mysql")
FEATURES: dict[str, Words] = _LEXICON.table("feature")
COMPLIANCE: dict[str, Words] = _LEXICON.table("compliance")
AURORA: Words = _LEXICON.words("engine_family.aurora")
GENERIC_DATABASE: Words = _LEXICON.words("database.generic")
HA_WORDS: Words = _LEXICON.words("availability.high")
LOW_COST_WORDS: Words = _LEXICON.words("cost.low")
NEGATIONS_EN, NEGATIONS_KO = _LEXICON.negations()

# Documented defaults, taken with --yes (or spec.assumeDefaults) and listed as assumptions.
DEFAULT_REGION_EN = "us-east-1"
DEFAULT_REGION_KO = "ap-northeast-2"
DEFAULT_WORKLOAD = "web_api"
DEFAULT_ENGINE = "postgres"
DEFAULT_DAILY_USERS = 10_000
KRW_PER_USD = default_table().krw_per_usd  # the price table's fixed rate (docs/cost.md)

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
IMAGE = re.compile(
    r"(?<![\w@/.-])(?=[a-z0-9./:-]*[a-z])((?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9._-]+(?:/[a-z0-9._-]+)*:[\w][\w.-]{0,127}"
    r"|(?:[a-z0-9-]+\.)+[a-z]{2,}/[a-z0-9._/-]+)(?![\w])"
)
DOMAIN = domain_pattern()
_NOT_DOMAINS = {"asp.net", "vb.net", "ado.net", "socket.io", "chart.js", "p5.js"}
INSTANCE_TYPE = re.compile(
    # Not after a dot: "kafka.m7g.large" and "mq.m5.large" are other services' classes.
    r"(?<![\w.])((?:db\.|cache\.)?[a-z]{1,3}\d[a-z0-9-]*\.(?:nano|micro|small|medium|large|\d*xlarge))(?![A-Za-z0-9_])"
)


@dataclass
class Budget:
    amount: float
    currency: str  # USD | KRW

    @property
    def monthly_usd(self) -> float:
        return self.amount if self.currency == "USD" else round(self.amount / KRW_PER_USD, 2)


@dataclass
class Signals:
    """What one message says. ``None`` and empty sets mean 'not mentioned'."""

    language: str = "en"
    region: str | None = None
    add: set[str] = field(default_factory=set)  # workloads, engines, features, compliance
    remove: set[str] = field(default_factory=set)
    generic_database: bool = False
    high_availability: bool | None = None
    low_cost: bool = False
    budget: Budget | None = None
    daily_users: int | None = None
    requests_per_second: int | None = None
    domain: str | None = None
    container_image: str | None = None
    container_port: int | None = None
    emails: list[str] = field(default_factory=list)
    min_capacity: int | None = None
    max_capacity: int | None = None
    desired_count: int | None = None
    instance_type: str | None = None
    db_instance_class: str | None = None
    cache_node_type: str | None = None
    storage_gb: int | None = None
    schedule_expression: str | None = None
    schedule_timezone: str | None = None
    project: str | None = None
    log_retention_days: int | None = None
    budget_choice: list[str] | None = None  # answer to the budget question: structure ids
    asks: list[Ask] = field(default_factory=list)  # the ledger's view: each ask with its words
    quotes: dict[str, str] = field(default_factory=dict)  # field -> the words that stated it


@dataclass
class Question:
    id: str
    text: str
    default: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Requirements:
    """Everything the planner needs, with what was stated kept apart from what was assumed."""

    language: str = "en"
    project: str = "app"
    environment: str = "prod"
    region: str = DEFAULT_REGION_EN
    workloads: list[str] = field(default_factory=list)
    compute: str = "ecs"  # ecs | ec2 | eks | lambda | none
    databases: list[str] = field(default_factory=list)  # engines
    features: list[str] = field(default_factory=list)
    compliance: list[str] = field(default_factory=list)
    high_availability: bool = False
    budget: Budget | None = None
    daily_users: int = DEFAULT_DAILY_USERS
    requests_per_second: int | None = None
    domain: str | None = None
    container_image: str | None = None
    container_port: int = 8080
    alert_emails: list[str] = field(default_factory=list)
    min_capacity: int | None = None
    max_capacity: int | None = None
    desired_count: int | None = None
    instance_type: str | None = None
    db_instance_class: str | None = None
    cache_node_type: str | None = None
    storage_gb: int | None = None
    schedule_expression: str | None = None
    schedule_timezone: str | None = None
    log_retention_days: int = 365  # a year: incident and audit look-backs need it
    stated: list[str] = field(default_factory=list)  # names of fields the person gave
    services: list[str] = field(default_factory=list)  # capability keys asked for by name
    params: dict[str, Any] = field(default_factory=dict)  # capability parameters stated
    private: bool = False  # "internal only", "VPN only": no internet-facing entry point
    no_load_balancer: bool = False  # "no load balancer": asked away
    budget_choice: list[str] = field(default_factory=list)  # cheaper structures chosen (answer)
    asks: list[Ask] = field(default_factory=list)  # every ask, in conversation order

    def has(self, feature: str) -> bool:
        return feature in self.features

    def needs_vpc(self) -> bool:
        """Servers, relational databases, caches and batch jobs run inside a VPC."""
        relational = any(engine in RELATIONAL_ENGINES for engine in self.databases)
        return (
            self.compute in ("ecs", "ec2", "eks")
            or relational
            or self.has("cache")
            or self.has("batch")
        )

    def has_web(self) -> bool:
        """Whether people or programs call it over HTTP (so it needs a front door)."""
        return bool({"web_api", "realtime"} & set(self.workloads))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["asks"] = [ask.model_dump(mode="json") for ask in self.asks]
        data["budget"] = (
            None
            if self.budget is None
            else {**asdict(self.budget), "monthly_usd": self.budget.monthly_usd}
        )
        return data


# ---------------------------------------------------------------------------------------------
# Reading one message.


def is_korean(text: str) -> bool:
    return bool(HANGUL.search(text))


@cache
def _word_pattern(words: tuple[str, ...], bounds: str) -> re.Pattern[str] | None:
    """One pattern for a concept's words (longest first), compiled once: a request reads ~200
    concepts, so one regular expression each instead of one per word keeps a cold start short."""
    if not words:
        return None
    alternatives = "|".join(
        re.escape(word).replace(r"\ ", r"[\s-]+") for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"(?<!{bounds})(?:{alternatives})(?!{bounds})", re.IGNORECASE)


@cache
def _leading_parts(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.lower().split()[0] for word in words if word.strip())


def _may_occur(words: tuple[str, ...], lowered: str) -> bool:
    """Whether some word's first part is in the text: a match needs it, so most of a request's
    ~200 concepts skip compiling their pattern (regex compilation dominates a cold start)."""
    return any(part in lowered for part in _leading_parts(words))


def find_words(words: Words, text: str) -> list[tuple[int, int]]:
    """Spans where any of the words occurs."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    # Latin letters and digits bound a word; a Korean particle may follow ("PostgreSQL을").
    english = _word_pattern(words[0], "[A-Za-z0-9_-]") if _may_occur(words[0], lowered) else None
    if english is not None:
        spans.extend(match.span() for match in english.finditer(text))
    # A Latin word in the Korean list ("api", "db", "ml") must not match inside an English word
    # ("rapid", "feedback", "html"); a Korean particle may follow it.
    latin_words = tuple(w for w in words[1] if not HANGUL.search(w))
    latin = _word_pattern(latin_words, "[a-z0-9]") if _may_occur(latin_words, lowered) else None
    if latin is not None:
        spans.extend(match.span() for match in latin.finditer(text))
    for word in words[1]:
        if not HANGUL.search(word):
            continue
        start = lowered.find(word)
        while start >= 0:
            if not _inside_longer_korean_word(lowered, start, word):
                spans.append((start, start + len(word)))
            start = lowered.find(word, start + 1)
    return spans


def _korean_vocabulary() -> tuple[str, ...]:
    # The core's own words only: a service word ("서버리스 캐시") must not hide the feature in it.
    return _LEXICON.particle_vocabulary(_CORE_GROUPS)


_CORE_GROUPS = (
    "workload", "engine", "engine_family", "feature", "compliance", "database", "availability",
    "cost", "web",
)  # fmt: skip


def _inside_longer_korean_word(lowered: str, start: int, word: str) -> bool:
    """Whether a Korean match is part of a longer vocabulary word: "웹" in "웹소켓", "서버" in "서버리스"."""
    for longer in _korean_vocabulary():
        if len(longer) <= len(word) or word not in longer:
            continue
        offset = longer.find(word)
        while offset >= 0:
            if lowered.startswith(longer, start - offset) and start - offset >= 0:
                return True
            offset = longer.find(word, offset + 1)
    return False


def blank_quoted_names(text: str) -> str:
    """``text`` with the quoted names of things blanked (same length, so spans still quote the
    text): the "batch" namespace, topic "orders" name a thing; they ask for no service."""

    def blank(match: re.Match[str]) -> str:
        if match.group("before"):
            return " " * len(match.group("before"))
        return match.group("noun") + " " * len(match.group("after"))

    return PATTERNS["quoted_name"].sub(blank, text)


def is_negated(text: str, span: tuple[int, int]) -> bool:
    """Whether a mention is asked away: "without Redis", "no cache", "레디스 빼줘"."""
    before = text[max(0, span[0] - 24) : span[0]].lower()
    after = text[span[1] : span[1] + 12]
    if any(re.search(rf"(?<![\w]){re.escape(n)}\s+(?:\w+\s+)?$", before) for n in NEGATIONS_EN):
        return True
    # "switch Postgres to MySQL", "move from Redis to Valkey": what is left behind is asked away.
    if PATTERNS["switch_from"].search(before) and PATTERNS["switch_to"].match(
        text[span[1] : span[1] + 24]
    ):
        return True
    # "포스트그레스에서 MySQL로 바꿔줘"
    if PATTERNS["switch_ko"].match(text[span[1] : span[1] + 40]):
        return True
    return any(
        after.lstrip().startswith(n) or after.startswith(f"는 {n}") for n in NEGATIONS_KO
    ) or any(re.match(rf"^\s*\S{{0,3}}\s*{re.escape(n)}", after) for n in NEGATIONS_KO)


def _mentions(words: Words, text: str) -> tuple[bool, bool]:
    """(asked for, asked away) for a feature's words in a message."""
    spans = find_words(words, text)
    positive = any(not is_negated(text, span) for span in spans)
    negative = any(is_negated(text, span) for span in spans)
    return positive, negative


_KO_UNITS = {"만": 10_000, "천": 1_000, "억": 100_000_000, "백": 100}
_EN_UNITS = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000, "mm": 1_000_000}


def parse_number(number: str, unit: str = "") -> float:
    value = float(number.replace(",", ""))
    unit = unit.strip().lower()
    if unit in _EN_UNITS:
        value *= _EN_UNITS[unit]
    elif unit:
        multiplier = 1.0
        for char in unit:
            multiplier *= _KO_UNITS.get(char, 1)
        value *= multiplier
    return value


def _budget(text: str, quotes: dict[str, str]) -> Budget | None:
    for currency, key in (("USD", "budget_usd"), ("KRW", "budget_krw")):
        for pattern in PATTERNS.each(key):
            match = pattern.search(text)
            if match:
                amount = parse_number(match.group(1), match.group(2) or "")
                if amount > 0:
                    quotes["budget"] = match.group(0).strip()
                    return Budget(amount=amount, currency=currency)
    return None


@dataclass(frozen=True)
class _Count:
    """One way a count is stated: group 1 the number, group 2 its unit ("만", "k")."""

    pattern: re.Pattern[str]
    per_day: int = 1  # monthly users: a tenth of them a day
    only_with: re.Pattern[str] | None = None  # a word elsewhere that makes the match mean it


# Daily users, in the order they are tried: the most explicit statement first.
_DAILY_USERS = (
    _Count(PATTERNS["dau"]),
    _Count(PATTERNS["daily_users"]),
    _Count(PATTERNS["monthly_users"], per_day=10),
    _Count(PATTERNS["daily_users_ko"]),
    _Count(PATTERNS["people_ko"], only_with=PATTERNS["daily_ko"]),
    _Count(PATTERNS["monthly_users_ko"], per_day=10),
    _Count(PATTERNS["users"]),
    _Count(PATTERNS["users_ko"]),
)
_REQUESTS_PER_SECOND = (
    _Count(PATTERNS["requests_per_second"]),
    _Count(PATTERNS["requests_per_second_ko"]),
)


def _count(text: str, quotes: dict[str, str], key: str, ways: tuple[_Count, ...]) -> int | None:
    """The first stated count (quoted under ``key``), or None."""
    for way in ways:
        match = way.pattern.search(text)
        if match and (way.only_with is None or way.only_with.search(text)):
            quotes[key] = match.group(0).strip()
            number = parse_number(match.group(1), match.group(2) or "")
            return max(1, int(number / way.per_day)) if way.per_day > 1 else int(number)
    return None


def _daily_users(text: str, quotes: dict[str, str]) -> int | None:
    return _count(text, quotes, "daily_users", _DAILY_USERS)


def _rps(text: str, quotes: dict[str, str]) -> int | None:
    return _count(text, quotes, "requests_per_second", _REQUESTS_PER_SECOND)


def _capacity(text: str, signals: Signals) -> None:
    span = PATTERNS["capacity_range"].search(text)
    if span:
        signals.min_capacity, signals.max_capacity = int(span.group(1)), int(span.group(2))
    minimum = PATTERNS["minimum"].search(text) or PATTERNS["at_least"].search(text)
    maximum = PATTERNS["maximum"].search(text) or PATTERNS["at_most"].search(text)
    if minimum:
        signals.min_capacity = int(minimum.group(1))
    if maximum:
        signals.max_capacity = int(maximum.group(1))
    desired = PATTERNS["desired"].search(text) or PATTERNS["desired_ko"].search(text)
    # "max 8 tasks" is a bound, not the normal count.
    bound = desired is not None and PATTERNS["bound_before"].search(text[: desired.start()])
    if desired and not span and not bound:
        signals.desired_count = int(desired.group(1))


_DAYS = {
    "monday": "MON", "tuesday": "TUE", "wednesday": "WED", "thursday": "THU", "friday": "FRI",
    "saturday": "SAT", "sunday": "SUN", "월요일": "MON", "화요일": "TUE", "수요일": "WED",
    "목요일": "THU", "금요일": "FRI", "토요일": "SAT", "일요일": "SUN",
}  # fmt: skip
_TIMEZONES = {
    "utc": "UTC", "gmt": "UTC", "kst": "Asia/Seoul", "seoul time": "Asia/Seoul",
    "한국 시간": "Asia/Seoul", "한국시간": "Asia/Seoul", "jst": "Asia/Tokyo", "tokyo time": "Asia/Tokyo",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "est": "America/New_York", "edt": "America/New_York", "eastern time": "America/New_York",
    "cet": "Europe/Berlin", "sgt": "Asia/Singapore", "ist": "Asia/Kolkata",
}  # fmt: skip
_IANA = re.compile(r"\b((?:Asia|Europe|America|Australia|Africa|Pacific)/[A-Za-z_]+)\b")


def read_clock(text: str) -> tuple[int, int] | None:
    """The time of day a schedule names: "at 02:00", "2am", "새벽 2시", "오후 3시 30분"."""
    ko = PATTERNS["clock_ko"].search(text)
    if ko:
        hour = int(ko.group(2))
        minute = int(ko.group(3)) if ko.group(3) else (30 if ko.group(0).endswith("반") else 0)
        if ko.group(1) in ("오후", "저녁", "밤") and hour < 12:
            hour += 12
        if ko.group(1) == "밤" and hour == 24:
            hour = 0
        return (hour % 24, minute) if hour <= 24 and minute < 60 else None
    en = PATTERNS["clock_en"].search(text)
    if not en:
        return None
    hour_s, minute_s, half = (
        en.group(1, 2, 3)
        if en.group(1)
        else en.group(4, 5, 6)
        if en.group(4)
        else (en.group(7), None, en.group(8))
    )
    hour, minute = int(hour_s), int(minute_s or 0)
    half = (half or "").lower().replace(".", "")
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    return (hour, minute) if hour < 24 and minute < 60 else None


def read_days(text: str) -> str:
    lowered = text.lower()
    if PATTERNS["weekdays"].search(lowered):
        return "MON-FRI"
    if PATTERNS["weekends"].search(lowered):
        return "SAT,SUN"
    named = [
        code
        for word, code in _DAYS.items()
        if re.search(rf"(?:every|each|매주|on)\s*{word}", lowered)
    ]
    return ",".join(dict.fromkeys(named)) if named else "*"


def read_schedule(text: str) -> str | None:
    every = PATTERNS["every"].search(text)
    if every:
        unit = {"min": "minute", "hr": "hour"}.get(every.group(2).lower(), every.group(2).lower())
        count = int(every.group(1))
        return f"rate({count} {unit}{'s' if count != 1 else ''})"
    ko = PATTERNS["every_ko"].search(text)
    if ko:
        unit = {"분": "minute", "시간": "hour", "일": "day"}[ko.group(2)]
        count = int(ko.group(1))
        return f"rate({count} {unit}{'s' if count != 1 else ''})"
    cron = re.search(r"cron\(([^)]+)\)", text)
    if cron:
        return f"cron({cron.group(1)})"
    if PATTERNS["hourly"].search(text):
        return "rate(1 hour)"
    clock = read_clock(text)
    days = read_days(text)
    if clock is not None:
        hour, minute = clock
        if days == "*":
            return f"cron({minute} {hour} * * ? *)"
        return f"cron({minute} {hour} ? * {days} *)"
    if days != "*":
        return f"cron(0 0 ? * {days} *)"
    if PATTERNS["daily"].search(text):
        return "cron(0 18 * * ? *)"  # 03:00 KST / 18:00 UTC: off-peak for most users
    return None


def read_schedule_timezone(text: str, expression: str) -> str | None:
    """The time zone a clock time was given in; Korean clock times are Korea time."""
    if not expression.startswith("cron("):
        return None
    iana = _IANA.search(text)
    if iana:
        return iana.group(1)
    lowered = text.lower()
    for word, zone in _TIMEZONES.items():
        if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered):
            return zone
    if PATTERNS["clock_ko"].search(text):
        return "Asia/Seoul"
    return None


# Words that only say "it is on the web": with a static site named, they describe the site.
_GENERIC_WEB_WORDS: Words = _LEXICON.words("web.generic")


def read_message(text: str) -> Signals:
    """Everything one message states, nothing more."""
    signals = Signals(language="ko" if is_korean(text) else "en")
    emails = EMAIL.findall(text)
    signals.emails = emails
    scrubbed = EMAIL.sub(" ", text)
    image = IMAGE.search(scrubbed)
    if image:
        signals.container_image = image.group(1)
        scrubbed = scrubbed.replace(image.group(1), " ")
    domain = next(
        (m for m in DOMAIN.finditer(scrubbed) if m.group(1).lower() not in _NOT_DOMAINS), None
    )
    if domain:
        signals.domain = domain.group(1).lower()
    scrubbed = PATTERNS["data_instance"].sub(lambda m: m.group(1) + " ", scrubbed)
    for match in INSTANCE_TYPE.finditer(scrubbed):
        value = match.group(1)
        if value.startswith("db."):
            signals.db_instance_class = value
        elif value.startswith("cache."):
            signals.cache_node_type = value
        else:
            signals.instance_type = value
    plain = DOMAIN.sub(
        " ",
        INSTANCE_TYPE.sub(
            lambda m: " data-node " if m.group(1).startswith(("db.", "cache.")) else " ",
            scrubbed,
        ),
    )
    # "0.5 vCPU and 1 GB": a task size, not storage.
    plain = PATTERNS["task_size"].sub(" ", plain)
    storage = PATTERNS["storage_size"].search(plain)
    if storage:
        number, unit = (
            (storage.group(1), storage.group(2)) if storage.group(1) else storage.group(3, 4)
        )
        size = float(number) * (1024 if unit.lower().startswith("t") else 1)
        signals.storage_gb = int(size)
        plain = PATTERNS["storage_size"].sub(" ", plain)

    # "Aurora Serverless", "Redshift Serverless": a flavour of that service, not a Lambda workload.
    plain = PATTERNS["service_serverless"].sub(lambda m: m.group(1), plain)
    plain = PATTERNS["serverless_cache"].sub("", plain)
    plain = PATTERNS["named_not_feature"].sub(
        lambda m: (m.group(1) or m.group(2) or m.group(3)).replace(" ", ""), plain
    )
    mention = find_region_mention(plain)
    if mention is not None:
        signals.region = mention[0].code
        signals.quotes["region"] = mention[1].strip()

    named_away = blank_quoted_names(plain)
    for name, words in {**WORKLOADS, **FEATURES, **COMPLIANCE}.items():
        positive, negative = _mentions(words, named_away)
        if positive:
            signals.add.add(name)
        if negative and not positive:
            signals.remove.add(name)
    if {"static_site", "web_api"} <= signals.add and not _mentions(_specific_web_words(), plain)[0]:
        signals.add.discard("web_api")  # "a static website": the site is the web part
    _read_engines(plain, signals)

    ha_positive, ha_negative = _mentions(HA_WORDS, plain)
    if ha_positive:
        signals.high_availability = True
        first = min(find_words(HA_WORDS, plain))
        signals.quotes["high_availability"] = plain[first[0] : first[1]]
    elif ha_negative:
        signals.high_availability = False
    signals.low_cost = any(find_words(LOW_COST_WORDS, plain))
    if signals.low_cost and signals.high_availability is None:
        signals.high_availability = False

    signals.budget = _budget(plain, signals.quotes)
    signals.daily_users = _daily_users(plain, signals.quotes)
    signals.requests_per_second = _rps(plain, signals.quotes)
    _capacity(plain, signals)
    port = next(
        (
            m
            for m in PATTERNS["port"].finditer(plain)
            # "SSH 22번 포트": an administrative port, not the one the application serves on.
            if not PATTERNS["admin_port"].search(plain[max(0, m.start() - 16) : m.end()])
        ),
        None,
    )
    if port:
        signals.container_port = int(next(g for g in port.groups() if g))
    if "schedule" in signals.add or PATTERNS["schedule_words"].search(plain):
        signals.schedule_expression = read_schedule(plain)
        if signals.schedule_expression:
            signals.add.add("schedule")
            signals.schedule_timezone = read_schedule_timezone(plain, signals.schedule_expression)
    signals.project = _project_name(plain)
    signals.log_retention_days = _log_retention(plain)
    return signals


def _specific_web_words() -> Words:
    english, korean = WORKLOADS["web_api"]
    return (
        tuple(w for w in english if w not in _GENERIC_WEB_WORDS[0]),
        tuple(w for w in korean if w not in _GENERIC_WEB_WORDS[1]),
    )


_NOT_NAMES = {
    "a", "an", "the", "with", "for", "that", "in", "on", "to", "of", "and", "or", "is", "are",
    "using", "running", "which", "where", "will", "should", "needs", "need", "must", "can",
    "my", "our", "your", "this", "new", "it", "has", "from", "at", "by", "like", "as", "aws",
    "amazon", "called", "named", "name", "budget", "team", "side", "small", "big", "test",
}  # fmt: skip


def _vocabulary_words() -> set[str]:
    words: set[str] = set()
    for table in (WORKLOADS, FEATURES, ENGINES, COMPLIANCE):
        for english, _ in table.values():
            words.update(w.lower() for w in english if " " not in w)
    return words


def _project_name(text: str) -> str | None:
    """A name the person gave their project, or None; never a word of the request's vocabulary."""
    vocabulary = _vocabulary_words()
    for pattern in PATTERNS.each("project_patterns"):
        for match in pattern.finditer(text):
            name = match.group(1).lower().strip("-")
            if (
                re.fullmatch(r"[a-z][a-z0-9-]{1,20}", name)
                and name not in _NOT_NAMES
                and name not in vocabulary
            ):
                return name
    return None


# The retention periods CloudWatch Logs accepts; a request is rounded up to the next one.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
# Days in each unit a retention is stated in.
RETENTION_UNITS = {
    "day": 1, "days": 1, "month": 30, "months": 30, "year": 365, "years": 365,
    "일": 1, "개월": 30, "달": 30, "년": 365,
}  # fmt: skip


def _log_retention(text: str) -> int | None:
    for pattern in PATTERNS.each("retention_patterns"):
        match = pattern.search(text)
        if match:
            number, unit = next(
                (match.group(i), match.group(i + 1))
                for i in range(1, (match.lastindex or 1), 2)
                if match.group(i)
            )
            return log_retention_period(int(number) * RETENTION_UNITS[unit.lower()])
    return None


def log_retention_period(days: int) -> int:
    """The period CloudWatch Logs accepts for ``days``: the next one up, at most ten years."""
    return next((d for d in LOG_RETENTION_DAYS if d >= days), LOG_RETENTION_DAYS[-1])


def _read_engines(text: str, signals: Signals) -> None:
    found: list[str] = []
    for engine, words in ENGINES.items():
        positive, negative = _mentions(words, text)
        if positive:
            found.append(engine)
        elif negative:
            signals.remove.add(engine)
    aurora, aurora_away = _mentions(AURORA, text)
    if aurora:
        if "aurora-postgresql" in found or "aurora-mysql" in found:
            pass
        elif "mysql" in found:
            found = [e for e in found if e != "mysql"] + ["aurora-mysql"]
        else:
            found = [e for e in found if e != "postgres"] + ["aurora-postgresql"]
    elif aurora_away:
        signals.remove.update({"aurora-postgresql", "aurora-mysql"})
    for engine in ("aurora-postgresql", "aurora-mysql"):
        if engine in found:
            plain = "postgres" if engine.endswith("postgresql") else "mysql"
            found = [e for e in found if e != plain]
    signals.add.update(found)
    generic, generic_away = _mentions(GENERIC_DATABASE, text)
    signals.generic_database = generic and not found
    if generic_away and not generic:
        signals.remove.update(ENGINES)


# ---------------------------------------------------------------------------------------------
# Folding a conversation into requirements.

BUDGET_QUESTION = "budget_alternative"  # asked by the planner when a design is over budget
# The ids an answer may name: the questions gather() and the planner ask, and "budget".
ANSWERABLE = ("region", "workload", "database_engine", "availability", "budget", BUDGET_QUESTION)


@dataclass
class Gathered:
    requirements: Requirements
    questions: list[Question]
    assumptions: list[str]


def apply_answer(question_id: str, text: str) -> Signals:
    """An answer to a question, read with the question's context."""
    value = text.strip().lower()
    if question_id == BUDGET_QUESTION:  # structure ids, not words to read for services
        return Signals(budget_choice=[part for part in re.split(r"[\s,+]+", value) if part])
    signals = read_message(text)
    if question_id == "region" and signals.region is None:
        with contextlib.suppress(ValueError):
            signals.region = get_region(value).code
    elif question_id == "workload" and not (signals.add & set(WORKLOADS)):
        if value.replace("-", "_") in WORKLOADS:
            signals.add.add(value.replace("-", "_"))
    elif question_id == "database_engine" and not (signals.add & set(ENGINES)):
        if value in ENGINES:
            signals.add.add(value)
        elif value in {"none", "no", "없음", "필요 없음"}:
            signals.remove.update(ENGINES)
    elif question_id == "availability" and signals.high_availability is None:
        if value in {"yes", "high", "ha", "true", "예", "네", "필요"}:
            signals.high_availability = True
        elif value in {"no", "standard", "false", "아니오", "아니요", "불필요"}:
            signals.high_availability = False
    return signals


def gather(
    messages: list[Signals],
    *,
    assume_defaults: bool,
) -> Gathered:
    """Fold messages (request first, then answers and changes, in order) into requirements."""
    req = Requirements()
    stated: set[str] = set()
    adds: set[str] = set()
    generic_database = False
    req.language = messages[0].language if messages else "en"
    asked_away: set[str] = set()
    for message in messages:
        adds -= message.remove
        adds |= message.add
        asked_away = (asked_away | message.remove) - message.add
        generic_database = (generic_database or message.generic_database) and not (
            adds & set(ENGINES)
        )
        if set(ENGINES) <= message.remove:  # "no database" / answered "none"
            generic_database = False
        for name in (
            "region",
            "budget",
            "daily_users",
            "requests_per_second",
            "domain",
            "container_image",
            "container_port",
            "min_capacity",
            "max_capacity",
            "desired_count",
            "instance_type",
            "db_instance_class",
            "cache_node_type",
            "storage_gb",
            "schedule_expression",
            "schedule_timezone",
            "project",
            "log_retention_days",
            "high_availability",
        ):
            value = getattr(message, name)
            if value is not None:
                setattr(req, name, value)
                stated.add(name)
        req.asks.extend(message.asks)
        if message.budget_choice is not None:
            req.budget_choice = message.budget_choice
        if message.emails:
            req.alert_emails = list(dict.fromkeys([*req.alert_emails, *message.emails]))
            stated.add("alert_emails")
        if message.low_cost:
            req.environment = (
                "dev"
                if req.environment == "prod" and not req.high_availability
                else req.environment
            )

    questions: list[Question] = []
    assumptions: list[str] = []

    def missing(question: Question, assumption: str) -> None:
        if assume_defaults:
            assumptions.append(assumption)
        else:
            questions.append(question)

    korean = req.language == "ko"
    if "region" not in stated:
        default = DEFAULT_REGION_KO if korean else DEFAULT_REGION_EN
        req.region = default
        missing(
            Question(
                "region",
                "어느 AWS 리전에 배포할까요?" if korean else "Which AWS region should this run in?",
                default,
            ),
            f"Region {default} ({get_region(default).name}): no region was named.",
        )

    workloads = [w for w in WORKLOADS if w in adds]
    req.workloads = workloads
    if not workloads:
        only_data = bool(adds & (set(ENGINES) | {"data_lake", "stream", "queue", "batch"}))
        if not only_data:
            req.workloads = [DEFAULT_WORKLOAD]
            missing(
                Question(
                    "workload",
                    "어떤 워크로드인가요? (web_api, static_site, serverless, containers, kubernetes, "
                    "data_pipeline, batch_ml, realtime, queue_workers)"
                    if korean
                    else "What kind of workload is it? (web_api, static_site, serverless, containers, "
                    "kubernetes, data_pipeline, batch_ml, realtime, queue_workers)",
                    DEFAULT_WORKLOAD,
                ),
                "Workload: a web application/API on containers (ECS Fargate): no workload kind was named.",
            )

    engines = [e for e in ENGINES if e in adds]
    if generic_database and not engines:
        engines = [DEFAULT_ENGINE]
        missing(
            Question(
                "database_engine",
                "어떤 데이터베이스 엔진을 쓸까요? (postgres, mysql, aurora-postgresql, aurora-mysql, dynamodb)"
                if korean
                else "Which database engine? (postgres, mysql, aurora-postgresql, aurora-mysql, dynamodb)",
                DEFAULT_ENGINE,
            ),
            "Database engine: PostgreSQL on RDS: a database was asked for without an engine.",
        )
    req.databases = engines
    req.features = sorted(f for f in FEATURES if f in adds)
    req.compliance = sorted(c for c in COMPLIANCE if c in adds)
    req.compute = _choose_compute(req, adds)
    if req.compute == "lambda" and "api_gateway" not in req.features and req.has_web():
        req.features.append("api_gateway")
    if "static_site" in req.workloads:
        # A static site implies its CDN, unless a later message asked the CDN away.
        req.features = sorted({*req.features, "object_storage", "cdn"} - (asked_away - adds))
    if "realtime" in req.workloads and req.compute == "lambda":
        req.features = sorted({*req.features, "websocket"})
    if ("data_pipeline" in req.workloads) and "data_lake" not in req.features:
        req.features = sorted({*req.features, "data_lake", "object_storage"})
    if "batch_ml" in req.workloads and "batch" not in req.features:
        req.features = sorted({*req.features, "batch"})
    if "queue_workers" in req.workloads and "queue" not in req.features:
        req.features = sorted({*req.features, "queue"})
    if "domain" in stated and "dns" not in req.features:
        req.features = sorted({*req.features, "dns"})
    if "pci-dss" in req.compliance and "waf" not in req.features and req.has_web():
        req.features = sorted({*req.features, "waf"})

    if "high_availability" not in stated:
        assumptions.append(
            "Availability: standard (one NAT gateway, single-AZ database); say 'highly available' "
            "for Multi-AZ data and a NAT gateway per zone."
        )
    if "daily_users" not in stated and "requests_per_second" not in stated:
        assumptions.append(
            f"Scale: about {DEFAULT_DAILY_USERS:,} daily users (sizes the smallest production classes)."
        )
    if "budget" not in stated:
        assumptions.append(
            "Budget: none given; the design takes the cheapest option that meets the other needs."
        )
    if "project" not in stated:
        assumptions.append(f"Project name: '{req.project}' (used in names and the Project tag).")
    req.stated = sorted(stated)
    return Gathered(req, questions, assumptions)


def _choose_compute(req: Requirements, adds: set[str]) -> str:
    """The compute platform, from the most specific thing named to the general."""
    if "kubernetes" in adds:
        return "eks"
    if "containers" in adds:
        return "ecs"
    if "vm" in adds or req.instance_type:
        return "ec2"
    if "serverless" in adds or "api_gateway" in adds:
        return "lambda"
    if {"web_api", "realtime", "queue_workers"} & set(req.workloads):
        return "ecs"
    return "none"  # static sites, data pipelines and batch run on managed services only
