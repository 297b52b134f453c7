"""Ledger verification: every invariant of the journal, the cached balances and the holds, recomputed from scratch."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.journal import INSTITUTION_CLEARING, INSTITUTION_PAYOUT
from services.accounts.storage import sql
from services.accounts.views import LedgerReport

_UNBALANCED_TXNS = (
    "SELECT txn_id, sum(amount_fen) AS total_fen, count(*) AS postings FROM accounts.postings GROUP BY txn_id "
    "HAVING sum(amount_fen) <> 0 OR count(*) < 2"
)
_EMPTY_TXNS = (
    "SELECT t.id FROM accounts.journal_txns t WHERE NOT EXISTS "
    "(SELECT 1 FROM accounts.postings p WHERE p.txn_id = t.id)"
)
_BALANCE_DRIFT = (
    "WITH posted AS (SELECT account_id, sum(amount_fen) AS total_fen FROM accounts.postings GROUP BY account_id) "
    "SELECT a.id, a.kind, a.balance_fen, coalesce(posted.total_fen, 0) AS total_fen FROM accounts.ledger_accounts a "
    "LEFT JOIN posted ON posted.account_id = a.id "
    "WHERE a.kind IN ('PERSONAL', 'POOL') AND a.balance_fen <> coalesce(posted.total_fen, 0)"
)
_HELD_DRIFT = (
    "WITH open_holds AS (SELECT l.account_id, sum(l.reserved_fen) AS held_fen FROM accounts.reservation_legs l "
    "  JOIN accounts.reservations r ON r.id = l.reservation_id WHERE r.status = 'HELD' GROUP BY l.account_id) "
    "SELECT a.id, a.held_fen, coalesce(open_holds.held_fen, 0) AS open_held_fen FROM accounts.ledger_accounts a "
    "LEFT JOIN open_holds ON open_holds.account_id = a.id WHERE a.held_fen <> coalesce(open_holds.held_fen, 0)"
)
_CLEARING = (
    "SELECT (SELECT coalesce(sum(amount_fen), 0) FROM accounts.postings WHERE account_id = :clearing_account_id) "
    "AS clearing_fen, (SELECT coalesce(sum(debited_fen - refunded_fen), 0) FROM accounts.reservation_legs) "
    "AS net_paid_fen, (SELECT coalesce(sum(amount_fen), 0) FROM accounts.postings "
    "WHERE account_id = :payout_account_id) AS paid_out_fen"
)
_DEBITED_BUT_NOT_FINAL = (
    "SELECT r.id FROM accounts.reservations r JOIN accounts.reservation_legs l ON l.reservation_id = r.id "
    "GROUP BY r.id, r.status HAVING r.status <> 'DEBITED' AND sum(l.debited_fen) <> 0"
)
# A row's coordinating region (its shard key in a sharded deployment) is its parent's: a leg's its reservation's, a
# payment's journal transaction its reservation's, a posting its transaction's.
_REGION_KEYS = (
    "SELECT 'reservation ' || r.id || ' leg ' || l.seq AS row FROM accounts.reservation_legs l "
    "JOIN accounts.reservations r ON r.id = l.reservation_id WHERE l.coordinating_region <> r.coordinating_region "
    "UNION ALL SELECT 'journal transaction ' || t.id FROM accounts.journal_txns t "
    "JOIN accounts.reservations r ON r.id = t.reservation_id WHERE t.coordinating_region <> r.coordinating_region "
    "UNION ALL SELECT 'posting ' || p.id FROM accounts.postings p JOIN accounts.journal_txns t ON t.id = p.txn_id "
    "WHERE p.coordinating_region IS DISTINCT FROM t.coordinating_region"
)
# What the foreign keys dropped in migration 0007 guarded: every row names a person, pool and reservation that exist.
_DANGLING = (
    "SELECT 'reservation ' || r.id || ': payer ' || r.payer_psn_no || ' is not registered' AS problem "
    "FROM accounts.reservations r WHERE NOT EXISTS (SELECT 1 FROM accounts.persons p WHERE p.psn_no = r.payer_psn_no) "
    "UNION ALL SELECT 'reservation ' || l.reservation_id || ' leg ' || l.seq || ': no pool ' || l.pool_id "
    "FROM accounts.reservation_legs l WHERE l.pool_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM accounts.pools po WHERE po.id = l.pool_id) "
    "UNION ALL SELECT 'journal transaction ' || t.id || ': names a person, pool or reservation that does not exist' "
    "FROM accounts.journal_txns t WHERE (t.psn_no IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM accounts.persons p WHERE p.psn_no = t.psn_no)) OR (t.pool_id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM accounts.pools po WHERE po.id = t.pool_id)) OR (t.reservation_id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM accounts.reservations r WHERE r.id = t.reservation_id))"
)
_DISSOLVED_NOT_RETURNED = (
    "SELECT p.id, a.balance_fen - a.held_fen AS left_fen FROM accounts.pools p "
    "JOIN accounts.ledger_accounts a ON a.id = p.account_id "
    "WHERE p.status = 'DISSOLVED' AND a.balance_fen <> a.held_fen"
)


async def verify(conn: AsyncConnection) -> LedgerReport:
    problems: list[str] = []
    for r in await conn.execute(sql(_UNBALANCED_TXNS)):
        problems.append(f"journal transaction {r.txn_id}: {r.postings} postings summing to {r.total_fen} fen")
    for r in await conn.execute(sql(_EMPTY_TXNS)):
        problems.append(f"journal transaction {r.id}: no postings")
    for r in await conn.execute(sql(_BALANCE_DRIFT)):
        problems.append(f"account {r.id} ({r.kind}): cached balance {r.balance_fen} fen, journal says {r.total_fen}")
    for r in await conn.execute(sql(_HELD_DRIFT)):
        problems.append(f"account {r.id}: held {r.held_fen} fen, open reservations hold {r.open_held_fen}")
    clearing = (
        await conn.execute(
            sql(_CLEARING), {"clearing_account_id": INSTITUTION_CLEARING, "payout_account_id": INSTITUTION_PAYOUT}
        )
    ).one()
    # What institutions were paid net of refunds, less what the fund has paid out to them for closed periods.
    if clearing.clearing_fen != clearing.net_paid_fen - clearing.paid_out_fen:
        problems.append(
            f"institution clearing holds {clearing.clearing_fen} fen, reservations say {clearing.net_paid_fen} net paid"
            f" and {clearing.paid_out_fen} was paid out"
        )
    for r in await conn.execute(sql(_DEBITED_BUT_NOT_FINAL)):
        problems.append(f"reservation {r.id}: debited money on a reservation that is not DEBITED")
    for r in await conn.execute(sql(_REGION_KEYS)):
        problems.append(f"{r.row}: coordinating region differs from the row it belongs to")
    for r in await conn.execute(sql(_DANGLING)):
        problems.append(r.problem)
    for r in await conn.execute(sql(_DISSOLVED_NOT_RETURNED)):
        problems.append(f"dissolved pool {r.id}: {r.left_fen} fen not returned to its creator")
    accounts = int((await conn.execute(sql("SELECT count(*) FROM accounts.ledger_accounts"))).scalar_one())
    txns = int((await conn.execute(sql("SELECT count(*) FROM accounts.journal_txns"))).scalar_one())
    return LedgerReport(problems, accounts, txns)
