"""find_region reads region codes and English/Korean place names out of free text."""

from __future__ import annotations

import pytest

from autcloud.agent.regions import REGIONS, Region, find_region, get_region

# (code, an English name of its city, the Korean name of its city)
CITIES: list[tuple[str, str, str]] = [
    ("us-east-1", "N. Virginia", "버지니아"),
    ("us-east-2", "Ohio", "오하이오"),
    ("us-west-1", "N. California", "캘리포니아"),
    ("us-west-2", "Oregon", "오레곤"),
    ("ca-central-1", "Montreal", "몬트리올"),
    ("ca-west-1", "Calgary", "캘거리"),
    ("mx-central-1", "Querétaro", "케레타로"),
    ("sa-east-1", "São Paulo", "상파울루"),
    ("eu-west-1", "Dublin", "더블린"),
    ("eu-west-2", "London", "런던"),
    ("eu-west-3", "Paris", "파리"),
    ("eu-central-1", "Frankfurt", "프랑크푸르트"),
    ("eu-central-2", "Zurich", "취리히"),
    ("eu-north-1", "Stockholm", "스톡홀름"),
    ("eu-south-1", "Milan", "밀라노"),
    ("eu-south-2", "Spain", "스페인"),
    ("il-central-1", "Tel Aviv", "텔아비브"),
    ("me-south-1", "Bahrain", "바레인"),
    ("me-central-1", "UAE", "아랍에미리트"),
    ("af-south-1", "Cape Town", "케이프타운"),
    ("ap-east-1", "Hong Kong", "홍콩"),
    ("ap-east-2", "Taipei", "타이베이"),
    ("ap-south-1", "Mumbai", "뭄바이"),
    ("ap-south-2", "Hyderabad", "하이데라바드"),
    ("ap-southeast-1", "Singapore", "싱가포르"),
    ("ap-southeast-2", "Sydney", "시드니"),
    ("ap-southeast-3", "Jakarta", "자카르타"),
    ("ap-southeast-4", "Melbourne", "멜버른"),
    ("ap-southeast-5", "Kuala Lumpur", "쿠알라룸푸르"),
    ("ap-southeast-6", "Auckland", "오클랜드"),
    ("ap-southeast-7", "Bangkok", "방콕"),
    ("ap-northeast-1", "Tokyo", "도쿄"),
    ("ap-northeast-2", "Seoul", "서울"),
    ("ap-northeast-3", "Osaka", "오사카"),
]
CODES = [code for code, _, _ in CITIES]


def found(text: str) -> str | None:
    region = find_region(text)
    return region.code if region else None


def test_the_table_covers_exactly_the_tested_regions() -> None:
    assert sorted(r.code for r in REGIONS) == sorted(CODES)


def test_no_govcloud_or_china_region_is_listed() -> None:
    assert not [r.code for r in REGIONS if r.code.startswith(("us-gov-", "cn-"))]


def test_codes_are_unique() -> None:
    assert len({r.code for r in REGIONS}) == len(REGIONS)


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r.code)
def test_every_region_is_complete(region: Region) -> None:
    assert region.name and region.city and region.country and region.aliases
    assert region.az_count >= 2
    assert region.currency_hint is None or len(region.currency_hint) == 3


@pytest.mark.parametrize("code", CODES)
def test_a_code_in_a_sentence_names_its_region(code: str) -> None:
    assert found(f"please deploy to {code} next week") == code


@pytest.mark.parametrize(("code", "city"), [(c, e) for c, e, _ in CITIES])
def test_an_english_city_names_its_region(code: str, city: str) -> None:
    assert found(f"Our users are mostly near {city}, so host it there.") == code


@pytest.mark.parametrize(("code", "city"), [(c, k) for c, _, k in CITIES])
def test_a_korean_city_with_a_particle_names_its_region(code: str, city: str) -> None:
    assert found(f"{city} 리전에 배포해 주세요") == code
    assert found(f"{city}에 배포해 주세요") == code


@pytest.mark.parametrize("code", CODES)
def test_the_aws_display_name_names_its_region(code: str) -> None:
    assert found(get_region(code).name) == code


