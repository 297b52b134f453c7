"""A service refuses to start without its TLS material: `python -m services.<name> serve` exits non-zero with one line
on stderr that names the missing setting, never a traceback; plaintext is a development switch only. In development,
plaintext serves: health, reflection, and a call with an institution's token."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.accounts import app as accounts_app
from services.accounts.config import Settings as AccountsSettings
from services.common.security import Environment
from services.settlement import app as settlement_app
from services.settlement.config import Settings as SettlementSettings
from services.settlement.config import parse_tokens
from tests import processes
from tests.security.boundary import reflected_services
from tests.security.conftest import INSTITUTION_A, TOKEN_A, TOKENS
from tools import devpki, kit
from tools.kit import accounts_v1 as apb

TLS_REQUIRED = "TLS is required: set {} (or, in development only, GONGJI_PLAINTEXT=1)"
PLAINTEXT_REFUSED = "GONGJI_PLAINTEXT=1 is a development switch: it needs GONGJI_ENVIRONMENT=development"
MUTUAL_TLS_TO_ACCOUNTS = "calling accounts needs mutual TLS: set {}"
MISSING = "/nonexistent/gongji"


@dataclass(frozen=True)
class Case:
    service: str
    env: dict[str, str | None]  # None: the variable is not set
    line: str  # the one line on stderr
    alone: bool = True  # False: gRPC's own log lines come first (it read the files and refused them)


# Each missing setting is named: alone, or with the others missing beside it.
CASES = {
    "accounts without a certificate": Case(
        "accounts", {"GONGJI_ACCOUNTS_TLS_CERT": None}, TLS_REQUIRED.format("GONGJI_ACCOUNTS_TLS_CERT")
    ),
    "accounts without a key and a client CA": Case(
        "accounts",
        {"GONGJI_ACCOUNTS_TLS_KEY": None, "GONGJI_ACCOUNTS_CLIENT_CA": None},
        TLS_REQUIRED.format("GONGJI_ACCOUNTS_TLS_KEY, GONGJI_ACCOUNTS_CLIENT_CA"),
    ),
    "accounts with a client CA that is not there": Case(
        "accounts", {"GONGJI_ACCOUNTS_CLIENT_CA": MISSING}, f"GONGJI_ACCOUNTS_CLIENT_CA={MISSING}: no such file"
    ),
    "accounts in plaintext outside development": Case("accounts", {"GONGJI_PLAINTEXT": "1"}, PLAINTEXT_REFUSED),
    "settlement without a certificate and a key": Case(
        "settlement",
        {"GONGJI_SETTLEMENT_TLS_CERT": None, "GONGJI_SETTLEMENT_TLS_KEY": None},
        TLS_REQUIRED.format("GONGJI_SETTLEMENT_TLS_CERT, GONGJI_SETTLEMENT_TLS_KEY"),
    ),
    "settlement without its client certificate": Case(
        "settlement",
        {"GONGJI_SETTLEMENT_CLIENT_CERT": None},
        MUTUAL_TLS_TO_ACCOUNTS.format("GONGJI_SETTLEMENT_CLIENT_CERT"),
    ),
    "settlement without accounts' CA and its client key": Case(
        "settlement",
        {"GONGJI_ACCOUNTS_CA": None, "GONGJI_SETTLEMENT_CLIENT_KEY": None},
        MUTUAL_TLS_TO_ACCOUNTS.format("GONGJI_ACCOUNTS_CA, GONGJI_SETTLEMENT_CLIENT_KEY"),
    ),
    "settlement with a client certificate that is not there": Case(
        "settlement",
        {"GONGJI_SETTLEMENT_CLIENT_CERT": MISSING},
        f"GONGJI_SETTLEMENT_CLIENT_CERT={MISSING}: not a readable PEM certificate",
    ),
    "settlement with a CA for accounts that is no certificate": Case(
        "settlement",
        {"GONGJI_ACCOUNTS_CA": __file__},
        f"GONGJI_ACCOUNTS_CA={__file__}: not a readable PEM certificate",
    ),
    "settlement in plaintext in production": Case(
        "settlement", {"GONGJI_PLAINTEXT": "1", "GONGJI_ENVIRONMENT": "production"}, PLAINTEXT_REFUSED
    ),
    # Not "port in use, set GONGJI_ACCOUNTS_PORT": the port is not what is wrong.
    "accounts with a key that is not its certificate's": Case(
        "accounts",
        {"GONGJI_ACCOUNTS_TLS_KEY": str(processes.pki() / "settlement-server.key")},
        "TLS: gRPC refused the server certificate or key (not PEM, or a key that is not the certificate's; its log "
        "line above says which)",
        alone=False,
    ),
}


def _env(service: str, database_url: str, changes: dict[str, str | None]) -> dict[str, str]:
    """The environment `serve` gets: the session PKI's TLS settings for `service` with `changes` applied, nothing
    of the caller's own GONGJI_ settings, a port it never gets to bind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJI_")}
    prefix = f"GONGJI_{service.upper()}_"
    env.update(
        processes.service_env(
            DATABASE_URL=database_url,
            LC_ALL="C.UTF-8",
            **{prefix + "PORT": "0", prefix + "HOST": "127.0.0.1", prefix + "METRICS_PORT": "0"},
            **devpki.service_env(service, processes.pki(), institution_certificates=False),
        )
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


async def _serve(service: str, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        f"services.{service}",
        "serve",
        cwd=processes.ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"{service} started instead of refusing") from None
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


@pytest.fixture(scope="module")
async def refusals(security_db: str) -> dict[str, tuple[int, str]]:
    """Every case at once (each is a Python process starting): {case: (exit code, stderr)}."""
    results = await asyncio.gather(
        *(_serve(case.service, _env(case.service, security_db, case.env)) for case in CASES.values())
    )
    return dict(zip(CASES, results, strict=True))


@pytest.mark.parametrize("name", list(CASES))
def test_startup_refuses_naming_the_setting(name: str, refusals: dict[str, tuple[int, str]]) -> None:
    code, stderr = refusals[name]
    assert code != 0
    assert "Traceback" not in stderr
    case = CASES[name]
    lines = stderr.splitlines()
    assert (lines if case.alone else lines[-1:]) == [case.line], stderr


# -- plaintext, in development only ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def plaintext_services(security_db: str) -> AsyncIterator[tuple[str, str]]:
    """Both services in-process in development with GONGJI_PLAINTEXT=1's settings: no TLS material at all."""
    dev = {"environment": Environment.DEVELOPMENT, "plaintext": True, "host": "127.0.0.1", "port": 0}
    accounts = await accounts_app.start(AccountsSettings(database_url=security_db, **dev))
    accounts_address = f"127.0.0.1:{accounts.server.port}"
    settlement = await settlement_app.start(
        SettlementSettings(
            database_url=security_db,
            accounts_addr=accounts_address,
            tokens=parse_tokens(TOKENS),
            **dev,
        )
    )
    try:
        yield accounts_address, f"127.0.0.1:{settlement.server.port}"
    finally:
        await settlement.stop(0)
        await accounts.stop(0)


async def test_plaintext_in_development_serves(plaintext_services: tuple[str, str]) -> None:
    accounts_address, settlement_address = plaintext_services
    for address in plaintext_services:
        async with kit.channel(address, None) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            assert await reflected_services(channel)  # development: reflection on
    async with kit.channel(settlement_address, None) as channel:
        start, end = Timestamp(), Timestamp()
        start.GetCurrentTime()
        end.FromSeconds(start.seconds + 60)
        listed = await settlement_pb2_grpc.SettlementServiceStub(channel).ListSettlements(
            pb.ListSettlementsRequest(period_start=start, period_end=end),
            metadata=[("authorization", f"Bearer {TOKEN_A}")],
            timeout=10,
        )
        assert {s.fixmedins_code for s in listed.settlements} <= {INSTITUTION_A}
    # Accounts names its callers by certificate only: without TLS nobody is known, so nothing but health answers.
    plain = kit.Accounts.connect(accounts_address, None)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await plain.VerifyLedger(apb.VerifyLedgerRequest(), timeout=10)
        assert (err.value.code(), kit.reason_of(err.value)) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")
    finally:
        await plain.close()
