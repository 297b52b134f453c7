"""The two parts of each employee-insured person's personal account (当年 / 历年, rule 8), and the year-end rollover
that moves the current year's money — held money and the reservation legs holding it included — to the prior years.

A rollover happens once per person and year: at the first movement of the new year (every write that touches a
personal account locks it through `lock`, which rolls over first), or for everyone at once by the registry's
year-end call (usecases/registry.py: roll_over_year, in batches).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.model import Part
from services.accounts.storage import sql
from services.accounts.views import BalanceView


@dataclass(frozen=True)
class PersonalAccount:
    """A person's personal account: the ledger account of each part."""

    psn_no: str
    current_id: int
    prior_id: int

    def id_of(self, part: Part) -> int:
        return self.current_id if part is Part.CURRENT else self.prior_id


@dataclass(frozen=True)
class LockedPersonal:
    """A personal account with both parts locked, rolled over to this year: each part's balances."""

    account: PersonalAccount
    balances: dict[Part, BalanceView]

    @property
    def available_fen(self) -> int:
        return sum(b.available_fen for b in self.balances.values())

    @property
    def balance_fen(self) -> int:
        return sum(b.balance_fen for b in self.balances.values())

    def parts_in(self, order: Iterable[Part]) -> list[tuple[Part, int, int]]:
        """(part, account, available) in the order the policy draws them."""
        return [(p, self.account.id_of(p), self.balances[p].available_fen) for p in order]


async def create(conn: AsyncConnection, psn_no: str, year: int) -> None:
    await conn.execute(
        sql(
            "INSERT INTO accounts.ledger_accounts (kind, psn_no, part, current_year, coordinating_region) "
            "SELECT 'PERSONAL', :psn_no, a.part, a.current_year, pe.coordinating_region FROM accounts.persons pe, "
            "(VALUES ('PRIOR', NULL), ('CURRENT', CAST(:current_year AS integer))) AS a(part, current_year) "
            "WHERE pe.psn_no = :psn_no"
        ),
        {"psn_no": psn_no, "current_year": year},
    )


async def of(conn: AsyncConnection, psn_no: str) -> PersonalAccount | None:
    rows = (
        await conn.execute(
            sql("SELECT id, part FROM accounts.ledger_accounts WHERE psn_no = :psn_no"), {"psn_no": psn_no}
        )
    ).all()
    parts = {Part(r.part): r.id for r in rows}
    return PersonalAccount(psn_no, parts[Part.CURRENT], parts[Part.PRIOR]) if parts else None


async def lock(conn: AsyncConnection, psn_no: str, year: int) -> LockedPersonal | None:
    """Locks both parts (by id, as the global lock order wants), rolls the account over to `year` if this is its first
    movement of the year, and answers with the balances. None for a person without a personal account. A caller that
    locks other accounts too locks them all first, in one statement (journal.lock_accounts), then calls this."""
    await roll_over(conn, year, [psn_no])
    return await read(conn, psn_no)


async def read(conn: AsyncConnection, psn_no: str) -> LockedPersonal | None:
    rows = (
        await conn.execute(
            sql(
                "SELECT id, part, balance_fen, held_fen FROM accounts.ledger_accounts WHERE psn_no = :psn_no "
                "ORDER BY id"
            ),
            {"psn_no": psn_no},
        )
    ).all()
    if not rows:
        return None
    ids = {Part(r.part): r.id for r in rows}
    return LockedPersonal(
        PersonalAccount(psn_no, ids[Part.CURRENT], ids[Part.PRIOR]),
        {Part(r.part): BalanceView(r.balance_fen, r.held_fen) for r in rows},
    )


# One statement rolls every due account over: a ROLLOVER journal transaction per person moves the whole current-year
# balance to the prior years, the held money with it, and re-points the legs of reservations that drew on the
# current-year part (a refund goes back to where the money now is: last year's money is prior-years money).
_ROLL_OVER = (
    "WITH due AS (SELECT cur.id AS current_id, pri.id AS prior_id, cur.psn_no, cur.balance_fen, cur.held_fen, "
    "  cur.coordinating_region "
    "  FROM accounts.ledger_accounts cur JOIN accounts.ledger_accounts pri "
    "  ON pri.psn_no = cur.psn_no AND pri.part = 'PRIOR' "
    "  WHERE cur.part = 'CURRENT' AND cur.current_year < :year AND cur.psn_no = ANY(:psn_no)), "
    "rollover_txn AS (INSERT INTO accounts.journal_txns (kind, psn_no, description, booked_by, coordinating_region) "
    "  SELECT 'ROLLOVER', psn_no, 'year-end rollover into ' || :year, 'SYSTEM:year-end-rollover', "
    "  coordinating_region FROM due "
    "  WHERE balance_fen > 0 "
    "  RETURNING id, psn_no, coordinating_region), "
    "rollover_postings AS (INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source, coordinating_region) "
    "  SELECT t.id, moved.account_id, moved.amount_fen, 'PERSONAL_ACCOUNT', t.coordinating_region "
    "  FROM rollover_txn t JOIN due USING (psn_no) "
    "  CROSS JOIN LATERAL (VALUES (due.current_id, -due.balance_fen), (due.prior_id, due.balance_fen)) "
    "  AS moved(account_id, amount_fen)), "
    "prior_part AS (UPDATE accounts.ledger_accounts la SET balance_fen = la.balance_fen + due.balance_fen, "
    "  held_fen = la.held_fen + due.held_fen FROM due WHERE la.id = due.prior_id), "
    "current_part AS (UPDATE accounts.ledger_accounts la SET balance_fen = 0, held_fen = 0, current_year = :year "
    "  FROM due WHERE la.id = due.current_id), "
    "legs AS (UPDATE accounts.reservation_legs l SET account_id = due.prior_id, part = 'PRIOR' "
    "  FROM due WHERE l.account_id = due.current_id) "
    "SELECT count(*), coalesce(sum(balance_fen), 0) FROM due"
)


@dataclass(frozen=True)
class Rolled:
    accounts: int
    moved_fen: int


async def roll_over(conn: AsyncConnection, year: int, psn_nos: list[str]) -> Rolled:
    """Rolls over those of these people's accounts that still hold an earlier year: how many, and the money moved.
    None twice: each current-year part says which year it holds. The accounts are locked by id first (the global
    order)."""
    locked = await conn.execute(
        sql(
            "SELECT id FROM accounts.ledger_accounts WHERE psn_no = ANY(:psn_no) AND kind = 'PERSONAL' "
            "ORDER BY id FOR NO KEY UPDATE"
        ),
        {"psn_no": psn_nos},
    )
    if not locked.all():
        return Rolled(0, 0)
    row = (await conn.execute(sql(_ROLL_OVER), {"year": year, "psn_no": psn_nos})).one()
    return Rolled(int(row[0]), int(row[1]))


async def due(conn: AsyncConnection, year: int, limit: int | None = None) -> list[str]:
    """The people (up to `limit`) whose current-year part still holds an earlier year (for the year-end call)."""
    rows = await conn.execute(
        sql(
            "SELECT psn_no FROM accounts.ledger_accounts WHERE part = 'CURRENT' AND current_year < :year "
            "ORDER BY psn_no LIMIT :limit"
        ),
        {"year": year, "limit": limit},
    )
    return [r.psn_no for r in rows]


async def count_due(conn: AsyncConnection, year: int) -> int:
    return int(
        (
            await conn.execute(
                sql("SELECT count(*) FROM accounts.ledger_accounts WHERE part = 'CURRENT' AND current_year < :year"),
                {"year": year},
            )
        ).scalar_one()
    )
