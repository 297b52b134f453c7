"""PostgreSQL's own replication: a primary and a synchronous standby; the primary stops hard mid-load and the standby
is promoted. Calls in flight fail retryable, new calls find the new primary, and nothing a POS was told succeeded is
missing from it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests import processes
from tests.ha import load
from tests.settlement.conftest import settlement_env
from tools.devdb import RUN_AS, free_port
from tools.ha import ReplicatedPostgres
from tools.kit import Accounts, Family

CREDIT_FEN = 1_000_000
PAYMENTS = 40
# What a POS may see while the database fails over: the service's own database away, or accounts' (which settlement
# retried, then passed on). Every one is UNAVAILABLE: retry with the same pos_txn_id.
RETRYABLE_REASONS = {"DATABASE_UNAVAILABLE", "ACCOUNTS_UNAVAILABLE", "SERVICE_BUSY"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicatedPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="gongji-test-ha-"))
    folder.chmod(0o755)
    replicated = ReplicatedPostgres(folder, (free_port(), free_port()), fast=True)
    try:
        replicated.start()
        yield replicated
    finally:
        replicated.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def test_a_promoted_standby_has_every_acknowledged_payment(cluster: ReplicatedPostgres) -> None:
    url = cluster.url  # both servers; target_session_attrs=read-write picks the primary
    await asyncio.gather(*(asyncio.to_thread(processes.migrate, s, url) for s in ("accounts", "settlement")))
    # Background workers quiet (they would otherwise be the first to meet a stale connection after the failover
    # back): here only the POS's calls use the pools.
    accounts = await processes.start("accounts", DATABASE_URL=url, GONGJI_SWEEP_INTERVAL_S="3600")
    settlement = await processes.start(
        "settlement",
        **settlement_env(
            url,
            accounts,
            GONGJI_RECOVERY_GRACE_S="30",
            GONGJI_RECOVERY_INTERVAL_S="3600",
            GONGJI_ACCOUNTS_TIMEOUT_S="2",
        ),
    )
    admin = Accounts.connect(accounts.address, processes.pki())
    pos = load.pos_channel([settlement.address])
    try:
        family = Family(admin)
        payers = [await family.person(credit_fen=CREDIT_FEN) for _ in range(4)]
        book = load.Ledgerbook()

        async def fail_over() -> None:
            await asyncio.to_thread(cluster.fail_over)

        await load.settle_many(pos, payers, PAYMENTS, book, lambda b: len(b.acknowledged) >= 12, fail_over)

        assert book.refused == {}, book.refused
        assert len(book.acknowledged) == PAYMENTS
        # what failed while the database moved failed retryable, and said why
        seen = {error.split(" ", 1)[1] for error in book.errors}
        assert all(error.startswith("UNAVAILABLE ") for error in book.errors), book.errors
        assert seen <= RETRYABLE_REASONS, book.errors
        # on the new primary, read directly: every acknowledged payment, completed
        await _check_on(cluster.primary.port, book)
        await load.check_exactly_once(admin, book, CREDIT_FEN, payers, pos)

        # The old primary becomes the new one's standby; then a failover back while nothing is going on. The pools'
        # connections all point at the server that just stopped: each is replaced at checkout, before a request
        # uses it, so the next payment goes through at its first attempt.
        await asyncio.to_thread(cluster.rebuild)
        await asyncio.to_thread(cluster.fail_over)
        quiet = load.Ledgerbook()
        await load.settle(pos, payers[0], 777, quiet, attempts=1)
        assert len(quiet.acknowledged) == 1, (quiet.refused, quiet.errors)
        book.acknowledged.update(quiet.acknowledged)
        await _check_on(cluster.primary.port, book)
        await load.check_exactly_once(admin, book, CREDIT_FEN, payers, pos)
    finally:
        await pos.close()
        await admin.close()
        settlement.stop()
        accounts.stop()


async def _check_on(port: int, book: load.Ledgerbook) -> None:
    """Read on the server itself: it is the primary, and it has every acknowledged payment, completed."""
    conn = await asyncpg.connect(f"postgresql://{RUN_AS}@127.0.0.1:{port}/gongji")
    try:
        assert not await conn.fetchval("SELECT pg_is_in_recovery()")
        rows = await conn.fetch(
            "SELECT pos_txn_id, status FROM settlement.settlements WHERE pos_txn_id = ANY($1)", list(book.acknowledged)
        )
    finally:
        await conn.close()
    assert {r["pos_txn_id"]: r["status"] for r in rows} == dict.fromkeys(book.acknowledged, "COMPLETED")
