"""A person's ledger rows held by another transaction, as a slow transaction or an operator's session would hold
them: what the isolation tests make one payer's calls wait behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@asynccontextmanager
async def rows_held(engine: AsyncEngine, psn_no: str) -> AsyncIterator[asyncio.Task[None]]:
    """Locks the person's ledger accounts (FOR UPDATE) in a transaction of its own until the block ends; yields the
    task holding them (not done: still held)."""
    locked, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                text("SELECT id FROM accounts.ledger_accounts WHERE psn_no = :p FOR UPDATE"), {"p": psn_no}
            )
            locked.set()
            await release.wait()

    locker = asyncio.create_task(hold())
    await locked.wait()
    try:
        yield locker
    finally:
        release.set()
        await locker
