"""One payer whose rows stay locked does not hold up anyone else: the payer's own calls are told, soon and with a
retryable status, that the account is busy (and change nothing), while everyone else's go through.

The accounts server here has four database connections, so that twenty stuck calls could take them all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.accounts import app
from services.common.db import make_engine, transient_error
from services.common.errors import Reason
from tests import processes
from tests.held import rows_held
from tools.kit import OWN, Accounts, Family, reason_of

pytestmark = pytest.mark.usefixtures("ledger_clean")


@pytest.fixture
async def small(database_url: str) -> AsyncIterator[Accounts]:
    running = await app.start(processes.accounts_settings(database_url, db_pool_size=4))
    connected = Accounts.connect(f"127.0.0.1:{running.server.port}", processes.pki())
    yield connected
    await connected.close()
    await running.stop(1.0)


async def _outcome(call: asyncio.Future[object] | object) -> str:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as err:
        return f"{err.code().name} {reason_of(err)}"
    return "OK"


async def test_a_payer_locked_elsewhere_gets_account_busy_and_the_others_are_served(small, engine) -> None:
    f = Family(small)
    stuck = await f.person(credit_fen=10_000)
    others = [await f.person(credit_fen=10_000) for _ in range(20)]
    async with rows_held(engine, stuck.psn_no) as locker:
        stuck_calls = [asyncio.ensure_future(_outcome(f.reserve(stuck, 1_000, (OWN,)))) for _ in range(20)]
        other_calls = [asyncio.ensure_future(_outcome(f.reserve(who, 1_000, (OWN,)))) for who in others]
        served = await asyncio.gather(*other_calls)
        assert served == ["OK"] * 20
        assert not locker.done(), "the other payers were served while the payer's rows were still locked"
        assert set(await asyncio.gather(*stuck_calls)) == {"ABORTED ACCOUNT_BUSY"}
    assert (await f.balances(stuck)).personal.held_fen == 0  # the busy calls changed nothing
    assert await _outcome(f.reserve(stuck, 1_000, (OWN,))) == "OK"  # and the payer is served once the rows are free


FIRST_ROW = "SELECT id FROM accounts.ledger_accounts ORDER BY id LIMIT 1 FOR UPDATE"


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (["SET LOCAL statement_timeout = 50", "SELECT pg_sleep(1)"], Reason.SERVICE_BUSY),
        ([FIRST_ROW + " NOWAIT"], Reason.ACCOUNT_BUSY),
    ],
    ids=["statement-timeout", "row-locked"],
)
async def test_database_timeouts_are_retryable_reasons_not_internal(database_url, failure, reason) -> None:
    """What PostgreSQL says when a statement or a lock wait runs out, as a caller is told it."""
    engine = make_engine(database_url, pool_size=2)
    try:
        async with engine.begin() as holder:
            await holder.execute(text(FIRST_ROW))
            with pytest.raises(DBAPIError) as err:
                async with engine.begin() as conn:
                    for statement in failure:
                        await conn.execute(text(statement))
        mapped = transient_error(err.value)
        assert mapped is not None and mapped.reason is reason
    finally:
        await engine.dispose()
