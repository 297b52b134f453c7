"""All SQL of the settlement service: hot.py (the hot path's batches: intents, outcomes, lookups), settlements.py
and refunds.py (the records, one at a time), periods.py (clearing periods), reports.py (reconciliation), store.py
(the Store the use cases get: one statement is its own transaction, except inside `transaction()`, where a
settlement's row can be locked).

Statements are SQLAlchemy Core `text()` with bind parameters named after their columns, no ORM; except the hot
path's, which are raw asyncpg on the same pooled connections (`driver`).
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

import asyncpg
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Parsing SQL text costs more than running some of these statements: each distinct string is parsed once.
sql: functools._lru_cache_wrapper[TextClause] = functools.lru_cache(maxsize=128)(text)


class Columns(Protocol):
    """A row by column name: an asyncpg record, or a SQLAlchemy row's `_mapping`."""

    def __getitem__(self, column: str) -> Any: ...


async def driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a pooled SQLAlchemy one. The store's connections are in autocommit, and its
    transactions asyncpg's own, so a statement on either is in the transaction the other is in."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    return raw
