"""What operators see: /metrics moves after a settlement, the correlation id follows the call from settlement into
accounts' logs, no log line carries an ID number or a name, and SIGTERM drains in-flight calls before exiting."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import urllib.request
from pathlib import Path

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.security import token_hash
from tests import processes
from tools import kit
from tools.devdb import free_port
from tools.kit import Accounts, Family, rid
from tools.kit import accounts_v1 as apb


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        return reply.read().decode()


def _value(metrics: str, name: str, **labels: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_correlation_and_no_personal_data_in_logs(database_url: str, tmp_path: Path) -> None:
    a_metrics, s_metrics = free_port(), free_port()
    accounts_log, settlement_log = tmp_path / "accounts.log", tmp_path / "settlement.log"
    accounts = await processes.start(
        "accounts", log_path=accounts_log, DATABASE_URL=database_url, GONGJI_ACCOUNTS_METRICS_PORT=str(a_metrics)
    )
    settlement = await processes.start(
        "settlement",
        log_path=settlement_log,
        DATABASE_URL=database_url,
        GONGJI_ACCOUNTS_ADDR=accounts.address,
        GONGJI_SETTLEMENT_METRICS_PORT=str(s_metrics),
        GONGJI_INSTITUTION_TOKENS=f"H63TEST00001:{token_hash('t')}",
    )
    try:
        a_stubs = Accounts.connect(accounts.address, processes.pki())
        async with kit.channel(settlement.address, processes.pki()) as s_channel:
            f = Family(a_stubs)
            payer = await f.person(credit_fen=5_000)
            pos = settlement_pb2_grpc.SettlementServiceStub(s_channel)
            before = _scrape(s_metrics)
            correlation = "corr-" + rid()[:12]
            await pos.Settle(
                pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=1_000),
                metadata=[("authorization", "Bearer t")],
            )
            try:  # a failing call is logged by both services, with the id the POS sent
                await pos.Settle(
                    pb.SettleRequest(pos_txn_id=rid(), payer_psn_no="NOBODY", amount_fen=1, **payer.charge()),
                    metadata=[("authorization", "Bearer t"), ("x-correlation-id", correlation)],
                )
            except grpc.aio.AioRpcError:
                pass
            service = "gongji.settlement.v1.SettlementService"
            for _ in range(25):  # a failed call is counted just after its status went out
                after = _scrape(s_metrics)
                if _value(after, "gongji_rpc_requests_total", service=service, method="Settle", code="NOT_FOUND"):
                    break
                await asyncio.sleep(0.1)
            ok = dict(service=service, method="Settle", code="OK")
            assert (
                _value(after, "gongji_rpc_requests_total", **ok)
                == _value(before, "gongji_rpc_requests_total", **ok) + 1
            )
            assert _value(after, "gongji_rpc_requests_total", service=service, method="Settle", code="NOT_FOUND") >= 1
            assert _value(after, "gongji_settlement_outcomes_total", kind="SALE", outcome="COMPLETED") >= 1
            assert _value(after, "gongji_rpc_latency_seconds_count", method="Settle") >= 2
            assert "gongji_db_pool_connections" in after
            label = dict(service="settlement", batch="writes")  # the Settle's intent and outcome: group commits
            assert _value(after, "gongji_batches_total", **label) >= 1
            assert _value(after, "gongji_batched_requests_total", **label) >= max(
                2, _value(after, "gongji_batches_total", **label)
            )
            accounts_metrics = _scrape(a_metrics)
            assert _value(accounts_metrics, "gongji_rpc_requests_total", method="Reserve", code="OK") >= 1
            assert _value(accounts_metrics, "gongji_batched_requests_total", service="accounts", batch="reserve") >= 1
            assert "gongji_open_reservations" in accounts_metrics
        await a_stubs.close()

        # Accounts' log of the failing Reserve carries the id the POS sent to settlement.
        accounts.stop()
        lines = [
            json.loads(line) for line in accounts_log.read_text(encoding="utf-8").splitlines() if line.startswith("{")
        ]
        failed = [line for line in lines if line.get("msg") == "call failed" and line.get("method") == "Reserve"]
        assert [line["correlation_id"] for line in failed] == [correlation]
        text = accounts_log.read_text(encoding="utf-8")
        assert payer.id_number not in text and payer.name not in text
        assert not re.search(r"\d{17}[\dX]", text)
        settlement.stop()  # the ID card the POS presented is in no line settlement wrote either
        settlement_text = settlement_log.read_text(encoding="utf-8")
        assert settlement_text and payer.id_number not in settlement_text
        assert not re.search(r"\d{17}[\dX]", settlement_text)
    finally:
        settlement.stop()
        accounts.stop()


async def test_sigterm_goes_not_serving_finishes_in_flight_calls_then_exits(database_url: str) -> None:
    accounts = await processes.start("accounts", DATABASE_URL=database_url, GONGJI_SHUTDOWN_GRACE_S="10")
    blocker = await asyncpg.connect(database_url)
    try:
        stub = Accounts.connect(accounts.address, processes.pki())
        async with kit.channel(accounts.address, processes.pki(), "grpcurl") as channel:
            payer = await Family(stub).person(credit_fen=5_000)
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
            # Hold the payer's account row so that a payment is in flight when SIGTERM arrives.
            lock = blocker.transaction()
            await lock.start()
            await blocker.execute("SELECT 1 FROM accounts.ledger_accounts WHERE psn_no = $1 FOR UPDATE", payer.psn_no)
            in_flight = asyncio.ensure_future(
                stub.Reserve(
                    apb.ReserveRequest(
                        request_id=rid(),
                        payer_psn_no=payer.psn_no,
                        amount_fen=1_000,
                        sources=[1],
                        credential=payer.credential(),
                    )
                )
            )
            await asyncio.sleep(0.5)
            accounts.popen.send_signal(signal.SIGTERM)
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
            await lock.commit()
            reservation = (await in_flight).reservation  # the call in flight finished
            assert reservation.reserved_fen == 1_000
        assert await asyncio.to_thread(accounts.popen.wait, 15) == 0
    finally:
        await blocker.close()
        accounts.stop()
