"""GONGJI_WORKERS=2: each service runs two serving processes on its one port; connections are spread over both,
payments go through them once each, and SIGTERM stops every process cleanly. Linux only (reads /proc)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from tests import processes
from tests.settlement.conftest import TOKEN_A, Stack, settlement_env
from tools.bench import listening_pids
from tools.kit import Family, client_credentials, rid

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

CONNECTIONS = 12  # the chance that the kernel puts all of them on one of two workers: 1 in 2,048


def _connected_pids(port: int, pids: list[int]) -> set[int]:
    """Which of `pids` hold an established connection accepted on `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "01" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # ESTABLISHED, local port
                inodes.add(f"socket:[{cols[9]}]")
    return {pid for pid in pids if any(os.readlink(fd) in inodes for fd in Path(f"/proc/{pid}/fd").iterdir())}


def _own_connection(address: str) -> grpc.aio.Channel:
    """A channel with a connection of its own (gRPC shares one between channels of the same target by default)."""
    pki = processes.pki()
    credentials = client_credentials(pki / "ca.pem", pki / "grpcurl.pem", pki / "grpcurl.key")
    return grpc.aio.secure_channel(address, credentials, options=[("grpc.use_local_subchannel_pool", 1)])


async def test_two_workers_share_each_port_and_stop_together(stack: Stack) -> None:
    accounts = await processes.start("accounts", DATABASE_URL=stack.database_url, GONGJI_WORKERS="2")
    settlement = await processes.start("settlement", **settlement_env(stack.database_url, accounts, GONGJI_WORKERS="2"))
    channels = [_own_connection(p.address) for p in (accounts, settlement) for _ in range(CONNECTIONS)]
    try:
        for process in (accounts, settlement):
            workers = listening_pids(process.port)
            assert len(workers) == 2 and process.popen.pid not in workers, workers
        await asyncio.gather(*(health_pb2_grpc.HealthStub(c).Check(health_pb2.HealthCheckRequest()) for c in channels))
        for process in (accounts, settlement):
            workers = listening_pids(process.port)
            assert _connected_pids(process.port, workers) == set(workers)  # both take connections

        f = Family(stack.accounts)
        payer = await f.person(credit_fen=10_000)
        token = [("authorization", f"Bearer {TOKEN_A}")]

        async def settle(c: grpc.aio.Channel) -> int:
            request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=100, **payer.charge())
            stub = settlement_pb2_grpc.SettlementServiceStub(c)  # type: ignore[no-untyped-call]
            return (await stub.Settle(request, metadata=token, timeout=30)).settlement.status  # type: ignore[no-any-return]

        paid = await asyncio.gather(*(settle(c) for c in channels[CONNECTIONS:]))
        assert paid == [pb.SETTLEMENT_STATUS_COMPLETED] * CONNECTIONS
        assert await f.own_balance(payer) == 10_000 - 100 * CONNECTIONS
    finally:
        await asyncio.gather(*(c.close() for c in channels))
        settlement.stop()
        accounts.stop()
    assert (settlement.popen.returncode, accounts.popen.returncode) == (0, 0)
    assert listening_pids(settlement.port) == [] and listening_pids(accounts.port) == []
