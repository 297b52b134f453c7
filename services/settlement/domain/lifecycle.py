"""A settlement's state machine, free of gRPC and SQL: the moves it may make, what each step decides from what
accounts answered, and what a POS sees and is answered.

    PENDING ──reserved──▶ COMPLETED (a sale) or AUTHORIZED (an authorization)
      ├──declined──▶ DECLINED
      ├──nobody got an answer in time (recovery)──▶ COMPENSATING ──undone──▶ VOIDED
      └──Reverse──▶ REVERSING ──undone──▶ REVERSED
    AUTHORIZED ──Capture──▶ CAPTURING ──debited──▶ COMPLETED (or EXPIRED, or DECLINED: a reversal finished the hold)
      ├──Void──▶ VOIDING ──released──▶ VOIDED (or EXPIRED: the hold had lapsed)
      └──lapsed──▶ EXPIRED
    COMPLETED, and every intent above, ──Reverse──▶ REVERSING
    A Reverse of a pos_txn_id never seen writes a TOMBSTONE, born REVERSED: it bars a late original.

PENDING, CAPTURING, VOIDING, COMPENSATING and REVERSING are intents: written before the call to accounts, whose
request id derives from the settlement (`request_id`), so whoever finds one unfinished can make the same call again.
A use case asks storage for a `Move` (compare-and-set: it names the statuses it expects); only legal moves can be
built, so no code path can take a settlement anywhere this table does not allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from services.common.errors import DomainError, Reason
from services.settlement.domain import charges
from services.settlement.domain.accounts import (
    AccountsDeclined,
    FenceOutcome,
    Hold,
    HoldState,
    HoldStatus,
    Payment,
)
from services.settlement.domain.charges import request_id as request_id
from services.settlement.domain.model import (
    NOTHING_PAID,
    UNFINISHED,
    Kind,
    Settlement,
    Status,
)

S = Status
MOVES: dict[Status, frozenset[Status]] = {
    S.PENDING: frozenset({S.COMPLETED, S.AUTHORIZED, S.DECLINED, S.COMPENSATING, S.REVERSING}),
    S.AUTHORIZED: frozenset({S.CAPTURING, S.VOIDING, S.EXPIRED, S.REVERSING}),
    S.CAPTURING: frozenset({S.COMPLETED, S.EXPIRED, S.DECLINED, S.REVERSING}),
    S.VOIDING: frozenset({S.VOIDED, S.EXPIRED, S.REVERSING}),
    S.COMPLETED: frozenset({S.REVERSING}),
    # An undo stays where it is while it records the reservation it found; a reversal may take over compensation.
    S.COMPENSATING: frozenset({S.COMPENSATING, S.VOIDED, S.REVERSING}),
    S.REVERSING: frozenset({S.REVERSING, S.REVERSED}),
    S.DECLINED: frozenset(),
    S.VOIDED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REVERSED: frozenset(),
}
# The undo intents: whoever finds one drives it to its end (usecases/reverse.py: undo).
UNDOING = frozenset({S.COMPENSATING, S.REVERSING})
MESSAGE_LIMIT = 500  # characters of a decline message kept
DEFAULT_HOLD_TTL_S = 900  # an all-cash authorization (no hold at accounts) lapses like accounts' default hold


@dataclass(frozen=True)
class Changes:
    """Columns a move sets besides the status; None leaves a column as it is."""

    reservation_id: str | None = None
    authorized_fen: int | None = None
    capture_fen: int | None = None
    acct_pay_fen: int | None = None
    acct_mulaid_pay_fen: int | None = None
    psn_cash_pay_fen: int | None = None
    balc_fen: int | None = None
    pool_balc_fen: int | None = None
    decline_reason: str | None = None
    decline_message: str | None = None
    expires_at: dt.datetime | None = None
    acct_shortfall_reason: str | None = None
    acct_mulaid_shortfall_reason: str | None = None
    capture_pos_txn_id: str | None = None
    completed_at: dt.datetime | None = None  # when it was paid, for a payment recorded by its undo

    def values(self) -> dict[str, object]:
        return {name: value for name, value in vars(self).items() if value is not None}


@dataclass(frozen=True)
class Move:
    """A compare-and-set status change: to `to` (setting `changes`) if the status is still one of `expected`."""

    expected: frozenset[Status]
    to: Status
    changes: Changes = field(default_factory=Changes)

    def __post_init__(self) -> None:
        illegal = sorted(s.value for s in self.expected if self.to not in MOVES[s])
        if not self.expected or illegal:
            raise ValueError(f"a settlement never moves from {illegal or 'nothing'} to {self.to.value}")

    @classmethod
    def of(cls, expected: Status | Iterable[Status], to: Status, changes: Changes | None = None) -> Move:
        return cls(frozenset({expected} if isinstance(expected, Status) else expected), to, changes or Changes())


# ---------------------------------------------------------------- Settle and Authorize


def reserved(s: Settlement, hold: Hold) -> Move:
    """A sale is paid at once; an authorization holds. Cash is what accounts did not cover."""
    sale = s.kind is Kind.SALE
    paid = hold.debited if sale else hold.reserved
    cash = s.amount_fen - paid.total_fen
    changes = Changes(
        reservation_id=hold.reservation_id,
        acct_pay_fen=paid.own_fen,
        acct_mulaid_pay_fen=paid.pool_fen,
        psn_cash_pay_fen=cash,
        balc_fen=hold.payer.own_available_fen,
        pool_balc_fen=hold.payer.pool_available_fen,
        authorized_fen=None if sale else paid.total_fen,
        expires_at=None if sale else hold.expires_at,
    )
    own_reason, pool_reason = charges.shortfall_reasons(charges.shortfalls(s.account_use, hold.shortfalls, cash))
    changes = replace(changes, acct_shortfall_reason=own_reason, acct_mulaid_shortfall_reason=pool_reason)
    return Move.of(Status.PENDING, Status.COMPLETED if sale else Status.AUTHORIZED, changes)


def all_cash(s: Settlement, now: dt.datetime) -> Move:
    """The patient let no account pay (acct_used_flag NONE): the whole personal part is cash, and accounts is not
    asked. An authorization holds nothing; it lapses like any other."""
    sale = s.kind is Kind.SALE
    changes = Changes(
        acct_pay_fen=0,
        acct_mulaid_pay_fen=0,
        psn_cash_pay_fen=s.amount_fen,
        authorized_fen=None if sale else 0,
        expires_at=None if sale else now + dt.timedelta(seconds=s.hold_ttl_seconds or DEFAULT_HOLD_TTL_S),
    )
    own_reason, pool_reason = charges.shortfall_reasons(charges.shortfalls(s.account_use, (), s.amount_fen))
    changes = replace(changes, acct_shortfall_reason=own_reason, acct_mulaid_shortfall_reason=pool_reason)
    return Move.of(Status.PENDING, Status.COMPLETED if sale else Status.AUTHORIZED, changes)


def declined(expected: Status, d: AccountsDeclined) -> Move:
    return Move.of(
        expected, Status.DECLINED, Changes(decline_reason=d.reason, decline_message=d.message[:MESSAGE_LIMIT])
    )


def answer(s: Settlement) -> Settlement:
    """What a Settle / Authorize answers (the first time and every time after), from the settlement's status."""
    if s.status is Status.DECLINED:
        raise declined_error(s.decline_reason, s)
    if s.status is Status.REVERSED:
        raise DomainError(Reason.SETTLEMENT_REVERSED, metadata={"settlement_id": s.id})
    if s.kind is Kind.SALE and s.status is Status.VOIDED:
        raise DomainError(Reason.PAYMENT_ABANDONED, metadata={"settlement_id": s.id})
    if s.status in (Status.PENDING, Status.COMPENSATING, Status.REVERSING):
        raise DomainError(Reason.ACCOUNTS_UNAVAILABLE, metadata={"settlement_id": s.id})
    return s


