"""Write agent/cost/prices.json from AWS Price List offer files you downloaded.

The script never downloads anything: it reads the offer files under ``--offers`` (JSON or CSV,
as the AWS Price List Bulk API publishes them; see docs/cost.md, "Updating the table"), picks the
on-demand prices AutCloud uses (EC2 Linux shared-tenancy instance-hours, EBS, NAT gateways, load
balancers, RDS/Aurora PostgreSQL, ElastiCache, OpenSearch, MSK, Firehose, Kinesis, Lambda, S3,
DynamoDB, ...) and fills the rest from ``--manual`` (data/price-list/manual.json: the figures no
offer file has covered yet, each kind saying where its figures came from). The table records the
offer files it read (offer code, region, publicationDate) and, per kind, its source.

    .venv/bin/python scripts/price_table.py            # data/price-list → agent/cost/prices.json
    .venv/bin/python scripts/price_table.py --check    # exit 1 when prices.json is not current
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OFFERS = ROOT / "data" / "price-list" / "offers"
DEFAULT_MANUAL = ROOT / "data" / "price-list" / "manual.json"
DEFAULT_OUT = ROOT / "agent" / "cost" / "prices.json"

# "APN2-BoxUsage:t3.micro" → "BoxUsage:t3.micro"; us-east-1 usage types mostly carry no prefix.
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]?-(?=[A-Z])")


def _key(name: str) -> str:
    """An attribute name as both formats can be matched: "Pre Installed S/W" → "preinstalledsw"."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Row:
    """One on-demand price dimension of one product."""

    family: str
    attributes: dict[str, str]  # keys normalised by _key
    unit: str
    usd: float
    begin_range: float

    @property
    def usage(self) -> str:
        return _REGION_PREFIX.sub("", self.attributes.get("usagetype", ""))


@dataclass
class OfferFile:
    path: Path
    offer_code: str
    publication_date: str
    version: str
    region: str
    extract: dict[str, Any] | None  # data/price-list extracts say how they were made
    rows: list[Row] = field(default_factory=list)

    def label(self) -> str:
        text = (
            f"{self.offer_code} {self.region} offer file (publicationDate {self.publication_date})"
        )
        if self.extract:
            text += f", an extract rebuilt from {self.extract.get('from', 'another source')}"
        return text


def _number(text: str) -> float:
    return float(text) if text not in ("", "Inf") else float("inf")


def _region_of(path: Path) -> str:
    """``.../current/<region>/index.json`` → the region; "" when the path does not say."""
    parts = path.parts
    if len(parts) >= 3 and parts[-3] == "current":
        return parts[-2]
    return ""


def read_json_offer(path: Path) -> OfferFile:
    data = json.loads(path.read_text(encoding="utf-8"))
    offer = OfferFile(
        path=path,
        offer_code=str(data.get("offerCode", "")),
        publication_date=str(data.get("publicationDate", "")),
        version=str(data.get("version", "")),
        region=_region_of(path),
        extract=data.get("autcloudExtract"),
    )
    products: dict[str, Any] = data.get("products", {})
    on_demand: dict[str, Any] = data.get("terms", {}).get("OnDemand", {})
    for sku, terms in on_demand.items():
        product = products.get(sku)
        if product is None:
            continue
        attributes = {_key(k): str(v) for k, v in product.get("attributes", {}).items()}
        family = str(product.get("productFamily", ""))
        for term in terms.values():
            for dimension in term.get("priceDimensions", {}).values():
                usd = dimension.get("pricePerUnit", {}).get("USD")
                if usd is None:
                    continue
                offer.rows.append(
                    Row(
                        family,
                        attributes,
                        str(dimension.get("unit", "")),
                        float(usd),
                        _number(str(dimension.get("beginRange", "0"))),
                    )
                )
    return offer


_CSV_PRICE_COLUMNS = {
    "sku",
    "offertermcode",
    "ratecode",
    "termtype",
    "pricedescription",
    "effectivedate",
    "startingrange",
    "endingrange",
    "unit",
    "priceperunit",
    "currency",
    "leasecontractlength",
    "purchaseoption",
    "offeringclass",
    "relatedto",
}


