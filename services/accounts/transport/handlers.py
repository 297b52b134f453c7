"""The two shapes of an accounts RPC, as decorators: an idempotent write (one transaction, exactly once per
request_id) and a read (one read-only transaction). Each takes the request's parser; the method name and response
type come from the decorated method itself."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, get_type_hints

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.accounts.storage import act_as
from services.accounts.transport.access import DELEGATED, OWN_CHANNEL
from services.accounts.usecases.env import Env
from services.common.auth import actor
from services.common.gate import KeyedGate
from services.common.idempotency import IdempotentRunner
from services.common.rpc import Ctx, guarded

Req = TypeVar("Req", bound=Message)
Cmd = TypeVar("Cmd")
Resp = TypeVar("Resp", bound=Message)
S = TypeVar("S", bound="Handlers")
Method = Callable[[S, Cmd, AsyncConnection], Awaitable[Resp]]
Handler = Callable[[S, Req, Ctx], Awaitable[Resp]]


class Handlers:
    """What every accounts servicer holds: the engine, the use cases' environment, the idempotency runner."""

    def __init__(self, engine: AsyncEngine, env: Env) -> None:
        self.engine = engine
        self.env = env
        # Requests can carry ID numbers: their stored fingerprints are keyed like every other hash of personal data.
        self.idempotent = IdempotentRunner(engine, "accounts.idempotency_keys", env.id_hash_key)
        self.gate = KeyedGate()


class _ForPayer(Protocol):
    @property
    def payer_psn_no(self) -> str: ...


class _OnReservation(Protocol):
    @property
    def reservation_id(self) -> int: ...


def by_payer(c: _ForPayer) -> str:
    """A payment's contention key: its payer, whose account rows it locks."""
    return "payer:" + c.payer_psn_no


def by_reservation(c: _OnReservation) -> str:
    return f"reservation:{c.reservation_id}"


def write(
    parse: Callable[[Req], Cmd], contended: Callable[[Cmd], str] | None = None
) -> Callable[[Method[S, Cmd, Resp]], Handler[S, Req, Resp]]:
    """An idempotent write: parse, then run the method in one transaction that also stores its outcome. With
    `contended`, requests with the same key pass the handlers' gate a few at a time (services/common/gate.py)."""

    def decorate(method: Method[S, Cmd, Resp]) -> Handler[S, Req, Resp]:
        name, response_type = method.__name__, get_type_hints(method)["return"]

        @guarded
        @functools.wraps(method)
        async def handler(self: S, request: Req, context: Ctx) -> Resp:
            command = parse(request)
            who = actor(context.invocation_metadata(), OWN_CHANNEL, DELEGATED)

            async def work(conn: AsyncConnection) -> Resp:
                await act_as(conn, who)
                return await method(self, command, conn)

            if contended is None:
                out: Resp = await self.idempotent.run(name, request, response_type, work)
                return out
            async with self.gate.enter(contended(command)):
                gated: Resp = await self.idempotent.run(name, request, response_type, work)
                return gated

        return handler

    return decorate


def read(parse: Callable[[Req], Cmd]) -> Callable[[Method[S, Cmd, Resp]], Handler[S, Req, Resp]]:
    """A read: parse, then run the method in one read-only, repeatable-read transaction."""

    def decorate(method: Method[S, Cmd, Resp]) -> Handler[S, Req, Resp]:
        @guarded
        @functools.wraps(method)
        async def handler(self: S, request: Req, context: Ctx) -> Resp:
            command = parse(request)
            async with self.engine.connect() as conn:
                # One snapshot for every statement of the read (a page of records and the balances it carries agree),
                # and the database refuses any write.
                await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                async with conn.begin():
                    return await method(self, command, conn)

        return handler

    return decorate