def declined_error(reason: str, s: Settlement | None = None) -> DomainError:
    """A stored decline, as the error the POS gets every time it asks again."""
    metadata = {"settlement_id": s.id} if s else {}
    return DomainError(Reason.parse(reason) or Reason.PAYMENT_DECLINED, metadata=metadata)


# ---------------------------------------------------------------- Capture and Void


def require_authorization(s: Settlement) -> Settlement:
    if s.kind is not Kind.AUTHORIZATION:
        raise DomainError(Reason.NOT_AN_AUTHORIZATION)
    return s


def require_capturable(s: Settlement, amount_fen: int) -> None:
    """A capture is the final personal part of the bill: at most what was authorized (held and cash together)."""
    if amount_fen > s.amount_fen:
        raise DomainError(
            Reason.AMOUNT_EXCEEDS_RESERVED,
            f"(authorized {s.amount_fen} fen, {s.authorized_fen} of them held)",
            {"amount_fen": str(s.amount_fen), "authorized_fen": str(s.authorized_fen)},
        )


def capture_debit_fen(s: Settlement) -> int:
    """What a capture takes from the accounts: the final personal part, up to what they hold; the rest is cash."""
    assert s.capture_fen is not None
    return min(s.capture_fen, s.authorized_fen)


def lapsed(s: Settlement, now: dt.datetime) -> bool:
    """An authorization whose hold has lapsed: accounts would refuse to debit it."""
    return s.status is Status.AUTHORIZED and s.expires_at is not None and s.expires_at <= now


