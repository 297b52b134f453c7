"""A settlement's refunds (rule 9 at the till, 2208-style): which refund ids are new, what each may take, and what
accounts' answer means for the refund record."""

from __future__ import annotations

from services.common.errors import DomainError, Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle
from services.settlement.domain.accounts import AccountsDeclined, RefundOutcome
from services.settlement.domain.model import Refund, RefundFinish, RefundStatus, Settlement


def request_id(s: Settlement, refund: Refund) -> str:
    """The accounts request id of one refund: derived from the refund's own record, the same on every attempt."""
    return lifecycle.request_id(s, f"refund-{refund.id}")


def require_new_or_same(s: Settlement, existing: Refund | None, c: cmd.Refund) -> None:
    """A refund_pos_txn_id names one refund of one settlement; a new one takes at most what is refundable now."""
    if existing is not None:
        if existing.settlement_id != s.id or existing.amount_fen != c.amount_fen or existing.is_reversal:
            raise DomainError(Reason.REQUEST_ID_REUSED, "(refund_pos_txn_id)")
        return
    if c.amount_fen > s.refundable_fen:
        raise DomainError(
            Reason.REFUND_EXCEEDS_DEBITED,
            f"(refundable now: {s.refundable_fen} fen)",
            {"refundable_fen": str(s.refundable_fen)},
        )


def done(refund: Refund, outcome: RefundOutcome) -> RefundFinish:
    """Accounts gives the pool's part back first; what did not go to the own account went to the pool."""
    return RefundFinish(
        RefundStatus.COMPLETED,
        acct_refund_fen=outcome.own_fen,
        acct_mulaid_refund_fen=refund.amount_fen - outcome.own_fen,
    )


def declined(d: AccountsDeclined) -> RefundFinish:
    return RefundFinish(
        RefundStatus.DECLINED, decline_reason=d.reason, decline_message=d.message[: lifecycle.MESSAGE_LIMIT]
    )


def answer(s: Settlement, refund: Refund) -> Refund:
    if refund.status is RefundStatus.DECLINED:
        raise lifecycle.declined_error(refund.decline_reason, s)
    return refund
