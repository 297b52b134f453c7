"""The hot path and the sweeps find their rows by index: none of their statements reads a whole table, so that what a
payment costs does not grow with the province (an OR across two lookups did, twice: 15 ms per Debit batch on 36k
accounts, 0.7 ms by index). The planner picks a full scan for a table of a few rows, so the tables first get a few
thousand more (persons, accounts, families, payments, settlements, refunds; in a transaction rolled back at the end)
and fresh statistics, and the planner is told to avoid sequential scans wherever an index can serve; then a read of a
whole table is planned only where no index can.

Each storage function runs as the services run it, on a connection where PostgreSQL's auto_explain hands the plan of
every statement back to the client; the test reads the plans, not the SQL, so it needs no copy of any statement."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.accounts.storage import hot, journal, pools, reservations
from services.common.db import driver
from services.common.idempotency import IdempotentRunner
from services.settlement.domain.commands import Period, SettlementRef
from services.settlement.domain.lifecycle import Move
from services.settlement.domain.model import Status
from services.settlement.storage import hot as settlement_hot
from services.settlement.storage import refunds, reports, settlements
from tools.kit import Accounts, Family

SCHEMAS = {"accounts", "settlement"}  # the services' own tables (asyncpg's type lookups read pg_catalog)
YEAR = dt.date.today().year
NOW = dt.datetime.now(dt.UTC)
PARTIAL_INDEXES = "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indpred IS NOT NULL"
PROVINCE = r"""
SET LOCAL gongji.actor = 'TEST:seed';
INSERT INTO accounts.persons (psn_no, id_number_hash, id_number_masked, name_hash, name_masked, insurance_type,
    region_code, status, coordinating_region, registered_by)
SELECT 'SEED' || g, sha256(('seed' || g)::bytea), '6301**********0000', sha256(('n' || g)::bytea), '张*', 'EMPLOYEE',
    '630100', 'ACTIVE', '630100', 'seed' FROM generate_series(1, 4000) g;
INSERT INTO accounts.ledger_accounts (kind, psn_no, part, current_year, balance_fen, coordinating_region)
SELECT 'PERSONAL', 'SEED' || g, part, CASE WHEN part = 'CURRENT' THEN extract(year FROM now())::int END, 1000, '630100'
FROM generate_series(1, 4000) g, (VALUES ('CURRENT'), ('PRIOR')) AS p(part);
WITH acct AS (
    INSERT INTO accounts.ledger_accounts (kind, balance_fen, coordinating_region)
    SELECT 'POOL', 1000, '630100' FROM generate_series(1, 1000) RETURNING id),
numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM acct)
INSERT INTO accounts.pools (creator_psn_no, account_id, status, agreement_version, coordinating_region)
SELECT 'SEED' || n, id, 'ACTIVE', '2024-12', '630100' FROM numbered;
INSERT INTO accounts.memberships (pool_id, psn_no, relation, status, invitation_expires_at, invitation_token,
    coordinating_region)
SELECT po.id, 'SEED' || (1000 + row_number() OVER (ORDER BY po.id)), 'SPOUSE', 'ACTIVE', now(), md5(po.id::text),
    '630100' FROM accounts.pools po WHERE po.creator_psn_no LIKE 'SEED%';
WITH r AS (
    INSERT INTO accounts.reservations (payer_psn_no, status, requested_fen, expires_at, coordinating_region)
    SELECT 'SEED' || (1 + g % 4000), 'DEBITED', 100, now(), '630100' FROM generate_series(1, 5000) g RETURNING id)
INSERT INTO accounts.reservation_legs (reservation_id, seq, source, reserved_fen, coordinating_region)
SELECT r.id, s, 'PERSONAL_ACCOUNT', 0, '630100' FROM r, generate_series(1, 2) s;
INSERT INTO accounts.idempotency_keys (request_id, method, fingerprint, response)
SELECT 'seed-' || g, 'Reserve', '\x00'::bytea, '\x00'::bytea FROM generate_series(1, 5000) g;
WITH t AS (
    INSERT INTO accounts.journal_txns (kind, psn_no, booked_by, coordinating_region)
    SELECT 'PAYMENT', 'SEED' || (1 + g % 4000), 'seed', '630100' FROM generate_series(1, 20000) g
    RETURNING id, psn_no)
INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source, coordinating_region)
SELECT t.id, a.id, CASE a.part WHEN 'CURRENT' THEN -100 ELSE 100 END, 'PERSONAL_ACCOUNT', '630100'
FROM t JOIN accounts.ledger_accounts a ON a.psn_no = t.psn_no;
INSERT INTO settlement.settlements (id, institution, pos_txn_id, kind, status, created_by, updated_by)
SELECT 'seed-' || g, 'H' || (g % 20), 'seed-' || g, 'TOMBSTONE', 'REVERSED', 'seed', 'seed'
FROM generate_series(1, 5000) g;
INSERT INTO settlement.refunds (settlement_id, institution, refund_pos_txn_id, amount_fen, status, requested_by)
SELECT 'seed-' || g, 'H' || (g % 20), 'seed-r-' || g, 1, 'COMPLETED', 'seed' FROM generate_series(1, 1000) g;
ANALYZE accounts.persons, accounts.ledger_accounts, accounts.pools, accounts.memberships, accounts.reservations,
    accounts.reservation_legs, accounts.idempotency_keys, accounts.journal_txns, accounts.postings,
    settlement.settlements, settlement.refunds;
"""


def _scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


async def whole_table_reads(raw: asyncpg.Connection, plans: list[dict[str, Any]]) -> list[str]:
    """Every scan of a service table that reads all of it: a sequential scan, or an index scan with no condition
    (unless the index is partial: then it reads the few rows its predicate names, such as the unfinished ones)."""
    partial = {r["relname"] for r in await raw.fetch(PARTIAL_INDEXES)}
    found = []
    for plan in plans:
        for node in _scans(plan["Plan"]):
            if node.get("Schema") not in SCHEMAS:
                continue
            whole = node["Node Type"] == "Seq Scan" or (
                node["Node Type"] in ("Index Scan", "Index Only Scan")
                and "Index Cond" not in node
                and node["Index Name"] not in partial
            )
            if whole:
                found.append(f"{node['Node Type']} on {node['Schema']}.{node['Relation Name']}: {plan['Query Text']}")
    return found


@asynccontextmanager
async def explained(raw: asyncpg.Connection) -> AsyncIterator[list[dict[str, Any]]]:
    """The plans of the statements run on `raw` meanwhile."""
    plans: list[dict[str, Any]] = []

    def heard(_conn: object, message: asyncpg.PostgresLogMessage) -> None:
        text = str(message.message)
        if "plan:" in text:
            plans.append(json.loads(text.split("plan:", 1)[1]))

    await raw.execute("LOAD 'auto_explain'")
    for setting in ("log_min_duration = 0", "log_format = json", "log_verbose = on", "log_nested_statements = on"):
        await raw.execute(f"SET auto_explain.{setting}")
    await raw.execute("SET enable_seqscan = off")
    await raw.execute("SET client_min_messages = log")
    raw.add_log_listener(heard)
    try:
        yield plans
    finally:
        raw.remove_log_listener(heard)
        await raw.execute("RESET ALL")


@pytest.fixture(params=["auto", "force_generic_plan"])
async def session(
    engine: AsyncEngine, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[AsyncConnection, asyncpg.Connection]]:
    """One connection, in a transaction rolled back at the end, on tables of a province's shape; planning each
    statement for its values, or (force_generic_plan) as a prepared statement is planned once it has run five times,
    for any values, which is how a long-running service's hot statements run."""
    async with engine.connect() as conn:
        if not (await conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
            pytest.skip("auto_explain is loaded per session by a superuser (the embedded test server's)")
        raw = await driver(conn)
        await raw.execute(PROVINCE)
        await raw.execute(f"SET plan_cache_mode = {request.param}")
        yield conn, raw
        await conn.rollback()


async def _a_payment(accounts: Accounts) -> tuple[str, str, int]:
    """A member who paid from their own account and the pool: (member, creator, their hold's reservation id)."""
    family = Family(accounts)
    creator = await family.person(credit_fen=200_000)
    member = await family.person(credit_fen=100)
    pool_id = await family.create_pool(creator, transfer_fen=50_000)
    await family.bind(pool_id, member)
    held = await family.reserve(member, 1_000)
    return member.psn_no, creator.psn_no, int(held.reservation_id)


async def test_the_payment_batches_read_by_index(
    accounts: Accounts, session: tuple[AsyncConnection, asyncpg.Connection]
) -> None:
    member, creator, held = await _a_payment(accounts)
    _, raw = session
    keys = IdempotentRunner(None, "accounts.idempotency_keys", b"k" * 32)  # type: ignore[arg-type]
    async with explained(raw) as plans:
        await hot.lock_payers(raw, [member, creator, "nobody"], YEAR)
        await hot.lock_payers(raw, [member], YEAR, lock=False)
        loaded = await hot.lock_reservations(raw, [held, 0], YEAR)
        await keys.lookup_many(raw, ["a", "b"])
    assert held in loaded.reservations, "the hold was read (so every statement of a Debit batch ran)"
    assert len(plans) >= 7
    assert await whole_table_reads(raw, plans) == []


async def test_the_counters_reads_of_a_persons_records_read_by_index(
    accounts: Accounts, session: tuple[AsyncConnection, asyncpg.Connection]
) -> None:
    member, _, _ = await _a_payment(accounts)
    conn, raw = session
    async with explained(raw) as plans:
        found, _ = await journal.records(conn, psn_no=member, pool_id=None, before_id=None, limit=20)
        await journal.records(conn, psn_no=member, pool_id=None, before_id=10**12, limit=20)
        pool = await pools.of_person_at(conn, member, dt.datetime.now(dt.UTC))
        assert pool is not None
        await journal.records(conn, psn_no=None, pool_id=pool.pool_id, before_id=None, limit=20)
        await journal.balances_as_of(conn, [pool.account_id], NOW)
        await journal.year_of(conn, member, NOW - dt.timedelta(days=365), NOW)
    assert found, "the member's payment is among their records"
    assert await whole_table_reads(raw, plans) == []


async def test_the_settlement_records_and_the_sweeps_read_by_index(
    session: tuple[AsyncConnection, asyncpg.Connection],
) -> None:
    conn, raw = session
    async with explained(raw) as plans:
        await settlements.find(conn, "H1", SettlementRef(settlement_id="s-1"))
        await settlements.find(conn, "H1", SettlementRef(pos_txn_id="t-1"), lock=True)
        await settlements.find(conn, "H1", SettlementRef(pos_txn_id="t-1"), by_capture=True)
        await settlement_hot.find_many(
            raw, [("H1", SettlementRef(settlement_id="s-1")), ("H2", SettlementRef(pos_txn_id="t"))]
        )
        await settlement_hot.write_many(
            raw, [], [settlement_hot.Moving("s-1", Move.of(Status.PENDING, Status.COMPENSATING), "test")]
        )
        await settlements.waiting(conn, "s-1")
        await settlements.unfinished(conn, NOW, 10, NOW)
        await settlements.lapsed_authorizations(conn, NOW, 10)
        day = Period(NOW - dt.timedelta(days=1), NOW)
        await reports.totals(conn, "H1", day)
        await reports.detail(conn, "H1", day)
        await refunds.find(conn, "H1", "r-1")
        await refunds.pending(conn, NOW, 10)
        await refunds.reversing(conn, NOW, 10)
        await reservations.claim_expired(conn, NOW, [])
    assert len(plans) >= 15
    assert await whole_table_reads(raw, plans) == []