def start_capture(amount_fen: int, capture_pos_txn_id: str = "") -> Move:
    return Move.of(
        Status.AUTHORIZED,
        Status.CAPTURING,
        Changes(capture_fen=amount_fen, capture_pos_txn_id=capture_pos_txn_id or None),
    )


def expire() -> Move:
    return Move.of(Status.AUTHORIZED, Status.EXPIRED)


def require_same_capture(s: Settlement, amount_fen: int, capture_pos_txn_id: str = "") -> None:
    """A capture is made once: asking again for the same amount (and capture id) answers with it, another one is
    refused."""
    other_id = capture_pos_txn_id != s.capture_pos_txn_id
    if s.status in (Status.CAPTURING, Status.COMPLETED) and (s.capture_fen != amount_fen or other_id):
        raise DomainError(Reason.SETTLEMENT_ALREADY_FINAL, "(a capture of another amount was made)")


def require_unbarred(barring: Settlement | None, pos_txn_id: str) -> None:
    """A request whose POS id a Reverse barred first (a tombstone) is refused; an id another request has is reused."""
    if barring is None:
        return
    if barring.kind is Kind.TOMBSTONE:
        raise DomainError(Reason.SETTLEMENT_REVERSED, metadata={"pos_txn_id": pos_txn_id})
    raise DomainError(Reason.REQUEST_ID_REUSED, "(a settlement has this id)", {"pos_txn_id": pos_txn_id})


def captured(s: Settlement, p: Payment | None) -> Move:
    """The debit's split, and the cash part recomputed: the final personal part less what the accounts paid. (None:
    nothing was held, so nothing was debited: all cash.)"""
    assert s.capture_fen is not None
    paid = p.debited.total_fen if p else 0
    return Move.of(
        Status.CAPTURING,
        Status.COMPLETED,
        Changes(
            acct_pay_fen=p.debited.own_fen if p else 0,
            acct_mulaid_pay_fen=p.debited.pool_fen if p else 0,
            psn_cash_pay_fen=s.capture_fen - paid,
            balc_fen=p.payer.own_available_fen if p else None,
            pool_balc_fen=p.payer.pool_available_fen if p else None,
        ),
    )


def capture_declined(d: AccountsDeclined) -> Move:
    """The hold lapsed; or it was finished by someone else (a reversal), and if nobody recorded why, the decline is."""
    if d.reason == Reason.RESERVATION_EXPIRED.name:
        return Move.of(Status.CAPTURING, Status.EXPIRED)
    return declined(Status.CAPTURING, d)


