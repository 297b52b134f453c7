"""Clearing periods (清算, 3203) and the reversal window (冲正, 2601), free of gRPC and SQL: what a closed period
froze, what the fund owes the institution for it, the payout's request id, and whether a request may still be
reversed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.common.errors import DomainError, FieldViolation, InvalidArgument, Reason
from services.settlement.domain.model import Settlement
from services.settlement.domain.policy import SettlementPolicy


@dataclass(frozen=True)
class ClearingPeriod:
    """One institution's closed period: its totals frozen when it was closed."""

    id: int
    institution: str
    start: dt.datetime | None  # None: the institution's first period
    end: dt.datetime
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    acct_refund_fen: int
    acct_mulaid_refund_fen: int
    paid_out: bool
    closed_at: dt.datetime | None = None
    closed_by: str = ""

    @property
    def owed_fen(self) -> int:
        """What the fund owes the institution: what own accounts and pools paid it, less what went back."""
        return self.acct_pay_fen + self.acct_mulaid_pay_fen - self.acct_refund_fen - self.acct_mulaid_refund_fen

    @property
    def payout_fen(self) -> int:
        """What accounts pays out of institution clearing for it: nothing when the refunds were more."""
        return max(self.owed_fen, 0)

    @property
    def label(self) -> str:
        start = self.start.isoformat() if self.start else ""
        return f"{start}/{self.end.isoformat()}"


def payout_request_id(p: ClearingPeriod) -> str:
    """The accounts request id of a period's payout: derived from its close record, the same on every attempt."""
    return f"period-{p.id}-payout"


def require_closable(end: dt.datetime, now: dt.datetime, last_end: dt.datetime | None) -> None:
    """A period ends no later than now, and after the last closed one (closing at the same end is answered by it)."""
    if end > now:
        raise InvalidArgument([FieldViolation("period_end", "must not be in the future")])
    if last_end is not None and end < last_end:
        raise DomainError(
            Reason.PERIOD_CLOSED, f"(closed through {last_end.isoformat()})", {"closed_through": last_end.isoformat()}
        )


def require_reversible(
    s: Settlement, now: dt.datetime, closed_through: dt.datetime | None, p: SettlementPolicy
) -> None:
    """冲正 only within the settlement day (in China) of the request, and never once its period is closed: after
    that the integrator refunds."""
    happened = s.completed_at or s.created_at
    if happened is not None and closed_through is not None and happened < closed_through:
        raise DomainError(Reason.PERIOD_CLOSED, metadata={"settlement_id": s.id})
    if s.created_at is not None and p.settlement_day(s.created_at) != p.settlement_day(now):
        raise DomainError(Reason.REVERSAL_WINDOW_CLOSED, metadata={"settlement_id": s.id})
