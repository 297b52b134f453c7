"""Taking a refund back (the settlement service's 冲正 of a refund, 2601): what went back to the payer's own account
and to the pool (or, the pool dissolved, to its creator) returns to institution clearing, at most what was refunded
from each source, and only if the money is still there. Free of SQL; works on the reservation aggregate."""

from __future__ import annotations

from collections.abc import Mapping

from services.accounts.domain.allocation import fill_in_order
from services.accounts.domain.journal import INSTITUTION_CLEARING, JournalEntry, Posting, TxnKind
from services.accounts.domain.model import Source
from services.accounts.domain.reservation import (
    Effects,
    PoolState,
    RefundDestination,
    RefundPart,
    Reservation,
    ReservationStatus,
)
from services.common.errors import DomainError, Reason


def take_back(
    r: Reservation,
    amounts: Mapping[Source, int],
    pools: Mapping[int, PoolState],
    available: Mapping[int, int],
) -> tuple[Effects, list[RefundPart]]:
    """The journal entry taking `amounts` back by source, with the legs' refunded amounts lowered; where each part
    was taken from. `available` is what each account can give now (locked)."""
    if r.status is not ReservationStatus.DEBITED:
        raise DomainError(Reason.RESERVATION_ALREADY_FINAL, metadata={"reservation_id": str(r.id)})
    postings: list[Posting] = []
    parts: list[RefundPart] = []
    records_pool: int | None = None
    left = dict(available)
    for source, amount in amounts.items():
        if not amount:
            continue
        legs = [g for g in r.legs if g.source is source and g.account_id is not None and g.refunded_fen]
        if amount > sum(g.refunded_fen for g in legs):
            raise DomainError(Reason.REFUND_EXCEEDS_DEBITED, f"(more than was refunded from {source.value})")
        # the own account's legs one per part: taken back from each what was refunded to it, in leg order
        for leg, take in zip(legs, fill_in_order(amount, [g.refunded_fen for g in legs]), strict=True):
            if not take:
                continue
            destination, account = r.refund_destination(leg, pools)
            if left.get(account, 0) < take:
                raise DomainError(Reason.INSUFFICIENT_FUNDS, "(the refunded money was spent meanwhile)")
            left[account] -= take
            leg.refunded_fen -= take
            to_own = destination is not RefundDestination.FAMILY_POOL
            postings.append(Posting(account, -take, Source.PERSONAL_ACCOUNT if to_own else source))
            parts.append(r.refund_part(leg, destination, take, pools))
            records_pool = records_pool or leg.pool_id
    if not parts:
        raise DomainError(Reason.REFUND_EXCEEDS_DEBITED, "(nothing to take back)")
    postings.append(Posting(INSTITUTION_CLEARING, sum(p.amount_fen for p in parts)))
    entry = JournalEntry(
        TxnKind.REFUND_REVERSAL,
        tuple(postings),
        psn_no=r.payer_psn_no,
        pool_id=records_pool,
        reservation_id=r.id,
        fixmedins_code=r.fixmedins_code,
        description="refund reversed",
    )
    return Effects(journal=[entry]), parts
