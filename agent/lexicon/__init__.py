"""The words the request reader knows, one data file per language, behind one interface.

Each ``<language>.yaml`` beside this module maps concept keys (``workload.web_api``,
``service.cognito``, ``exposure.private``, ...) to that language's words, and says how its words
match: ``word`` (on word boundaries, as in English) or ``particle`` (as substrings, so Korean
particles may follow: "레디스를"). A third language is one more file; no code changes.

Concept keys are ``<group>.<name>``; :meth:`Lexicon.table` gives one group in file order. A
concept's words are listed name first ("documentdb" before "mongo"): the ledger quotes the
earliest-listed word a request used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from autcloud.agent.datafile import DuplicateKeyError, load_yaml_unique_keys

HANGUL = re.compile(r"[\uac00-\ud7a3]")
_FOLDER = Path(__file__).resolve().parent

# (words matched on word boundaries, words matched as substrings that particles may follow)
Words = tuple[tuple[str, ...], tuple[str, ...]]
Span = tuple[int, int]


class LexiconError(ValueError):
    """A language file that does not follow the format (names the file and the field)."""


@dataclass
class Language:
    code: str
    matching: str  # "word" | "particle"
    concepts: dict[str, tuple[str, ...]]
    negation_before: tuple[str, ...] = ()
    negation_after: tuple[str, ...] = ()


@dataclass
class Lexicon:
    languages: list[Language] = field(default_factory=list)

    def concept_keys(self) -> list[str]:
        """Every concept key, in the order the files first name them."""
        return list(dict.fromkeys(key for lang in self.languages for key in lang.concepts))

    def words(self, key: str) -> Words:
        word: list[str] = []
        particle: list[str] = []
        for lang in self.languages:
            target = word if lang.matching == "word" else particle
            target.extend(lang.concepts.get(key, ()))
        return tuple(dict.fromkeys(word)), tuple(dict.fromkeys(particle))

    def table(self, group: str) -> dict[str, Words]:
        """``{name: words}`` for every concept ``group.name``."""
        prefix = group + "."
        return {
            key[len(prefix) :]: self.words(key)
            for key in self.concept_keys()
            if key.startswith(prefix)
        }

    def negations(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(words that negate what follows them, words that negate what precedes them)."""
        before = tuple(w for lang in self.languages for w in lang.negation_before)
        after = tuple(w for lang in self.languages for w in lang.negation_after)
        return before, after

    def particle_vocabulary(self, groups: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """Every non-Latin particle-matched word (of some concept groups), for the longer-word
        guard: "웹" inside "웹소켓" is not the web."""
        return tuple(
            sorted(
                {
                    w
                    for lang in self.languages
                    if lang.matching == "particle"
                    for key, words in lang.concepts.items()
                    if groups is None or key.partition(".")[0] in groups
                    for w in words
                    if not w.isascii()
                }
            )
        )


def _load_language(path: Path) -> Language:
    try:
        data = load_yaml_unique_keys(path)
    except DuplicateKeyError as error:
        raise LexiconError(f"{error}; merge its words into one line") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path.name}: expected a mapping at the top")
    matching = data.get("matching")
    if matching not in ("word", "particle"):
        raise LexiconError(f"{path.name}: matching must be 'word' or 'particle', not {matching!r}")
    concepts = data.get("concepts")
    if not isinstance(concepts, dict):
        raise LexiconError(f"{path.name}: concepts must map keys to lists of words")
    parsed: dict[str, tuple[str, ...]] = {}
    for key, words in concepts.items():
        if not re.fullmatch(r"[a-z_]+\.[a-z0-9_-]+", str(key)):
            raise LexiconError(f"{path.name}: concept key {key!r} must look like group.name")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise LexiconError(f"{path.name}: concepts.{key} must be a list of non-empty words")
        parsed[str(key)] = tuple(w.lower() for w in words)
    negation = data.get("negation") or {}
    return Language(
        code=str(data.get("language", path.stem)),
        matching=matching,
        concepts=parsed,
        negation_before=tuple(negation.get("before", ())),
        negation_after=tuple(negation.get("after", ())),
    )


@cache
def lexicon(folder: Path = _FOLDER) -> Lexicon:
    """Every language file of ``folder``, English first (its order is the concepts' order)."""
    paths = sorted(folder.glob("*.yaml"), key=lambda p: (p.stem != "en", p.stem))
    return Lexicon([_load_language(path) for path in paths])


@cache
def domain_pattern() -> re.Pattern[str]:
    """A domain name ending in a known top-level domain (tlds.txt): any two-letter country code
    that is not a file extension, or a listed generic one (.health, .studio, .co.uk)."""
    generic: set[str] = set()
    extensions: set[str] = set()
    for line in (_FOLDER / "tlds.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for word in line.split():
            (extensions if word.startswith("!") else generic).add(word.lstrip("!"))
    endings = "|".join(sorted(generic - extensions, key=lambda w: (-len(w), w)))
    excluded = "|".join(sorted(extensions))
    return re.compile(
        r"(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
        # A sentence may end right after the name: "… on api.example.io."
        rf"(?:{endings}|(?!(?:{excluded})(?![a-z]))[a-z]{{2}}))(?![A-Za-z0-9_-])(?!\.[A-Za-z0-9_-])",
        re.IGNORECASE,
    )
