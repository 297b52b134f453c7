"""Ledger accounts and the double-entry journal: locking and reading balances, booking journal entries, holds, and
the consumption records people and pools see (rule 12)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.journal import INSTITUTION_CLEARING, JournalEntry
from services.accounts.domain.model import Part, Source
from services.accounts.domain.records import Line
from services.accounts.storage import sql
from services.accounts.views import BalanceView


async def lock_accounts(
    conn: AsyncConnection, ids: Iterable[int | None], owners: Iterable[str] = ()
) -> dict[int, BalanceView]:
    """Locks ledger accounts — these, and both parts of these people's personal accounts — in one statement, in id
    order (the global order); returns their balances."""
    rows = await conn.execute(
        sql(
            "SELECT id, balance_fen, held_fen FROM accounts.ledger_accounts WHERE id = ANY(:ids) "
            "OR psn_no = ANY(:psn_no) ORDER BY id FOR NO KEY UPDATE"
        ),
        {"ids": sorted({i for i in ids if i is not None}), "psn_no": sorted(set(owners))},
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


_REGION = (
    "coalesce((SELECT coordinating_region FROM accounts.reservations WHERE id = CAST(:reservation_id AS bigint)), "
    "(SELECT coordinating_region FROM accounts.persons WHERE psn_no = :psn_no), "
    "(SELECT coordinating_region FROM accounts.pools WHERE id = CAST(:pool_id AS bigint)))"
)


def entry_ctes(reservation_id_sql: str = "CAST(:reservation_id AS bigint)", region_sql: str = _REGION) -> str:
    """CTEs booking one journal entry: the transaction row (`booked_txn`), its postings (`booked_postings`), and
    the cached balances of the internal accounts they touch (`moved_balances`). `reservation_id_sql` gives its
    reservation id and `region_sql` its coordinating region: its reservation's payer's, else its person's, else its
    pool's; or those of a reservation inserted by the same statement."""
    return (
        "booked_txn AS (INSERT INTO accounts.journal_txns (kind, psn_no, pool_id, reservation_id, fixmedins_code, "
        f"  description, coordinating_region) SELECT :kind, :psn_no, :pool_id, {reservation_id_sql}, "
        f"  :fixmedins_code, :description, {region_sql} RETURNING id, coordinating_region), "
        "booked_postings AS (INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source, "
        "  coordinating_region) SELECT booked_txn.id, p.account_id, p.amount_fen, p.source, "
        "  booked_txn.coordinating_region FROM booked_txn, "
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

    The database refuses the statement if the postings do not sum to zero (they are booked in this one statement, as
    its balanced-journal trigger requires) or if a balance went below what is held.
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


# The accounts whose balance a reader's records carry: a person's own (both parts) and the pools they created; a pool's.
_TRACKED = {
    "person": (
        "SELECT id FROM accounts.ledger_accounts WHERE psn_no = :psn_no "
        "UNION ALL SELECT account_id FROM accounts.pools WHERE creator_psn_no = :psn_no"
    ),
    "pool": "SELECT account_id AS id FROM accounts.pools WHERE id = :pool_id",
}
_BEFORE = "(CAST(:before_id AS bigint) IS NULL OR {col} < :before_id)"
# Whose records (domain/records.py): a person's — what they did or paid (psn_no), and every movement of an account
# they track; a pool's — every record that names it (what moved its account, and a refund of its part that went to
# its creator after it was dissolved). Each is a union of index lookups (an OR of them would read the whole journal).
_WHOSE = {
    "person": (
        "SELECT t2.id FROM accounts.journal_txns t2 WHERE t2.psn_no = :psn_no "
        "UNION SELECT p2.txn_id FROM accounts.postings p2 JOIN tracked ON tracked.id = p2.account_id "
        # and the resident premiums a relative paid for them (rule 11)
        "UNION SELECT rp2.journal_txn_id FROM accounts.resident_premiums rp2 WHERE rp2.beneficiary_psn_no = :psn_no"
    ),
    "pool": "SELECT t2.id FROM accounts.journal_txns t2 WHERE t2.pool_id = :pool_id",
}
_RECORDS = (
    "WITH tracked AS ({tracked}), "
    "page AS (SELECT w.id FROM ({whose}) AS w(id) WHERE "
    f"{_BEFORE.format(col='w.id')} ORDER BY w.id DESC LIMIT :limit), "
    # each tracked account's balance right after the page's newest record (an index-only scan of its postings)
    "upto AS (SELECT p.account_id, sum(p.amount_fen) AS balance_fen FROM accounts.postings p "
    "  JOIN tracked ON tracked.id = p.account_id WHERE p.txn_id <= (SELECT max(id) FROM page) GROUP BY p.account_id) "
    "SELECT t.id, t.kind, t.booked_at, coalesce(t.psn_no, '') AS psn_no, t.pool_id, t.fixmedins_code, "
    "t.reservation_id, t.description, t.booked_by, "
    "array_agg(p.account_id ORDER BY p.id) AS accounts, array_agg(p.amount_fen ORDER BY p.id) AS amounts, "
    "array_agg(p.source ORDER BY p.id) AS sources, array_agg(la.part ORDER BY p.id) AS parts, "
    "array_agg(coalesce(la.psn_no, '') ORDER BY p.id) AS owners, array_agg(po.id ORDER BY p.id) AS pools, "
    "(SELECT array_agg(account_id ORDER BY account_id) FROM upto) AS upto_accounts, "
    "(SELECT array_agg(balance_fen ORDER BY account_id) FROM upto) AS upto_balances, "
    "coalesce(rp.beneficiary_psn_no, '') AS beneficiary_psn_no, coalesce(rp.premium_year, 0) AS premium_year "
    "FROM page JOIN accounts.journal_txns t ON t.id = page.id JOIN accounts.postings p ON p.txn_id = t.id "
    "JOIN accounts.ledger_accounts la ON la.id = p.account_id LEFT JOIN accounts.pools po ON po.account_id = la.id "
    "LEFT JOIN accounts.resident_premiums rp ON rp.journal_txn_id = t.id "
    "GROUP BY t.id, rp.id ORDER BY t.id DESC"
)


@dataclass(frozen=True)
class RecordRow:
    """A journal transaction with every posting, as stored."""

    journal_txn_id: int
    kind: str
    booked_at: dt.datetime
    psn_no: str
    pool_id: int | None
    fixmedins_code: str
    reservation_id: int | None
    description: str
    booked_by: str
    lines: list[Line]
    beneficiary_psn_no: str = ""  # a resident premium: whose it paid (rule 11)
    premium_year: int = 0


async def records(
    conn: AsyncConnection, *, psn_no: str | None, pool_id: int | None, before_id: int | None, limit: int
) -> tuple[list[RecordRow], dict[int, int]]:
    """A page of a person's or a pool's records, newest first, every posting of each, and each tracked account's
    balance right after the page's newest record (one statement: one snapshot)."""
    reader = "person" if psn_no else "pool"
    rows = (
        await conn.execute(
            sql(_RECORDS.format(tracked=_TRACKED[reader], whose=_WHOSE[reader])),
            {"psn_no": psn_no, "pool_id": pool_id, "before_id": before_id, "limit": limit},
        )
    ).all()
    upto = dict(zip(rows[0].upto_accounts or [], rows[0].upto_balances or [], strict=True)) if rows else {}
    return [
        RecordRow(
            r.id,
            r.kind,
            r.booked_at,
            r.psn_no,
            r.pool_id,
            r.fixmedins_code,
            r.reservation_id,
            r.description,
            r.booked_by,
            [
                Line(
                    account,
                    int(amount),
                    Source(source) if source else None,
                    Part(part) if part else None,
                    owner,
                    pool,
                )
                for account, amount, source, part, owner, pool in zip(
                    r.accounts, r.amounts, r.sources, r.parts, r.owners, r.pools, strict=True
                )
            ],
            r.beneficiary_psn_no,
            int(r.premium_year),
        )
        for r in rows
    ], {int(k): int(v) for k, v in upto.items()}


async def balances_as_of(conn: AsyncConnection, ids: Iterable[int | None], as_of: dt.datetime) -> dict[int, int]:
    """Each account's balance as booked at `as_of`: the sum of its postings booked until then."""
    rows = await conn.execute(
        sql(
            "SELECT la.id, (SELECT coalesce(sum(p.amount_fen), 0) FROM accounts.postings p "
            "JOIN accounts.journal_txns t ON t.id = p.txn_id WHERE p.account_id = la.id AND t.booked_at <= :as_of) "
            "AS balance_fen FROM accounts.ledger_accounts la WHERE la.id = ANY(:ids)"
        ),
        {"ids": [i for i in ids if i is not None], "as_of": as_of},
    )
    return {r.id: int(r.balance_fen) for r in rows}


async def year_of(
    conn: AsyncConnection, psn_no: str, start: dt.datetime, end: dt.datetime
) -> dict[tuple[str, str], int]:
    """A personal account over [start, end): per part, its balance at `start` ("OPENING") and at `end`
    ("CLOSING"), and the sum of its postings in between per kind of journal transaction."""
    rows = await conn.execute(
        sql(
            "WITH mine AS (SELECT p.amount_fen, la.part, t.kind, t.booked_at FROM accounts.ledger_accounts la "
            "  JOIN accounts.postings p ON p.account_id = la.id JOIN accounts.journal_txns t ON t.id = p.txn_id "
            "  WHERE la.psn_no = :psn_no AND t.booked_at < :end) "
            "SELECT part, CASE WHEN booked_at < :start THEN 'OPENING' ELSE kind END AS line, sum(amount_fen) AS fen "
            "FROM mine GROUP BY 1, 2 "
            "UNION ALL SELECT part, 'CLOSING', sum(amount_fen) FROM mine GROUP BY 1"
        ),
        {"psn_no": psn_no, "start": start, "end": end},
    )
    return {(r.part, r.line): int(r.fen) for r in rows}
