"""Both services as real processes on real ports against the session's PostgreSQL, and POS clients for two
institutions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest

from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.security import token_hash
from tests import processes
from tools import kit
from tools.kit import Accounts
from tools.kit import accounts_v1 as apb

INSTITUTION_A, TOKEN_A = "H63010000A01", "token-of-institution-a"
INSTITUTION_B, TOKEN_B = "H63010000B02", "token-of-institution-b"
# Institution C closes clearing periods (tests/settlement/test_clearing.py) and does nothing else, so that what its
# periods froze can be compared with the whole of its clearing account's movement.
INSTITUTION_C, TOKEN_C = "H63010000C03", "token-of-institution-c"
# Outside Xining: a hospital in Golmud (its national code says 632801, in Haixi), and a clinic whose code says nothing,
# configured in Chengxi district, Xining (GONGJI_INSTITUTION_REGIONS).
INSTITUTION_GOLMUD, TOKEN_GOLMUD = "H63280100D04", "token-of-a-golmud-hospital"
INSTITUTION_CLINIC, TOKEN_CLINIC = "CLINIC-CHENGXI", "token-of-a-chengxi-clinic"
INSTITUTION_BEIJING, TOKEN_BEIJING = "H11010500E05", "token-of-a-beijing-hospital"  # Chaoyang, Beijing: 110105
TOKENS = ",".join(
    f"{code}:{token_hash(token)}"
    for code, token in (
        (INSTITUTION_A, TOKEN_A),
        (INSTITUTION_B, TOKEN_B),
        (INSTITUTION_C, TOKEN_C),
        (INSTITUTION_GOLMUD, TOKEN_GOLMUD),
        (INSTITUTION_CLINIC, TOKEN_CLINIC),
        (INSTITUTION_BEIJING, TOKEN_BEIJING),
    )
)
CREDENTIAL_HASH_KEY = "settlement-test-credential-key"


def settlement_env(database_url: str, accounts: processes.Process, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "GONGJI_ACCOUNTS_ADDR": accounts.address,
        "GONGJI_INSTITUTION_TOKENS": TOKENS,
        "GONGJI_INSTITUTION_REGIONS": f"{INSTITUTION_CLINIC}=630104",
        "GONGJI_RECOVERY_GRACE_S": "1",
        "GONGJI_RECOVERY_INTERVAL_S": "0.3",
        "GONGJI_ACCOUNTS_TIMEOUT_S": "1",
        # A POS call waits for accounts at most this long, so the recovery worker may abandon a pending payment
        # 4.2 s after it was last worked on (app.recover_command), not after the 30 s of a real deployment.
        "GONGJI_ACCOUNTS_MAX_WAIT_S": "3",
        "GONGJI_CREDENTIAL_HASH_KEY": CREDENTIAL_HASH_KEY,
        **extra,
    }


@dataclass
class Stack:
    accounts_process: processes.Process
    settlement_process: processes.Process
    accounts: Accounts
    database_url: str

    def pos(self, token: str = TOKEN_A, address: str | None = None) -> Pos:
        channel = kit.channel(address or self.settlement_process.address, processes.pki())
        return Pos(settlement_pb2_grpc.SettlementServiceStub(channel), [("authorization", f"Bearer {token}")], channel)


@dataclass
class Pos:
    """A POS of one institution: every call carries its bearer token."""

    stub: settlement_pb2_grpc.SettlementServiceStub
    metadata: list[tuple[str, str]]
    channel: grpc.aio.Channel

    async def __call__(self, method: str, request: object, timeout: float = 10) -> object:  # noqa: ANN401
        """The answer; for a server-streaming RPC (DetailFile), the list of its messages."""
        call = getattr(self.stub, method)(request, metadata=self.metadata, timeout=timeout)
        if isinstance(call, grpc.aio.UnaryStreamCall):
            return [m async for m in call]
        return await call


@pytest.fixture(scope="session")
async def stack(database_url: str) -> AsyncIterator[Stack]:
    accounts_process = await processes.start("accounts", DATABASE_URL=database_url, GONGJI_SWEEP_INTERVAL_S="0.2")
    # Its recovery worker sees every test's settlements: it waits longer than a test takes to retry after a crash.
    settlement_process = await processes.start(
        "settlement", **settlement_env(database_url, accounts_process, GONGJI_RECOVERY_GRACE_S="8")
    )
    accounts = Accounts.connect(accounts_process.address, processes.pki())
    try:
        yield Stack(accounts_process, settlement_process, accounts, database_url)
    finally:
        await accounts.close()
        settlement_process.stop()
        accounts_process.stop()


@pytest.fixture
async def pos_a(stack: Stack) -> AsyncIterator[Pos]:
    pos = stack.pos(TOKEN_A)
    yield pos
    await pos.channel.close()


@pytest.fixture
async def pos_b(stack: Stack) -> AsyncIterator[Pos]:
    pos = stack.pos(TOKEN_B)
    yield pos
    await pos.channel.close()


@pytest.fixture(autouse=True)
async def ledger_verifies(stack: Stack) -> AsyncIterator[None]:
    """The accounts ledger verifies clean after every settlement test."""
    yield
    report = await stack.accounts.VerifyLedger(apb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)
