"""``scanner/records.yaml``: what each kind's found object is read from, and how a bad entry
is refused (the file and kind named, and what the entry may hold)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autcloud.scanner.export import FILES
from autcloud.scanner.records import RECORDS, load_records


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "records.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_of_the_table_is_a_kind_the_exporter_files() -> None:
    filed = {kind for _, kinds in FILES for kind in kinds}
    assert set(RECORDS) <= filed, sorted(set(RECORDS) - filed)


def test_an_item_is_read_in_table_order_with_computed_arguments_in_their_slots(
    tmp_path: Path,
) -> None:
    shape = load_records(
        _table(
            tmp_path,
            "aws_db_instance:\n"
            "  key: DBInstanceArn\n"
            "  arguments:\n"
            "    identifier: DBInstanceIdentifier\n"
            "    vpc_security_group_ids: ~\n"
            "    db_subnet_group_name: [DBSubnetGroup, DBSubnetGroupName]\n"
            "    monitoring_interval: {reported: MonitoringInterval}\n"
            "    copy_tags_to_snapshot: {reported: CopyTagsToSnapshot}\n"
            "  unrecorded: [apply_immediately]\n",
        )
    )["aws_db_instance"]
    item = {"DBInstanceIdentifier": "db", "CopyTagsToSnapshot": True, "DBSubnetGroup": None}
    arguments, unrecorded = shape.read(
        item, {"skip_final_snapshot": True, "vpc_security_group_ids": ["sg"]}
    )
    assert list(arguments.items()) == [
        ("identifier", "db"),
        ("vpc_security_group_ids", ["sg"]),
        ("db_subnet_group_name", None),
        ("copy_tags_to_snapshot", True),
        ("skip_final_snapshot", True),  # not named by the table: after its arguments
    ]
    # The table's own first, then what AWS did not report.
    assert unrecorded == ("apply_immediately", "monitoring_interval")


def test_a_required_field_missing_fails_the_kind_as_an_unexpected_answer() -> None:
    # The runner reports a KeyError as the kind's UnexpectedResponse failure.
    with pytest.raises(KeyError, match="InstanceType"):
        RECORDS["aws_instance"].read({"InstanceId": "i-1", "ImageId": "ami-1"}, {})


def test_a_computed_argument_the_table_reads_from_a_field_is_refused() -> None:
    with pytest.raises(ValueError, match=r"records.yaml: aws_vpc reads \['cidr_block'\]"):
        RECORDS["aws_vpc"].read({"VpcId": "vpc-1"}, {"cidr_block": "10.0.0.0/16"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("aws_vpc:\n  arguments: {}\n", r"aws_vpc takes key \(required\)"),
        ("aws_vpc:\n  key: VpcId\n  tag: Name\n", r"aws_vpc takes key .*got \['key', 'tag'\]"),
        (
            "aws_vpc:\n  key: VpcId\n  arguments:\n    cidr_block: 3\n",
            r"aws_vpc.arguments.cidr_block must be a field name",
        ),
        (
            "aws_vpc:\n  key: VpcId\n  arguments:\n    cidr_block: {reported: []}\n",
            r"aws_vpc.arguments.cidr_block must be",
        ),
        (
            "aws_vpc:\n  key: VpcId\n  arguments:\n    cidr_block: {optional: CidrBlock}\n",
            r"\{reported: field\}, \{required: field\} or ~ \(computed\)",
        ),
        ("aws_vpc: {key: VpcId}\naws_vpc: {key: VpcId}\n", r"'aws_vpc' is given twice"),
    ],
)
def test_a_bad_entry_names_the_file_the_kind_and_what_it_may_hold(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_records(_table(tmp_path, text))
