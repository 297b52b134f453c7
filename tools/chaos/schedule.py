"""The chaos soak's fault schedule: which fault, when, to which instance, for how long — a pure function of the seed
and the topology, so that a seed names a run's faults exactly (the traffic's timing still varies from run to run).

    kill-accounts i / kill-settlement i   SIGKILL instance i, restart it (same port) `duration_s` later
    drop i                                the proxy in front of accounts instance i resets every connection, and
                                          every new one, for `duration_s`
    stall i                               that proxy holds every byte in both directions for `duration_s`
    failover                              the PostgreSQL primary stops hard and the standby is promoted
                                          (tools/ha's fail_over); `duration_s` later the old primary is rebuilt as
                                          the new one's synchronous standby (rebuild)
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

KILL_ACCOUNTS = "kill-accounts"
KILL_SETTLEMENT = "kill-settlement"
DROP = "drop"
STALL = "stall"
FAILOVER = "failover"
KINDS = (KILL_ACCOUNTS, KILL_SETTLEMENT, DROP, STALL, FAILOVER)
WEIGHTS = {KILL_ACCOUNTS: 3, KILL_SETTLEMENT: 3, DROP: 3, STALL: 2, FAILOVER: 1}

FIRST_FAULT_S = (2.0, 4.0)
GAP_S = (2.0, 6.0)
DOWN_S = (1.0, 5.0)  # a killed instance stays down this long
RESTART_S = 4.0  # about how long a restart takes to be SERVING again; no second kill of it meanwhile
DROP_S = (0.5, 4.0)
STALL_S = (0.5, 3.0)
REBUILD_AFTER_S = (3.0, 10.0)
FAILOVER_SPACING_S = 40.0  # a rebuild (a base backup) settles before the next failover
FIRST_FAILOVER_S = 10.0
QUIET_END_S = 5.0  # no fault starts in the last seconds of the load


@dataclass(frozen=True)
class Fault:
    at_s: float
    kind: str
    target: int  # the instance (kills) or the proxy in front of accounts instance `target`; 0 for a failover
    duration_s: float

    def describe(self) -> str:
        what = {
            KILL_ACCOUNTS: f"kill -9 accounts[{self.target}], restart after {self.duration_s:.1f}s",
            KILL_SETTLEMENT: f"kill -9 settlement[{self.target}], restart after {self.duration_s:.1f}s",
            DROP: f"proxy[{self.target}] drops every connection for {self.duration_s:.1f}s",
            STALL: f"proxy[{self.target}] stalls every connection for {self.duration_s:.1f}s",
            FAILOVER: f"PostgreSQL failover, rebuild the old primary as standby after {self.duration_s:.1f}s",
        }[self.kind]
        return f"t+{self.at_s:6.1f}s  {what}"


@dataclass(frozen=True)
class Plan:
    seed: int
    duration_s: float
    accounts: int
    settlements: int
    failover: bool
    faults: tuple[Fault, ...]

    def counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.faults)

    def lines(self) -> list[str]:
        head = (
            f"chaos schedule: seed {self.seed}, {self.duration_s:.0f}s of load, {self.accounts} accounts and "
            f"{self.settlements} settlement instances, failover {'on' if self.failover else 'off'}, "
            f"{len(self.faults)} faults"
        )
        return [head, *(f"  {f.describe()}" for f in self.faults)]


def _rng(seed: int) -> random.Random:
    return random.Random(f"gongji-chaos-{seed}")  # a str seed is hashed the same way on every run and machine


def build(seed: int, duration_s: float, accounts: int = 2, settlements: int = 2, failover: bool = True) -> Plan:
    """A fault every few seconds until shortly before the load ends; at most one of an instance's kills at a time,
    failovers spaced so that each rebuild is done before the next."""
    rng = _rng(seed)
    faults: list[Fault] = []
    down_until: dict[tuple[str, int], float] = {}
    next_failover = FIRST_FAILOVER_S
    t = rng.uniform(*FIRST_FAULT_S)
    while t < duration_s - QUIET_END_S:
        kinds = [k for k in KINDS if k != FAILOVER or (failover and t >= next_failover)]
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        count = settlements if kind == KILL_SETTLEMENT else accounts
        target = 0 if kind == FAILOVER else rng.randrange(count)
        duration = rng.uniform(
            *{KILL_ACCOUNTS: DOWN_S, KILL_SETTLEMENT: DOWN_S, DROP: DROP_S, STALL: STALL_S, FAILOVER: REBUILD_AFTER_S}[
                kind
            ]
        )
        at = round(t, 1)
        if kind in (KILL_ACCOUNTS, KILL_SETTLEMENT):
            if down_until.get((kind, target), 0.0) > at:
                kind = DROP  # that instance is still down: its link is dropped instead
                target = rng.randrange(accounts)
            else:
                down_until[(kind, target)] = at + duration + RESTART_S
        if kind == FAILOVER:
            next_failover = at + duration + FAILOVER_SPACING_S
        faults.append(Fault(at, kind, target, round(duration, 1)))
        t += rng.uniform(*GAP_S)
    return Plan(seed, duration_s, accounts, settlements, failover, tuple(faults))


def short(seed: int) -> Plan:
    """The run `make test` makes: one instance of each, one kill (of accounts or settlement, the seed says which) and
    one drop of the link to accounts, a few seconds apart, in about eight seconds of load."""
    rng = _rng(seed)
    kill = Fault(round(rng.uniform(1.5, 2.5), 1), rng.choice([KILL_ACCOUNTS, KILL_SETTLEMENT]), 0, 1.0)
    drop = Fault(round(rng.uniform(4.5, 5.5), 1), DROP, 0, round(rng.uniform(1.0, 2.0), 1))
    return Plan(seed, 8.0, 1, 1, False, (kill, drop))
