"""Applies a service's Alembic migrations to its own schema (each service owns one schema and its version table)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.db import async_url


def upgrade(database_url: str, migrations_dir: Path, schema: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["schema"] = schema
    command.upgrade(cfg, "head")


def run_env(context) -> None:  # type: ignore[no-untyped-def]
    """The body of every service's migrations/env.py: online, async, with the version table in the schema."""
    cfg = context.config
    schema = cfg.attributes["schema"]

    def do_run(connection) -> None:  # type: ignore[no-untyped-def]
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        context.configure(connection=connection, version_table_schema=schema, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(
            async_url(cfg.attributes["database_url"]), poolclass=pool.NullPool, hide_parameters=True
        )
        async with engine.begin() as conn:
            # Two processes migrating at once (two services starting) take turns.
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": "migrate:" + schema})
            await conn.run_sync(do_run)
        await engine.dispose()

    asyncio.run(main())


def execute_script(op, script: str) -> None:  # type: ignore[no-untyped-def]
    """Runs a multi-statement SQL script; asyncpg prepares one statement at a time, so split it ($$ bodies kept)."""
    statement: list[str] = []
    in_body = False
    for line in script.splitlines():
        if line.strip().startswith("--") and not in_body:
            continue
        statement.append(line)
        if line.count("$$") % 2 == 1:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            op.execute("\n".join(statement))
            statement = []
    if "".join(statement).strip():
        op.execute("\n".join(statement))
