"""The seeded chaos soak (`make chaos SEED=… [MINUTES=…]`): mixed traffic from many payers and pools while a seeded
schedule (tools/chaos/schedule.py) kills instances, fails the database over and breaks the link between the services;
then every request left unanswered is sent again with its id until answered, recovery is let finish, and the global
audit (tools/chaos/audit.py) runs. The last line printed is the verdict with its counts."""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tools import devpki
from tools.chaos import audit, schedule, traffic
from tools.chaos.stack import Stack
from tools.devdb import RUN_AS

DRAIN_S = 120.0  # how long the unanswered requests are retried after the load
QUIET_S = 90.0  # how long recovery and the sweepers get to finish their work before the audit


@dataclass
class Config:
    seed: int
    plan: schedule.Plan
    folder: Path
    families: int = 12
    terminals: int = 6
    database_url: str | None = None  # a database to use (no failover then); None: the run's own server(s)


@dataclass
class Result:
    seed: int
    book: traffic.Book
    faults: Counter[str]
    fault_errors: list[str]
    checks: list[audit.Check]
    left_unfinished: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.fault_errors and not self.book.unanswered() and all(c.ok for c in self.checks)

    def report(self) -> list[str]:
        lines = ["requests by kind and outcome:"]
        kinds = sorted({r.kind for r in self.book.requests})
        for kind in kinds:
            of_kind = [r for r in self.book.requests if r.kind == kind]
            outcomes = Counter(r.outcome for r in of_kind)
            late = sum(1 for r in of_kind if r.late)
            lines.append(
                f"  {kind:<11} {len(of_kind):>6}  "
                + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
                + (f" ({late} answered only in the drain)" if late else "")
            )
        refusals = self.book.refusals()
        if refusals:
            lines.append("refused, by reason: " + ", ".join(f"{k} {v}" for k, v in refusals.most_common()))
        if self.book.retried:
            lines.append("retried, by status: " + ", ".join(f"{k} {v}" for k, v in self.book.retried.most_common()))
        for error in self.fault_errors:
            lines.append(f"FAULT ERROR: {error}")
        for c in self.checks:
            lines.append(f"audit {c.name}: {'clean' if c.ok else 'FAILED'} ({c.checked} checked)")
            lines.extend(f"  {p}" for p in c.problems[: audit.LIMIT])
            if len(c.problems) > audit.LIMIT:
                lines.append(f"  … and {len(c.problems) - audit.LIMIT} more")
        for r in self.book.unanswered()[:10]:
            lines.append(f"UNANSWERED after the drain: {r.kind} {r.key}")
        lines.append(self.summary())
        return lines

    def summary(self) -> str:
        outcomes = self.book.outcomes()
        late = sum(1 for r in self.book.requests if r.late)
        faults = sum(self.faults.values())
        clean = sum(1 for c in self.checks if c.ok)
        return (
            f"chaos seed {self.seed}: {'PASS' if self.passed else 'FAIL'} in {self.seconds:.0f}s | "
            f"requests {len(self.book.requests)}: ok {outcomes[traffic.OK]}, refused {outcomes[traffic.REFUSED]}, "
            f"unanswered {outcomes[traffic.UNANSWERED]} ({late} answered only after the load, "
            f"{sum(self.book.retried.values())} retries) | "
            f"faults {faults}: " + ", ".join(f"{k} {self.faults[k]}" for k in schedule.KINDS if self.faults[k]) + " | "
            f"audit {clean}/{len(self.checks)} clean: "
            + ", ".join(f"{c.name} {'ok' if c.ok else 'FAILED'}" for c in self.checks)
        )


async def _inject(stack: Stack, fault: schedule.Fault, done: Counter[str], errors: list[str]) -> None:
    try:
        if fault.kind in (schedule.KILL_ACCOUNTS, schedule.KILL_SETTLEMENT):
            instance = stack.instance(
                "accounts" if fault.kind == schedule.KILL_ACCOUNTS else "settlement", fault.target
            )
            if not instance.running:  # still down from an earlier kill (the schedule avoids it; a slow restart not)
                return
            instance.kill()
            done[fault.kind] += 1
            await asyncio.sleep(fault.duration_s)
            await instance.start()
        elif fault.kind == schedule.DROP:
            stack.proxies[fault.target].drop(fault.duration_s)
            done[fault.kind] += 1
        elif fault.kind == schedule.STALL:
            stack.proxies[fault.target].stall(fault.duration_s)
            done[fault.kind] += 1
        elif fault.kind == schedule.FAILOVER:
            assert stack.cluster is not None
            await asyncio.to_thread(stack.cluster.fail_over)
            done[fault.kind] += 1
            await asyncio.sleep(fault.duration_s)
            await asyncio.to_thread(stack.cluster.rebuild)
    except Exception as err:  # noqa: BLE001 - a fault that could not be injected fails the run, with its reason
        errors.append(f"{fault.describe()}: {type(err).__name__}: {err}")


async def _faults(stack: Stack, plan: schedule.Plan, start: float, done: Counter[str], errors: list[str]) -> None:
    running: list[asyncio.Task[None]] = []
    for fault in plan.faults:
        await asyncio.sleep(max(0.0, start + fault.at_s - time.monotonic()))
        running.append(asyncio.create_task(_inject(stack, fault, done, errors)))
    await asyncio.gather(*running)


async def soak(config: Config, say: Callable[[str], None] = print) -> Result:
    plan = config.plan
    began = time.monotonic()
    for line in plan.lines():
        say(line)
    if config.database_url is None and config.folder.exists():
        shutil.rmtree(config.folder)
    config.folder.mkdir(parents=True, exist_ok=True)
    stack = Stack(config.folder, plan.accounts, plan.settlements, plan.failover, config.database_url)
    book = traffic.Book()
    done: Counter[str] = Counter()
    errors: list[str] = []
    try:
        await stack.start()
        say(
            f"stack up: accounts {[a.address for a in stack.accounts]} behind proxies "
            f"{[p.address for p in stack.proxies]}, settlement {[s.address for s in stack.settlements]}; "
            f"logs in {stack.logs}"
        )
        admin = stack.admin()
        pos = stack.pos_channel()
        rng = random.Random(f"gongji-chaos-traffic-{config.seed}")
        homes = await traffic.households(admin, book, rng, config.families)
        payers = [p for h in homes for p in h.people]
        say(
            f"{len(homes)} families, {len(payers)} payers; load for {plan.duration_s:.0f}s with "
            f"{config.terminals} POS terminals and the counter"
        )
        start = time.monotonic()
        until = start + plan.duration_s
        terminals = [
            traffic.Terminal(pos, book, payers, random.Random(f"gongji-chaos-pos-{config.seed}-{i}"))
            for i in range(config.terminals)
        ]
        await asyncio.gather(
            *(t.run(until) for t in terminals),
            traffic.counter(admin, book, homes, rng, until),
            _faults(stack, plan, start, done, errors),
        )
        await stack.ensure_running()
        unanswered = len(book.unanswered())
        say(f"load over: {len(book.requests)} requests, {unanswered} unanswered; sending those again until answered")
        await traffic.drain(book, time.monotonic() + DRAIN_S)
        dsn = (
            f"postgresql://{RUN_AS}@127.0.0.1:{stack.primary_port}/gongji"
            if stack.primary_port is not None
            else stack.database_url
        )
        left = await audit.quiet(dsn, QUIET_S)
        checks = await audit.run(dsn, admin, book, devpki.DEV_INSTITUTION)
        await pos.close()
        await admin.close()
    finally:
        await stack.stop()
    return Result(config.seed, book, done, errors, checks, left, time.monotonic() - began)
