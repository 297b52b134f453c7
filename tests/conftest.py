"""Test fixtures shared by every suite: one real PostgreSQL per test session, migrated for both services.

TEST_DATABASE_URL points the suite at an existing server; otherwise an embedded one is started in a temp folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.accounts import app
from services.common.db import make_engine
from tests import processes
from tools.devdb import EmbeddedPostgres, free_port
from tools.kit import Accounts
from tools.kit import accounts_v1 as pb


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "last: runs after every other test of the session (reads what they did)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `last` run at the end of the session, whatever their folder."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


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


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct connection to the test database, for what no RPC may do: look under the hood, or break the rules
    on purpose to see the database refuse."""
    made = make_engine(database_url, pool_size=1)
    yield made
    await made.dispose()


@pytest.fixture(scope="session")
async def accounts_server(database_url: str) -> AsyncIterator[app.AccountsApp]:
    running = await app.start(processes.accounts_settings(database_url))
    yield running
    await running.stop(1.0)


@pytest.fixture(scope="session")
async def accounts(accounts_server: app.AccountsApp) -> AsyncIterator[Accounts]:
    """Every accounts service, each reached with the certificate of the role allowed to call it."""
    connected = Accounts.connect(f"127.0.0.1:{accounts_server.server.port}", processes.pki())
    yield connected
    await connected.close()


@pytest.fixture
async def ledger_clean(accounts: Accounts) -> AsyncIterator[None]:
    """Every integration test ends with VerifyLedger clean."""
    yield
    report = await accounts.VerifyLedger(pb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)
