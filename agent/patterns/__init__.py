"""The patterns the request readers match in people's words, as data: one YAML file per reader.

Rule (docs/architecture.md): the words of a human language live in data files, the lexicon's
word lists (``agent/lexicon/<language>.yaml``) and these patterns; a pattern that parses a machine
format (HCL, an ARN, a CIDR in Terraform) stays beside the code that uses it.

``agent/patterns/<reader>.yaml``, where ``<reader>`` is the module's name
(``requirements``, ``guard``, ``dynamodb_options``, ...)::

    fragments:              # optional: pieces reused inside patterns as ${name}
      name: '[A-Za-z_][A-Za-z0-9_.-]*'
    patterns:
      port:                 # one pattern
        flags: [IGNORECASE] # optional: IGNORECASE, MULTILINE, DOTALL
        text:               # its text: a string, or pieces joined as written
          - '(?:port|포트)\\s*(\\d{2,5})'
          - '|(\\d{2,5})\\s*번\\s*포트'
      records:              # several, tried in order: a list of such entries
        - text: '...'

Single-quoted YAML keeps backslashes as they are, so a piece reads as the raw string it was.
A reader takes ``PATTERNS = patterns("dynamodb_options")`` once and reads ``PATTERNS["ttl_en"]``
(one pattern) or ``PATTERNS.each("records")`` (a list); a key the file lacks, a bad regular
expression, an unknown flag or fragment are errors naming the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from autcloud.agent.datafile import DuplicateKeyError, load_yaml_unique_keys

__all__ = ["PatternError", "Patterns", "patterns"]

_FOLDER = Path(__file__).resolve().parent
_FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}
_FRAGMENT = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


class PatternError(ValueError):
    """A pattern file that does not follow the format, or a key it lacks (names file and key)."""


@dataclass(frozen=True)
class Patterns:
    """One reader's compiled patterns."""

    file_name: str
    single: dict[str, re.Pattern[str]]
    lists: dict[str, tuple[re.Pattern[str], ...]]
    fragments: dict[str, str]

    def __getitem__(self, key: str) -> re.Pattern[str]:
        try:
            return self.single[key]
        except KeyError:
            hint = "; it is a list: use .each()" if key in self.lists else ""
            raise PatternError(f"{self.file_name}: no pattern {key!r}{hint}") from None

    def each(self, key: str) -> tuple[re.Pattern[str], ...]:
        """The patterns listed under ``key``, in file order."""
        try:
            return self.lists[key]
        except KeyError:
            hint = "; it is one pattern: use [key]" if key in self.single else ""
            raise PatternError(f"{self.file_name}: no list of patterns {key!r}{hint}") from None

    def fragment(self, key: str) -> str:
        """A fragment's text, for a reader that builds a pattern from it at run time."""
        try:
            return self.fragments[key]
        except KeyError:
            raise PatternError(f"{self.file_name}: no fragment {key!r}") from None

    def names(self) -> list[str]:
        """Every pattern and list of patterns, by key."""
        return [*self.single, *self.lists]


def _text(file_name: str, where: str, value: Any, fragments: dict[str, str]) -> str:
    pieces = [value] if isinstance(value, str) else value
    if not isinstance(pieces, list) or not pieces or not all(isinstance(p, str) for p in pieces):
        raise PatternError(f"{file_name}: {where}.text must be a string or a list of strings")

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            raise PatternError(
                f"{file_name}: {where} uses ${{{name}}}, which is not under fragments"
            )
        return fragments[name]

    return _FRAGMENT.sub(expand, "".join(pieces))


def _compile(file_name: str, where: str, entry: Any, fragments: dict[str, str]) -> re.Pattern[str]:
    if isinstance(entry, str):
        entry = {"text": entry}
    if not isinstance(entry, dict) or "text" not in entry:
        raise PatternError(f"{file_name}: {where} must be a string or a mapping with text")
    unknown = set(entry) - {"text", "flags"}
    if unknown:
        raise PatternError(f"{file_name}: {where} has unknown fields {sorted(unknown)}")
    flags = 0
    for flag in entry.get("flags", []):
        if flag not in _FLAGS:
            raise PatternError(
                f"{file_name}: {where}.flags: {flag!r} is not one of {', '.join(_FLAGS)}"
            )
        flags |= _FLAGS[flag]
    text = _text(file_name, where, entry["text"], fragments)
    try:
        return re.compile(text, flags)
    except re.error as error:
        raise PatternError(f"{file_name}: {where} is not a regular expression: {error}") from None


def load_patterns(path: Path) -> Patterns:
    """Read and compile one pattern file."""
    name = path.name
    try:
        data = load_yaml_unique_keys(path)
    except DuplicateKeyError as error:
        raise PatternError(f"{error}; keep one of them") from None
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), dict):
        raise PatternError(f"{name}: expected a mapping with patterns at the top")
    unknown = set(data) - {"patterns", "fragments"}
    if unknown:
        raise PatternError(f"{name}: unknown top-level fields {sorted(unknown)}")
    fragments: dict[str, str] = {}
    for key, value in (data.get("fragments") or {}).items():
        fragments[str(key)] = _text(name, f"fragments.{key}", value, fragments)
    single: dict[str, re.Pattern[str]] = {}
    lists: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key, entry in data["patterns"].items():
        where = f"patterns.{key}"
        if isinstance(entry, list):
            lists[str(key)] = tuple(
                _compile(name, f"{where}[{i}]", item, fragments) for i, item in enumerate(entry)
            )
        else:
            single[str(key)] = _compile(name, where, entry, fragments)
    return Patterns(name, single, lists, fragments)


@cache
def patterns(reader: str) -> Patterns:
    """The compiled patterns of ``agent/patterns/<reader>.yaml``."""
    path = _FOLDER / f"{reader}.yaml"
    if not path.is_file():
        raise PatternError(f"{path.name}: no such pattern file in {_FOLDER}")
    return load_patterns(path)
