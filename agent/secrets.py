"""Secret-like values in text: found after Unicode normalisation, and masked wherever text leaves.

A request is refused when it carries one (the guard), and every output that repeats a person's
words (design.json, the Terraform header, the operator's status and events, commits, PR bodies,
streams) passes through :func:`redact` so a secret that slipped past is still never written.

Normalisation undoes the usual disguises before matching: NFKC (full-width letters), zero-width
characters removed, and letters of other scripts that look Latin (Cyrillic "а", Greek "ο") mapped
to the Latin letter they imitate. Kinds of secrets are a table: a new one is one more entry.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

# Characters that render as nothing: a token split by them still reads as one.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Letters outside Latin, Hangul and CJK: only their presence makes the look-alike table load.
_FOREIGN_LETTER = re.compile(r"[^\x00-\x7f\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class SecretKind:
    name: str
    pattern: re.Pattern[str]
    group: tuple[str | int, ...] = (0,)  # the first of these that matched is the secret itself
    plausible: Callable[[str], bool] | None = None  # a second look at what the pattern matched


def _not_words(token: str) -> bool:
    """Random rather than a name: mostly not made of words ("CloudWatchAgentServerPolicy")."""
    words = sum(len(word) for word in re.findall(r"[A-Z]?[a-z]{3,}", token))
    return words / len(token) < WORDLIKE_SHARE


WORDLIKE_SHARE = 0.4


# Words that name a credential (the guard's "into the code" rule reads them too).
CREDENTIAL_WORDS = (
    r"(?:passwords?|passwd|pwd|passphrase|secrets?|credentials?|access[ _-]?keys?"
    r"|secret[ _-]?keys?|api[ _-]?keys?|tokens?|private[ _-]?keys?)"
)
_KO_PASSWORD = r"(?:비밀\s*번호|패스워드|암호)"
# A value that reads like a secret: quoted, or holding a digit or a symbol ("hunter22", "Tr0ub4dor&3").
_SECRET_LIKE = r"[\"']?(?P<value>(?=[^\s\"',;]*[\d!@#$%^&*+/=?~])[^\s\"',;]{4,})[\"']?"
# What follows "password:" in a request that describes, rather than gives, a credential.
_NOT_A_VALUE = (
    r"(?!(?:stored|kept|managed|generated|rotated|handled|in|from|via|by|none|null|required"
    r"|optional|secrets?|aws|random|auto|automatic|never|not|must|should|will|policy|length"
    r"|rotation)\b)"
)

SECRET_KINDS: tuple[SecretKind, ...] = (
    SecretKind("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{40,})")),
    SecretKind(
        "OpenAI-style API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[\w-]{20,}")
    ),
    SecretKind("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    SecretKind(
        "AWS secret access key",
        re.compile(
            r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[0-9])(?=[A-Za-z0-9/+]*[a-z])"
            r"(?=[A-Za-z0-9/+]*[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
        ),
        plausible=_not_words,
    ),
    SecretKind("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    SecretKind(
        "private key",
        re.compile(
            r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z]+ )*PRIVATE KEY-----)?"
        ),
    ),
    SecretKind("JSON Web Token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    SecretKind(
        "credential",  # "password Sup3r!", "api key: abcd1234", "token is 'xyzw'"
        re.compile(
            rf"\b{CREDENTIAL_WORDS}\b\s*(?:[:=]|is|was|to|as|of)?\s*{_NOT_A_VALUE}{_SECRET_LIKE}"
            rf"|\b{CREDENTIAL_WORDS}\s*[:=]\s*{_NOT_A_VALUE}[\"']?(?P<plain>[^\s\"',.]{{4,}})",
            re.IGNORECASE,
        ),
        ("value", "plain"),
    ),
    SecretKind(
        "password",
        re.compile(
            rf"{_KO_PASSWORD}\s*(?:는|은|를|을)?\s*{_SECRET_LIKE}"
            rf"|{_KO_PASSWORD}\s*[:=]\s*{_NOT_A_VALUE}(?P<plain>\S{{4,}})"
        ),
        ("value", "plain"),
    ),
)
# A whole word of 24+ token characters (not a piece of an ARN, a path or a URL).
_HIGH_ENTROPY = re.compile(r"(?:^|(?<=[\s\"'=(\[,]))[A-Za-z0-9+/_-]{24,}={0,2}(?![\w+/=:.-])")
HIGH_ENTROPY_BITS = 3.9  # per character: random 24-character tokens reach it 9 times in 10
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class FoundSecret:
    kind: str
    start: int
    end: int


def normalise(text: str) -> str:
    """The text as it reads: NFKC, no invisible characters, look-alike letters made Latin."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if not _FOREIGN_LETTER.search(text):
        return text
    return "".join(_latin_look_alike(char) for char in text)


@cache
def _latin_look_alike(char: str) -> str:
    if char.isascii() or not char.isalpha():
        return char
    # Loaded only for text with such letters (about 0.2 s).
    from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

    found = confusables.is_confusable(char, preferred_aliases=["latin"], greedy=True)
    for entry in found or []:
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii():
                return str(glyph["c"])
    return char


def _entropy(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def _looks_random(token: str) -> bool:
    if re.fullmatch(r"[0-9a-f-]+", token) or _UUID.search(token):  # ids, not secrets
        return False
    classes = sum(
        bool(re.search(pattern, token)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[+/_-]")
    )
    return classes >= 3 and _not_words(token) and _entropy(token) >= HIGH_ENTROPY_BITS


def find_secrets(text: str, *, high_entropy: bool = True) -> list[FoundSecret]:
    """Every secret-like value in ``text`` (already normalised), in order, not overlapping.
    ``high_entropy`` also reports random-looking tokens of 24+ characters (for people's words;
    generated Terraform is full of long identifiers)."""
    found: list[FoundSecret] = []
    for kind in SECRET_KINDS:
        for match in kind.pattern.finditer(text):
            group = next(g for g in kind.group if match.group(g) is not None)
            if kind.plausible is None or kind.plausible(match.group(group)):
                found.append(FoundSecret(kind.name, match.start(group), match.end(group)))
    if high_entropy:
        for match in _HIGH_ENTROPY.finditer(text):
            if _looks_random(match.group(0)):
                found.append(FoundSecret("random-looking token", match.start(), match.end()))
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[FoundSecret] = []
    for secret in found:
        if not kept or secret.start >= kept[-1].end:
            kept.append(secret)
    return kept


def redact(text: str) -> str:
    """``text`` with every secret-like value masked; unchanged when there is none (then it is
    returned as given, not normalised)."""
    if not text:
        return text
    normal = normalise(text)
    found = find_secrets(normal)
    if not found:
        return text
    parts: list[str] = []
    last = 0
    for secret in found:
        parts.append(normal[last : secret.start])
        parts.append(f"[redacted {secret.kind}]")
        last = secret.end
    parts.append(normal[last:])
    return "".join(parts)
