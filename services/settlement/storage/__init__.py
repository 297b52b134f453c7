"""All SQL of the settlement service: settlements.py and refunds.py (the records and their compare-and-set moves),
reports.py (reconciliation), store.py (the Store the use cases get: one statement is its own transaction, except
inside `transaction()`, where a settlement's row can be locked).

Statements are SQLAlchemy Core `text()` with bind parameters named after their columns; no ORM.
"""

from __future__ import annotations

import functools

from sqlalchemy import TextClause, text

# Parsing SQL text costs more than running some of these statements: each distinct string is parsed once.
sql: functools._lru_cache_wrapper[TextClause] = functools.lru_cache(maxsize=128)(text)
