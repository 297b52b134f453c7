"""Accounts' answers as settlement's own types (domain/accounts.py), each reading only the fields
clients/accounts.py's CONSUMER_CONTRACT declares (tests/contract/test_consumer.py checks it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from gongji.accounts.v1 import payment_service_pb2 as apb
from gongji.accounts.v1 import reservation_pb2 as rpb
from gongji.common.v1 import common_pb2 as cpb
from services.settlement.domain.accounts import (
    Balances,
    FenceOutcome,
    Hold,
    HoldState,
    HoldStatus,
    Parts,
    Payment,
    Quote,
    RefundOutcome,
)
from services.settlement.domain.model import Shortfall, Source

# Settlement's account sources as accounts names them (cash is never asked of accounts).
SOURCES = {
    Source.PERSONAL_ACCOUNT: cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT,
    Source.FAMILY_POOL: cpb.FUNDING_SOURCE_FAMILY_POOL,
}


# ---------------------------------------------------------------- answers, reading only what CONSUMER_CONTRACT declares


def _by_source(legs: Sequence[rpb.ReservationLeg], field: str) -> Parts:
    """`field` (reserved_fen or debited_fen) of the legs, by source."""
    return Parts(
        own_fen=sum(getattr(leg, field) for leg in legs if leg.source == cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT),
        pool_fen=sum(getattr(leg, field) for leg in legs if leg.source == cpb.FUNDING_SOURCE_FAMILY_POOL),
    )


def _shortfalls(legs: Sequence[rpb.ReservationLeg]) -> tuple[Shortfall, ...]:
    """Why each requested source gave less than was still needed (legs without a reason gave all that was needed)."""
    by_source = {v: k for k, v in SOURCES.items()}
    return tuple(
        Shortfall(by_source[leg.source], leg.shortfall_reason)
        for leg in legs
        if leg.shortfall_reason and leg.source in by_source
    )


def _payer(r: rpb.Reservation | apb.QuoteResponse) -> Balances:
    return Balances(own_available_fen=r.payer_personal_available_fen, pool_available_fen=r.payer_pool_available_fen)


def _status(value: int) -> HoldStatus:
    name = rpb.ReservationStatus.Name(value).removeprefix("RESERVATION_STATUS_")  # type: ignore[arg-type]
    return HoldStatus(name) if name in HoldStatus.__members__ else HoldStatus.UNSPECIFIED


def hold(out: apb.ReserveResponse) -> Hold:
    r = out.reservation
    return Hold(
        reservation_id=r.reservation_id,
        reserved=_by_source(r.legs, "reserved_fen"),
        debited=_by_source(r.legs, "debited_fen"),
        expires_at=r.expires_at.ToDatetime(dt.UTC) if r.HasField("expires_at") else None,
        payer=_payer(r),
        shortfalls=_shortfalls(r.legs),
    )


def payment(out: apb.DebitResponse) -> Payment:
    return Payment(debited=_by_source(out.reservation.legs, "debited_fen"), payer=_payer(out.reservation))


def released(out: apb.ReleaseResponse) -> HoldStatus:
    return _status(out.reservation.status)


def refunded(out: apb.RefundResponse) -> RefundOutcome:
    own = sum(p.amount_fen for p in out.parts if p.source == cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT)
    pool = sum(p.amount_fen for p in out.parts if p.source == cpb.FUNDING_SOURCE_FAMILY_POOL)
    to_creator = sum(
        p.amount_fen for p in out.parts if p.destination == rpb.REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT
    )
    return RefundOutcome(own_fen=own, pool_fen=pool, to_creator_fen=to_creator)


def hold_state(out: apb.GetReservationResponse) -> HoldState:
    r = out.reservation
    return HoldState(
        status=_status(r.status),
        debited_fen=r.debited_fen,
        refunded_fen=r.refunded_fen,
        debited=_by_source(r.legs, "debited_fen"),
    )


def fenced(out: apb.FenceResponse) -> FenceOutcome:
    return FenceOutcome(out.already_executed, out.reservation_id)


def quote(out: apb.QuoteResponse) -> Quote:
    return Quote(reserved=_by_source(out.legs, "reserved_fen"), payer=_payer(out), shortfalls=_shortfalls(out.legs))


def taken_back(out: apb.ReverseRefundResponse) -> int:
    return sum(p.amount_fen for p in out.parts)


def paid_out(out: apb.PayOutClearingResponse) -> int:
    return int(out.clearing_fen)


# How each RPC's answer becomes settlement's own type (tests/contract/test_consumer.py checks that each reads no
# more than CONSUMER_CONTRACT declares).
ANSWERS: dict[str, Callable[[Any], object]] = {
    "Reserve": hold,
    "Debit": payment,
    "Release": released,
    "Refund": refunded,
    "GetReservation": hold_state,
    "Fence": fenced,
    "Quote": quote,
    "PayOutClearing": paid_out,
    "ReverseRefund": taken_back,
}


def batched(out: apb.BatchResponse) -> list[object]:
    """A Batch's answers, each read as its lone call's (None: not answered, the item goes alone)."""
    answers: list[object] = []
    for result in out.results:
        kind = result.WhichOneof("outcome")
        answers.append(ANSWERS[kind.capitalize()](getattr(result, kind)) if kind else None)
    return answers


ANSWERS["Batch"] = batched
