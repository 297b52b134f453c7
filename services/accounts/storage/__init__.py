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

# Parsing SQL text costs more than running some of these statements: each distinct string is parsed once.
sql: functools._lru_cache_wrapper[TextClause] = functools.lru_cache(maxsize=512)(text)
