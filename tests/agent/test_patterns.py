"""The readers' pattern files (agent/patterns/): the format's errors name the file and the key,
and every shipped file compiles and is used by the reader it is named after."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autcloud.agent.patterns import PatternError, load_patterns, patterns

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "agent" / "patterns"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reader.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pieces_join_as_written_with_fragments_and_flags(tmp_path: Path) -> None:
    loaded = load_patterns(
        write(
            tmp_path,
            "fragments:\n  n: '(\\d+)'\n  port: 'port\\s*${n}'\n"
            "patterns:\n"
            "  port:\n    flags: [IGNORECASE]\n    text:\n      - '${port}'\n      - '|${n}\\s*번\\s*포트'\n"
            "  plain: 'a\\.b'\n"
            "  several:\n    - 'x'\n    - {text: 'y', flags: [MULTILINE]}\n",
        )
    )
    assert loaded["port"].pattern == r"port\s*(\d+)|(\d+)\s*번\s*포트"
    assert loaded["port"].flags & re.IGNORECASE
    assert loaded["port"].search("PORT 8080").group(1) == "8080"  # type: ignore[union-attr]
    assert loaded["plain"].pattern == r"a\.b" and not loaded["plain"].flags & re.IGNORECASE
    assert [p.pattern for p in loaded.each("several")] == ["x", "y"]
    assert loaded.each("several")[1].flags & re.MULTILINE
    assert loaded.fragment("n") == r"(\d+)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("patterns:\n  a: '('\n", r"reader\.yaml: patterns\.a is not a regular expression"),
        ("patterns:\n  a: {text: 'x', flags: [VERBOSE]}\n", r"patterns\.a\.flags: 'VERBOSE'"),
        ("patterns:\n  a: '${nope}'\n", r"patterns\.a uses \$\{nope\}, which is not under"),
        ("patterns:\n  a: 'x'\n  a: 'y'\n", r"reader\.yaml: 'a' is given twice"),
        ("patterns:\n  a: {flags: [IGNORECASE]}\n", r"patterns\.a must be a string or a mapping"),
        ("patterns:\n  a: {text: [1]}\n", r"patterns\.a\.text must be a string or a list"),
        ("words: []\n", r"reader\.yaml: expected a mapping with patterns"),
        ("patterns: {}\nextra: 1\n", r"unknown top-level fields \['extra'\]"),
    ],
)
def test_a_malformed_file_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(PatternError, match=message):
        load_patterns(write(tmp_path, text))


def test_a_missing_key_names_the_file_and_says_which_accessor(tmp_path: Path) -> None:
    loaded = load_patterns(write(tmp_path, "patterns:\n  one: 'x'\n  many: ['y']\n"))
    with pytest.raises(PatternError, match=r"reader\.yaml: no pattern 'many'; it is a list"):
        loaded["many"]
    with pytest.raises(PatternError, match=r"no list of patterns 'one'; it is one pattern"):
        loaded.each("one")
    with pytest.raises(PatternError, match=r"reader\.yaml: no pattern 'absent'$"):
        loaded["absent"]
    with pytest.raises(PatternError, match=r"no such pattern file"):
        patterns("no_such_reader")


SHIPPED = sorted(FOLDER.glob("*.yaml"))


def test_readers_keep_their_patterns_here() -> None:
    assert len(SHIPPED) >= 2, "the readers' pattern files are missing from agent/patterns/"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_pattern_and_fragment_is_used_by_its_reader(path: Path) -> None:
    loaded = patterns(path.stem)
    call = f'patterns("{path.stem}")'
    readers = [p for p in ROOT.glob("agent/**/*.py") if call in p.read_text(encoding="utf-8")]
    assert readers, f"no module reads {path.name} with {call}"
    source = "\n".join(p.read_text(encoding="utf-8") for p in readers)
    text = path.read_text(encoding="utf-8")
    unused = [key for key in loaded.names() if f'"{key}"' not in source]
    assert not unused, f"{path.name}: patterns no reader uses: {unused}"
    for fragment in loaded.fragments:
        used = f"${{{fragment}}}" in text or f'"{fragment}"' in source
        assert used, f"{path.name}: fragment {fragment!r} is used by no pattern or reader"
