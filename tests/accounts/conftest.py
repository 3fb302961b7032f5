"""A real moto server over HTTP for the accounts tests, reset before each test.

Reuses the scanner's server start-up and fake-credentials fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autcloud.accounts import AwsClients
from tests.scanner.conftest import MotoServer, aws_env, start_moto, stop

__all__ = ["aws_env"]  # the session fixture: fake credentials, no user AWS configuration

REGION = "eu-west-1"


@pytest.fixture(scope="session")
def moto_server(aws_env: None) -> Iterator[MotoServer]:
    server = start_moto()
    yield server
    stop(server)


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    moto_server.reset()
    return moto_server


@pytest.fixture
def clients(moto: MotoServer) -> AwsClients:
    return AwsClients(endpoint_url=moto.url)