def test_an_availability_zone_names_its_region() -> None:
    assert found("subnets in ap-northeast-2a and ap-northeast-2c") == "ap-northeast-2"


def test_codes_are_read_in_any_case() -> None:
    assert found("US-WEST-2") == "us-west-2"


def test_english_names_are_case_insensitive() -> None:
    assert found("SEOUL please") == "ap-northeast-2"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Korea", "ap-northeast-2"),
        ("South Korea", "ap-northeast-2"),
        ("한국 사용자 대상", "ap-northeast-2"),
        ("Japan", "ap-northeast-1"),
        ("일본의 고객", "ap-northeast-1"),
        ("US", "us-east-1"),
        ("USA", "us-east-1"),
        ("the United States", "us-east-1"),
        ("미국 고객", "us-east-1"),
        ("미국 동부", "us-east-1"),
        ("미국동부", "us-east-1"),
        ("US West", "us-west-2"),
        ("Europe", "eu-west-1"),
        ("유럽 사용자", "eu-west-1"),
        ("India", "ap-south-1"),
        ("인도", "ap-south-1"),
        ("Australia", "ap-southeast-2"),
        ("Canada", "ca-central-1"),
        ("Ireland", "eu-west-1"),
        ("아일랜드", "eu-west-1"),
        ("Virginia", "us-east-1"),
        ("버지니아", "us-east-1"),
    ],
)
def test_countries_and_areas_mean_their_main_region(text: str, code: str) -> None:
    assert found(text) == code


def test_a_city_refines_its_country_wherever_it_appears() -> None:
    assert found("Japan, in Osaka") == "ap-northeast-3"
    assert found("일본 오사카 리전") == "ap-northeast-3"
    assert found("US customers, hosted in Oregon") == "us-west-2"
    assert found("Europe, specifically Frankfurt") == "eu-central-1"


def test_the_longest_name_at_one_position_wins() -> None:
    assert found("US East (Ohio)") == "us-east-2"
    assert found("인도네시아 사용자") == "ap-southeast-3"
    assert found("South Africa") == "af-south-1"


def test_the_earliest_of_two_regions_wins() -> None:
    assert found("primary in Seoul, DR in Tokyo") == "ap-northeast-2"
    assert found("도쿄를 기본으로, 서울은 백업") == "ap-northeast-1"
    assert found("Korea for users, DR in Tokyo") == "ap-northeast-2"


def test_a_code_and_a_city_compete_by_position() -> None:
    assert found("us-west-2, not Seoul") == "us-west-2"


@pytest.mark.parametrize(
    "text",
    [
        "let us build a web app",
        "an API for users",
        "a ca certificate for the load balancer",
        "Tell us more about the eu cookie banner",  # lowercase "eu" is not Europe
        "a Korean-language admin page",
        "한국어로 답해 주세요",
        "일본어 지원 필요",
        "a small CRUD service with PostgreSQL",
        "the me-central-10 thing",
        "",
    ],
)
def test_ordinary_text_names_no_region(text: str) -> None:
    assert find_region(text) is None


def test_get_region_returns_the_region() -> None:
    region = get_region("ap-northeast-2")
    assert (region.name, region.city, region.currency_hint) == (
        "Asia Pacific (Seoul)",
        "Seoul",
        "KRW",
    )


def test_get_region_ignores_case_and_spaces() -> None:
    assert get_region(" EU-WEST-1 ").code == "eu-west-1"


def test_get_region_names_the_valid_codes_on_a_miss() -> None:
    with pytest.raises(ValueError, match=r"us-gov-west-1.*ap-northeast-2") as error:
        get_region("us-gov-west-1")
    assert "us-east-1" in str(error.value)


def test_opt_in_regions_are_marked() -> None:
    assert get_region("ap-east-2").opt_in
    assert not get_region("ap-northeast-3").opt_in
    assert not get_region("us-east-1").opt_in


def test_seoul_lists_its_korean_and_english_aliases() -> None:
    aliases = get_region("ap-northeast-2").aliases
    assert {"Seoul", "Korea", "South Korea", "서울", "한국"} <= set(aliases)
