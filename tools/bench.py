"""`make bench`: gongji's throughput and latency against a running deployment (`make run`), beside the bare chain
(tools/chain.py: a client → no-op service A → no-op service B in the project's own stack, TLS on both hops) measured
interleaved in the same run, so that what a settlement costs beyond two gRPC hops is a ratio that the machine's
mood (±30 % on a shared machine) moves much less than the numbers themselves.

For each number of calls in flight (16, 64, 256) it measures, in rounds of short slices taken in turn: the chain,
one-shot `Settle` (own account then family pool: one accounts round trip), and `Authorize` + `Capture` (two). It
prints calls per second, p50 and p99 (what the POS sees, retries after a refusal included), how many calls were
refused (RESOURCE_EXHAUSTED OVERLOADED, retried after the RetryInfo delay as a POS would), the ratios to the chain,
and the CPU each operation cost in each process (settlement, accounts, every process of the PostgreSQL server, the
load generator; from /proc), and how many requests each group commit carried per batch at each number in flight
(from the services' /metrics). The ledger is verified after the run.

`make soak` (`--soak 600`) runs mixed traffic (Settle, Authorize + Capture or Void, refunds, PreSettle,
GetSettlement) for ten minutes and prints each process's memory (RSS) at the start and at the end.

Payers are spread over many families (a creator with a deep pool and a member with little of their own, so every
payment uses both sources), as at a real hospital. Needs Linux (/proc) to see CPU and memory; runs without it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import os
import random
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from gongji.settlement.v1 import settlement_pb2 as spb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.rpc import retry_delay
from tools import chain
from tools.devdb import free_port
from tools.kit import Accounts, Deployment, Family, Insured, channel, reason_of
from tools.kit import accounts_v1 as apb

POS_DEADLINE_S = 30.0  # what a POS gives a payment
LEVELS = (16, 64, 256)

# ------------------------------------------------------------------------------------------------ processes (/proc)

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(cols[9])
    return inodes


def listening_pids(port: int) -> list[int]:
    """Every process with a socket listening on `port` (several with SO_REUSEPORT: GONGJI_WORKERS)."""
    wanted = {f"socket:[{i}]" for i in _listening_inodes(port)}
    found: list[int] = []
    for entry in Path("/proc").iterdir() if wanted else ():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in wanted for fd in (entry / "fd").iterdir()):
                found.append(int(entry.name))
        except OSError:
            continue
    return sorted(found)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # fields from the state on (the name may hold spaces)


def with_children(pids: Iterable[int]) -> list[int]:
    """`pids` and every process whose parent is one of them (a PostgreSQL server's backends and workers)."""
    roots = set(pids)
    out = set(roots)
    for entry in Path("/proc").iterdir() if roots else ():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) in roots:
                out.add(int(entry.name))
    return sorted(out)


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Group:
    """Processes measured together: a service's workers, or a PostgreSQL server with its backends."""

    name: str
    find: Callable[[], list[int]]

    def cpu(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid) for pid in self.find()}


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings; a process born in between counts from zero."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


# --------------------------------------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    ops: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    failed: collections.Counter[str] = field(default_factory=collections.Counter)
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, other: Sample) -> None:
        self.ops += other.ops
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.refused += other.refused
        self.failed.update(other.failed)
        for name, seconds in other.cpu.items():
            self.cpu[name] = self.cpu.get(name, 0.0) + seconds

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * p), len(ordered) - 1)] * 1000


