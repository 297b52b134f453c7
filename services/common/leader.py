"""One worker at a time across every instance of a service: a PostgreSQL advisory lock held for one round of work.

Several instances of a service share one database. A background job whose items each take several transactions and a
call to another service (settlement's recovery worker) runs its round only where it holds the lock; the others skip
that round. The lock is transaction-scoped (`pg_try_advisory_xact_lock`): whatever ends the transaction (the round
ending, an exception, the process dying, the database connection dropping, a failover) releases it, so it can never
outlive its holder, and the next round anywhere takes over.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (the same in every process and every release)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@asynccontextmanager
async def leading(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Yields True while this process holds the lock `name` (it is the leader for this round), False when another
    holds it. Holds one pooled connection, idle in a transaction that writes nothing, until the block ends."""
    async with engine.connect() as conn, conn.begin():
        held = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        yield bool(held)
