"""Every hot row carries its coordinating region, the key a sharded deployment would distribute it by (README,
"Scaling out"): a family in two districts of one region, everything it writes, all under that region; a creator who
moves to another region takes her accounts along, and history stays where it was written."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import RESIDENT, Family
from tools.kit import accounts_v1 as pb

# Every row of the hot tables that belongs to these persons (or their pools), with its coordinating region.
_ROWS = """
WITH who AS (SELECT unnest(CAST(:psn AS text[])) AS psn_no),
pool AS (SELECT id, account_id FROM accounts.pools WHERE creator_psn_no IN (SELECT psn_no FROM who)),
res AS (SELECT id FROM accounts.reservations WHERE payer_psn_no IN (SELECT psn_no FROM who)),
txn AS (SELECT id FROM accounts.journal_txns WHERE reservation_id IN (SELECT id FROM res)
        OR psn_no IN (SELECT psn_no FROM who) OR pool_id IN (SELECT id FROM pool))
SELECT 'person ' || psn_no AS row, coordinating_region FROM accounts.persons WHERE psn_no IN (SELECT psn_no FROM who)
UNION ALL SELECT 'account ' || id, coordinating_region FROM accounts.ledger_accounts
    WHERE psn_no IN (SELECT psn_no FROM who) OR id IN (SELECT account_id FROM pool)
UNION ALL SELECT 'pool ' || id, coordinating_region FROM accounts.pools WHERE id IN (SELECT id FROM pool)
UNION ALL SELECT 'membership ' || psn_no, coordinating_region FROM accounts.memberships
    WHERE pool_id IN (SELECT id FROM pool)
UNION ALL SELECT 'reservation ' || id, coordinating_region FROM accounts.reservations WHERE id IN (SELECT id FROM res)
UNION ALL SELECT 'leg ' || reservation_id || '/' || seq, coordinating_region FROM accounts.reservation_legs
    WHERE reservation_id IN (SELECT id FROM res)
UNION ALL SELECT 'txn ' || id, coordinating_region FROM accounts.journal_txns WHERE id IN (SELECT id FROM txn)
UNION ALL SELECT 'posting ' || id, coordinating_region FROM accounts.postings WHERE txn_id IN (SELECT id FROM txn)
"""


async def _regions(engine: AsyncEngine, *psn_nos: str) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(_ROWS), {"psn": list(psn_nos)})).all()
    return {r.row: r.coordinating_region for r in rows}


async def test_a_familys_rows_all_carry_its_coordinating_region_and_a_creator_who_moves_takes_hers(
    accounts, engine
) -> None:
    f = Family(accounts)
    creator = await f.person(region="630102", credit_fen=150_000)  # 城东区, 西宁市
    child = await f.person(insurance=RESIDENT, region="630103")  # 城中区, 西宁市
    spouse = await f.person(region="630104", credit_fen=1_000)  # 城西区, 西宁市
    pool_id = await f.create_pool(creator, transfer_fen=70_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    await f.bind(pool_id, spouse)
    paid = await f.reserve(child, 20_000, debit_immediately=True)
    await accounts.Refund(
        pb.RefundRequest(
            request_id=f"refund-{paid.reservation_id}", reservation_id=paid.reservation_id, amount_fen=5_000
        )
    )
    await f.reserve(spouse, 6_000)  # a hold on own account and pool
    family = (creator.psn_no, child.psn_no, spouse.psn_no)
    before = await _regions(engine, *family)
    kinds = {row.split()[0] for row in before}
    assert kinds == {"person", "account", "pool", "membership", "reservation", "leg", "txn", "posting"}
    assert set(before.values()) == {"630100"}, before

    await accounts.RecordLifeEvent(
        pb.RecordLifeEventRequest(
            request_id=f"move-{creator.psn_no}", psn_no=creator.psn_no, region_changed={"new_region_code": "630202"}
        )
    )  # to 海东市: rule 10 dissolves the pool
    after = await _regions(engine, *family)
    own_accounts = await _own_accounts(engine, creator.psn_no)
    assert len(own_accounts) == 2  # current year and prior years
    returned = after.keys() - before.keys()  # the pool's money going back to her: a POOL_RETURN and its postings
    assert {row.split()[0] for row in returned} == {"txn", "posting"}
    moved = {f"person {creator.psn_no}", *own_accounts}
    assert {row: after[row] for row in moved | returned} == dict.fromkeys(moved | returned, "630200")
    assert {row: after[row] for row in before.keys() - moved} == dict.fromkeys(before.keys() - moved, "630100")
    new_pool = await f.create_pool(creator)
    assert (await _regions(engine, creator.psn_no))[f"pool {new_pool}"] == "630200"


async def _own_accounts(engine: AsyncEngine, psn_no: str) -> set[str]:
    async with engine.connect() as conn:
        ids = await conn.execute(text("SELECT id FROM accounts.ledger_accounts WHERE psn_no = :p"), {"p": psn_no})
        return {f"account {i}" for i in ids.scalars()}
