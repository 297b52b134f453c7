"""/healthz and /metrics (plain HTTP, for probes and scrapers without a client certificate) listen only on
GONGJI_METRICS_HOST, 127.0.0.1 unless set; /healthz answers 200 SERVING, and 503 NOT_SERVING from SIGTERM on while
the service drains its in-flight calls."""

from __future__ import annotations

import asyncio
import signal
import urllib.error
import urllib.request

import asyncpg

from tests import processes
from tests.security.conftest import METRICS_HOST
from tools.devdb import free_port
from tools.kit import OWN, Accounts, Family, rid
from tools.kit import accounts_v1 as apb


def _get(host: str, port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


async def get(host: str, port: int, path: str) -> tuple[int, str]:
    return await asyncio.to_thread(_get, host, port, path)


async def refused(host: str, port: int) -> bool:
    try:
        await get(host, port, "/healthz")
    except urllib.error.URLError as err:
        return isinstance(err.reason, ConnectionRefusedError)
    return False


async def test_probes_listen_on_the_metrics_host_only(
    settlement_tokens: processes.Process, settlement_metrics_port: int
) -> None:
    port = settlement_metrics_port
    assert await get(METRICS_HOST, port, "/healthz") == (200, "SERVING\n")
    status, metrics = await get(METRICS_HOST, port, "/metrics")
    assert status == 200 and "# TYPE gongji_rpc_requests_total counter" in metrics
    assert await refused("127.0.0.1", port)


async def test_healthz_turns_503_on_sigterm_while_in_flight_calls_drain(security_db: str, accounts: Accounts) -> None:
    port = free_port()
    process = await processes.start(
        "accounts",
        DATABASE_URL=security_db,
        GONGJI_ACCOUNTS_METRICS_PORT=str(port),
        GONGJI_SHUTDOWN_GRACE_S="10",
    )
    blocker = await asyncpg.connect(security_db)
    stub = Accounts.connect(process.address, processes.pki())
    try:
        assert await get("127.0.0.1", port, "/healthz") == (200, "SERVING\n")  # the default host
        assert (await get("127.0.0.1", port, "/metrics"))[0] == 200
        assert await refused(METRICS_HOST, port)
        payer = await Family(accounts).person(credit_fen=5_000)
        # Hold the payer's account row so that a payment is in flight when SIGTERM arrives.
        lock = blocker.transaction()
        await lock.start()
        await blocker.execute("SELECT 1 FROM accounts.ledger_accounts WHERE psn_no = $1 FOR UPDATE", payer.psn_no)
        in_flight = asyncio.ensure_future(
            stub.Reserve(
                apb.ReserveRequest(
                    request_id=rid(),
                    payer_psn_no=payer.psn_no,
                    credential=payer.credential(),
                    amount_fen=1_000,
                    sources=[OWN],
                ),
                timeout=20,
            )
        )
        await asyncio.sleep(0.5)
        process.popen.send_signal(signal.SIGTERM)
        for _ in range(50):
            if (await get("127.0.0.1", port, "/healthz"))[0] == 503:
                break
            await asyncio.sleep(0.1)
        assert await get("127.0.0.1", port, "/healthz") == (503, "NOT_SERVING\n")
        assert not in_flight.done()
        await lock.commit()
        assert (await in_flight).reservation.reserved_fen == 1_000  # drained, not cut off
        assert await asyncio.to_thread(process.popen.wait, 15) == 0
    finally:
        await stub.close()
        await blocker.close()
        process.stop()