def read_csv_offer(path: Path) -> OfferFile:
    """The CSV variant: five ``"Name","value"`` lines, then a header row, then one row per price."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        meta: dict[str, str] = {}
        for _ in range(5):
            line = next(reader)
            if len(line) >= 2:
                meta[_key(line[0])] = line[1]
        header = [_key(name) for name in next(reader)]
        offer = OfferFile(
            path=path,
            offer_code=meta.get("offercode", ""),
            publication_date=meta.get("publicationdate", ""),
            version=meta.get("version", ""),
            region=_region_of(path),
            extract=None,
        )
        for values in reader:
            row = dict(zip(header, values, strict=False))
            if row.get("termtype") != "OnDemand" or row.get("currency", "USD") != "USD":
                continue
            attributes = {k: v for k, v in row.items() if k not in _CSV_PRICE_COLUMNS and v != ""}
            offer.rows.append(
                Row(
                    attributes.pop("productfamily", ""),
                    attributes,
                    row.get("unit", ""),
                    float(row.get("priceperunit") or 0),
                    _number(row.get("startingrange", "0") or "0"),
                )
            )
    return offer


def read_offer(path: Path) -> OfferFile:
    return read_csv_offer(path) if path.suffix == ".csv" else read_json_offer(path)


# ---------------------------------------------------------------------------------------------
# What AutCloud takes from each offer: one selector per priced dimension.

Namer = Callable[[Row, "re.Match[str]"], str | None]


@dataclass(frozen=True)
class Selector:
    offer: str  # offer code
    kind: str  # the prices.json kind it fills
    usage: str  # regular expression matched against the usage type (region prefix removed)
    families: tuple[str, ...] = ()  # product families accepted (empty: any)
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # attribute → accepted values
    name: Namer | None = None  # the by_name key; None for single-price kinds
    scale: float = 1.0  # the offer's unit → the table's (per request → per million: 1e6)

    def pick(self, row: Row) -> tuple[str | None, float] | None:
        """``(name, usd in the table's unit)`` when the row is this selector's, else None."""
        if self.families and row.family not in self.families:
            return None
        for key, accepted in self.attributes:
            # An attribute the file does not carry is not a reason to drop the row.
            if key in row.attributes and row.attributes[key] not in accepted:
                return None
        match = re.fullmatch(self.usage, row.usage)
        if match is None:
            return None
        name = self.name(row, match) if self.name else None
        if self.name and not name:
            return None
        return name, row.usd * self.scale


def _attribute(key: str) -> Namer:
    return lambda row, match: row.attributes.get(key) or None


def _group(prefix: str = "") -> Namer:
    return lambda row, match: prefix + match.group(1)


def _mapped(table: dict[str, str]) -> Namer:
    return lambda row, match: table.get(match.group(1))


_LINUX = (
    ("operatingsystem", ("Linux",)),
    ("preinstalledsw", ("NA",)),
    ("capacitystatus", ("Used",)),
    ("tenancy", ("Shared",)),
    ("licensemodel", ("No License required",)),
    ("marketoption", ("OnDemand",)),
)
_POSTGRES_SINGLE_AZ = (("databaseengine", ("PostgreSQL",)), ("deploymentoption", ("Single-AZ",)))
_AURORA_POSTGRES = (("databaseengine", ("Aurora PostgreSQL",)),)

SELECTORS: tuple[Selector, ...] = (
    # EC2: Linux, shared tenancy, on-demand, no pre-installed software.
    Selector(
        "AmazonEC2",
        "ec2_instance_hour",
        r"BoxUsage:.+",
        ("Compute Instance", "Compute Instance (bare metal)"),
        _LINUX,
        _attribute("instancetype"),
    ),
    Selector(
        "AmazonEC2",
        "ebs_gb_month",
        r"EBS:VolumeUsage(?:\.\w+)?",
        ("Storage",),
        name=_attribute("volumeapiname"),
    ),
    Selector("AmazonEC2", "ebs_gp3_iops_month", r"EBS:VolumeP-IOPS\.gp3"),
    Selector("AmazonEC2", "ebs_gp3_throughput_month", r"EBS:VolumeP-Throughput\.gp3"),
    Selector("AmazonEC2", "nat_gateway_hour", r"NatGateway-Hours"),
    Selector("AmazonEC2", "nat_gateway_gb", r"NatGateway-Bytes"),
    Selector("AmazonVPC", "public_ipv4_hour", r"PublicIPv4:InUseAddress"),
    Selector("AmazonVPC", "vpn_connection_hour", r"VPN-Usage-Hours:ipsec\.1"),
    # Elastic Load Balancing.
    Selector("AWSELB", "alb_hour", r"LoadBalancerUsage", ("Load Balancer-Application",)),
    Selector("AWSELB", "alb_lcu_hour", r"LCUUsage", ("Load Balancer-Application",)),
    Selector("AWSELB", "nlb_hour", r"LoadBalancerUsage", ("Load Balancer-Network",)),
    Selector("AWSELB", "nlb_lcu_hour", r"LCUUsage", ("Load Balancer-Network",)),
    Selector("AWSELB", "gwlb_hour", r"LoadBalancerUsage", ("Load Balancer-Gateway",)),
    Selector("AWSELB", "gwlb_lcu_hour", r"LCUUsage", ("Load Balancer-Gateway",)),
    # RDS for PostgreSQL (Single-AZ; Multi-AZ is twice) and Aurora PostgreSQL (Standard).
    Selector(
        "AmazonRDS",
        "rds_instance_hour",
        r"InstanceUsage:(db\..+)",
        ("Database Instance",),
        _POSTGRES_SINGLE_AZ,
        _group(),
    ),
    Selector(
        "AmazonRDS",
        "rds_storage_gb_month",
        r"RDS:(GP3|GP2|PIOPS|PIOPS-IO2|Storage)(?:-Storage|Usage)?",
        ("Database Storage",),
        (("deploymentoption", ("Single-AZ",)),),
        _mapped(
            {"GP3": "gp3", "GP2": "gp2", "PIOPS": "io1", "PIOPS-IO2": "io2", "Storage": "standard"}
        ),
    ),
    Selector(
        "AmazonRDS",
        "aurora_instance_hour",
        r"InstanceUsage:(db\..+)",
        ("Database Instance",),
        _AURORA_POSTGRES,
        _group(),
    ),
    Selector("AmazonRDS", "aurora_serverless_v2_acu_hour", r"Aurora:ServerlessV2Usage"),
    Selector("AmazonRDS", "aurora_storage_gb_month", r"Aurora:StorageUsage"),
    Selector("AmazonRDS", "aurora_io_million", r"Aurora:StorageIOUsage", scale=1e6),
    Selector("AmazonRDS", "rds_proxy_vcpu_hour", r"RDS:ProxyUsage"),
    # ElastiCache (Redis OSS nodes).
    Selector(
        "AmazonElastiCache",
        "elasticache_node_hour",
        r"NodeUsage:(cache\..+)",
        ("Cache Instance",),
        (("cacheengine", ("Redis",)),),
        _group(),
    ),
    # OpenSearch Service.
    Selector(
        "AmazonES",
        "opensearch_instance_hour",
        r"ESInstance:.+",
        name=_attribute("instancetype"),
    ),
    Selector(
        "AmazonES",
        "opensearch_storage_gb_month",
        r"ES:(GP3|GP2|PIOPS|Magnetic)-Storage",
        name=_mapped({"GP3": "gp3", "GP2": "gp2", "PIOPS": "io1", "Magnetic": "standard"}),
    ),
    # MSK (provisioned brokers and their storage).
    Selector(
        "AmazonMSK", "msk_broker_hour", r"Kafka\.(?!Storage)(\w+\.\w+)", name=_group("kafka.")
    ),
    Selector("AmazonMSK", "msk_storage_gb_month", r"Kafka\.Storage\.GP2"),
    # Streaming.
    Selector("AmazonKinesisFirehose", "firehose_ingest_gb", r"BilledBytes"),
    Selector("AmazonKinesis", "kinesis_shard_hour", r"Storage-ShardHour"),
    Selector("AmazonKinesis", "kinesis_put_unit_million", r"PutRequestPayloadUnits", scale=1e6),
    Selector("AmazonKinesis", "kinesis_on_demand_stream_hour", r"OnDemand-StreamHour"),
    Selector("AmazonKinesis", "kinesis_on_demand_gb_in", r"OnDemand-BilledIncomingBytes"),
    # Serverless and storage.
    Selector("AWSLambda", "lambda_request_million", r"Request", scale=1e6),
    Selector(
        "AWSLambda",
        "lambda_gb_second",
        r"Lambda-GB-Second(-ARM)?",
        name=lambda row, match: "arm64" if match.group(1) else "x86_64",
    ),
    Selector(
        "AWSLambda",
        "lambda_provisioned_concurrency_gb_second",
        r"Lambda-Provisioned-Concurrency(-ARM)?",
        name=lambda row, match: "arm64" if match.group(1) else "x86_64",
    ),
    Selector(
        "AmazonS3",
        "s3_standard_gb_month",
        r"TimedStorage-ByteHrs",
        attributes=(("volumetype", ("Standard",)),),
    ),
    Selector("AmazonS3", "s3_put_request_thousand", r"Requests-Tier1", scale=1e3),
    Selector("AmazonS3", "s3_get_request_thousand", r"Requests-Tier2", scale=1e3),
    Selector("AmazonDynamoDB", "dynamodb_read_request_million", r"ReadRequestUnits", scale=1e6),
    Selector("AmazonDynamoDB", "dynamodb_write_request_million", r"WriteRequestUnits", scale=1e6),
    Selector("AmazonDynamoDB", "dynamodb_rcu_hour", r"ReadCapacityUnit-Hrs"),
    Selector("AmazonDynamoDB", "dynamodb_wcu_hour", r"WriteCapacityUnit-Hrs"),
    Selector("AmazonDynamoDB", "dynamodb_storage_gb_month", r"TimedStorage-ByteHrs"),
)

# Kinds computed from other kinds once the offer files are read: kind → (from kind, name, factor).
DERIVED: dict[str, tuple[str, str, float]] = {
    # AWS Batch on EC2 is priced per vCPU-hour of a general-purpose instance: m6i.large / 2.
    "ec2_vcpu_hour_general_purpose": ("ec2_instance_hour", "m6i.large", 0.5),
}


@dataclass
class Found:
    """Prices taken from offer files: region → kind → name ("" for single prices) → USD."""

    prices: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    labels: dict[str, set[str]] = field(default_factory=dict)  # kind → offer labels

    def add(self, region: str, kind: str, name: str, usd: float, label: str) -> None:
        names = self.prices.setdefault(region, {}).setdefault(kind, {})
        # Several tiers or rows: keep the first positive price (free tiers are not modelled).
        if usd > 0 and name not in names:
            names[name] = usd
            self.labels.setdefault(kind, set()).add(label)


def collect(offers: list[OfferFile]) -> Found:
    found = Found()
    by_offer: dict[str, list[Selector]] = {}
    for selector in SELECTORS:
        by_offer.setdefault(selector.offer, []).append(selector)
    for offer in offers:
        selectors = by_offer.get(offer.offer_code, [])
        # The lowest tier first, so a "first 500 TB" price wins over a "next 1.5 PB" one.
        for row in sorted(offer.rows, key=lambda r: r.begin_range):
            region = row.attributes.get("regioncode") or offer.region
            for selector in selectors:
                picked = selector.pick(row)
                if picked is not None:
                    name, usd = picked
                    found.add(region, selector.kind, name or "", usd, offer.label())
    return found


def find_offer_files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted([*folder.rglob("index.json"), *folder.rglob("index.csv")])


def build_table(offers: list[OfferFile], manual: dict[str, Any]) -> dict[str, Any]:
    """The prices.json structure: ``manual`` with every price the offer files have replaced."""
    base = str(manual["base_region"])
    found = collect(offers)
    kinds: dict[str, dict[str, Any]] = json.loads(json.dumps(manual["kinds"]))
    overrides: dict[str, dict[str, float]] = json.loads(json.dumps(manual["region_overrides"]))
    unknown = sorted({kind for region in found.prices.values() for kind in region} - set(kinds))
    if unknown:
        raise SystemExit(f"offer prices for kinds manual.json does not describe: {unknown}")
    for kind, names in found.prices.get(base, {}).items():
        spec = kinds[kind]
        if "by_name" in spec:
            spec["by_name"].update({n: usd for n, usd in names.items() if n})
        elif "" in names:
            spec["usd"] = names[""]
        labels = "; ".join(sorted(found.labels[kind]))
        spec["source"] = f"{labels}, read by scripts/price_table.py" + (
            f" (names those files lack: {spec['source']})"
            if "by_name" in spec and set(spec["by_name"]) - set(names)
            else ""
        )
    for kind, (origin, name, factor) in DERIVED.items():
        if name in found.prices.get(base, {}).get(origin, {}):
            kinds[kind]["usd"] = round(found.prices[base][origin][name] * factor, 10)
            kinds[kind]["source"] = f"{origin} {name} × {factor:g} ({kinds[origin]['source']})"
    for region, region_kinds in sorted(found.prices.items()):
        if region == base:
            continue
        for kind, names in region_kinds.items():
            for name, usd in names.items():
                key = f"{kind}:{name}" if name else kind
                overrides.setdefault(region, {})[key] = usd
    for spec in kinds.values():
        if "by_name" in spec:
            spec["by_name"] = dict(
                sorted(spec["by_name"].items(), key=lambda kv: _type_order(kv[0]))
            )
    dates = sorted(offer.publication_date[:10] for offer in offers if offer.publication_date)
    files = [
        {
            "file": offer.path.as_posix(),
            "offerCode": offer.offer_code,
            "region": offer.region,
            "publicationDate": offer.publication_date,
            **({"extract": offer.extract} if offer.extract else {}),
        }
        for offer in offers
    ]
    described = "; ".join(offer.label() for offer in offers) or "no offer files"
    return {
        "as_of": dates[-1] if dates else manual["as_of"],
        "source": (
            f"Generated by scripts/price_table.py from AWS Price List offer files ({described}) and, "
            "for what they do not cover, data/price-list/manual.json. Each kind's source says which."
        ),
        "generated_by": "scripts/price_table.py",
        "offer_files": files,
        "currency": manual["currency"],
        "note": manual["note"],
        "krw_per_usd": manual["krw_per_usd"],
        "krw_rate_note": manual["krw_rate_note"],
        "base_region": base,
        "region_multipliers_source": manual["region_multipliers_source"],
        "region_multipliers": manual["region_multipliers"],
        "region_overrides_source": manual["region_overrides_source"],
        "region_overrides": overrides,
        "kinds": kinds,
    }


_SIZES = ("nano", "micro", "small", "medium", "large", "xlarge")


def _type_order(name: str) -> tuple[str, int, str]:
    """Instance types by family, then size (t3.micro before t3.2xlarge); other names as they are."""
    family, _, size = name.rpartition(".")
    if size in _SIZES:
        return family, _SIZES.index(size), size
    match = re.fullmatch(r"(\d+)xlarge", size)
    if match:
        return family, len(_SIZES) + int(match.group(1)), size
    if size.startswith("metal"):
        return family, 10_000, size
    return name, 0, ""


def render(table: dict[str, Any]) -> str:
    """JSON with one line per kind (or per named price of the instance kinds), stable order."""
    lines = ["{"]
    items = list(table.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if key in ("region_multipliers", "region_overrides", "kinds", "offer_files"):
            inner = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
            opener, closer = ("{", "}") if isinstance(value, dict) else ("[", "]")
            lines.append(f"  {json.dumps(key)}: {opener}")
            for position, (name, entry) in enumerate(inner):
                tail = "," if position < len(inner) - 1 else ""
                prefix = f"{json.dumps(name)}: " if isinstance(value, dict) else ""
                lines.append(f"    {prefix}{_compact(entry)}{tail}")
            lines.append(f"  {closer}{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def generate(offers_folder: Path, manual_path: Path) -> str:
    manual = json.loads(manual_path.read_text(encoding="utf-8"))
    offers = [read_offer(path) for path in find_offer_files(offers_folder)]
    for offer in offers:
        offer.path = _relative(offer.path)
    return render(build_table(offers, manual))


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(ROOT)
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--offers", type=Path, default=DEFAULT_OFFERS, help="offer files folder")
    parser.add_argument("--manual", type=Path, default=DEFAULT_MANUAL, help="manual prices")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the table to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not current")
    args = parser.parse_args(argv)
    text = generate(args.offers, args.manual)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is not what scripts/price_table.py writes; run it", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
