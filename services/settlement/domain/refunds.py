"""A settlement's refunds (rule 9 at the till, 2208-style): which refund ids are new, what each may take, and what
accounts' answer means for the refund record."""

from __future__ import annotations

import datetime as dt

from services.common.errors import DomainError, Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle
from services.settlement.domain.accounts import AccountsDeclined, RefundOutcome
from services.settlement.domain.model import NewRefund, Refund, RefundFinish, RefundStatus, Settlement, Status
from services.settlement.domain.policy import SettlementPolicy


def request_id(s: Settlement, refund: Refund) -> str:
    """The accounts request id of one refund: derived from the refund's own record, the same on every attempt."""
    return lifecycle.request_id(s, f"refund-{refund.id}")


def require_new_or_same(s: Settlement, existing: Refund | None, c: cmd.Refund) -> NewRefund | None:
    """A refund_pos_txn_id names one refund of one settlement (None: it is that one, asked again); a new one takes at
    most what is refundable now of each part: through the accounts, and in cash. The whole bill is what is left of
    both, and needs something left."""
    if existing is not None:
        same = (
            existing.whole_bill
            if c.whole_bill
            else (existing.amount_fen, existing.cash_fen) == (c.amount_fen, c.cash_fen)
        )
        if existing.settlement_id != s.id or existing.is_reversal or existing.whole_bill != c.whole_bill or not same:
            raise DomainError(Reason.REQUEST_ID_REUSED, "(refund_pos_txn_id)")
        return None
    accounts_fen, cash_fen = (s.refundable_fen, s.cash_refundable_fen) if c.whole_bill else (c.amount_fen, c.cash_fen)
    if accounts_fen > s.refundable_fen or cash_fen > s.cash_refundable_fen or accounts_fen + cash_fen <= 0:
        raise DomainError(
            Reason.REFUND_EXCEEDS_DEBITED,
            f"(refundable now: {s.refundable_fen} fen through the accounts, {s.cash_refundable_fen} fen in cash)",
            {"refundable_fen": str(s.refundable_fen), "cash_refundable_fen": str(s.cash_refundable_fen)},
        )
    return NewRefund(s.id, s.institution, c.refund_pos_txn_id, accounts_fen, cash_fen=cash_fen, whole_bill=c.whole_bill)


def done(refund: Refund, outcome: RefundOutcome) -> RefundFinish:
    """Accounts gives the pool's part back first; what did not go to the own account went to the pool (or, for a
    dissolved pool, to its creator)."""
    return RefundFinish(
        RefundStatus.COMPLETED,
        acct_refund_fen=outcome.own_fen,
        acct_mulaid_refund_fen=refund.amount_fen - outcome.own_fen,
        to_creator_fen=outcome.to_creator_fen,
    )


def cash_only() -> RefundFinish:
    """A refund with nothing to give back through the accounts: its cash is the institution's to return."""
    return RefundFinish(RefundStatus.COMPLETED)


def declined(d: AccountsDeclined) -> RefundFinish:
    return RefundFinish(
        RefundStatus.DECLINED, decline_reason=d.reason, decline_message=d.message[: lifecycle.MESSAGE_LIMIT]
    )


def answer(s: Settlement, refund: Refund) -> Refund:
    if refund.status is RefundStatus.DECLINED:
        raise lifecycle.declined_error(refund.decline_reason, s)
    return refund


def reversal_request_id(s: Settlement, refund: Refund) -> str:
    """The accounts request id of taking a refund back: derived from the refund's record."""
    return request_id(s, refund) + "-reverse"


def require_reversible(
    s: Settlement, refund: Refund, now: dt.datetime, closed_through: dt.datetime | None, policy: SettlementPolicy
) -> None:
    """A refund is reversed (its money taken back) only while its settlement stands, on the refund's settlement day,
    and not once its period is closed; a reversal's own refund never."""
    if refund.is_reversal or s.status is not Status.COMPLETED:
        raise DomainError(Reason.SETTLEMENT_ALREADY_FINAL, "(the payment was reversed: its refunds stand)")
    if refund.completed_at is not None and closed_through is not None and refund.completed_at < closed_through:
        raise DomainError(Reason.PERIOD_CLOSED, metadata={"refund_pos_txn_id": refund.refund_pos_txn_id})
    if refund.created_at is not None and policy.settlement_day(refund.created_at) != policy.settlement_day(now):
        raise DomainError(Reason.REVERSAL_WINDOW_CLOSED, metadata={"refund_pos_txn_id": refund.refund_pos_txn_id})
