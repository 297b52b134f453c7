"""Group commit (services/common/batching.py) of the payment writes: the Reserves that arrive together run in one
transaction, and so do the Debits and Releases — their stored outcomes looked up first (a replay does no work),
every row they need locked and read once in the global order, their writes made in one statement, every outcome
saved with them — and each caller gets its own answer: a reservation, or its own failure (INSUFFICIENT_FUNDS,
CREDENTIAL_MISMATCH, RESERVATION_ALREADY_FINAL, ...).

If the batch's transaction fails as a whole (a deadlock, a lock timeout, a constraint that should never fire, a
request id another call took meanwhile), nothing of it stays, and its requests run again each alone, as a lone
write runs (IdempotentRunner.run), each in its own caller's task: one bad request then costs only itself. A batch
waits at most BATCH_LOCK_TIMEOUT_MS for a row another transaction holds (another batch holds its rows for
milliseconds; a row held longer is a slow transaction elsewhere, or an operator's session): past that, its requests
run alone, so that only the request that needs the held row waits for it (up to the usual lock timeout), and the
batch's other payers do not, nor does the next batch. When the database cannot be reached at all (no pooled
connection, the server gone), every request of the batch is told so: nothing was done."""

from __future__ import annotations

import abc
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg
from google.protobuf.message import Message
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gongji.accounts.v1 import payment_service_pb2 as payment
from services.accounts.domain import commands as cmd
from services.accounts.storage import act_as
from services.accounts.transport import convert as cv
from services.accounts.transport import parse
from services.accounts.usecases import payments
from services.accounts.usecases.env import Env
from services.accounts.views import ReservationView
from services.common.batching import ALONE, Batcher, RunAlone
from services.common.db import driver, transient_error
from services.common.errors import DomainError, Reason
from services.common.idempotency import IdempotentRunner, Outcome, fingerprint

log = logging.getLogger(__name__)

# At most this many requests in one transaction, and this many batch transactions at once (of each kind).
MAX_BATCH = parse.BATCH_ITEMS
MAX_IN_FLIGHT = 2
BATCH_LOCK_TIMEOUT_MS = 300

C = TypeVar("C")  # the parsed command
M = TypeVar("M", bound=Message)
Answer = Message | BaseException


@dataclass(frozen=True)
class Item(Generic[C]):
    method: str  # the RPC, which its outcome is stored under: the same as a lone call's
    request: Message
    command: C
    actor: str
    fingerprint: bytes

    @property
    def request_id(self) -> str:
        rid: str = self.request.request_id  # type: ignore[attr-defined]
        return rid


class _Alone(Exception):
    """The batch's transaction cannot stand: run its requests one by one."""


