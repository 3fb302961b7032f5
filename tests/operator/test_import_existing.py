"""spec.importExisting at the reconcile level: a real moto server as the AWS account, the real
scanner (``autcloud scan`` in a child process), the real git sink and a real bare repository.

Only the design engine is canned (its output is not what these tests are about).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from autcloud.agent.design import DesignResult, run_design
from autcloud.gitsink import PublishOptions, publish
from autcloud.gitsink.policy import TargetPolicy
from autcloud.operator.account_import import AccountImport, ImportedAccount
from autcloud.operator.reconcile import Dependencies, DesignRef, Outcome, reconcile
from tests.gitsink.bare_remote import BareRemote
from tests.operator.fakes import CannedDesigner, Secrets
from tests.scanner.conftest import MotoServer, start_moto, stop
from tests.tooling import require_tool

pytestmark = pytest.mark.asyncio

REGION = "eu-west-1"
REF = DesignRef("shop", "web", 1)
REQUEST = "A containerised web API with PostgreSQL in Seoul"
KEYS = {"AWS_ACCESS_KEY_ID": "AKIAIMPORTTEST", "AWS_SECRET_ACCESS_KEY": "import-secret-value-42"}


@pytest.fixture(scope="module")
def designed() -> DesignResult:
    return asyncio.run(run_design(REQUEST))


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = start_moto()
    ec2 = boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for name, project in (("shop-vpc", "shop"), ("other-vpc", "other")):
        ec2.create_vpc(
            CidrBlock="10.1.0.0/16" if project == "shop" else "10.2.0.0/16",
            TagSpecifications=[
                {
                    "ResourceType": "vpc",
                    "Tags": [{"Key": "Name", "Value": name}, {"Key": "project", "Value": project}],
                }
            ],
        )
    yield server
    stop(server)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer git or AWS configuration reaches the child processes."""
    require_tool("git", "the design is committed with the git program")
    empty = tmp_path / "aws-none"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # The operator's own identity, for the tests that give no Secret.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def remote(tmp_path: Path) -> BareRemote:
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"x\n"}, tmp_path / "work")
    return bare


def spec(remote: BareRemote, endpoint: str, **extra: Any) -> dict[str, Any]:
    return {
        "request": REQUEST,
        "git": {"repository": remote.url, "mode": "push"},
        "importExisting": {
            "region": REGION,
            "tag": {"key": "project", "value": "shop"},
            "endpointURL": endpoint,
            **extra,
        },
    }


def deps(designed: DesignResult, tmp_path: Path, secrets: Secrets | None = None) -> Dependencies:
    return Dependencies(
        designer=CannedDesigner(designed),
        publisher=publish,
        read_secret=secrets or Secrets(),
        publish_options=PublishOptions(tmp_path / "cache"),
        git_policy=TargetPolicy(allow_local=True),  # the remote is a bare repository here
        diagram=False,
    )


def imported_condition(outcome: Outcome) -> dict[str, Any]:
    return next(c for c in outcome.status["conditions"] if c["type"] == "Imported")


async def test_the_export_is_committed_under_imported_in_the_same_commit_as_the_design(
    designed: DesignResult, moto: MotoServer, remote: BareRemote, tmp_path: Path
) -> None:
    outcome = await reconcile(REF, spec(remote, moto.url), {}, deps(designed, tmp_path))

    files = remote.files("main")
    imported = {name for name in files if name.startswith("designs/web/imported/")}
    assert {
        "designs/web/imported/imports.tf",
        "designs/web/imported/network.tf",
        "designs/web/imported/inventory.json",
        "designs/web/imported/diagram.json",
    } <= imported
    assert "designs/web/design.json" in files
    # One commit on top of the README: design and import together.
    assert len(remote.history("main")) == 2
    assert outcome.status["git"]["commitSHA"] == remote.head("main")
    assert outcome.status["phase"] == "Ready"


async def test_only_resources_with_the_tag_are_imported(
    designed: DesignResult, moto: MotoServer, remote: BareRemote, tmp_path: Path
) -> None:
    await reconcile(REF, spec(remote, moto.url), {}, deps(designed, tmp_path))

    inventory = json.loads(remote.files("main")["designs/web/imported/inventory.json"])
    vpcs = [r for r in inventory["resources"] if r["kind"] == "aws_vpc"]
    assert [vpc["tags"]["Name"] for vpc in vpcs] == ["shop-vpc"]
    assert "import {" in remote.files("main")["designs/web/imported/imports.tf"].decode()


