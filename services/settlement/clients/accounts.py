"""The settlement service's only way to money: gongji.accounts.v1 over gRPC, with a deadline on every call and
bounded retries of idempotent calls (every mutating call carries a request id derived from our own record). The only
module of settlement that knows accounts' protobuf, with clients/answers.py: every answer leaves as a type of
domain/accounts.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from gongji.accounts.v1 import payment_service_pb2 as apb
from gongji.accounts.v1 import payment_service_pb2_grpc
from services.common.actors import acting_as
from services.common.batching import ALONE, Batcher
from services.common.credentials import Credential
from services.common.observability import passed_on
from services.common.rpc import error_info, retry_delay
from services.settlement.clients.answers import (
    SOURCES,
    fenced,
    hold,
    hold_state,
    paid_out,
    payment,
    quote,
    refunded,
    released,
    taken_back,
)
from services.settlement.domain.accounts import (
    AccountsDeclined,
    AccountsUnreachable,
    FenceOutcome,
    Hold,
    HoldState,
    HoldStatus,
    Payment,
    Quote,
    RefundOutcome,
    ReserveCall,
)
from services.settlement.domain.model import Source

log = logging.getLogger(__name__)


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

# The calls a Batch carries, each in the item's (and its result's) field of its name in lower case; it reads of each
# result what the lone call's answer is read for.
BATCHED = ("Reserve", "Debit", "Release")
CONSUMER_CONTRACT["Batch"] = Use(
    _names("items"),
    frozenset(f"results.{name.lower()}.{path}" for name in BATCHED for path in CONSUMER_CONTRACT[name].reads),
)


MAX_RETRY_DELAY_S = 1.0  # the longest pause between attempts (doubling from 50 ms) unless RetryInfo says otherwise


# The most calls one Batch carries (accounts takes at most 64: payment_service.proto).
MAX_BATCH = 64
NO_BATCHES_S = (
    60.0  # after accounts said it has no Batch (an older version), how long calls go alone before asking again
)
MIN_WAIT_S = 0.05  # a call with less time left than this goes alone (its attempt ends at once), not in a Batch


@dataclass(frozen=True)
class _Queued:
    """A Reserve, Debit or Release waiting for company: sent in the next Batch, or alone."""

    name: str
    request: Any
    deadline: float  # the event loop's clock: when its caller stops waiting
    actor: str  # for whom (acting_as where it was asked)


class AccountsClient:
    """gongji.accounts.v1.PaymentService, as settlement uses it (implements usecases/ports.py: Accounts).

    Reserves, Debits and Releases asked at the same moment travel together, as one Batch call (group commit,
    services/common/batching.py: a call that finds none running goes at once, alone; while one runs, the next
    waits a few milliseconds for company), which accounts runs as its group commits: one call and one transaction
    for many payments instead of one each. An item the batch does not answer (accounts refused it, or could not run
    it with the others), and the whole batch when its call fails, is sent alone with its own retries: its request id
    makes the second sending a replay where the first was done."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float, attempts: int) -> None:
        self.stub = payment_service_pb2_grpc.PaymentServiceStub(channel)  # type: ignore[no-untyped-call]
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.batcher: Batcher[_Queued, Any] = Batcher(self._batch, alone=self._alone, max_batch=MAX_BATCH)
        self._no_batches_until = 0.0  # the event loop's clock

    def _deadline(self, budget_s: float | None) -> float:
        """When a call's caller stops waiting: `budget_s` from now (the POS's wait; None: `timeout_s` × `attempts`,
        for work nobody waits on)."""
        wait = budget_s if budget_s is not None else self.timeout_s * self.attempts
        return asyncio.get_running_loop().time() + wait

    async def _payment(self, name: str, request: Any, budget_s: float | None) -> Any:
        """A Reserve, Debit or Release: with the others of the moment, in one Batch."""
        return await self.batcher.submit(_Queued(name, request, self._deadline(budget_s), acting_as.get()))

    async def _batch(self, queued: Sequence[_Queued]) -> list[Any]:
        """One Batch call for the queued calls; an item it does not answer, or all when it fails, goes alone."""
        now = asyncio.get_running_loop().time()
        answers: list[Any] = [ALONE] * len(queued)
        sent = [k for k, q in enumerate(queued) if q.deadline - now > MIN_WAIT_S]  # the others: out of time alone
        if len(sent) < 2 or now < self._no_batches_until:
            return answers
        wait = min(self.timeout_s, min(queued[k].deadline for k in sent) - now)
        items = [apb.BatchItem(on_behalf_of=q.actor, **{q.name.lower(): q.request}) for q in (queued[k] for k in sent)]
        try:
            out = await self.stub.Batch(apb.BatchRequest(items=items), timeout=wait)
        except grpc.aio.AioRpcError as err:
            if err.code() == grpc.StatusCode.UNIMPLEMENTED:  # an accounts older than Batch, in a rolling upgrade
                self._no_batches_until = now + NO_BATCHES_S
                log.warning("accounts has no Batch: each call alone for the next %.0f s", NO_BATCHES_S)
            else:
                log.warning("accounts Batch of %d failed: %s; each alone", len(sent), err.code().name)
            return answers
        if len(out.results) == len(sent):
            for k, result in zip(sent, out.results, strict=True):
                outcome = result.WhichOneof("outcome")
                if outcome:
                    answers[k] = getattr(result, outcome)
        return answers

    async def _alone(self, q: _Queued) -> Any:
        return await self._call(q.name, q.request, None, deadline=q.deadline)

    async def _call(self, name: str, request: Any, budget_s: float | None, *, deadline: float | None = None) -> Any:
        """Runs one idempotent call of accounts' `name`, trying again what is worth it until `budget_s` is spent (or
        until `deadline`, on the event loop's clock); each attempt at most `timeout_s`, after RetryInfo's delay when
        accounts gives one. The channel waits for readiness: a restarted accounts is used once it is up. Each attempt
        carries the current work's correlation id and actor (`passed_on`)."""
        method = getattr(self.stub, name)
        loop = asyncio.get_running_loop()
        deadline = deadline if deadline is not None else self._deadline(budget_s)
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
        return hold(await self._payment("Reserve", request, budget_s))

    async def debit(
        self, request_id: str, reservation_id: str, amount_fen: int, *, budget_s: float | None = None
    ) -> Payment:
        request = apb.DebitRequest(request_id=request_id, reservation_id=reservation_id, amount_fen=amount_fen)
        return payment(await self._payment("Debit", request, budget_s))

    async def release(self, request_id: str, reservation_id: str, *, budget_s: float | None = None) -> HoldStatus:
        request = apb.ReleaseRequest(request_id=request_id, reservation_id=reservation_id)
        return released(await self._payment("Release", request, budget_s))

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
