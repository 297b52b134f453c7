"""The trust-boundary tests' world, made once for the package: a fresh database (so that "nothing moved" is exact),
accounts in-process on it as it runs for real (mutual TLS, the session PKI's callers), settlement as processes in
both institution modes (tokens; certificates) calling that accounts, and the certificates a service must refuse."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.accounts.app import AccountsApp
from services.accounts.app import run_migrations as migrate_accounts
from services.accounts.app import start as start_accounts
from services.common.security import token_hash
from services.settlement.app import run_migrations as migrate_settlement
from tests import processes
from tests.security.boundary import Channels
from tools import devpki
from tools.devdb import free_port
from tools.kit import Accounts

INSTITUTION_A, TOKEN_A = "H63010000A01", "token-of-institution-a"
INSTITUTION_B, TOKEN_B = "H63010000B02", "token-of-institution-b"
TOKENS = f"{INSTITUTION_A}:{token_hash(TOKEN_A)},{INSTITUTION_B}:{token_hash(TOKEN_B)}"
ROLES = ("registry", "member-service", "settlement", "auditor")
METRICS_HOST = "127.0.0.2"  # settlement_tokens' /metrics and /healthz: a loopback address, not the default one
UNKNOWN = "nobody"  # a valid certificate of the right CA whose commonName no service is configured with


@pytest.fixture(scope="package")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Beside the session PKI: for every accounts role and institution A, a certificate from another CA, an expired
    one and a not-yet-valid one; one without a commonName; and from the right CA, the unknown caller's and both
    institutions'."""
    folder = devpki.impostors(tmp_path_factory.mktemp("certs"), processes.pki(), (*ROLES, INSTITUTION_A))
    ca = devpki.Authority.load(processes.pki())
    for name in (UNKNOWN, INSTITUTION_A, INSTITUTION_B):
        ca.issue(folder, name)
    return folder


@pytest.fixture(scope="package")
async def security_db(database_url: str) -> str:
    url = await processes.fresh_database(database_url)
    await asyncio.to_thread(migrate_accounts, url)
    await asyncio.to_thread(migrate_settlement, url)
    return url


@pytest.fixture(scope="package")
async def accounts_app(security_db: str) -> AsyncIterator[AccountsApp]:
    running = await start_accounts(processes.accounts_settings(security_db))
    yield running
    await running.stop(1.0)


@pytest.fixture(scope="package")
def accounts_address(accounts_app: AccountsApp) -> str:
    return f"127.0.0.1:{accounts_app.server.port}"


@pytest.fixture(scope="package")
async def accounts(accounts_address: str) -> AsyncIterator[Accounts]:
    """Every accounts service, each as the role allowed to call it (to build the world before a matrix)."""
    connected = Accounts.connect(accounts_address, processes.pki())
    yield connected
    await connected.close()


@pytest.fixture(scope="package")
async def channels() -> AsyncIterator[Channels]:
    opened = Channels()
    yield opened
    await opened.close()


def _settlement_env(security_db: str, accounts_address: str) -> dict[str, str]:
    return {
        "DATABASE_URL": security_db,
        "GONGJI_ACCOUNTS_ADDR": accounts_address,
        "GONGJI_INSTITUTION_TOKENS": TOKENS,
        "GONGJI_ACCOUNTS_TIMEOUT_S": "2",
    }


@pytest.fixture(scope="package")
def settlement_metrics_port() -> int:
    return free_port()


@pytest.fixture(scope="package")
async def settlement_tokens(
    security_db: str, accounts_address: str, settlement_metrics_port: int
) -> AsyncIterator[processes.Process]:
    """Settlement with institutions by token (server TLS only), in production: no reflection; /metrics and /healthz
    on another loopback address than the default."""
    running = await processes.start(
        "settlement",
        GONGJI_SETTLEMENT_METRICS_PORT=str(settlement_metrics_port),
        GONGJI_METRICS_HOST=METRICS_HOST,
        **_settlement_env(security_db, accounts_address),
    )
    yield running
    running.stop()


@pytest.fixture(scope="package")
async def settlement_certificates(security_db: str, accounts_address: str) -> AsyncIterator[processes.Process]:
    """Settlement with institutions by certificate (mutual TLS, A and B listed), tokens configured as well (the
    certificate must win), in production with reflection switched on by GONGJI_REFLECTION=1."""
    running = await processes.start(
        "settlement",
        institution_certificates=True,
        GONGJI_INSTITUTIONS=f"{INSTITUTION_A},{INSTITUTION_B}",
        GONGJI_REFLECTION="1",
        **_settlement_env(security_db, accounts_address),
    )
    yield running
    running.stop()