class GroupCommit(abc.ABC, Generic[C]):
    """What every batched write shares; a kind of write says how a batch is decided (`_decide`) and how one
    request runs alone (`_lone`)."""

    responses: dict[str, type[Message]]  # method -> its response type

    def __init__(self, engine: AsyncEngine, env: Env, idempotent: IdempotentRunner) -> None:
        self.engine = engine
        self.env = env
        self.idempotent = idempotent
        self.batcher: Batcher[Item[C], Message] = Batcher(
            self._flush, alone=self._alone, max_batch=MAX_BATCH, max_in_flight=MAX_IN_FLIGHT
        )

    async def submit(self, method: str, request: Message, command: C, actor: str, response_type: type[M]) -> M:
        """`method`'s answer to one request (`response_type`: its response type), or its failure raised."""
        answer = await self.batcher.submit(self.item(method, request, command, actor))
        assert isinstance(answer, response_type)
        return answer

    def item(self, method: str, request: Message, command: C, actor: str) -> Item[C]:
        return Item(method, request, command, actor, fingerprint(request, self.idempotent.key))

    async def formed(self, items: Sequence[Item[C]]) -> list[Message | None]:
        """A batch that came in one call, flushed at once: each request's response, or None for one to be sent alone
        (its own failure, stored for the replay; or a batch that could not stand), so that a request that must wait
        for a row held elsewhere holds up none of the others."""
        outcomes = await self.batcher.formed(items) if items else []
        return [outcome if isinstance(outcome, Message) else None for outcome in outcomes]

    async def _flush(self, items: Sequence[Item[C]]) -> list[Answer | RunAlone]:
        answers: list[Answer | None] = [None] * len(items)
        # The same request id twice in one batch: the first runs in the batch, the others alone after it (replays).
        first: dict[str, int] = {}
        together = [k for k, item in enumerate(items) if first.setdefault(item.request_id, k) == k]
        try:
            outcomes = await self._together([items[k] for k in together])
        except Exception as exc:  # noqa: BLE001 - sorted below: told to every caller, or each runs alone
            unreachable = isinstance(exc, PoolTimeout) or _reason(exc) is Reason.DATABASE_UNAVAILABLE
            if unreachable:
                return [transient_error(exc) or exc] * len(items)
            if not isinstance(exc, _Alone):
                log.warning(
                    "a batch of %d %s failed as a whole (%s): each alone",
                    len(together),
                    type(self).__name__,
                    type(exc).__name__,
                )
        else:
            for k, outcome in zip(together, outcomes, strict=True):
                answers[k] = outcome
        # Left to run alone: each in its caller's task, after this batch (a repeated request id then replays).
        return [ALONE if a is None else a for a in answers]

    async def _together(self, items: Sequence[Item[C]]) -> list[Answer | None]:
        """One transaction for the batch; None for a request left to run alone."""
        async with self.engine.connect() as conn:
            raw = await driver(conn)
            async with raw.transaction():
                await raw.execute(f"SET LOCAL lock_timeout = {BATCH_LOCK_TIMEOUT_MS}")
                stored = await self.idempotent.lookup_many(raw, [item.request_id for item in items])
                answers: list[Answer | None] = [None] * len(items)
                fresh: list[int] = []
                for k, item in enumerate(items):
                    found = stored.get(item.request_id)
                    if found is None:
                        fresh.append(k)
                        continue
                    try:
                        answers[k] = self.idempotent.replay(
                            found, item.method, item.fingerprint, self.responses[item.method]
                        )
                    except DomainError as failure:
                        answers[k] = failure
                done = await self._decide(raw, [items[k] for k in fresh])
                to_save: list[Outcome] = []
                for k, outcome in zip(fresh, done, strict=True):
                    item = items[k]
                    if outcome is None:
                        continue
                    answers[k] = outcome
                    if isinstance(outcome, DomainError):
                        to_save.append(Outcome(item.request_id, item.method, item.fingerprint, error=outcome))
                    else:
                        response = outcome.SerializeToString()
                        to_save.append(Outcome(item.request_id, item.method, item.fingerprint, response=response))
                saved = await self.idempotent.save_many(raw, to_save)
                if len(saved) != len(to_save):
                    raise _Alone  # another call with one of these request ids (or a fence) came first
        return answers

    @abc.abstractmethod
    async def _decide(self, conn: asyncpg.Connection, items: Sequence[Item[C]]) -> list[Message | DomainError | None]:
        """Each request's response, its own failure, or None when it must run alone."""

    @abc.abstractmethod
    async def _lone(self, conn: AsyncConnection, item: Item[C]) -> Message:
        """One request run alone, in the transaction IdempotentRunner.run gives it."""

    async def _alone(self, item: Item[C]) -> Message:
        async def work(conn: AsyncConnection) -> Message:
            await act_as(conn, item.actor)
            return await self._lone(conn, item)

        try:
            return await self.idempotent.run(item.method, item.request, self.responses[item.method], work)
        except Exception as exc:  # noqa: BLE001 - a database out of reach is told as such
            told = transient_error(exc)
            if told is None:
                raise
            raise told from exc


class ReserveBatches(GroupCommit[cmd.Reserve]):
    """Reserves: every payer's accounts locked once, each payment seeing what the earlier ones took."""

    responses = {"Reserve": payment.ReserveResponse}

    async def _decide(
        self, conn: asyncpg.Connection, items: Sequence[Item[cmd.Reserve]]
    ) -> list[Message | DomainError | None]:
        done = await payments.reserve_many(
            conn, self.env, [payments.Batched(item.command, item.actor) for item in items]
        )
        return [
            payment.ReserveResponse(reservation=cv.reservation(view)) if isinstance(view, ReservationView) else view
            for view in done
        ]

    async def _lone(self, conn: AsyncConnection, item: Item[cmd.Reserve]) -> Message:
        return payment.ReserveResponse(reservation=cv.reservation(await payments.reserve(conn, self.env, item.command)))


class ChangeBatches(GroupCommit[payments.Change]):
    """Debits and Releases: every reservation locked once, then every account they touch, in the global order; a
    request on a reservation an earlier one of the batch changed sees the change."""

    responses = {"Debit": payment.DebitResponse, "Release": payment.ReleaseResponse}

    async def _decide(
        self, conn: asyncpg.Connection, items: Sequence[Item[payments.Change]]
    ) -> list[Message | DomainError | None]:
        done = await payments.change_many(
            conn, self.env, [payments.Batched(item.command, item.actor) for item in items]
        )
        return [
            _changed(item.method, view) if isinstance(view, ReservationView) else view
            for item, view in zip(items, done, strict=True)
        ]

    async def _lone(self, conn: AsyncConnection, item: Item[payments.Change]) -> Message:
        c = item.command
        if isinstance(c, cmd.Debit):
            return _changed(item.method, await payments.debit(conn, self.env, c))
        return _changed(item.method, await payments.release(conn, self.env, c))


def _changed(method: str, view: ReservationView) -> Message:
    if method == "Debit":
        return payment.DebitResponse(reservation=cv.reservation(view))
    return payment.ReleaseResponse(reservation=cv.reservation(view))


def _reason(exc: BaseException) -> Reason | None:
    found = transient_error(exc)
    return found.reason if found else None
