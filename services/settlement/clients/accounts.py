"""The settlement service's only way to money: gongji.accounts.v1 over gRPC, with a deadline on every call and
bounded retries of idempotent calls (every mutating call carries a request id derived from our own record). The only
module of settlement that knows accounts' protobuf: every answer leaves it as a type of domain/accounts.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from gongji.accounts.v1 import payment_service_pb2 as apb
from gongji.accounts.v1 import payment_service_pb2_grpc
from gongji.accounts.v1 import reservation_pb2 as rpb
from gongji.common.v1 import common_pb2 as cpb
from services.common.credentials import Credential
from services.common.observability import passed_on
from services.common.rpc import error_info, retry_delay
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
from services.settlement.domain.model import Shortfall, Source

log = logging.getLogger(__name__)


# Settlement's account sources as accounts names them (cash is never asked of accounts).
SOURCES = {
    Source.PERSONAL_ACCOUNT: cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT,
    Source.FAMILY_POOL: cpb.FUNDING_SOURCE_FAMILY_POOL,
}
# A definite answer: accounts ran the call and said no, or could not take it as sent. Every other status — unavailable,
# deadline exceeded, aborted, cancelled by an accounts instance shutting down, internal, unknown, a certificate being
# rotated — leaves the outcome unknown or passing: the same request id is tried again (accounts runs it at most once)
# and, out of attempts, the settlement stays pending for the POS's retry or the recovery worker. Never a decline: a
# payment accounts may have made must not be told "declined".
DEFINITE = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.OUT_OF_RANGE,
}


@dataclass(frozen=True)
class Use:
    """How settlement uses one accounts RPC: the request fields it sets, the response fields it reads, and the
    ErrorInfo reasons it acts on. tests/contract/test_consumer.py checks all three against the real service."""

    sets: frozenset[str]
    reads: frozenset[str]
    reasons: frozenset[str] = frozenset()


def _names(names: str) -> frozenset[str]:
    return frozenset(names.split())


CONSUMER_CONTRACT: dict[str, Use] = {
    "Reserve": Use(
        _names(
            "amount_fen credential debit_immediately description fixmedins_code hold_ttl_seconds mdtrtarea_admvs "
            "payer_psn_no request_id sources"
        ),
        _names(
            "reservation.expires_at reservation.legs.debited_fen reservation.legs.reserved_fen "
            "reservation.legs.shortfall_reason reservation.legs.source reservation.payer_personal_available_fen "
            "reservation.payer_pool_available_fen reservation.reservation_id"
        ),
        _names("CREDENTIAL_MISMATCH PERSON_NOT_FOUND PERSON_NOT_INSURED REQUEST_CANCELLED"),
    ),
    "Debit": Use(
        _names("amount_fen request_id reservation_id"),
        _names(
            "reservation.legs.debited_fen reservation.legs.source reservation.payer_personal_available_fen "
            "reservation.payer_pool_available_fen"
        ),
        _names("RESERVATION_ALREADY_FINAL RESERVATION_EXPIRED"),
    ),
    "Release": Use(
        _names("request_id reservation_id"), _names("reservation.status"), _names("RESERVATION_ALREADY_FINAL")
    ),
    "Refund": Use(
        _names("amount_fen request_id reservation_id"),
        _names("parts.amount_fen parts.destination parts.source"),
        _names("REFUND_EXCEEDS_DEBITED"),
    ),
    "GetReservation": Use(
        _names("reservation_id"),
        _names(
            "reservation.debited_fen reservation.legs.debited_fen reservation.legs.source reservation.refunded_fen "
            "reservation.status"
        ),
    ),
    "Fence": Use(_names("request_id"), _names("already_executed reservation_id")),
    "ReverseRefund": Use(
        _names("family_pool_fen personal_account_fen request_id reservation_id"),
        _names("parts.amount_fen"),
        _names("INSUFFICIENT_FUNDS"),
    ),
    "PayOutClearing": Use(
        _names("amount_fen fixmedins_code period request_id"), _names("clearing_fen"), _names("INSUFFICIENT_FUNDS")
    ),
    "Quote": Use(
        _names("amount_fen credential mdtrtarea_admvs payer_psn_no sources"),
        _names(
            "legs.reserved_fen legs.shortfall_reason legs.source payer_personal_available_fen payer_pool_available_fen"
        ),
        _names("CREDENTIAL_MISMATCH PERSON_NOT_INSURED"),
    ),
}


MAX_RETRY_DELAY_S = 1.0  # the longest pause between attempts (doubling from 50 ms) unless RetryInfo says otherwise


class AccountsClient:
    """gongji.accounts.v1.PaymentService, as settlement uses it (implements usecases/ports.py: Accounts)."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float, attempts: int) -> None:
        self.stub = payment_service_pb2_grpc.PaymentServiceStub(channel)  # type: ignore[no-untyped-call]
        self.timeout_s = timeout_s
        self.attempts = attempts

    async def _call(self, name: str, request: Any, budget_s: float | None) -> Any:
        """Runs one idempotent call of accounts' `name`, trying again what is worth it until `budget_s` is spent (the
        POS's wait; None: `timeout_s` × `attempts`, for work nobody waits on); each attempt at most `timeout_s`, after
        RetryInfo's delay when accounts gives one. The channel waits for readiness: a restarted accounts is used once
        it is up. Each attempt carries the current work's correlation id and actor (`passed_on`)."""
        method = getattr(self.stub, name)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (budget_s if budget_s is not None else self.timeout_s * self.attempts)
        delay, attempt = 0.05, 0
        while (remaining := deadline - loop.time()) > 0.01:
            attempt += 1
            try:
                return await method(request, timeout=min(self.timeout_s, remaining), metadata=passed_on())
            except grpc.aio.AioRpcError as err:
                if err.code() in DEFINITE:
                    info = error_info(err)
                    raise AccountsDeclined(info.reason if info else err.code().name, err.details() or "") from err
                log.warning("accounts %s attempt %d failed: %s", name, attempt, err.code().name)
                pause = retry_delay(err) or delay
            await asyncio.sleep(min(pause, max(deadline - loop.time(), 0)))
            delay = min(delay * 2, MAX_RETRY_DELAY_S)
        raise AccountsUnreachable(name)

    async def reserve(self, c: ReserveCall, *, budget_s: float | None = None) -> Hold:
        request = apb.ReserveRequest(
            request_id=c.request_id,
            payer_psn_no=c.payer_psn_no,
            amount_fen=c.amount_fen,
            sources=[SOURCES[x] for x in c.sources],
            hold_ttl_seconds=c.hold_ttl_seconds,
            debit_immediately=c.debit_immediately,
            fixmedins_code=c.fixmedins_code,
            description=c.description,
            credential=credential(c.credential),
            mdtrtarea_admvs=c.visit_region,
        )
        out = await self._call("Reserve", request, budget_s)
        return hold(out)

    async def debit(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> Payment:
        request = apb.DebitRequest(request_id=request_id, reservation_id=reservation_id, amount_fen=amount_fen)
        return payment(await self._call("Debit", request, budget_s))

    async def release(self, request_id: str, reservation_id: str, *, budget_s: float | None = None) -> HoldStatus:
        request = apb.ReleaseRequest(request_id=request_id, reservation_id=reservation_id)
        return released(await self._call("Release", request, budget_s))

    async def refund(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> RefundOutcome:
        request = apb.RefundRequest(request_id=request_id, reservation_id=reservation_id, amount_fen=amount_fen)
        return refunded(await self._call("Refund", request, budget_s))

    async def get_reservation(self, reservation_id: str, *, budget_s: float | None = None) -> HoldState:
        request = apb.GetReservationRequest(reservation_id=reservation_id)
        return hold_state(await self._call("GetReservation", request, budget_s))

    async def fence(self, request_id: str, *, budget_s: float | None = None) -> FenceOutcome:
        """Bars a request id that has not run, so that it never runs late; tells whether it had run."""
        request = apb.FenceRequest(request_id=request_id)
        return fenced(await self._call("Fence", request, budget_s))

    async def reverse_refund(
        self, request_id: str, reservation_id: str, own_fen: int, pool_fen: int, *, budget_s: float | None = None
    ) -> None:
        request = apb.ReverseRefundRequest(
            request_id=request_id,
            reservation_id=reservation_id,
            personal_account_fen=own_fen,
            family_pool_fen=pool_fen,
        )
        taken_back(await self._call("ReverseRefund", request, budget_s))

    async def pay_out_clearing(
        self, request_id: str, fixmedins_code: str, period: str, amount_fen: int, *, budget_s: float | None = None
    ) -> int:
        """Pays the institution out of institution clearing for a closed period; what its clearing holds after."""
        request = apb.PayOutClearingRequest(
            request_id=request_id, fixmedins_code=fixmedins_code, period=period, amount_fen=amount_fen
        )
        out = await self._call("PayOutClearing", request, budget_s)
        return paid_out(out)

    async def quote(
        self,
        payer_psn_no: str,
        amount_fen: int,
        c: Credential,
        sources: tuple[Source, ...],
        *,
        visit_region: str = "",
        budget_s: float | None = None,
    ) -> Quote:
        request = apb.QuoteRequest(
            payer_psn_no=payer_psn_no,
            amount_fen=amount_fen,
            sources=[SOURCES[x] for x in sources],
            credential=credential(c),
            mdtrtarea_admvs=visit_region,
        )
        return quote(await self._call("Quote", request, budget_s))


def credential(c: Credential) -> apb.Credential:
    """The payer's credential as accounts takes it: accounts' enum (gongji.common.v1.MdtrtCertType) has the same
    names and numbers as the POS's (gongji.settlement.v1.MdtrtCertType)."""
    return apb.Credential(mdtrt_cert_type="MDTRT_CERT_TYPE_" + c.cert_type.value, mdtrt_cert_no=c.cert_no)


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