class Refusals:
    """Counts RESOURCE_EXHAUSTED refusals; the caller waits as the RetryInfo says and tries the same request again."""

    def __init__(self) -> None:
        self.count = 0

    async def call(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        while True:
            try:
                return await fn()
            except grpc.aio.AioRpcError as err:
                if err.code() is not grpc.StatusCode.RESOURCE_EXHAUSTED:
                    raise
                self.count += 1
                await asyncio.sleep(retry_delay(err) or 0.1)


Op = Callable[[Refusals], Awaitable[object]]


async def measure(op: Op, in_flight: int, seconds: float, groups: list[Group]) -> Sample:
    sample = Sample()
    refusals = Refusals()
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            try:
                await op(refusals)
            except grpc.aio.AioRpcError as err:
                sample.failed[f"{err.code().name} {reason_of(err)}".strip()] += 1
                continue
            sample.latencies.append(time.perf_counter() - t)

    cpu_before = {g.name: g.cpu() for g in groups}
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    sample.seconds = time.perf_counter() - started
    for g in groups:
        sample.cpu[g.name] = cpu_spent(cpu_before[g.name], g.cpu())
    sample.ops = len(sample.latencies)
    sample.refused = refusals.count
    return sample


# ----------------------------------------------------------------------------------------------------------- traffic


async def _family(accounts: Accounts, run: str, n: int) -> Insured:
    """A creator with a deep pool and one bound member with little of their own: every payment uses both."""
    family = Family(accounts)
    creator = await family.person(psn=f"B{run}c{n}", name="测试", credit_fen=10**10)
    member = await family.person(psn=f"B{run}m{n}", name="测试", credit_fen=2_000)
    await family.bind(await family.create_pool(creator, transfer_fen=10**9), member)
    return member


async def families(accounts: Accounts, count: int) -> list[Insured]:
    run = uuid.uuid4().hex[:6]
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> Insured:
        async with gate:
            return await _family(accounts, run, n)

    return list(await asyncio.gather(*(one(n) for n in range(count))))


class Traffic:
    """The POS's operations, each one call or a pair, every call with a POS's deadline."""

    def __init__(self, stub: Any, metadata: list[tuple[str, str]], payers: list[Insured]) -> None:
        self.stub = stub
        self.metadata = metadata
        self.payers = payers
        self.run = uuid.uuid4().hex[:6]
        self.counter = itertools.count()

    def _next(self) -> tuple[str, Insured]:
        i = next(self.counter)
        return f"bench-{self.run}-{i}", self.payers[i % len(self.payers)]

    async def _pos(self, r: Refusals, method: str, request: object) -> Any:
        fn = getattr(self.stub, method)
        return await r.call(lambda: fn(request, metadata=self.metadata, timeout=POS_DEADLINE_S))

    async def settle(self, r: Refusals) -> Any:
        txn, payer = self._next()
        request = spb.SettleRequest(pos_txn_id=txn, payer_psn_no=payer.psn_no, amount_fen=300, **payer.charge())
        return (await self._pos(r, "Settle", request)).settlement

    async def authorize_capture(self, r: Refusals, void: bool = False) -> Any:
        txn, payer = self._next()
        request = spb.AuthorizeRequest(pos_txn_id=txn, payer_psn_no=payer.psn_no, amount_fen=500, **payer.charge())
        auth = (await self._pos(r, "Authorize", request)).settlement
        if void:
            return await self._pos(r, "Void", spb.VoidRequest(settlement_id=auth.settlement_id))
        return await self._pos(r, "Capture", spb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=300))

    async def settle_and_refund(self, r: Refusals) -> Any:
        paid = await self.settle(r)
        request = spb.RefundRequest(
            refund_pos_txn_id=f"r-{paid.pos_txn_id}", pos_txn_id=paid.pos_txn_id, amount_fen=100
        )
        return await self._pos(r, "Refund", request)

    async def pre_settle(self, r: Refusals) -> Any:
        _, payer = self._next()
        return await self._pos(
            r, "PreSettle", spb.PreSettleRequest(payer_psn_no=payer.psn_no, amount_fen=300, **payer.charge())
        )

    async def get(self, r: Refusals) -> Any:
        paid = await self.settle(r)
        return await self._pos(r, "GetSettlement", spb.GetSettlementRequest(settlement_id=paid.settlement_id))

    async def mixed(self, r: Refusals) -> Any:
        op = random.choices(
            [
                self.settle,
                self.authorize_capture,
                lambda x: self.authorize_capture(x, void=True),
                self.settle_and_refund,
                self.pre_settle,
                self.get,
            ],
            weights=[50, 20, 10, 10, 5, 5],
        )[0]
        return await op(r)


class Chain:
    """tools/chain.py's A and B as child processes of this run."""

    def __init__(self, pki: Path, deployment: Deployment) -> None:
        self.pki = pki
        self.deployment = deployment
        self.a_port, self.b_port = free_port(), free_port()
        self.procs: list[subprocess.Popen[bytes]] = []

    async def start(self) -> Callable[[Refusals], Awaitable[object]]:
        for role, port, extra in (("b", self.b_port, []), ("a", self.a_port, ["--next", f"127.0.0.1:{self.b_port}"])):
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tools.chain", role, "--port", str(port), "--pki", str(self.pki), *extra]
                )
            )
        self.channel = channel(f"127.0.0.1:{self.a_port}", self.pki, self.deployment.institution)
        health = health_pb2_grpc.HealthStub(self.channel)
        for _ in range(100):
            try:
                await health.Check(health_pb2.HealthCheckRequest(), timeout=1, wait_for_ready=True)
                break
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)
        hop = self.channel.unary_unary(chain.METHOD, request_serializer=_same, response_deserializer=_same)
        # About what a POS sends with a Settle, and about what it gets back.
        payload = b"x" * 240

        async def call(r: Refusals) -> object:
            return await hop(payload, timeout=POS_DEADLINE_S)

        return call

    def pids(self, role: str) -> list[int]:
        return [self.procs[0 if role == "b" else 1].pid]

    async def stop(self) -> None:
        await self.channel.close()
        for p in self.procs:
            p.terminate()
            p.wait(timeout=10)


