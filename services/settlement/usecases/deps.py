"""What every use case gets besides its command: who calls and how long they wait (`Call`), and the world it works
on (`Deps`: the store, accounts, the credential hash key, the clock, the crash hook, the metrics), built once in
app.py."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from services.common.errors import DomainError, Reason
from services.settlement.domain.commands import SettlementRef
from services.settlement.domain.lifecycle import Move
from services.settlement.domain.model import FINAL, Kind, Settlement, Status, institution_region
from services.settlement.domain.policy import SettlementPolicy
from services.settlement.usecases.ports import Accounts, Store


class Call:
    """The caller of a use case: the designated institution (from its token), and how long this call may wait for
    accounts (None: no limit of the caller's), which every call to accounts must fit in. The wait is counted from
    when the call is made: `budget_s` is what is left of it at the moment it is read (after the intent is written,
    before each call to accounts)."""

    def __init__(self, institution: str, budget_s: float | None = None) -> None:
        self.institution = institution
        self._until = None if budget_s is None else time.monotonic() + budget_s

    @property
    def budget_s(self) -> float | None:
        return None if self._until is None else max(self._until - time.monotonic(), 0.0)


class CrashPoint(StrEnum):
    """Where the kill -9 tests (GONGJI_CRASH_AT) stop the process, to prove that recovery finishes the work."""

    AFTER_RESERVE = "after_reserve"
    BEFORE_CAPTURE = "before_capture"
    AFTER_CAPTURE = "after_capture"


class Metrics(Protocol):
    def outcome(self, kind: Kind, status: Status) -> None:
        """A settlement reached a final status."""

    def recovered(self, action: str) -> None:
        """The recovery worker finished a piece of work."""


class NoMetrics:
    def outcome(self, kind: Kind, status: Status) -> None:
        pass

    def recovered(self, action: str) -> None:
        pass


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def no_crash(point: CrashPoint) -> None:
    pass


@dataclass(frozen=True)
class Deps:
    store: Store
    accounts: Accounts
    credential_key: bytes  # GONGJI_CREDENTIAL_HASH_KEY: a credential's number is stored only as its keyed hash
    now: Callable[[], dt.datetime] = utc_now
    crash: Callable[[CrashPoint], None] = no_crash  # production: never; app.py wires SIGKILL for the tests
    metrics: Metrics = field(default_factory=NoMetrics)
    policy: SettlementPolicy = field(default_factory=SettlementPolicy)
    institution_regions: Mapping[str, str] = field(default_factory=dict)  # GONGJI_INSTITUTION_REGIONS

    def region_of(self, institution: str) -> str:
        return institution_region(institution, self.institution_regions)


async def load(deps: Deps, settlement_id: str) -> Settlement:
    return await deps.store.get(settlement_id)


async def find(deps: Deps, institution: str, ref: SettlementRef) -> Settlement:
    s = await deps.store.find(institution, ref)
    if s is None:
        raise DomainError(Reason.SETTLEMENT_NOT_FOUND)
    return s


async def move(deps: Deps, s: Settlement, m: Move) -> Settlement:
    """Moves `s` on if nobody else did; answers with the settlement as it now is."""
    moved = await deps.store.move(s.id, m)
    if moved is None:
        return await load(deps, s.id)
    if m.to in FINAL:
        deps.metrics.outcome(s.kind, m.to)
    moved.refunds = s.refunds  # a status change never changes refunds
    return moved
