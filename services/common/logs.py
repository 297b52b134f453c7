"""Structured JSON logs. Personal data never goes in: log psn_no and masked values only, never a request body or a
free-text field (names, ID numbers, memos, descriptions).

An exception is logged as where it happened, never as what it says. Its message can carry what a request held: a
database error's text has its statement's parameters (unless the engine hides them, services/common/db.py), the row
a constraint refused ("Failing row contains (…)") and values PostgreSQL could not read ('invalid input syntax for
type bigint: "…"'); a ValueError repeats the text it could not parse. So a logged exception is its traceback (file,
line, function and source line of each frame), the type of each exception in its chain, and for a database error the
SQLSTATE, the names of the constraint, table and column, and the statement without its parameters. The
`error_ref` an INTERNAL answer carries finds the line.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback

import grpc
from sqlalchemy.exc import StatementError

from services.common.observability import CorrelationLogFilter

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# What a database error (asyncpg's, or SQLAlchemy's adaptation of it) says about itself that is never a value.
_DATABASE_FACTS = ("sqlstate", "schema_name", "table_name", "column_name", "constraint_name", "data_type_name")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions that led to it, oldest first (as Python prints them)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in out):
        out.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return out[::-1]


def _describe(exc: BaseException) -> str:
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    facts = [f"{attr}={value}" for attr in _DATABASE_FACTS if isinstance(value := getattr(exc, attr, None), str)]
    if isinstance(exc, StatementError) and exc.statement:
        facts.append(f"statement={' '.join(exc.statement.split())}")
    if isinstance(exc, grpc.aio.AioRpcError):
        facts.append(f"code={exc.code().name}")
    return name + (f" ({'; '.join(facts)})" if facts else "") + " [message not logged]"


def exception_text(exc: BaseException) -> str:
    """The traceback of `exc` and of every exception in its chain, without their messages."""
    parts: list[str] = []
    chain = _chain(exc)
    for n, current in enumerate(chain):
        if n:
            parts.append(_CAUSE if current.__cause__ is chain[n - 1] else _CONTEXT)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(_describe(current) + "\n")
    return "".join(parts).rstrip("\n")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            out["exc"] = exception_text(record.exc_info[1])
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(CorrelationLogFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