def _same(data: bytes) -> bytes:
    return data


# ----------------------------------------------------------------------------------------------------------- running


def _groups(args: argparse.Namespace) -> tuple[list[Group], str]:
    s_port = int(args.settlement.rpartition(":")[2])
    a_port = int(args.accounts.rpartition(":")[2])
    me = os.getpid()
    groups = [
        Group("settlement", lambda: listening_pids(s_port)),
        Group("accounts", lambda: listening_pids(a_port)),
        Group("postgres", lambda: with_children(listening_pids(args.pg_port))),
        Group("load gen", lambda: [me]),
    ]
    seen = {g.name: len(g.find()) for g in groups}
    note = ", ".join(f"{name}: {n} process{'es' if n != 1 else ''}" for name, n in seen.items())
    return groups, note


def _print_table(results: dict[tuple[int, str], Sample], kinds: list[str]) -> None:
    print(
        f"\n{'in flight':>9} {'':<18} {'ops/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'refused':>8} {'failed':>6} "
        f"| {'× chain/s':>9} {'p99 ÷ chain p99':>15}"
    )
    for level in sorted({lv for lv, _ in results}):
        base = results[(level, "chain")]
        for kind in kinds:
            s = results[(level, kind)]
            ratio = f"{s.rate / base.rate:9.2f}" if kind != "chain" and base.rate else f"{'':>9}"
            p99 = f"{s.pct(0.99) / base.pct(0.99):15.1f}" if kind != "chain" else f"{'':>15}"
            print(
                f"{level:>9} {kind:<18} {s.rate:>7.0f} {s.pct(0.5):>7.1f} {s.pct(0.99):>7.1f} {s.refused:>8} "
                f"{sum(s.failed.values()):>6} | {ratio} {p99}"
            )


def _print_cpu(totals: dict[str, Sample], names: dict[str, list[str]]) -> None:
    print("\nCPU per operation (ms), all levels together, from /proc:")
    for kind, sample in totals.items():
        if not sample.ops:
            continue
        parts = [f"{n} {1000 * sample.cpu.get(n, 0.0) / sample.ops:5.2f}" for n in names[kind]]
        total = sum(sample.cpu.get(n, 0.0) for n in names[kind])
        print(f"  {kind:<18} " + "  ".join(parts) + f"  | all {1000 * total / sample.ops:5.2f}")


# ------------------------------------------------------------------------------------------------ batches (/metrics)


def batch_counts(metrics_addresses: Iterable[str]) -> collections.Counter[tuple[str, str, str]]:
    """Each group commit's flushes and the requests they carried so far, from the services' /metrics
    ((service, batch, "batches" | "requests") -> count); a service whose metrics cannot be read adds nothing."""
    found: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for address in metrics_addresses:
        try:
            with urllib.request.urlopen(f"http://{address}/metrics", timeout=2) as response:  # noqa: S310 - local
                text = response.read().decode()
        except OSError:
            continue
        for family in text_string_to_metric_families(text):
            what = {"gongji_batches": "batches", "gongji_batched_requests": "requests"}.get(family.name, "")
            for sample in family.samples if what else ():
                if sample.name.endswith("_total"):
                    found[(sample.labels["service"], sample.labels["batch"], what)] += int(sample.value)
    return found


def _print_batches(by_level: dict[int, collections.Counter[tuple[str, str, str]]]) -> None:
    names = sorted({(service, batch) for counts in by_level.values() for service, batch, _ in counts})
    if not names:
        return
    print("\nRequests per group-commit batch (mean), by calls in flight, from the services' /metrics:")
    for level, counts in sorted(by_level.items()):
        means = [
            f"{service} {batch} {counts[(service, batch, 'requests')] / counts[(service, batch, 'batches')]:4.1f}"
            for service, batch in names
            if counts[(service, batch, "batches")]
        ]
        print(f"  {level:>4}  " + "  ".join(means))


