"""EveryValueParameter: a list of stated values is proven only when every one of them is, on
Terraform parsed from text (the way the ledger reads a rendered design)."""

from collections.abc import Iterator
from typing import Any

from autcloud.agent.capabilities._names import NamesParameter
from autcloud.agent.capabilities.messaging_names import QueueNamesParameter
from autcloud.agent.capabilities.s3_names import BucketNamesParameter
from autcloud.agent.tfparse import load_texts

TF = """
resource "aws_sqs_queue" "orders" { name = "shop-orders" }
resource "aws_sqs_queue" "refunds" { name = "shop-refunds" }
resource "aws_sqs_queue" "emails" { name = "shop-emails" }
resource "aws_sqs_queue" "audit" { name = "shop-audit" }
resource "aws_s3_bucket" "raw" { bucket = "Acme-Raw" }
"""


def _read(text: str) -> Iterator[tuple[str, Any]]:
    """A reader that reads nothing: only proving is tested here."""
    yield from ()


def test_every_name_found_gives_one_piece_of_evidence_each_up_to_the_cap() -> None:
    module = load_texts({"main.tf": TF})
    queues = QueueNamesParameter("sqs.queue_names", "aws_sqs_queue", "name", "contains", _read)
    evidence = queues.find(module, ["orders", "refunds", "emails", "audit"])
    assert [e.address for e in evidence] == [
        "aws_sqs_queue.orders",
        "aws_sqs_queue.refunds",
        "aws_sqs_queue.emails",
    ]
    assert all(e.op == "contains" for e in evidence)


def test_one_missing_name_proves_nothing() -> None:
    module = load_texts({"main.tf": TF})
    names = NamesParameter("x.names", "aws_sqs_queue", "name", "==", _read)
    assert names.find(module, ["shop-orders"])[0].address == "aws_sqs_queue.orders"
    assert names.find(module, ["shop-orders", "shop-payments"]) == []


def test_a_subclass_proves_one_value_its_own_way() -> None:
    module = load_texts({"main.tf": TF})
    buckets = BucketNamesParameter("s3.bucket_names", "aws_s3_bucket", "bucket", "==", _read)
    (evidence,) = buckets.find(module, "acme-raw")  # one value, not a list; case folded
    assert (evidence.address, evidence.value) == ("aws_s3_bucket.raw", "acme-raw")
    assert buckets.find(module, ["acme-raw", "acme-curated"]) == []
