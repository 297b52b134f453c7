"""In-memory stand-ins for settlement's dependencies (services/settlement/usecases/ports.py), to run its use cases in
milliseconds: a store with compare-and-set moves and all-or-nothing transactions, an accounts service with holds,
debits, releases, refunds, fences, idempotent request ids and the ID-card check of a payer's credential, a clock to
turn, a crash hook, and knobs that make a call to accounts fail, time out after it took effect, decline, or let a
competing action run in the middle of it."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from services.common.credentials import CertType, Credential
from services.settlement.domain.accounts import (
    AccountsDeclined,
    AccountsUnreachable,
    Balances,
    FenceOutcome,
    Hold,
    HoldState,
    HoldStatus,
    Parts,
    Payment,
    Quote,
    RefundOutcome,
    ReserveCall,
)
from services.settlement.domain.commands import Period, SettlementRef
from services.settlement.domain.lifecycle import Move
from services.settlement.domain.model import (
    ACCOUNT_SOURCES,
    UNFINISHED,
    Kind,
    NewRefund,
    Refund,
    RefundFinish,
    RefundStatus,
    Settlement,
    Shortfall,
    Source,
    Split,
    Status,
)
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.domain.reconcile import DetailRow, Item, Totals, TypeTotals
from services.settlement.domain.reconcile import clr_type as clr_type_of
from services.settlement.usecases.deps import CrashPoint

T = TypeVar("T")
START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


class Clock:
    """The time the use cases, the store and accounts all see; tests turn it."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Crashed(BaseException):
    """The process died here (kill -9): not an Exception, so nothing on the way catches it."""


def crash_at(point: CrashPoint) -> Callable[[CrashPoint], None]:
    def crash(reached: CrashPoint) -> None:
        if reached is point:
            raise Crashed(point.value)

    return crash


@dataclass
class Metrics:
    outcomes: Counter[tuple[Kind, Status]] = field(default_factory=Counter)
    recovered_actions: Counter[str] = field(default_factory=Counter)

    def outcome(self, kind: Kind, status: Status) -> None:
        self.outcomes[kind, status] += 1

    def recovered(self, action: str) -> None:
        self.recovered_actions[action] += 1


# ---------------------------------------------------------------- the store

_SPLIT = ("acct_pay_fen", "acct_mulaid_pay_fen", "psn_cash_pay_fen")


@dataclass
class _Tables:
    settlements: dict[str, Settlement] = field(default_factory=dict)
    completed_at: dict[str, dt.datetime] = field(default_factory=dict)
    refunds: dict[int, Refund] = field(default_factory=dict)
    refund_institution: dict[int, str] = field(default_factory=dict)
    refund_completed_at: dict[int, dt.datetime] = field(default_factory=dict)
    periods: list[ClearingPeriod] = field(default_factory=list)