async def bench(args: argparse.Namespace, traffic: Traffic, accounts: Accounts, deployment: Deployment) -> bool:
    groups, note = _groups(args)
    print(f"measuring: {note}", flush=True)
    pki = deployment.pki or Path(".data/pki")
    bare = Chain(pki, deployment)
    chain_call = await bare.start()
    chain_groups = [
        Group("A", lambda: bare.pids("a")),
        Group("B", lambda: bare.pids("b")),
        Group("load gen", lambda: [os.getpid()]),
    ]
    ops: dict[str, tuple[Op, list[Group]]] = {
        "chain": (chain_call, chain_groups),
        "settle": (traffic.settle, groups),
        "authorize+capture": (traffic.authorize_capture, groups),
    }
    try:
        for op, _ in ops.values():  # warm-up: connections, pools, caches
            await measure(op, 16, 1.0, [])
        results: dict[tuple[int, str], Sample] = {}
        batches: dict[int, collections.Counter[tuple[str, str, str]]] = {}
        for level in args.levels:
            before = await asyncio.to_thread(batch_counts, args.metrics)
            for _ in range(args.rounds):
                for kind, (op, measured) in ops.items():
                    results.setdefault((level, kind), Sample()).add(await measure(op, level, args.slice, measured))
            batches[level] = await asyncio.to_thread(batch_counts, args.metrics)
            batches[level].subtract(before)
            print(f"  {level} in flight measured", flush=True)
    finally:
        await bare.stop()
    _print_table(results, list(ops))
    totals: dict[str, Sample] = {}
    for (_, kind), s in results.items():
        totals.setdefault(kind, Sample()).add(s)
    _print_cpu(totals, {kind: [g.name for g in measured] for kind, (_, measured) in ops.items()})
    _print_batches(batches)
    failures = sum((s.failed for s in totals.values()), collections.Counter[str]())
    if failures:
        print(f"failed calls: {dict(failures)}")
    return not failures


def _memory(groups: list[Group]) -> str:
    parts = []
    for g in groups:
        pids = g.find()
        rss = [rss_mib(p) for p in pids]
        shown = " + ".join(f"{r:.0f}" for r in rss) if len(rss) <= 4 else f"{len(rss)} processes, {sum(rss):.0f}"
        parts.append(f"{g.name} {shown} MiB")
    return "; ".join(parts)


async def soak(args: argparse.Namespace, traffic: Traffic) -> bool:
    groups, note = _groups(args)
    print(f"soak: {args.soak:.0f} s of mixed traffic at {args.in_flight} in flight ({note})", flush=True)
    await measure(traffic.mixed, 8, 2.0, [])
    print(f"memory (RSS) at the start: {_memory(groups)}", flush=True)
    failures: collections.Counter[str] = collections.Counter()
    left = args.soak
    minute = 0
    while left > 0:
        s = await measure(traffic.mixed, args.in_flight, min(60.0, left), groups)
        left -= s.seconds
        minute += 1
        failures.update(s.failed)
        print(
            f"  minute {minute}: {s.rate:.0f} ops/s, p99 {s.pct(0.99):.0f} ms, refused {s.refused}, "
            f"failed {sum(s.failed.values())}",
            flush=True,
        )
    print(f"memory (RSS) at the end:   {_memory(groups)}")
    if failures:
        print(f"failed calls: {dict(failures)}")
    return not failures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", default=f"127.0.0.1:{os.environ.get('GONGJI_ACCOUNTS_PORT', '50051')}")
    parser.add_argument("--settlement", default=f"127.0.0.1:{os.environ.get('GONGJI_SETTLEMENT_PORT', '50052')}")
    parser.add_argument(
        "--pg-port",
        type=int,
        default=int(os.environ.get("GONGJI_DEV_PG_PORT", "55432")),
        help="the PostgreSQL server's port, to count its processes' CPU (make run's embedded one by default)",
    )
    parser.add_argument(
        "--metrics",
        nargs="*",
        default=[
            f"127.0.0.1:{os.environ.get('GONGJI_SETTLEMENT_METRICS_PORT', '9102')}",
            f"127.0.0.1:{os.environ.get('GONGJI_ACCOUNTS_METRICS_PORT', '9101')}",
        ],
        help="the services' /metrics addresses, to print the mean size of their group-commit batches",
    )
    parser.add_argument("--families", type=int, default=256)
    parser.add_argument("--levels", type=lambda v: [int(x) for x in v.split(",")], default=list(LEVELS))
    parser.add_argument("--rounds", type=int, default=2, help="slices of each kind per level, taken in turn")
    parser.add_argument("--slice", type=float, default=3.0, help="seconds per slice")
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of mixed traffic instead (make soak: 600)")
    parser.add_argument("--in-flight", type=int, default=32, help="soak: calls in flight")
    Deployment.add_options(parser)
    args = parser.parse_args()
    deployment = Deployment.from_args(args)
    s_channel, metadata = deployment.pos(args.settlement)
    accounts = deployment.accounts(args.accounts)
    try:
        async with s_channel:
            stub = settlement_pb2_grpc.SettlementServiceStub(s_channel)  # type: ignore[no-untyped-call]
            print(f"setting up {args.families} families ...", flush=True)
            traffic = Traffic(stub, metadata, await families(accounts, args.families))
            ok = await (soak(args, traffic) if args.soak else bench(args, traffic, accounts, deployment))
            report = await accounts.VerifyLedger(apb.VerifyLedgerRequest())
            print(f"ledger after the run: {'clean' if report.ok else list(report.problems)}")
    finally:
        await accounts.close()
    if not (ok and report.ok):
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
