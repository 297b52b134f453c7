"""Test fixtures shared by every suite: one real PostgreSQL per test session, migrated for both services.

TEST_DATABASE_URL points the suite at an existing server; otherwise an embedded one is started in a temp folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.devdb import EmbeddedPostgres, free_port


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        _migrate(given)
        return
    folder = Path(tempfile.mkdtemp(prefix="gongji-test-pg-"))
    folder.chmod(0o755)
    pg = EmbeddedPostgres(folder, free_port(), durable=False)
    url = pg.start()
    try:
        _migrate(url)
        yield url
    finally:
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _migrate(url: str) -> None:
    from services.accounts.app import run_migrations as migrate_accounts

    migrate_accounts(url)
    try:
        from services.settlement.app import run_migrations as migrate_settlement  # type: ignore[import-not-found]
    except ImportError:
        return
    migrate_settlement(url)
