"""Every person and every pool the test run touched: their records, replayed from zero, give the balance after each
record that the record states and end at the balances they have now (rule 12). Runs after every other test of the
session (tests/conftest.py moves it last), so it reads what the whole suite booked — including settlement's and the
security tests' families, which share this PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import asyncpg
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from tests.replay import replay_person, replay_pool
from tools.kit import Family, rid
from tools.kit import accounts_v1 as pb

pytestmark = [pytest.mark.last, pytest.mark.usefixtures("ledger_clean")]


async def _records(accounts: Any, **owner: str) -> list[Any]:
    out: list[Any] = []
    token = ""
    while True:
        page = await accounts.ListTransactions(pb.ListTransactionsRequest(page_size=200, page_token=token, **owner))
        out += page.records
        token = page.next_page_token
        if not token:
            return out


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    return stamp


async def _person(accounts: Any, psn_no: str, created: list[str]) -> list[str]:
    """One person, read until nothing moved while reading (a hold may expire meanwhile)."""
    problems: list[str] = []
    for _ in range(3):
        before = await accounts.GetBalances(pb.GetBalancesRequest(psn_no=psn_no))
        records = await _records(accounts, psn_no=psn_no)
        booked = await accounts.GetBalances(pb.GetBalancesRequest(psn_no=psn_no, as_of=_now()))
        pools = {p: (await accounts.GetPool(pb.GetPoolRequest(pool_id=p))).pool.balance_fen for p in created}
        if await accounts.GetBalances(pb.GetBalancesRequest(psn_no=psn_no)) != before:
            continue
        personal = booked.personal if booked.HasField("personal") else None
        problems = replay_person(psn_no, records, personal, pools)
        if personal is not None and personal.balance_fen != before.personal.balance_fen:
            problems.append(f"{psn_no}: booked {personal.balance_fen} as of now, {before.personal.balance_fen} now")
        return problems
    return [f"{psn_no}: balances kept moving while read"]


async def _pool(accounts: Any, pool_id: str) -> list[str]:
    for _ in range(3):
        before = (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool.balance_fen
        records = await _records(accounts, pool_id=pool_id)
        if (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool.balance_fen == before:
            return replay_pool(pool_id, records, before)
    return [f"pool {pool_id}: balance kept moving while read"]


async def test_every_persons_and_pools_records_replay_to_their_balances(accounts, database_url) -> None:
    # at least one family of every kind of record here, whatever ran before (or nothing did)
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=2_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member)
    paid = await f.reserve(member, 12_000, debit_immediately=True)
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    await accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=9_000))

    conn = await asyncpg.connect(database_url)
    try:
        people = [r["psn_no"] for r in await conn.fetch("SELECT psn_no FROM accounts.persons ORDER BY psn_no")]
        pools = await conn.fetch("SELECT id::text AS pool_id, creator_psn_no FROM accounts.pools ORDER BY id")
    finally:
        await conn.close()
    created: dict[str, list[str]] = {}
    for p in pools:
        created.setdefault(p["creator_psn_no"], []).append(p["pool_id"])

    limit = asyncio.Semaphore(8)

    async def bounded(work: Any) -> list[str]:
        async with limit:
            found: list[str] = await work
            return found

    found = await asyncio.gather(
        *(bounded(_person(accounts, psn_no, created.get(psn_no, []))) for psn_no in people),
        *(bounded(_pool(accounts, p["pool_id"])) for p in pools),
    )
    problems = [p for each in found for p in each]
    assert not problems, f"{len(problems)} problems, e.g. {problems[:10]}"
    assert len(people) >= 2 and len(pools) >= 1
