"""All SQL of the accounts service, one module per aggregate. Each function runs inside the caller's transaction
(one per RPC).

Lock order, everywhere: persons (by psn_no) → pools (by id) → reservations (by id) → ledger accounts (by id).
`pools.lock_family` and `reservations.lock_and_load` take them in that order so callers never have to.
Row locks are FOR NO KEY UPDATE: foreign-key checks of inserted rows (legs, journal entries) take KEY SHARE locks
on the rows they reference, which FOR UPDATE would block, turning inserts into lock-order violations.
Statements are SQLAlchemy Core `text()` with bind parameters named after their columns; no ORM.
"""

from __future__ import annotations

import functools

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Parsing SQL text costs more than running some of these statements: each distinct string is parsed once.
sql: functools._lru_cache_wrapper[TextClause] = functools.lru_cache(maxsize=512)(text)


async def act_as(conn: AsyncConnection, actor: str) -> None:
    """Says who acts in this transaction ("CHANNEL:identity"): every row it writes records it (accounts.actor())."""
    await conn.execute(sql("SELECT set_config('gongji.actor', :actor, true)"), {"actor": actor})
