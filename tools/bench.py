"""`make bench`: settlements per second and latency against a running deployment (`make run`), beside a no-op gRPC
round trip measured in the same run, so the cost of the real work is visible as a ratio.

Each Settle pays from the payer's own account, then the family pool (one accounts round trip, two DB statements in
settlement), the payer presenting their own ID card. Payers are spread over many families, as at a real hospital.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.settlement.v1 import settlement_pb2 as spb
from gongji.settlement.v1 import settlement_pb2_grpc
from tools.kit import Accounts, Deployment, Family, Insured
from tools.kit import accounts_v1 as apb


async def _family(accounts: Accounts, run: str, n: int) -> Insured:
    """A creator with a deep pool and one bound member with little of their own: every payment uses both."""
    family = Family(accounts)
    creator = await family.person(psn=f"B{run}c{n}", name="测试", credit_fen=10**10)
    member = await family.person(psn=f"B{run}m{n}", name="测试", credit_fen=2_000)
    await family.bind(await family.create_pool(creator, transfer_fen=10**9), member)
    return member


_COUNTER = itertools.count()  # every call of the run gets its own POS transaction id


async def _measure(
    call: Callable[[int], Awaitable[object]], in_flight: int, seconds: float
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            await call(next(_COUNTER))
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return len(latencies) / (time.perf_counter() - started), latencies


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", default="127.0.0.1:50051")
    parser.add_argument("--settlement", default="127.0.0.1:50052")
    parser.add_argument("--families", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    Deployment.add_options(parser)
    args = parser.parse_args()
    deployment = Deployment.from_args(args)
    s_channel, metadata = deployment.pos(args.settlement)
    accounts = deployment.accounts(args.accounts)
    async with s_channel:
        settlement = settlement_pb2_grpc.SettlementServiceStub(s_channel)  # type: ignore[no-untyped-call]
        health = health_pb2_grpc.HealthStub(s_channel)
        run = uuid.uuid4().hex[:6]
        print(f"setting up {args.families} families ...", flush=True)
        payers = [await _family(accounts, run, n) for n in range(args.families)]

        async def settle(i: int) -> object:
            payer = payers[i % len(payers)]
            return await settlement.Settle(
                spb.SettleRequest(
                    pos_txn_id=f"bench-{run}-{i}", payer_psn_no=payer.psn_no, amount_fen=300, **payer.charge()
                ),
                metadata=metadata,
            )

        async def noop(i: int) -> object:
            return await health.Check(health_pb2.HealthCheckRequest())

        await _measure(settle, 4, 1.0)  # warm-up
        run = uuid.uuid4().hex[:6]
        print(
            f"{'in flight':>9} | {'settle/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'no-op/s':>8} {'p50 ms':>7} "
            f"{'p99 ms':>7} | ratio"
        )
        for in_flight in (1, 16, 64):
            rate, lat = await _measure(settle, in_flight, args.seconds)
            nrate, nlat = await _measure(noop, in_flight, min(args.seconds, 3.0))
            print(
                f"{in_flight:>9} | {rate:>9.0f} {_pct(lat, 0.5):>7.1f} {_pct(lat, 0.99):>7.1f} | {nrate:>8.0f} "
                f"{_pct(nlat, 0.5):>7.1f} {_pct(nlat, 0.99):>7.1f} | {nrate / rate:5.1f}x",
                flush=True,
            )
        report = await accounts.VerifyLedger(apb.VerifyLedgerRequest())
        print(
            f"ledger after the run: {'clean' if report.ok else report.problems}; "
            f"median settle latency overall {statistics.median(lat) * 1000:.1f} ms"
        )
    await accounts.close()


if __name__ == "__main__":
    asyncio.run(main())
