"""All SQL of the settlement service: hot.py (the hot path's batches: intents, outcomes, lookups), settlements.py
and refunds.py (the records, one at a time), periods.py (clearing periods), reports.py (reconciliation), store.py
(the Store the use cases get: one statement is its own transaction, except inside `transaction()`, where a
settlement's row can be locked).

Statements are SQLAlchemy Core `text()` with bind parameters named after their columns, no ORM; except the hot
path's, which are raw asyncpg on the same pooled connections (services/common/db.py: `driver`).
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

from sqlalchemy import TextClause, text

# Parsing SQL text costs more than running some of these statements: each distinct string is parsed once.
sql: functools._lru_cache_wrapper[TextClause] = functools.lru_cache(maxsize=128)(text)


class Columns(Protocol):
    """A row by column name: an asyncpg record, or a SQLAlchemy row's `_mapping`."""

    def __getitem__(self, column: str) -> Any: ...
