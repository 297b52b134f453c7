"""Database engine creation: one async SQLAlchemy engine over asyncpg per service process."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.common.errors import DomainError, Reason


def async_url(url: str) -> str:
    """Accepts plain postgresql:// URLs (as docker compose and operators write them) and selects asyncpg."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """A fixed pool: under a burst, calls queue for a connection instead of opening and closing overflow
    connections (each a new PostgreSQL backend, which cost more CPU than the payments themselves).

    `hide_parameters`: a database error's text carries its statement but never the values bound to it, which are
    what a request held (a description, a memo, a name); see services/common/logs.py for the rest of its text."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=10,
        pool_pre_ping=False,
        hide_parameters=True,
    )


def transient_error(exc: BaseException) -> DomainError | None:
    """Database failures a client should retry: the server is gone (UNAVAILABLE) or a transaction lost a race
    (ABORTED). Nothing was written in either case: the transaction rolled back."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    cause = getattr(orig, "__cause__", None) or orig
    if isinstance(cause, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
        return DomainError(Reason.CONCURRENT_UPDATE)
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or isinstance(
        cause, OSError | asyncpg.PostgresConnectionError | asyncpg.CannotConnectNowError | asyncpg.InterfaceError
    ):
        return DomainError(Reason.DATABASE_UNAVAILABLE)
    return None
