"""What the use cases need from the world, as protocols: the store of settlements and refunds (storage/store.py in
production) and accounts' PaymentService (clients/accounts.py). The unit tests' fakes implement the same."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from services.common.credentials import Credential
from services.settlement.domain.accounts import (
    FenceOutcome,
    Hold,
    HoldState,
    HoldStatus,
    Payment,
    Quote,
    RefundOutcome,
    ReserveCall,
)
from services.settlement.domain.commands import Period, SettlementRef
from services.settlement.domain.lifecycle import Move
from services.settlement.domain.model import NewRefund, Refund, RefundFinish, RefundStatus, Settlement, Source
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.domain.reconcile import DetailRow, TypeTotals


class Records(Protocol):
    """Reads and writes of settlements and refunds. On the Store each call is its own transaction; inside
    `Store.transaction()` they share one, and `find(lock=True)` holds the settlement until it ends."""

    async def create(self, s: Settlement) -> tuple[Settlement, bool]:
        """Writes a new settlement (an intent, or a tombstone); or answers with the one that has its
        (institution, pos_txn_id), with its refunds. The flag tells which."""

    async def find(
        self, institution: str, ref: SettlementRef, *, lock: bool = False, by_capture: bool = False
    ) -> Settlement | None:
        """The institution's settlement, with its refunds (`by_capture`: the pos_txn_id is its capture's)."""

    async def lock_pos_id(self, institution: str, pos_txn_id: str) -> None:
        """Inside a transaction: holds one POS id (a Reverse and a late Refund or Capture with it wait for each
        other)."""

    async def move_refund(self, refund_id: int, expected: RefundStatus, to: RefundStatus) -> bool:
        """Compare-and-set of a refund's status (its reversal)."""

    async def get(self, settlement_id: str) -> Settlement:
        """A settlement known to exist, with its refunds."""

    async def move(self, settlement_id: str, m: Move) -> Settlement | None:
        """Compare-and-set: the settlement as moved (without its refunds), or None if its status was not one `m`
        expects (someone else moved it first)."""

    async def refunds_of(self, settlement_id: str) -> list[Refund]:
        """In the order they were made."""

    async def find_refund(self, institution: str, refund_pos_txn_id: str) -> Refund | None: ...

    async def get_refund(self, refund_id: int) -> Refund: ...

    async def insert_refund(self, r: NewRefund) -> Refund | None:
        """A refund's intent (PENDING); None if its refund_pos_txn_id is taken."""

    async def finish_refund(self, refund_id: int, f: RefundFinish) -> Refund:
        """Ends a PENDING refund (compare-and-set); answers with the refund as it now is."""

    async def lock_periods(self, institution: str) -> None:
        """Inside a transaction: holds the institution's periods (closes and reversals wait for each other)."""

    async def closed_through(self, institution: str) -> dt.datetime | None:
        """The end of the institution's last closed period."""

    async def find_period(self, institution: str, end: dt.datetime) -> ClearingPeriod | None: ...

    async def close_period(self, institution: str, start: dt.datetime | None, end: dt.datetime) -> ClearingPeriod:
        """Writes a closed period with the totals of what completed in it (PAYING, or PAID when nothing is owed)."""


class Store(Records, Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Records]:
        """One transaction for a few calls: all or nothing, with row locks (`find(lock=True)`) held to its end."""

    async def unfinished(
        self, updated_before: dt.datetime, limit: int, pending_before: dt.datetime | None = None
    ) -> list[str]:
        """Settlements left in an intent (CAPTURING, VOIDING, COMPENSATING, REVERSING: last changed before
        `updated_before`; PENDING: before `pending_before`, by default the same), oldest first."""

    async def waiting(self, settlement_id: str) -> None:
        """A POS retried a PENDING settlement and waits on it again: it counts as changed now (for `unfinished`)."""

    async def pending_refunds(self, created_before: dt.datetime, limit: int) -> list[int]: ...

    async def lapsed_authorizations(self, now: dt.datetime, limit: int) -> list[str]:
        """AUTHORIZED settlements whose hold has lapsed."""

    async def period_paid(self, period_id: int) -> ClearingPeriod: ...

    async def reversing_refunds(self, created_before: dt.datetime, limit: int) -> list[int]:
        """Refunds whose reversal is under way."""

    async def paying_periods(self, closed_before: dt.datetime, limit: int) -> list[ClearingPeriod]:
        """Closed periods whose payout accounts has not (yet) confirmed."""

    async def list_created(
        self, institution: str, period: Period, after: tuple[dt.datetime, str] | None, limit: int, mdtrt_id: str = ""
    ) -> list[Settlement]:
        """Created in the period (of one visit, if given), by (created_at, id), after the page token's; with
        refunds."""

    async def totals(
        self, institution: str, period: Period, insutype: str = "", clr_type: str = ""
    ) -> list[TypeTotals]:
        """Payments completed (and not reversed), and POS refunds completed, in the period, by insurance type and
        clearing type (of one only, when asked)."""

    async def detail(self, institution: str, period: Period, insutype: str = "", clr_type: str = "") -> list[DetailRow]:
        """Payment, refund and reversal rows of the period, in completion order."""


class Accounts(Protocol):
    """gongji.accounts.v1.PaymentService as settlement uses it. Every call waits at most `budget_s` (None: the
    client's own limit); a definite no is AccountsDeclined, no answer at all AccountsUnreachable."""

    async def reserve(self, c: ReserveCall, *, budget_s: float | None = None) -> Hold: ...

    async def debit(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> Payment: ...

    async def release(self, request_id: str, reservation_id: str, *, budget_s: float | None = None) -> HoldStatus: ...

    async def refund(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> RefundOutcome: ...

    async def get_reservation(self, reservation_id: str, *, budget_s: float | None = None) -> HoldState: ...

    async def reverse_refund(
        self, request_id: str, reservation_id: str, own_fen: int, pool_fen: int, *, budget_s: float | None = None
    ) -> None:
        """Takes back what a refund gave, by source (冲正 of a refund)."""

    async def fence(self, request_id: str, *, budget_s: float | None = None) -> FenceOutcome:
        """Bars a request id that has not run, so that it never runs late; tells whether it had run."""

    async def pay_out_clearing(
        self, request_id: str, fixmedins_code: str, period: str, amount_fen: int, *, budget_s: float | None = None
    ) -> int:
        """Pays an institution out of institution clearing for a closed period (3203); what its clearing holds after."""

    async def quote(
        self,
        payer_psn_no: str,
        amount_fen: int,
        credential: Credential,
        sources: tuple[Source, ...],
        *,
        visit_region: str = "",
        budget_s: float | None = None,
    ) -> Quote: ...
