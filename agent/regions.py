"""The commercial AWS regions, and finding the one a plain-language request names.

Covers every region of the standard ``aws`` partition as of 2025 (no GovCloud, no China).
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


def _r(
    code: str,
    name: str,
    city: str,
    country: str,
    aliases: tuple[str, ...],
    az_count: int = 3,
    opt_in: bool = False,
    currency: str | None = None,
) -> Region:
    return Region(code, name, city, country, aliases, az_count, opt_in, currency)


# Region-specific names: cities, and countries that hold only one region.
_REGIONS_WITHOUT_AREAS: tuple[Region, ...] = (
    _r(
        "us-east-1",
        "US East (N. Virginia)",
        "N. Virginia",
        "United States",
        ("N. Virginia", "Northern Virginia", "Virginia", "버지니아", "북부 버지니아"),
        az_count=6,
        currency="USD",
    ),
    _r(
        "us-east-2",
        "US East (Ohio)",
        "Ohio",
        "United States",
        ("Ohio", "오하이오"),
        currency="USD",
    ),
    _r(
        "us-west-1",
        "US West (N. California)",
        "N. California",
        "United States",
        ("N. California", "Northern California", "California", "캘리포니아", "북부 캘리포니아"),
        currency="USD",
    ),
    _r(
        "us-west-2",
        "US West (Oregon)",
        "Oregon",
        "United States",
        ("Oregon", "오레곤", "오리건"),
        az_count=4,
        currency="USD",
    ),
    _r(
        "ca-central-1",
        "Canada (Central)",
        "Montreal",
        "Canada",
        ("Montreal", "Montréal", "Canada Central", "몬트리올", "캐나다 중부"),
        currency="CAD",
    ),
    _r(
        "ca-west-1",
        "Canada West (Calgary)",
        "Calgary",
        "Canada",
        ("Calgary", "Canada West", "캘거리", "캐나다 서부"),
        opt_in=True,
        currency="CAD",
    ),
    _r(
        "mx-central-1",
        "Mexico (Central)",
        "Querétaro",
        "Mexico",
        ("Mexico", "Querétaro", "Queretaro", "멕시코", "케레타로"),
        opt_in=True,
        currency="MXN",
    ),
    _r(
        "sa-east-1",
        "South America (São Paulo)",
        "São Paulo",
        "Brazil",
        ("São Paulo", "Sao Paulo", "Brazil", "South America", "상파울루", "상파울로", "브라질"),
        currency="BRL",
    ),
    _r(
        "eu-west-1",
        "Europe (Ireland)",
        "Dublin",
        "Ireland",
        ("Ireland", "Dublin", "아일랜드", "더블린"),
        currency="EUR",
    ),
    _r(
        "eu-west-2",
        "Europe (London)",
        "London",
        "United Kingdom",
        ("London", "UK", "United Kingdom", "Britain", "England", "런던", "영국"),
        currency="GBP",
    ),
    _r(
        "eu-west-3",
        "Europe (Paris)",
        "Paris",
        "France",
        ("Paris", "France", "파리", "프랑스"),
        currency="EUR",
    ),
    _r(
        "eu-central-1",
        "Europe (Frankfurt)",
        "Frankfurt",
        "Germany",
        ("Frankfurt", "Germany", "프랑크푸르트", "독일"),
        currency="EUR",
    ),
    _r(
        "eu-central-2",
        "Europe (Zurich)",
        "Zurich",
        "Switzerland",
        ("Zurich", "Zürich", "Switzerland", "취리히", "스위스"),
        opt_in=True,
        currency="CHF",
    ),
    _r(
        "eu-north-1",
        "Europe (Stockholm)",
        "Stockholm",
        "Sweden",
        ("Stockholm", "Sweden", "스톡홀름", "스웨덴"),
        currency="SEK",
    ),
    _r(
        "eu-south-1",
        "Europe (Milan)",
        "Milan",
        "Italy",
        ("Milan", "Milano", "Italy", "밀라노", "밀란", "이탈리아"),
        opt_in=True,
        currency="EUR",
    ),
    _r(
        "eu-south-2",
        "Europe (Spain)",
        "Aragón",
        "Spain",
        ("Spain", "Aragón", "Aragon", "스페인", "아라곤"),
        opt_in=True,
        currency="EUR",
    ),
    _r(
        "il-central-1",
        "Israel (Tel Aviv)",
        "Tel Aviv",
        "Israel",
        ("Tel Aviv", "Israel", "텔아비브", "이스라엘"),
        opt_in=True,
        currency="ILS",
    ),
    _r(
        "me-south-1",
        "Middle East (Bahrain)",
        "Bahrain",
        "Bahrain",
        ("Bahrain", "Manama", "바레인"),
        opt_in=True,
        currency="BHD",
    ),
    _r(
        # AWS names no city for this region.
        "me-central-1",
        "Middle East (UAE)",
        "UAE",
        "United Arab Emirates",
        ("UAE", "United Arab Emirates", "Dubai", "Abu Dhabi", "아랍에미리트", "두바이", "아부다비"),
        opt_in=True,
        currency="AED",
    ),
    _r(
        "af-south-1",
        "Africa (Cape Town)",
        "Cape Town",
        "South Africa",
        ("Cape Town", "South Africa", "Africa", "케이프타운", "남아프리카", "남아공", "아프리카"),
        opt_in=True,
        currency="ZAR",
    ),
    _r(
        "ap-east-1",
        "Asia Pacific (Hong Kong)",
        "Hong Kong",
        "Hong Kong",
        ("Hong Kong", "홍콩"),
        opt_in=True,
        currency="HKD",
    ),
    _r(
        "ap-east-2",
        "Asia Pacific (Taipei)",
        "Taipei",
        "Taiwan",
        ("Taipei", "Taiwan", "타이베이", "타이페이", "대만", "타이완"),
        opt_in=True,
        currency="TWD",
    ),
    _r(
        "ap-south-1",
        "Asia Pacific (Mumbai)",
        "Mumbai",
        "India",
        ("Mumbai", "Bombay", "뭄바이"),
        currency="INR",
    ),
    _r(
        "ap-south-2",
        "Asia Pacific (Hyderabad)",
        "Hyderabad",
        "India",
        ("Hyderabad", "하이데라바드"),
        opt_in=True,
        currency="INR",
    ),
    _r(
        "ap-southeast-1",
        "Asia Pacific (Singapore)",
        "Singapore",
        "Singapore",
        ("Singapore", "싱가포르", "싱가폴"),
        currency="SGD",
    ),
    _r(
        "ap-southeast-2",
        "Asia Pacific (Sydney)",
        "Sydney",
        "Australia",
        ("Sydney", "시드니"),
        currency="AUD",
    ),
    _r(
        "ap-southeast-3",
        "Asia Pacific (Jakarta)",
        "Jakarta",
        "Indonesia",
        ("Jakarta", "Indonesia", "자카르타", "인도네시아"),
        opt_in=True,
        currency="IDR",
    ),
    _r(
        "ap-southeast-4",
        "Asia Pacific (Melbourne)",
        "Melbourne",
        "Australia",
        ("Melbourne", "멜버른", "멜번"),
        opt_in=True,
        currency="AUD",
    ),
    _r(
        "ap-southeast-5",
        "Asia Pacific (Malaysia)",
        "Kuala Lumpur",
        "Malaysia",
        ("Malaysia", "Kuala Lumpur", "말레이시아", "쿠알라룸푸르"),
        opt_in=True,
        currency="MYR",
    ),
    _r(
        "ap-southeast-6",
        "Asia Pacific (New Zealand)",
        "Auckland",
        "New Zealand",
        ("New Zealand", "NZ", "Auckland", "뉴질랜드", "오클랜드"),
        opt_in=True,
        currency="NZD",
    ),
    _r(
        "ap-southeast-7",
        "Asia Pacific (Thailand)",
        "Bangkok",
        "Thailand",
        ("Thailand", "Bangkok", "태국", "방콕"),
        opt_in=True,
        currency="THB",
    ),
    _r(
        "ap-northeast-1",
        "Asia Pacific (Tokyo)",
        "Tokyo",
        "Japan",
        ("Tokyo", "도쿄"),
        az_count=4,
        currency="JPY",
    ),
    _r(
        "ap-northeast-2",
        "Asia Pacific (Seoul)",
        "Seoul",
        "South Korea",
        ("Seoul", "Korea", "South Korea", "Republic of Korea", "서울", "한국", "대한민국"),
        az_count=4,
        currency="KRW",
    ),
    _r(
        "ap-northeast-3",
        "Asia Pacific (Osaka)",
        "Osaka",
        "Japan",
        ("Osaka", "오사카"),
        currency="JPY",
    ),
)

_AREAS: tuple[_Area, ...] = (
    _Area(
        ("US", "USA", "U.S.", "U.S.A.", "United States", "North America", "미국", "북미"),
        "us-east-1",
        ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    ),
    _Area(("US East", "미국 동부"), "us-east-1", ("us-east-1", "us-east-2")),
    _Area(("US West", "미국 서부"), "us-west-2", ("us-west-1", "us-west-2")),
    _Area(("Canada", "캐나다"), "ca-central-1", ("ca-central-1", "ca-west-1")),
    _Area(("Japan", "일본"), "ap-northeast-1", ("ap-northeast-1", "ap-northeast-3")),
    _Area(("India", "인도"), "ap-south-1", ("ap-south-1", "ap-south-2")),
    _Area(("Australia", "호주"), "ap-southeast-2", ("ap-southeast-2", "ap-southeast-4")),
    _Area(
        ("Europe", "EU", "유럽"),
        "eu-west-1",
        tuple(r.code for r in _REGIONS_WITHOUT_AREAS if r.code.startswith("eu-")),
    ),
)


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
