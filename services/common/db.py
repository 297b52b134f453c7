"""Database engine creation: one async SQLAlchemy engine over asyncpg per service process."""

from __future__ import annotations

import urllib.parse
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from services.common.errors import DomainError, Reason


def async_url(url: str) -> str:
    """Accepts plain postgresql:// URLs (as docker compose and operators write them) and selects asyncpg.

    Several hosts, as libpq writes them (`postgresql://user@h1:5432,h2:5432/db?target_session_attrs=read-write`),
    become SQLAlchemy's form for asyncpg (`postgresql+asyncpg://user@/db?host=h1:5432&host=h2:5432&…`): asyncpg
    tries them in turn and keeps the first that is writable, so after a failover new connections find the
    promoted standby. Every host needs its port."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            break
    else:
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    if "," not in hosts:
        return "postgresql+asyncpg://" + rest
    path, question, query = tail.partition("?")
    listed = [h.strip() for h in hosts.split(",") if h.strip()]
    if any(not h.rpartition(":")[2].isdigit() for h in listed):
        raise ValueError("DATABASE_URL: with several hosts, every host needs its port (host:port,host:port)")
    params = [("host", h) for h in listed] + urllib.parse.parse_qsl(query, keep_blank_values=True)
    return f"postgresql+asyncpg://{userinfo}{at}/{path}?{urllib.parse.urlencode(params, safe=':[]')}"


# A transaction that waits longer than this for a row another one holds gives up (ACCOUNT_BUSY, retryable) instead
# of keeping a pooled connection: one payer whose rows stay locked must not take every connection from the others.
LOCK_TIMEOUT_MS = 2_000
# No statement of a request runs longer than this (SERVICE_BUSY, retryable). Bulk work (RollOverYear) takes slices.
STATEMENT_TIMEOUT_MS = 30_000
# How long a request waits for a pooled connection before it is told the service is busy (SERVICE_BUSY).
POOL_TIMEOUT_S = 10


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """A fixed pool: under a burst, calls queue for a connection instead of opening and closing overflow
    connections (each a new PostgreSQL backend, which cost more CPU than the payments themselves). Every
    connection has the lock and statement timeouts above.

    `hide_parameters`: a database error's text carries its statement but never the values bound to it, which are
    what a request held (a description, a memo, a name); see services/common/logs.py for the rest of its text."""
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_S,
        pool_pre_ping=False,
        hide_parameters=True,
        connect_args={
            "server_settings": {"lock_timeout": str(LOCK_TIMEOUT_MS), "statement_timeout": str(STATEMENT_TIMEOUT_MS)}
        },
    )
    event.listen(engine.sync_engine, "checkout", _drop_if_closed)
    event.listen(engine.sync_engine, "handle_error", _server_gone)
    return engine


async def driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a pooled SQLAlchemy one, for the hot paths' raw prepared statements. Its statements
    are in whatever transaction the connection is in: asyncpg's own (begun on it), or SQLAlchemy's once that has run
    a statement (SQLAlchemy begins lazily)."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    return raw


def _drop_if_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection the server has closed (its primary was stopped or crashed, or failed over) is replaced
    at checkout, before a request uses it: asyncpg knows without a round trip (the server's end of the socket closed),
    so this costs an attribute read, not the round trip of pool_pre_ping. The pool retries with a new connection,
    which the multi-host URL sends to whichever server is writable now."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


# The server is going or gone, or is no longer the writable one: the connection is dropped and the whole pool with
# it (SQLAlchemy invalidates the pool on a disconnect), so every connection is made anew, to the new primary.
_SERVER_GONE = (
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.ReadOnlySQLTransactionError,
)


def _server_gone(context: Any) -> None:
    cause = getattr(context.original_exception, "__cause__", None) or context.original_exception
    if isinstance(cause, _SERVER_GONE):
        context.is_disconnect = True


def transient_error(exc: BaseException) -> DomainError | None:
    """Database failures a client should retry: the server is gone or too busy (UNAVAILABLE), or a transaction lost
    a race or waited too long for a row (ABORTED). Nothing was written in any case: the transaction rolled back."""
    if isinstance(exc, PoolTimeout):
        return DomainError(Reason.SERVICE_BUSY, "(no database connection free)")
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    cause = getattr(orig, "__cause__", None) or orig
    if isinstance(cause, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
        return DomainError(Reason.CONCURRENT_UPDATE)
    if isinstance(cause, asyncpg.LockNotAvailableError):
        return DomainError(Reason.ACCOUNT_BUSY)
    if isinstance(cause, asyncpg.QueryCanceledError):
        return DomainError(Reason.SERVICE_BUSY, "(a database statement took too long)")
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or isinstance(
        cause,
        (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.TargetServerAttributeNotMatched)
        + _SERVER_GONE,
    ):
        return DomainError(Reason.DATABASE_UNAVAILABLE)
    return None