async def test_a_successful_import_is_a_normal_event_and_an_imported_condition(
    designed: DesignResult, moto: MotoServer, remote: BareRemote, tmp_path: Path
) -> None:
    outcome = await reconcile(REF, spec(remote, moto.url), {}, deps(designed, tmp_path))

    condition = imported_condition(outcome)
    assert (condition["status"], condition["reason"]) == ("True", "Imported")
    assert "eu-west-1" in condition["message"] and "project=shop" in condition["message"]
    assert ("Normal", "Imported") in [(e.type, e.reason) for e in outcome.events]
    assert "ImportNotSupported" not in [e.reason for e in outcome.events]


async def test_credentials_come_from_the_referenced_secret_and_never_show(
    designed: DesignResult,
    moto: MotoServer,
    remote: BareRemote,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")  # the operator has no identity of its own here
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    secrets = Secrets({("shop", "aws"): KEYS})
    design = spec(remote, moto.url, credentials={"secretRef": {"name": "aws"}})

    outcome = await reconcile(REF, design, {}, deps(designed, tmp_path, secrets))

    assert imported_condition(outcome)["reason"] == "Imported"
    text = json.dumps(outcome.status) + repr(outcome.events)
    assert KEYS["AWS_SECRET_ACCESS_KEY"] not in text
    assert all(
        KEYS["AWS_SECRET_ACCESS_KEY"].encode() not in v for v in remote.files("main").values()
    )


async def test_a_secret_without_the_keys_is_an_import_failure_naming_them(
    designed: DesignResult, moto: MotoServer, remote: BareRemote, tmp_path: Path
) -> None:
    secrets = Secrets({("shop", "aws"): {"AWS_ACCESS_KEY_ID": "AKIAONLY"}})
    design = spec(remote, moto.url, credentials={"secretRef": {"name": "aws"}})

    outcome = await reconcile(REF, design, {}, deps(designed, tmp_path, secrets))

    condition = imported_condition(outcome)
    assert (condition["status"], condition["reason"]) == ("False", "ImportFailed")
    assert "AWS_SECRET_ACCESS_KEY" in condition["message"]


async def test_an_unreachable_account_does_not_block_the_design(
    designed: DesignResult, remote: BareRemote, tmp_path: Path
) -> None:
    from tests.scanner.conftest import free_port

    closed = f"http://127.0.0.1:{free_port()}"

    outcome = await reconcile(REF, spec(remote, closed), {}, deps(designed, tmp_path))

    assert outcome.status["phase"] == "Ready"
    assert "designs/web/design.json" in remote.files("main")
    assert not any(name.startswith("designs/web/imported/") for name in remote.files("main"))
    condition = imported_condition(outcome)
    assert (condition["status"], condition["reason"]) == ("False", "ImportFailed")
    assert "cannot reach the AWS endpoint" in condition["message"]
    warnings = [e for e in outcome.events if e.type == "Warning"]
    assert [e.reason for e in warnings] == ["ImportFailed"]


async def test_without_git_there_is_nowhere_to_import_and_no_scan(
    designed: DesignResult, tmp_path: Path
) -> None:
    calls: list[AccountImport] = []

    def importer(request: AccountImport, credentials: object) -> Any:
        calls.append(request)
        raise AssertionError("no scan without a git target")

    dependencies = deps(designed, tmp_path)
    dependencies.importer = importer
    design = {"request": REQUEST, "importExisting": {"region": REGION, "tag": {"key": "p"}}}

    outcome = await reconcile(REF, design, {}, dependencies)

    assert imported_condition(outcome)["reason"] == "NoGitTarget" and calls == []


async def test_kinds_the_scan_could_not_read_are_a_warning_and_a_partial_import(
    designed: DesignResult, remote: BareRemote, tmp_path: Path
) -> None:
    # A stand-in importer: moto cannot be made to refuse one kind while answering the others.
    def importer(request: AccountImport, credentials: object) -> ImportedAccount:
        return ImportedAccount({"inventory.json": b"{}\n"}, 3, ("eks:clusters",))

    dependencies = deps(designed, tmp_path)
    dependencies.importer = importer

    outcome = await reconcile(REF, spec(remote, "http://unused"), {}, dependencies)

    condition = imported_condition(outcome)
    assert (condition["status"], condition["reason"]) == ("True", "PartialScan")
    assert "eks:clusters" in condition["message"]
    assert ("Warning", "PartialScan") in [(e.type, e.reason) for e in outcome.events]
    assert remote.files("main")["designs/web/imported/inventory.json"] == b"{}\n"