def capture_answer(s: Settlement) -> Settlement:
    if s.status is Status.EXPIRED:
        raise DomainError(Reason.RESERVATION_EXPIRED)
    if s.status is not Status.COMPLETED:
        raise _already_final(s)
    return s


def start_void() -> Move:
    return Move.of(Status.AUTHORIZED, Status.VOIDING)


def released(status: HoldStatus) -> Move:
    """Releasing a hold that had lapsed answers EXPIRED: its money was free already."""
    return Move.of(Status.VOIDING, Status.EXPIRED if status is HoldStatus.EXPIRED else Status.VOIDED)


def void_answer(s: Settlement) -> Settlement:
    if s.status not in (Status.VOIDED, Status.EXPIRED):
        raise _already_final(s)
    return s


def _already_final(s: Settlement) -> DomainError:
    return DomainError(Reason.SETTLEMENT_ALREADY_FINAL, f"(it is {s.status.value.lower()})")


# ---------------------------------------------------------------- Reverse, compensation and recovery


def tombstone(institution: str, pos_txn_id: str, settlement_id: str) -> Settlement:
    """What a Reverse of a pos_txn_id never seen leaves: a late original finds it and is refused."""
    return Settlement(
        id=settlement_id, institution=institution, pos_txn_id=pos_txn_id, kind=Kind.TOMBSTONE, status=Status.REVERSED
    )


def reversal(s: Settlement) -> Move | None:
    """冲正 of what the POS request did; None when nothing was paid or is held (then nothing is to be undone)."""
    if s.status in NOTHING_PAID:
        return None
    return Move.of(s.status, Status.REVERSING)


def abandon() -> Move:
    """Nobody got an answer for a payment in time: it is undone rather than completed behind the POS's back."""
    return Move.of(Status.PENDING, Status.COMPENSATING)


def undone(s: Settlement) -> Move:
    """An undo that found nothing (more) held or paid ends the settlement."""
    return Move.of(s.status, Status.REVERSED if s.status is Status.REVERSING else Status.VOIDED)


def found_reservation(s: Settlement, fenced: FenceOutcome) -> Move:
    """An undo records the reservation the fenced reserve had made, staying where it is. An accounts service that
    does not name it (an older one, during an upgrade) leaves the undo to be retried."""
    if not fenced.reservation_id:
        raise DomainError(Reason.ACCOUNTS_UNAVAILABLE, "(accounts did not name the reservation; it will be retried)")
    return Move.of(s.status, s.status, Changes(reservation_id=fenced.reservation_id))


def found_payment(s: Settlement, state: HoldState, now: dt.datetime) -> Move | None:
    """An undo that finds a payment its settlement never recorded (the undo won the race with the payment's own
    outcome) records what was paid, and when (so that the period and the detail file count the payment its
    reversal gives back), so that the settlement shows what was paid beside what was given back."""
    if state.debited_fen == 0 or s.split.accounts_fen == state.debited_fen:
        return None
    paid = state.debited
    changes = Changes(
        acct_pay_fen=paid.own_fen,
        acct_mulaid_pay_fen=paid.pool_fen,
        psn_cash_pay_fen=s.amount_fen - paid.total_fen,
        completed_at=s.completed_at or now,
    )
    return Move.of(s.status, s.status, changes)


def reversal_refund_id(s: Settlement, refunded_fen: int) -> str:
    """The refund_pos_txn_id of an undo's refund of what was left: one per amount refunded before it."""
    return f"undo-{s.id}-{refunded_fen}"


# ---------------------------------------------------------------- what the POS sees


def visible_status(s: Settlement) -> Status:
    """An unfinished step shows as PENDING, except a capture or void of a live authorization (AUTHORIZED)."""
    if s.status in (Status.CAPTURING, Status.VOIDING):
        return Status.AUTHORIZED
    if s.status in UNFINISHED:
        return Status.PENDING
    return s.status
