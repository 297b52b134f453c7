"""Database engine creation: one async SQLAlchemy engine over asyncpg per service process."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.common.errors import DomainError, Reason


def async_url(url: str) -> str:
    """Accepts plain postgresql:// URLs (as docker compose and operators write them) and selects asyncpg."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


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
    return create_async_engine(
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
        cause, OSError | asyncpg.PostgresConnectionError | asyncpg.CannotConnectNowError | asyncpg.InterfaceError
    ):
        return DomainError(Reason.DATABASE_UNAVAILABLE)
    return None