class FakeStore:
    """services/settlement/usecases/ports.py: Store, in memory. Rows are copied in and out, as a database would."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.t = _Tables()
        self._ids = itertools.count(1)
        self.transactions = 0

    # ------------------------------------------------------------ Records

    async def create(self, s: Settlement) -> tuple[Settlement, bool]:
        existing = self._by_pos(s.institution, s.pos_txn_id)
        if existing is not None:
            return self._out(existing), False
        now = self.clock()
        self.t.settlements[s.id] = dataclasses.replace(copy.deepcopy(s), refunds=[], created_at=now, updated_at=now)
        return self._out(self.t.settlements[s.id], refunds=False), True

    async def find(
        self, institution: str, ref: SettlementRef, *, lock: bool = False, by_capture: bool = False
    ) -> Settlement | None:
        if by_capture:
            row = next(
                (
                    s
                    for s in self.t.settlements.values()
                    if s.institution == institution and s.capture_pos_txn_id == ref.pos_txn_id
                ),
                None,
            )
        elif ref.settlement_id:
            row = self.t.settlements.get(ref.settlement_id)
            row = row if row is not None and row.institution == institution else None
        else:
            row = self._by_pos(institution, ref.pos_txn_id)
        return self._out(row) if row is not None else None

    async def get(self, settlement_id: str) -> Settlement:
        return self._out(self.t.settlements[settlement_id])

    async def move(self, settlement_id: str, m: Move) -> Settlement | None:
        row = self.t.settlements[settlement_id]
        if row.status not in m.expected:
            return None
        values = m.changes.values()
        shortfalls = row.split.shortfalls
        if "acct_shortfall_reason" in values:
            reasons = (values.pop("acct_shortfall_reason"), values.pop("acct_mulaid_shortfall_reason"))
            found = zip(ACCOUNT_SOURCES, reasons, strict=True)
            shortfalls = tuple(Shortfall(x, str(reason)) for x, reason in found if reason)
        split = Split(*(values.pop(k, getattr(row.split, k)) for k in _SPLIT), shortfalls)  # type: ignore[arg-type]
        moved = dataclasses.replace(row, status=m.to, split=split, updated_at=self.clock(), **values)  # type: ignore[arg-type]
        self.t.settlements[settlement_id] = moved
        if m.to is Status.COMPLETED:
            self.t.completed_at[settlement_id] = self.clock()
            moved.completed_at = self.clock()
        return self._out(moved, refunds=False)

    async def refunds_of(self, settlement_id: str) -> list[Refund]:
        return [
            copy.copy(r)
            for r in sorted(self.t.refunds.values(), key=lambda r: r.id)
            if r.settlement_id == settlement_id
        ]

    async def find_refund(self, institution: str, refund_pos_txn_id: str) -> Refund | None:
        return next(
            (
                copy.copy(r)
                for r in self.t.refunds.values()
                if r.refund_pos_txn_id == refund_pos_txn_id and self.t.refund_institution[r.id] == institution
            ),
            None,
        )

    async def get_refund(self, refund_id: int) -> Refund:
        return copy.copy(self.t.refunds[refund_id])

    async def insert_refund(self, r: NewRefund) -> Refund | None:
        if await self.find_refund(r.institution, r.refund_pos_txn_id) is not None:
            return None
        row = Refund(
            next(self._ids),
            r.settlement_id,
            r.refund_pos_txn_id,
            r.amount_fen,
            r.is_reversal,
            RefundStatus.PENDING,
            created_at=self.clock(),
            cash_fen=r.cash_fen,
            whole_bill=r.whole_bill,
        )
        self.t.refunds[row.id] = row
        self.t.refund_institution[row.id] = r.institution
        return copy.copy(row)

    async def finish_refund(self, refund_id: int, f: RefundFinish) -> Refund:
        row = self.t.refunds[refund_id]
        if row.status is RefundStatus.PENDING:
            self.t.refunds[refund_id] = dataclasses.replace(row, **dataclasses.asdict(f), completed_at=self.clock())
            self.t.refund_completed_at[refund_id] = self.clock()
        return copy.copy(self.t.refunds[refund_id])

    async def lock_pos_id(self, institution: str, pos_txn_id: str) -> None:
        pass  # a fake transaction is never interleaved

    async def move_refund(self, refund_id: int, expected: RefundStatus, to: RefundStatus) -> bool:
        row = self.t.refunds[refund_id]
        if row.status is not expected:
            return False
        self.t.refunds[refund_id] = dataclasses.replace(row, status=to)
        return True

    async def reversing_refunds(self, created_before: dt.datetime, limit: int) -> list[int]:
        return sorted(
            r.id
            for r in self.t.refunds.values()
            if r.status is RefundStatus.REVERSING and _at(r.created_at) < created_before
        )[:limit]

    async def lock_periods(self, institution: str) -> None:
        pass  # a fake transaction is never interleaved

    async def closed_through(self, institution: str) -> dt.datetime | None:
        ends = [p.end for p in self.t.periods if p.institution == institution]
        return max(ends) if ends else None

    async def find_period(self, institution: str, end: dt.datetime) -> ClearingPeriod | None:
        return next((p for p in self.t.periods if p.institution == institution and p.end == end), None)

    async def close_period(self, institution: str, start: dt.datetime | None, end: dt.datetime) -> ClearingPeriod:
        def within(at: dt.datetime | None) -> bool:
            return at is not None and (start is None or start <= at) and at < end

        paid = [s.split for s in self.t.settlements.values() if s.institution == institution and within(s.completed_at)]
        back = [
            r
            for r in self.t.refunds.values()
            if r.status is RefundStatus.COMPLETED
            and self.t.refund_institution[r.id] == institution
            and within(self.t.refund_completed_at.get(r.id))
        ]
        p = ClearingPeriod(
            len(self.t.periods) + 1,
            institution,
            start,
            end,
            sum(x.acct_pay_fen for x in paid),
            sum(x.acct_mulaid_pay_fen for x in paid),
            sum(r.acct_refund_fen for r in back),
            sum(r.acct_mulaid_refund_fen for r in back),
            paid_out=False,
            closed_at=self.clock(),
        )
        p = dataclasses.replace(p, paid_out=p.payout_fen == 0)
        self.t.periods.append(p)
        return p

    # ------------------------------------------------------------ Store

    async def period_paid(self, period_id: int) -> ClearingPeriod:
        i = next(i for i, p in enumerate(self.t.periods) if p.id == period_id)
        self.t.periods[i] = dataclasses.replace(self.t.periods[i], paid_out=True)
        return self.t.periods[i]

    async def paying_periods(self, closed_before: dt.datetime, limit: int) -> list[ClearingPeriod]:
        return [p for p in self.t.periods if not p.paid_out and _at(p.closed_at) < closed_before][:limit]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeStore]:
        """All or nothing: what the block wrote is undone if it raises. (Nothing here awaits anything that could
        let another task in, so the block is as isolated as the row lock makes it in PostgreSQL.)"""
        before = copy.deepcopy(self.t)
        self.transactions += 1
        try:
            yield self
        except BaseException:
            self.t = before
            raise

    async def unfinished(
        self, updated_before: dt.datetime, limit: int, pending_before: dt.datetime | None = None
    ) -> list[str]:
        def before(s: Settlement) -> dt.datetime:
            return (pending_before or updated_before) if s.status is Status.PENDING else updated_before

        rows = [s for s in self.t.settlements.values() if s.status in UNFINISHED and _at(s.updated_at) < before(s)]
        return [s.id for s in sorted(rows, key=lambda s: _at(s.updated_at))][:limit]

    async def waiting(self, settlement_id: str) -> None:
        row = self.t.settlements[settlement_id]
        if row.status is Status.PENDING:
            self.t.settlements[settlement_id] = dataclasses.replace(row, updated_at=self.clock())

    async def pending_refunds(self, created_before: dt.datetime, limit: int) -> list[int]:
        return sorted(
            r.id
            for r in self.t.refunds.values()
            if r.status is RefundStatus.PENDING and _at(r.created_at) < created_before
        )[:limit]

    async def lapsed_authorizations(self, now: dt.datetime, limit: int) -> list[str]:
        rows = [
            s
            for s in self.t.settlements.values()
            if s.status is Status.AUTHORIZED and s.expires_at is not None and s.expires_at <= now
        ]
        return [s.id for s in sorted(rows, key=lambda s: _at(s.expires_at))][:limit]

    async def list_created(
        self, institution: str, period: Period, after: tuple[dt.datetime, str] | None, limit: int, mdtrt_id: str = ""
    ) -> list[Settlement]:
        rows = sorted(
            (
                s
                for s in self.t.settlements.values()
                if s.institution == institution
                and (not mdtrt_id or s.visit.mdtrt_id == mdtrt_id)
                and period.start <= _at(s.created_at) < period.end
                and (after is None or (_at(s.created_at), s.id) > after)
            ),
            key=lambda s: (_at(s.created_at), s.id),
        )
        return [self._out(s) for s in rows[:limit]]

    async def totals(
        self, institution: str, period: Period, insutype: str = "", clr_type: str = ""
    ) -> list[TypeTotals]:
        paid = [s.split for s in self._completed(institution, period)]
        refunds = [
            r
            for r in self.t.refunds.values()
            if r.status is RefundStatus.COMPLETED
            and not r.is_reversal
            and self.t.refund_institution[r.id] == institution
            and period.start <= self.t.refund_completed_at[r.id] < period.end
        ]
        t = Totals(
            len(paid),
            sum(p.acct_pay_fen + p.acct_mulaid_pay_fen + p.psn_cash_pay_fen for p in paid),
            sum(p.acct_pay_fen for p in paid),
            sum(p.acct_mulaid_pay_fen for p in paid),
            sum(p.psn_cash_pay_fen for p in paid),
            len(refunds),
            sum(r.amount_fen + r.cash_fen for r in refunds),
            sum(r.acct_refund_fen for r in refunds),
            sum(r.acct_mulaid_refund_fen for r in refunds),
            sum(r.cash_fen for r in refunds),
            sum(1 for p in paid if p.acct_mulaid_pay_fen),
        )
        return [TypeTotals("", "", t)]  # the fakes keep no types apart

    async def detail(self, institution: str, period: Period, insutype: str = "", clr_type: str = "") -> list[DetailRow]:
        return [
            DetailRow(
                Item(s.pos_txn_id, s.split.acct_pay_fen, s.split.acct_mulaid_pay_fen, s.split.psn_cash_pay_fen),
                s.id,
                s.visit.mdtrt_id,
                s.visit.setl_id,
                s.visit.insutype,
                clr_type_of(s.visit.med_type),
                self.t.completed_at[s.id],
            )
            for s in self._completed(institution, period)
        ]

    # ------------------------------------------------------------ helpers

    def _completed(self, institution: str, period: Period) -> list[Settlement]:
        rows = [
            s
            for s in self.t.settlements.values()
            if s.institution == institution
            and s.status is Status.COMPLETED
            and period.start <= self.t.completed_at[s.id] < period.end
        ]
        return sorted(rows, key=lambda s: (self.t.completed_at[s.id], s.id))

    def _by_pos(self, institution: str, pos_txn_id: str) -> Settlement | None:
        return next(
            (s for s in self.t.settlements.values() if s.institution == institution and s.pos_txn_id == pos_txn_id),
            None,
        )

    def _out(self, row: Settlement, refunds: bool = True) -> Settlement:
        out = copy.deepcopy(row)
        out.refunds = (
            [copy.copy(r) for r in sorted(self.t.refunds.values(), key=lambda r: r.id) if r.settlement_id == row.id]
            if refunds
            else []
        )
        return out


def _at(value: dt.datetime | None) -> dt.datetime:
    assert value is not None
    return value


# ---------------------------------------------------------------- accounts


@dataclass
class Account:
    balance_fen: int
    held_fen: int = 0

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.held_fen


@dataclass
class Payer:
    own: Account | None  # None: resident-insured, no personal account
    pool: Account | None  # None: in no family pool
    insured: bool = True
    id_number: str = ""  # as registered: an ID card presented must be this one


@dataclass
class Leg:
    source: str  # "own" | "pool"
    account: Account
    reserved_fen: int
    debited_fen: int = 0
    refunded_fen: int = 0


@dataclass
class Reservation:
    id: str
    payer: Payer
    legs: list[Leg]
    status: HoldStatus
    expires_at: dt.datetime

    def parts(self, what: str) -> Parts:
        return Parts(
            sum(getattr(g, what) for g in self.legs if g.source == "own"),
            sum(getattr(g, what) for g in self.legs if g.source == "pool"),
        )


@dataclass
class Knob:
    """What the next call of `method` does differently. `before` runs before the call takes effect, `after` after
    it took effect (a competing POS request, a recovery round, ...); `unreachable` means no answer came back: the
    call never got there, or (with `lost`) it took effect and its answer was lost; `decline` is a definite no."""

    method: str
    unreachable: bool = False
    lost: bool = False
    decline: str = ""
    before: Callable[[], Awaitable[object]] | None = None
    after: Callable[[], Awaitable[object]] | None = None


class FakeAccounts:
    """services/settlement/usecases/ports.py: Accounts, in memory: own accounts before the pool (rule 8), holds that
    lapse, debits of at most the hold, releases, refunds pool first (rule 9), and exactly-once request ids with
    fences, as gongji.accounts.v1.PaymentService does them."""

    DEFAULT_TTL_S = 900

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.payers: dict[str, Payer] = {}
        self.reservations: dict[str, Reservation] = {}
        self.outcomes: dict[str, tuple[str, tuple[Any, ...], object]] = {}  # request id -> method, request, outcome
        self.fenced: set[str] = set()
        self.knobs: list[Knob] = []
        self.calls: list[str] = []
        self.budgets: list[float | None] = []
        self.paid_out: dict[str, int] = {}  # institution -> paid out of clearing for closed periods
        self._ids = itertools.count(1)

    # ------------------------------------------------------------ setting up and looking

    def payer(
        self,
        psn_no: str,
        own_fen: int | None = 0,
        pool: Account | None = None,
        insured: bool = True,
        id_number: str = "",
    ) -> Payer:
        self.payers[psn_no] = Payer(Account(own_fen) if own_fen is not None else None, pool, insured, id_number)
        return self.payers[psn_no]

    def on(self, method: str, **how: Any) -> Knob:
        """The next call of `method` goes as `how` says (see Knob)."""
        knob = Knob(method, **how)
        self.knobs.append(knob)
        return knob

    def count(self, method: str) -> int:
        return self.calls.count(method)

    def of(self, psn_no: str) -> list[Reservation]:
        self.sweep()
        return [r for r in self.reservations.values() if r.payer is self.payers[psn_no]]

    # ------------------------------------------------------------ PaymentService

    async def reserve(self, c: ReserveCall, *, budget_s: float | None = None) -> Hold:
        def work() -> Hold:
            payer = self._payer(c.payer_psn_no, c.credential)
            legs = []
            remaining = c.amount_fen
            shortfalls = []
            for source, account in self._sources(payer, c.sources):
                take = min(remaining, account.available_fen) if account is not None else 0
                if account is not None and take:
                    legs.append(Leg(source, account, take))
                    remaining -= take
                if remaining:
                    shortfalls.append(_shortfall(source, account))
            r = Reservation(
                f"R{next(self._ids)}",
                payer,
                legs,
                HoldStatus.HELD,
                self.clock() + dt.timedelta(seconds=c.hold_ttl_seconds or self.DEFAULT_TTL_S),
            )
            self.reservations[r.id] = r
            for leg in legs:
                if c.debit_immediately:
                    leg.debited_fen = leg.reserved_fen
                    leg.account.balance_fen -= leg.reserved_fen
                else:
                    leg.account.held_fen += leg.reserved_fen
            if c.debit_immediately:
                r.status = HoldStatus.DEBITED
            return Hold(
                r.id,
                r.parts("reserved_fen"),
                r.parts("debited_fen"),
                r.expires_at,
                self._balances(payer),
                tuple(shortfalls),
            )

        return await self._call("Reserve", c.request_id, (c,), work, budget_s)

    async def debit(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> Payment:
        def work() -> Payment:
            r = self._live(reservation_id)
            if amount_fen > r.parts("reserved_fen").total_fen:
                raise AccountsDeclined("AMOUNT_EXCEEDS_RESERVED", "The amount is more than was reserved.")
            remaining = amount_fen
            for leg in r.legs:
                leg.debited_fen = min(leg.reserved_fen, remaining)
                remaining -= leg.debited_fen
                leg.account.held_fen -= leg.reserved_fen
                leg.account.balance_fen -= leg.debited_fen
            r.status = HoldStatus.DEBITED
            return Payment(r.parts("debited_fen"), self._balances(r.payer))

        return await self._call("Debit", request_id, (reservation_id, amount_fen), work, budget_s)

    async def release(self, request_id: str, reservation_id: str, *, budget_s: float | None = None) -> HoldStatus:
        def work() -> HoldStatus:
            r = self._reservation(reservation_id)
            if r.status is HoldStatus.EXPIRED:
                return r.status  # its money is free already
            if r.status is not HoldStatus.HELD:
                raise AccountsDeclined("RESERVATION_ALREADY_FINAL", "The reservation was already final.")
            self._void(r, HoldStatus.RELEASED)
            return r.status

        return await self._call("Release", request_id, (reservation_id,), work, budget_s)

    async def refund(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> RefundOutcome:
        def work() -> RefundOutcome:
            r = self._reservation(reservation_id)
            refundable = r.parts("debited_fen").total_fen - r.parts("refunded_fen").total_fen
            if r.status is not HoldStatus.DEBITED or amount_fen > refundable:
                raise AccountsDeclined("REFUND_EXCEEDS_DEBITED", "The refund is more than was paid.")
            back = {"own": 0, "pool": 0}
            remaining = amount_fen
            for leg in sorted(r.legs, key=lambda g: g.source != "pool"):  # the pool's part first
                give = min(leg.debited_fen - leg.refunded_fen, remaining)
                leg.refunded_fen += give
                leg.account.balance_fen += give
                back[leg.source] += give
                remaining -= give
            return RefundOutcome(back["own"], back["pool"])

        return await self._call("Refund", request_id, (reservation_id, amount_fen), work, budget_s)

    async def get_reservation(self, reservation_id: str, *, budget_s: float | None = None) -> HoldState:
        def work() -> HoldState:
            r = self._reservation(reservation_id)
            debited = r.parts("debited_fen")
            return HoldState(r.status, debited.total_fen, r.parts("refunded_fen").total_fen, debited)

        return await self._call("GetReservation", "", (), work, budget_s)

    async def fence(self, request_id: str, *, budget_s: float | None = None) -> FenceOutcome:
        def work() -> FenceOutcome:
            if request_id not in self.outcomes:
                self.fenced.add(request_id)
            outcome = self.outcomes.get(request_id)
            if outcome is None or isinstance(outcome[2], AccountsDeclined):
                return FenceOutcome(False)
            return FenceOutcome(True, outcome[2].reservation_id if isinstance(outcome[2], Hold) else "")

        return await self._call("Fence", "", (), work, budget_s)

    async def reverse_refund(
        self, request_id: str, reservation_id: str, own_fen: int, pool_fen: int, *, budget_s: float | None = None
    ) -> None:
        def work() -> None:
            r = self._reservation(reservation_id)
            for source, amount in (("own", own_fen), ("pool", pool_fen)):
                leg = next((g for g in r.legs if g.source == source), None)
                if amount and (leg is None or leg.refunded_fen < amount):
                    raise AccountsDeclined("REFUND_EXCEEDS_DEBITED", "More than was refunded.")
                if amount and leg is not None and leg.account.available_fen < amount:
                    raise AccountsDeclined("INSUFFICIENT_FUNDS", "The refunded money was spent.")
            for source, amount in (("own", own_fen), ("pool", pool_fen)):
                for leg in (g for g in r.legs if g.source == source and amount):
                    leg.refunded_fen -= amount
                    leg.account.balance_fen -= amount

        return await self._call("ReverseRefund", request_id, (reservation_id, own_fen, pool_fen), work, budget_s)

    async def pay_out_clearing(
        self, request_id: str, fixmedins_code: str, period: str, amount_fen: int, *, budget_s: float | None = None
    ) -> int:
        def work() -> int:
            self.paid_out[fixmedins_code] = self.paid_out.get(fixmedins_code, 0) + amount_fen
            return 0

        return await self._call("PayOutClearing", request_id, (fixmedins_code, period, amount_fen), work, budget_s)

    async def quote(
        self,
        payer_psn_no: str,
        amount_fen: int,
        credential: Credential,
        sources: tuple[Source, ...],
        *,
        visit_region: str = "",
        budget_s: float | None = None,
    ) -> Quote:
        def work() -> Quote:
            payer = self._payer(payer_psn_no, credential)
            took = {"own": 0, "pool": 0}
            shortfalls = []
            for source, account in self._sources(payer, sources):
                took[source] = min(amount_fen - sum(took.values()), account.available_fen) if account else 0
                if sum(took.values()) < amount_fen:
                    shortfalls.append(_shortfall(source, account))
            return Quote(Parts(took["own"], took["pool"]), self._balances(payer), tuple(shortfalls))

        return await self._call("Quote", "", (), work, budget_s)

    # ------------------------------------------------------------ the machinery

    @staticmethod
    def _sources(payer: Payer, sources: tuple[Source, ...]) -> list[tuple[str, Account | None]]:
        """The payer's accounts for the sources asked, in the order asked (as accounts' Reserve and Quote)."""
        if not sources:
            raise AccountsDeclined("INVALID_ARGUMENT", "sources: required")
        by_source = {Source.PERSONAL_ACCOUNT: ("own", payer.own), Source.FAMILY_POOL: ("pool", payer.pool)}
        return [by_source[x] for x in sources]

    async def _call(
        self, method: str, request_id: str, request: tuple[Any, ...], work: Callable[[], T], budget_s: float | None
    ) -> T:
        self.calls.append(method)
        self.budgets.append(budget_s)
        knob = next((k for k in self.knobs if k.method == method), None)
        if knob is not None:
            self.knobs.remove(knob)
            if knob.before is not None:
                await knob.before()
            if knob.unreachable and not knob.lost:
                raise AccountsUnreachable(method)
            if knob.decline:
                work = _declining(knob.decline)
        self.sweep()
        result = self._once(method, request_id, request, work)
        if knob is not None and knob.after is not None:
            await knob.after()
        if knob is not None and knob.lost:
            raise AccountsUnreachable(method)
        if isinstance(result, AccountsDeclined):
            raise result
        return cast(T, result)

    def _once(self, method: str, request_id: str, request: tuple[Any, ...], work: Callable[[], T]) -> Any:
        """A request id runs once: a repeat answers with its first outcome (a decline too), a fenced one is refused.
        Answers with the outcome, or the AccountsDeclined to raise."""
        if request_id in self.fenced:
            return AccountsDeclined("REQUEST_CANCELLED", "This request was cancelled before it ran.")
        if request_id in self.outcomes:
            first_method, first_request, first = self.outcomes[request_id]
            if (first_method, first_request) != (method, request):
                return AccountsDeclined("REQUEST_ID_REUSED", "This request id was already used.")
            return first
        outcome: object
        try:
            outcome = work()
        except AccountsDeclined as d:
            outcome = d
        if request_id:  # reads carry none
            self.outcomes[request_id] = (method, request, outcome)
        return outcome

    def sweep(self) -> None:
        """Accounts' sweeper: lapsed holds are released (before every call, and before the tests look)."""
        for r in self.reservations.values():
            if r.status is HoldStatus.HELD and r.expires_at <= self.clock():
                self._void(r, HoldStatus.EXPIRED)

    def _void(self, r: Reservation, status: HoldStatus) -> None:
        for leg in r.legs:
            leg.account.held_fen -= leg.reserved_fen
        r.status = status

    def _payer(self, psn_no: str, credential: Credential) -> Payer:
        """The payer, if the credential may be theirs: an ID card must be their own (a card or an electronic
        credential cannot be matched, as in accounts), and that before anything else is said of them."""
        payer = self.payers.get(psn_no)
        if payer is None:
            raise AccountsDeclined("PERSON_NOT_FOUND", "No insured person with this person number.")
        if credential.cert_type is CertType.ID_CARD and credential.cert_no != payer.id_number:
            raise AccountsDeclined("CREDENTIAL_MISMATCH", "The ID card presented is not the payer's own.")
        if not payer.insured:
            raise AccountsDeclined("PERSON_NOT_INSURED", "The person is not actively insured.")
        return payer

    def _reservation(self, reservation_id: str) -> Reservation:
        r = self.reservations.get(reservation_id)
        if r is None:
            raise AccountsDeclined("RESERVATION_NOT_FOUND", "No reservation with this id.")
        return r

    def _live(self, reservation_id: str) -> Reservation:
        r = self._reservation(reservation_id)
        if r.status is HoldStatus.EXPIRED:
            raise AccountsDeclined("RESERVATION_EXPIRED", "The hold expired.")
        if r.status is not HoldStatus.HELD:
            raise AccountsDeclined("RESERVATION_ALREADY_FINAL", "The reservation was already final.")
        return r

    @staticmethod
    def _balances(payer: Payer) -> Balances:
        return Balances(payer.own.available_fen if payer.own else 0, payer.pool.available_fen if payer.pool else 0)


def _shortfall(source: str, account: Account | None) -> Shortfall:
    """Why a source gave less than was still needed, as accounts says it."""
    if account is None:
        reason = "NO_PERSONAL_ACCOUNT" if source == "own" else "NOT_BOUND"
    else:
        reason = "INSUFFICIENT_FUNDS"
    return Shortfall(Source.PERSONAL_ACCOUNT if source == "own" else Source.FAMILY_POOL, reason)


def _declining(reason: str) -> Callable[[], Any]:
    def work() -> Any:
        raise AccountsDeclined(reason, f"declined: {reason}")

    return work
