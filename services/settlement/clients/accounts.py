"""The settlement service's only way to money: gongji.accounts.v1 over gRPC, with a deadline on every call and
bounded retries of idempotent calls (every mutating call carries a request id derived from our own record)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import grpc

from gongji.accounts.v1 import payment_service_pb2 as apb
from gongji.accounts.v1 import payment_service_pb2_grpc
from gongji.accounts.v1 import reservation_pb2 as rpb
from gongji.common.v1 import common_pb2 as cpb
from services.common.errors import DomainError, Reason
from services.common.rpc import error_info

log = logging.getLogger(__name__)

T = TypeVar("T")

OWN_THEN_POOL = [cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT, cpb.FUNDING_SOURCE_FAMILY_POOL]
# Worth retrying: the call did not happen, or we do not know (and the request id makes a repeat harmless).
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED}


@dataclass(frozen=True)
class Use:
    """How settlement uses one accounts RPC: the request fields it sets, the response fields it reads, and the
    ErrorInfo reasons it acts on. tests/contract/test_consumer.py checks all three against the real service."""

    sets: frozenset[str]
    reads: frozenset[str]
    reasons: frozenset[str] = frozenset()


CONSUMER_CONTRACT: dict[str, Use] = {
    "Reserve": Use(frozenset({"request_id", "payer_psn_no", "amount_fen", "sources", "hold_ttl_seconds",
                              "debit_immediately", "fixmedins_code", "description"}),
                   frozenset({"reservation.reservation_id", "reservation.legs.source", "reservation.legs.debited_fen",
                              "reservation.legs.reserved_fen", "reservation.expires_at",
                              "reservation.payer_personal_available_fen", "reservation.payer_pool_available_fen"}),
                   frozenset({"PERSON_NOT_FOUND", "PERSON_NOT_INSURED", "REQUEST_CANCELLED"})),
    "Debit": Use(frozenset({"request_id", "reservation_id", "amount_fen"}),
                 frozenset({"reservation.legs.source", "reservation.legs.debited_fen",
                            "reservation.payer_personal_available_fen", "reservation.payer_pool_available_fen"}),
                 frozenset({"RESERVATION_EXPIRED", "RESERVATION_ALREADY_FINAL"})),
    "Release": Use(frozenset({"request_id", "reservation_id"}), frozenset({"reservation.status"}),
                   frozenset({"RESERVATION_ALREADY_FINAL"})),
    "Refund": Use(frozenset({"request_id", "reservation_id", "amount_fen"}),
                  frozenset({"parts.source", "parts.amount_fen"}), frozenset({"REFUND_EXCEEDS_DEBITED"})),
    "GetReservation": Use(frozenset({"reservation_id"}),
                          frozenset({"reservation.status", "reservation.debited_fen", "reservation.refunded_fen"})),
    "Fence": Use(frozenset({"request_id"}), frozenset({"already_executed"})),
    "Quote": Use(frozenset({"payer_psn_no", "amount_fen", "sources"}),
                 frozenset({"legs.source", "legs.reserved_fen", "payer_personal_available_fen",
                            "payer_pool_available_fen"}), frozenset({"PERSON_NOT_INSURED"})),
}


class AccountsDeclined(Exception):
    """Accounts said no, definitely (a business rule, or a bad request): nothing happened."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


class AccountsUnreachable(DomainError):
    """No definite answer after the retries: the outcome is unknown until the same call is made again. The POS
    gets UNAVAILABLE (retry with the same pos_txn_id, or reverse)."""

    def __init__(self, step: str) -> None:
        super().__init__(Reason.ACCOUNTS_UNAVAILABLE, metadata={"step": step})


class AccountsClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float, attempts: int) -> None:
        self.stub = payment_service_pb2_grpc.PaymentServiceStub(channel)  # type: ignore[no-untyped-call]
        self.timeout_s = timeout_s
        self.attempts = attempts

    async def _call(self, name: str, fn: Callable[[float], Awaitable[T]], budget_s: float | None) -> T:
        """Runs one idempotent call within the caller's remaining time, retrying what is worth retrying."""
        loop = asyncio.get_running_loop()
        # Never longer than our own attempts allow, however long the POS is willing to wait: recovery counts on it.
        most = self.timeout_s * self.attempts
        deadline = loop.time() + (min(budget_s, most) if budget_s is not None else most)
        delay = 0.05
        for attempt in range(1, self.attempts + 1):
            remaining = deadline - loop.time()
            if remaining <= 0.01:
                break
            try:
                return await fn(min(self.timeout_s, remaining))
            except grpc.aio.AioRpcError as err:
                if err.code() not in RETRYABLE:
                    info = error_info(err)
                    raise AccountsDeclined(info.reason if info else err.code().name, err.details() or "") from err
                log.warning("accounts %s attempt %d failed: %s", name, attempt, err.code().name)
            await asyncio.sleep(min(delay, max(deadline - loop.time(), 0)))
            delay *= 2
        raise AccountsUnreachable(name)

    async def reserve(self, request_id: str, payer: str, amount_fen: int, *, debit_immediately: bool,
                      hold_ttl_seconds: int, fixmedins_code: str, description: str,
                      budget_s: float | None = None) -> rpb.Reservation:
        request = apb.ReserveRequest(request_id=request_id, payer_psn_no=payer, amount_fen=amount_fen,
                                     sources=OWN_THEN_POOL, hold_ttl_seconds=hold_ttl_seconds,
                                     debit_immediately=debit_immediately, fixmedins_code=fixmedins_code,
                                     description=description)
        out: apb.ReserveResponse = await self._call("Reserve", lambda t: self.stub.Reserve(request, timeout=t),
                                                    budget_s)
        return out.reservation

    async def debit(self, request_id: str, reservation_id: str, amount_fen: int,
                    budget_s: float | None = None) -> rpb.Reservation:
        request = apb.DebitRequest(request_id=request_id, reservation_id=reservation_id, amount_fen=amount_fen)
        out: apb.DebitResponse = await self._call("Debit", lambda t: self.stub.Debit(request, timeout=t), budget_s)
        return out.reservation

    async def release(self, request_id: str, reservation_id: str, budget_s: float | None = None) -> rpb.Reservation:
        request = apb.ReleaseRequest(request_id=request_id, reservation_id=reservation_id)
        out: apb.ReleaseResponse = await self._call("Release", lambda t: self.stub.Release(request, timeout=t),
                                                    budget_s)
        return out.reservation

    async def refund(self, request_id: str, reservation_id: str, amount_fen: int,
                     budget_s: float | None = None) -> apb.RefundResponse:
        request = apb.RefundRequest(request_id=request_id, reservation_id=reservation_id, amount_fen=amount_fen)
        return await self._call("Refund", lambda t: self.stub.Refund(request, timeout=t), budget_s)

    async def get_reservation(self, reservation_id: str, budget_s: float | None = None) -> rpb.Reservation:
        request = apb.GetReservationRequest(reservation_id=reservation_id)
        out: apb.GetReservationResponse = await self._call(
            "GetReservation", lambda t: self.stub.GetReservation(request, timeout=t), budget_s)
        return out.reservation

    async def fence(self, request_id: str, budget_s: float | None = None) -> apb.FenceResponse:
        """Bars a request id that has not run, so that it never runs late; tells whether it had run."""
        request = apb.FenceRequest(request_id=request_id)
        out: apb.FenceResponse = await self._call("Fence", lambda t: self.stub.Fence(request, timeout=t), budget_s)
        return out

    async def quote(self, payer: str, amount_fen: int, budget_s: float | None = None) -> apb.QuoteResponse:
        request = apb.QuoteRequest(payer_psn_no=payer, amount_fen=amount_fen, sources=OWN_THEN_POOL)
        return await self._call("Quote", lambda t: self.stub.Quote(request, timeout=t), budget_s)


def paid_by_source(legs: Sequence[rpb.ReservationLeg], field: str) -> tuple[int, int]:
    """(own personal account, family pool) amounts of `field` (reserved_fen or debited_fen) over the legs."""
    own = sum(getattr(leg, field) for leg in legs if leg.source == cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT)
    pool = sum(getattr(leg, field) for leg in legs if leg.source == cpb.FUNDING_SOURCE_FAMILY_POOL)
    return own, pool
