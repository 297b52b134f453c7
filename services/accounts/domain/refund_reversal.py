"""Taking a refund back (the settlement service's 冲正 of a refund, 2601): what went back to the payer's own account
and to the pool (or, the pool dissolved, to its creator) returns to institution clearing, at most what was refunded
from each source, and only if the money is still there. Free of SQL; works on the reservation aggregate."""

from __future__ import annotations

from collections.abc import Mapping

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
    for source, amount in amounts.items():
        if not amount:
            continue
        leg = next((g for g in r.legs if g.source is source and g.account_id is not None), None)
        if leg is None or leg.account_id is None or amount > leg.refunded_fen:
            raise DomainError(Reason.REFUND_EXCEEDS_DEBITED, f"(more than was refunded from {source.value})")
        pool = pools.get(leg.pool_id) if leg.pool_id is not None else None
        destination, account = RefundDestination.PERSONAL_ACCOUNT, leg.account_id
        if source is Source.FAMILY_POOL:
            destination = RefundDestination.FAMILY_POOL
            if pool is not None and pool.dissolved:
                destination, account = RefundDestination.CREATOR_PERSONAL_ACCOUNT, pool.creator_account_id
        if available.get(account, 0) < amount:
            raise DomainError(Reason.INSUFFICIENT_FUNDS, "(the refunded money was spent meanwhile)")
        leg.refunded_fen -= amount
        tag = Source.PERSONAL_ACCOUNT if destination is RefundDestination.CREATOR_PERSONAL_ACCOUNT else source
        postings.append(Posting(account, -amount, tag))
        parts.append(RefundPart(source, destination, amount))
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
