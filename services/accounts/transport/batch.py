"""Group commit of Reserve (services/common/batching.py): the Reserves that arrive together run in one transaction —
their stored outcomes looked up first (a replay does no work), every payer locked and read once, the new
reservations and their journal entries written in one statement, every outcome saved with them — and each caller
gets its own answer: a reservation, or its own failure (INSUFFICIENT_FUNDS, CREDENTIAL_MISMATCH, ...).

If the batch's transaction fails as a whole (a deadlock, a lock timeout, a constraint that should never fire, a
request id another call took meanwhile), nothing of it stays, and its requests run again one by one as a lone
Reserve runs (IdempotentRunner.run): one bad request then costs only itself. When the database cannot be reached
at all (no pooled connection, the server gone), every request of the batch is told so: nothing was done."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gongji.accounts.v1 import payment_service_pb2 as payment
from services.accounts.domain import commands as cmd
from services.accounts.storage import act_as
from services.accounts.transport import convert as cv
from services.accounts.usecases import payments
from services.accounts.usecases.env import Env
from services.common.batching import Batcher
from services.common.db import transient_error
from services.common.errors import DomainError, Reason
from services.common.idempotency import IdempotentRunner, Outcome, fingerprint

log = logging.getLogger(__name__)

METHOD = "Reserve"  # the method its outcomes are stored under: the same as a lone Reserve's
# At most this many Reserves in one transaction, and this many batch transactions at once.
MAX_BATCH = 64
MAX_IN_FLIGHT = 2

Answer = payment.ReserveResponse | BaseException


@dataclass(frozen=True)
class Item:
    request: payment.ReserveRequest
    command: cmd.Reserve
    actor: str
    fingerprint: bytes

    @property
    def request_id(self) -> str:
        return self.request.request_id


class _Alone(Exception):
    """The batch's transaction cannot stand: run its requests one by one."""


class ReserveBatches:
    def __init__(self, engine: AsyncEngine, env: Env, idempotent: IdempotentRunner) -> None:
        self.engine = engine
        self.env = env
        self.idempotent = idempotent
        self.batcher: Batcher[Item, payment.ReserveResponse] = Batcher(
            self._flush, max_batch=MAX_BATCH, max_in_flight=MAX_IN_FLIGHT
        )

    async def submit(
        self, request: payment.ReserveRequest, command: cmd.Reserve, actor: str
    ) -> payment.ReserveResponse:
        return await self.batcher.submit(Item(request, command, actor, fingerprint(request, self.idempotent.key)))

    async def _flush(self, items: Sequence[Item]) -> list[Answer]:
        answers: list[Answer | None] = [None] * len(items)
        # The same request id twice in one batch: the first runs in the batch, the others after it (as replays).
        first: dict[str, int] = {}
        together = [k for k, item in enumerate(items) if first.setdefault(item.request_id, k) == k]
        later = [k for k in range(len(items)) if first[items[k].request_id] != k]
        try:
            outcomes = await self._together([items[k] for k in together])
        except Exception as exc:  # noqa: BLE001 - sorted below: told to every caller, or one by one
            unreachable = isinstance(exc, PoolTimeout) or _reason(exc) is Reason.DATABASE_UNAVAILABLE
            if unreachable:
                return [transient_error(exc) or exc] * len(items)
            if not isinstance(exc, _Alone):
                log.warning(
                    "a batch of %d Reserves failed as a whole (%s): one by one", len(together), type(exc).__name__
                )
            later = together + later
        else:
            for k, outcome in zip(together, outcomes, strict=True):
                if outcome is None:
                    later.append(k)
                else:
                    answers[k] = outcome
        for k in sorted(later):
            answers[k] = await self._alone(items[k])
        assert all(a is not None for a in answers)
        return [a for a in answers if a is not None]

    async def _together(self, items: Sequence[Item]) -> list[Answer | None]:
        """One transaction for the batch; None for a request left to run alone."""
        async with self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            async with raw.transaction():
                stored = await self.idempotent.lookup_many(raw, [item.request_id for item in items])
                answers: list[Answer | None] = [None] * len(items)
                fresh: list[int] = []
                for k, item in enumerate(items):
                    found = stored.get(item.request_id)
                    if found is None:
                        fresh.append(k)
                        continue
                    try:
                        answers[k] = self.idempotent.replay(found, METHOD, item.fingerprint, payment.ReserveResponse)
                    except DomainError as failure:
                        answers[k] = failure
                done = await payments.reserve_many(
                    raw, self.env, [payments.BatchedReserve(items[k].command, items[k].actor) for k in fresh]
                )
                to_save: list[Outcome] = []
                for k, outcome in zip(fresh, done, strict=True):
                    item = items[k]
                    if outcome is None:
                        continue
                    if isinstance(outcome, DomainError):
                        answers[k] = outcome
                        to_save.append(Outcome(item.request_id, METHOD, item.fingerprint, error=outcome))
                    else:
                        response = payment.ReserveResponse(reservation=cv.reservation(outcome))
                        answers[k] = response
                        to_save.append(
                            Outcome(item.request_id, METHOD, item.fingerprint, response=response.SerializeToString())
                        )
                saved = await self.idempotent.save_many(raw, to_save)
                if len(saved) != len(to_save):
                    raise _Alone  # another call with one of these request ids (or a fence) came first
        return answers

    async def _alone(self, item: Item) -> Answer:
        async def work(conn: AsyncConnection) -> payment.ReserveResponse:
            await act_as(conn, item.actor)
            view = await payments.reserve(conn, self.env, item.command)
            return payment.ReserveResponse(reservation=cv.reservation(view))

        try:
            return await self.idempotent.run(METHOD, item.request, payment.ReserveResponse, work)
        except Exception as exc:  # noqa: BLE001 - its caller's answer
            return transient_error(exc) or exc


def _reason(exc: BaseException) -> Reason | None:
    found = transient_error(exc)
    return found.reason if found else None
