"""Ledger accounts and the double-entry journal: locking and reading balances, booking journal entries, holds, and
the consumption records people and pools see (rule 12)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.journal import INSTITUTION_CLEARING, JournalEntry
from services.accounts.domain.model import Source
from services.accounts.storage import sql
from services.accounts.views import BalanceView, RecordView


async def lock_accounts(conn: AsyncConnection, ids: Iterable[int | None]) -> dict[int, BalanceView]:
    """Locks ledger accounts in id order; returns their balances."""
    rows = await conn.execute(
        sql(
            "SELECT id, balance_fen, held_fen FROM accounts.ledger_accounts WHERE id = ANY(:ids) ORDER BY id "
            "FOR NO KEY UPDATE"
        ),
        {"ids": sorted({i for i in ids if i is not None})},
    )
    return {r.id: BalanceView(r.balance_fen, r.held_fen) for r in rows}


async def balances(conn: AsyncConnection, ids: Iterable[int | None]) -> dict[int, BalanceView]:
    rows = await conn.execute(
        sql("SELECT id, balance_fen, held_fen FROM accounts.ledger_accounts WHERE id = ANY(:ids)"),
        {"ids": [i for i in ids if i is not None]},
    )
    return {r.id: BalanceView(r.balance_fen, r.held_fen) for r in rows}


async def add_held(conn: AsyncConnection, held: Mapping[int, int]) -> None:
    """Adds each delta to what the account holds; the database refuses holding more than the balance."""
    held = {account: delta for account, delta in held.items() if delta}
    if held:
        await conn.execute(
            sql(
                "UPDATE accounts.ledger_accounts la SET held_fen = la.held_fen + d.held_fen "
                "FROM unnest(CAST(:id AS bigint[]), CAST(:held_fen AS bigint[])) AS d(id, held_fen) WHERE la.id = d.id"
            ),
            {"id": list(held), "held_fen": list(held.values())},
        )


def entry_ctes(reservation_id_sql: str = "CAST(:reservation_id AS bigint)") -> str:
    """CTEs booking one journal entry: the transaction row (`booked_txn`), its postings (`booked_postings`), and
    the cached balances of the internal accounts they touch (`moved_balances`). `reservation_id_sql` gives its
    reservation id: a parameter, or the id of a reservation inserted by the same statement."""
    return (
        "booked_txn AS (INSERT INTO accounts.journal_txns (kind, psn_no, pool_id, reservation_id, fixmedins_code, "
        f"  description) SELECT :kind, :psn_no, :pool_id, {reservation_id_sql}, :fixmedins_code, :description "
        "  RETURNING id), "
        "booked_postings AS (INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source) "
        "  SELECT booked_txn.id, p.account_id, p.amount_fen, p.source FROM booked_txn, "
        "  unnest(CAST(:account_id AS bigint[]), CAST(:amount_fen AS bigint[]), CAST(:source AS text[])) "
        "  AS p(account_id, amount_fen, source) RETURNING account_id, amount_fen), "
        "net_change AS (SELECT account_id, sum(amount_fen) AS amount_fen FROM booked_postings GROUP BY account_id), "
        "moved_balances AS (UPDATE accounts.ledger_accounts la SET balance_fen = la.balance_fen + n.amount_fen "
        "  FROM net_change n WHERE la.id = n.account_id AND la.kind IN ('PERSONAL', 'POOL') RETURNING la.id)"
    )


def entry_params(entry: JournalEntry) -> dict[str, Any]:
    postings = [p for p in entry.postings if p.amount_fen]
    return {
        "kind": entry.kind.value,
        "psn_no": entry.psn_no,
        "pool_id": entry.pool_id,
        "reservation_id": entry.reservation_id,
        "fixmedins_code": entry.fixmedins_code,
        "description": entry.description,
        "account_id": [p.account_id for p in postings],
        "amount_fen": [p.amount_fen for p in postings],
        "source": [p.source.value if p.source else None for p in postings],
    }


async def book(conn: AsyncConnection, entry: JournalEntry) -> int:
    """Books one journal entry and moves the cached balances of internal accounts, in one statement; returns its
    journal transaction id (0 when every posting was zero and nothing was booked).

    The database checks at commit that the postings sum to zero and that no balance went below what is held.
    """
    if not any(p.amount_fen for p in entry.postings):
        return 0
    return int(
        (await conn.execute(sql(f"WITH {entry_ctes()} SELECT id FROM booked_txn"), entry_params(entry))).scalar_one()
    )


async def institution_clearing(conn: AsyncConnection, fixmedins_code: str, *, lock: bool = False) -> int:
    """What the institution clearing account holds for one institution: its payments less its refunds and payouts.
    `lock` serialises payouts (of every institution: they are rare) behind a transaction-scoped advisory lock."""
    if lock:
        await conn.execute(sql("SELECT pg_advisory_xact_lock(hashtext('accounts.clearing_payout'))"))
    held = await conn.execute(
        sql(
            "SELECT coalesce(sum(p.amount_fen), 0) FROM accounts.postings p JOIN accounts.journal_txns t "
            "ON t.id = p.txn_id WHERE p.account_id = :clearing AND t.fixmedins_code = :fixmedins_code"
        ),
        {"clearing": INSTITUTION_CLEARING, "fixmedins_code": fixmedins_code},
    )
    return int(held.scalar_one())


async def book_all(conn: AsyncConnection, entries: Sequence[JournalEntry]) -> None:
    for entry in entries:
        await book(conn, entry)


async def records(
    conn: AsyncConnection, *, psn_no: str | None, pool_id: int | None, before_id: int | None, limit: int
) -> list[RecordView]:
    # A person's records: what they did, and whatever moved money in or out of their own account (e.g. a refund
    # of a dissolved pool's part, which lands in its creator's account although the member paid).
    whose = (
        (
            "(t.psn_no = :psn_no OR t.id IN (SELECT p2.txn_id FROM accounts.postings p2 "
            "JOIN accounts.ledger_accounts a2 ON a2.id = p2.account_id WHERE a2.psn_no = :psn_no))"
        )
        if psn_no
        else "t.pool_id = :pool_id"
    )
    rows = await conn.execute(
        sql(
            "SELECT t.id, t.kind, t.booked_at, coalesce(t.psn_no, '') AS psn_no, t.pool_id, t.fixmedins_code, "
            "t.reservation_id, t.description, t.booked_by, "
            "coalesce(array_agg(p.source) FILTER (WHERE p.source IS NOT NULL), '{}') AS sources, "
            "coalesce(array_agg(p.amount_fen) FILTER (WHERE p.source IS NOT NULL), '{}') AS amounts "
            f"FROM accounts.journal_txns t JOIN accounts.postings p ON p.txn_id = t.id WHERE {whose} "
            "AND (CAST(:before_id AS bigint) IS NULL OR t.id < :before_id) "
            "GROUP BY t.id ORDER BY t.id DESC LIMIT :limit"
        ),
        {"psn_no": psn_no, "pool_id": pool_id, "before_id": before_id, "limit": limit},
    )
    return [
        RecordView(
            r.id,
            r.kind,
            r.booked_at,
            r.psn_no,
            r.pool_id,
            r.fixmedins_code,
            r.reservation_id,
            r.description,
            [(Source(s), int(a)) for s, a in zip(r.sources, r.amounts, strict=True)],
            r.booked_by,
        )
        for r in rows
    ]
