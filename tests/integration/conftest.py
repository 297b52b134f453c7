"""The accounts service on a real port against the session's real PostgreSQL, plus a client stub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.accounts.v1 import accounts_pb2_grpc
from services.accounts import app
from services.accounts.config import Settings


@pytest.fixture(scope="session")
async def accounts_server(database_url: str) -> AsyncIterator[app.AccountsApp]:
    running = await app.start(Settings(database_url=database_url, port=0, host="127.0.0.1",
                                       sweep_interval_s=0.2))
    yield running
    await running.stop(1.0)


@pytest.fixture(scope="session")
async def accounts(accounts_server: app.AccountsApp) -> AsyncIterator[accounts_pb2_grpc.AccountsServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{accounts_server.server.port}") as channel:
        yield accounts_pb2_grpc.AccountsServiceStub(channel)


@pytest.fixture
async def ledger_clean(accounts: accounts_pb2_grpc.AccountsServiceStub) -> AsyncIterator[None]:
    """Every integration test ends with VerifyLedger clean."""
    yield
    report = await accounts.VerifyLedger(pb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)
