"""The commercial AWS regions, and finding the one a plain-language request names.

Covers every region of the standard ``aws`` partition as of 2025 (no GovCloud, no China); the
table is data, ``agent/regions.yaml``.
``az_count`` is the number AWS publishes; a few older regions show some accounts fewer (two in
us-west-1, three in ap-northeast-1), so generated Terraform should still read
``data.aws_availability_zones`` rather than trust this number at apply time.
``currency_hint`` is the country's currency, for display only: AWS bills in USD everywhere.

:func:`find_region` reads English and Korean:

- region codes anywhere (``ap-northeast-2``, also as an AZ name ``ap-northeast-2a``);
- English names case-insensitively on word boundaries ("Seoul", "N. Virginia"); short acronyms
  ("US", "USA", "U.S.", "UK", "UAE", "EU", "NZ") only in capitals, so "let us" is not the US;
- Korean names as substrings, because Korean attaches particles ("서울에", "도쿄의"), except when
  the next syllable is 어 ("한국어" is the Korean language, not Korea);
- at one position the longest name wins ("US East" over "US", "인도네시아" over "인도");
- the earliest name in the text wins, except that a broad area (a country with several regions,
  or a continent) is refined by a more specific name inside it anywhere in the text:
  "Japan, in Osaka" → Osaka, but "Korea, DR in Tokyo" → Seoul.

Broad areas and what they mean alone: United States/미국 → us-east-1 (N. Virginia, the largest
region and the first to get new services); US East → us-east-1; US West/미국 서부 → us-west-2;
Canada → ca-central-1; Japan/일본 → ap-northeast-1; India/인도 → ap-south-1;
Australia/호주 → ap-southeast-2; Europe/EU/유럽 → eu-west-1 (Ireland: the largest European
region, first to get new services and cheaper than Frankfurt; a request that needs Germany says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from autcloud.agent.datafile import load_yaml


@dataclass(frozen=True)
class Region:
    """One commercial AWS region."""

    code: str
    name: str  # AWS's display name, e.g. "Asia Pacific (Seoul)"
    city: str
    country: str
    aliases: tuple[str, ...]  # English and Korean names find_region recognises
    az_count: int
    opt_in: bool  # must be enabled in the account before use (launched after March 2019)
    currency_hint: str | None  # ISO 4217 code of the local currency, for display


@dataclass(frozen=True)
class _Area:
    """A name covering several regions: alone it means ``default``; a member refines it."""

    names: tuple[str, ...]
    default: str
    members: tuple[str, ...]


_DATA = Path(__file__).resolve().parent / "regions.yaml"


def _load() -> tuple[tuple[Region, ...], tuple[_Area, ...]]:
    data = load_yaml(_DATA)
    regions = tuple(
        Region(
            code=code,
            name=entry["name"],
            city=entry["city"],
            country=entry["country"],
            aliases=tuple(entry["aliases"]),
            az_count=entry.get("az_count", 3),
            opt_in=entry.get("opt_in", False),
            currency_hint=entry.get("currency"),
        )
        for code, entry in data["regions"].items()
    )
    areas = tuple(
        _Area(tuple(area["names"]), area["default"], tuple(area["members"]))
        for area in data["areas"]
    )
    return regions, areas


# Region-specific names (cities, and countries that hold only one region), and broad areas.
_REGIONS_WITHOUT_AREAS, _AREAS = _load()


def _with_area_names(region: Region) -> Region:
    extra = tuple(n for area in _AREAS if area.default == region.code for n in area.names)
    return Region(
        region.code,
        region.name,
        region.city,
        region.country,
        region.aliases + extra,
        region.az_count,
        region.opt_in,
        region.currency_hint,
    )


REGIONS: tuple[Region, ...] = tuple(_with_area_names(r) for r in _REGIONS_WITHOUT_AREAS)
_BY_CODE: dict[str, Region] = {r.code: r for r in REGIONS}


def get_region(code: str) -> Region:
    """The region with this code (case and surrounding spaces ignored)."""
    region = _BY_CODE.get(code.strip().lower())
    if region is None:
        valid = ", ".join(sorted(_BY_CODE))
        raise ValueError(f"region {code!r} is not a commercial AWS region; use one of: {valid}")
    return region


@dataclass(frozen=True)
class _Name:
    """One recognisable name: the region it means alone, and the area it stands for if broad."""

    words: str  # a region code, an alias or an area name, as listed
    region: str
    area: _Area | None
    is_code: bool = False

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return _code_pattern(self.words) if self.is_code else _name_pattern(self.words)

    def may_occur(self, lowered: str) -> bool:
        # Compiling ~200 patterns dominates a cold start; a name whose first word is absent
        # cannot match, so its pattern is never compiled.
        return self.words.lower().split()[0] in lowered


@dataclass(frozen=True)
class _Match:
    start: int
    length: int
    name: _Name


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Acronyms are matched only as written, so that "us" in "let us" never means the United States.
_ACRONYM = re.compile(r"^(?:[A-Z]\.?){2,4}$")


def _name_pattern(alias: str) -> re.Pattern[str]:
    if _HANGUL.search(alias):
        # Korean spacing varies ("미국 동부", "미국동부") and particles follow nouns directly;
        # 어 after a country makes a language name ("한국어"), not a place.
        return re.compile(r"\s*".join(re.escape(word) for word in alias.split()) + r"(?!어)")
    body = r"\s+".join(re.escape(word) for word in alias.split())
    # Lookarounds rather than \b, because names such as "U.S." and "N. Virginia" end in a dot.
    edges = r"(?<![A-Za-z0-9])" + body + r"(?![A-Za-z0-9])"
    flags = 0 if _ACRONYM.match(alias) else re.IGNORECASE
    return re.compile(edges, flags)


def _code_pattern(code: str) -> re.Pattern[str]:
    # An AZ name (ap-northeast-2a) names its region too.
    return re.compile(
        r"(?<![A-Za-z0-9-])" + re.escape(code) + r"[a-z]?(?![A-Za-z0-9-])", re.IGNORECASE
    )


@cache
def _names() -> tuple[_Name, ...]:
    names: list[_Name] = []
    for region in _REGIONS_WITHOUT_AREAS:
        names.append(_Name(region.code, region.code, None, is_code=True))
        names.extend(_Name(a, region.code, None) for a in region.aliases)
    for area in _AREAS:
        names.extend(_Name(n, area.default, area) for n in area.names)
    return tuple(names)


def find_region(text: str) -> Region | None:
    """The first region ``text`` names by code or name (English or Korean), or None."""
    found = find_region_mention(text)
    return found[0] if found else None


def find_region_mention(text: str) -> tuple[Region, str] | None:
    """The region ``text`` names and the words that name it ("Seoul", "도쿄", "eu-west-1")."""
    lowered = text.lower()
    matches = sorted(
        (
            _Match(found.start(), found.end() - found.start(), name)
            for name in _names()
            if name.may_occur(lowered)
            for found in name.pattern.finditer(text)
        ),
        key=lambda m: (m.start, -m.length),
    )
    if not matches:
        return None
    chosen = _refine(matches[0], matches)
    # Of places in different regions, the one named as where things run wins: "the Tokyo VPC"
    # over "our Osaka plant".
    placed = [
        m
        for m in matches
        if _DEPLOY_CONTEXT.match(text, m.start + m.length) and m.name.region != chosen.name.region
    ]
    if placed and not _DEPLOY_CONTEXT.match(text, chosen.start + chosen.length):
        chosen = _refine(placed[0], matches)
    return _BY_CODE[chosen.name.region], text[chosen.start : chosen.start + chosen.length]


_DEPLOY_CONTEXT = re.compile(r"\s*(?:vpc|region|리전|영역)", re.IGNORECASE)


def _refine(chosen: _Match, matches: list[_Match]) -> _Match:
    """Replace a broad area by the earliest more specific name inside it, if the text has one."""
    area = chosen.name.area
    if area is None:
        return chosen
    inside = [m for m in matches if m.name.region in area.members and m.name.area is not area]
    specific = [m for m in inside if m.name.area is None]
    if specific:
        return specific[0]
    narrower = [m for m in inside if m.name.area and set(m.name.area.members) < set(area.members)]
    return _refine(narrower[0], matches) if narrower else chosen
