"""Idempotent writes keyed by the caller's request id, stored in the same DB transaction as the effect.

A replay of the same request returns the stored outcome, failures included; the same id with a different request
(or for a different method) is REQUEST_ID_REUSED. Each service keeps its own table of this shape:

    request_id text PRIMARY KEY, method text, fingerprint bytea, response bytea,
    error_reason text, error_detail text, error_metadata jsonb, created_at timestamptz
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from google.protobuf.message import Message
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError, Reason

M = TypeVar("M", bound=Message)

# The method recorded for a request id that was barred before any call with it ran.
FENCE_METHOD = "*fence*"


def fingerprint(request: Message, key: bytes = b"") -> bytes:
    """Hash of the request without its request_id: what must be equal for a call to count as a replay. Keyed (HMAC)
    when the service has a key: a request can hold an ID number (an invited relative's, a payer's ID card), and a
    plain hash of a request whose other fields are known could be reversed by trying every ID number."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("request_id")  # type: ignore[arg-type]
    data = copy.SerializeToString(deterministic=True)
    return hmac.new(key, data, hashlib.sha256).digest() if key else hashlib.sha256(data).digest()


@dataclass(frozen=True)
class Outcome:
    """One request's outcome as a batch stores it: its response (serialized) or its failure."""

    request_id: str
    method: str
    fingerprint: bytes
    response: bytes | None = None
    error: DomainError | None = None


@dataclass(frozen=True)
class Fenced:
    """What a fence found: "fenced" (no call with the id had run; none ever will), "failed" or "executed"; for an
    executed call, its method and its stored response (serialized)."""

    state: str
    method: str = ""
    response: bytes = b""


class IdempotentRunner:
    """Runs one mutating RPC in one transaction, exactly once per request id."""

    def __init__(self, engine: AsyncEngine, table: str, key: bytes = b"") -> None:
        self.engine = engine
        self.key = key  # of the request fingerprints (see fingerprint)
        self._lookup_sql = text(
            f"SELECT method, fingerprint, response, error_reason, error_detail, error_metadata "
            f"FROM {table} WHERE request_id = :request_id"
        )
        self._lookup_many_sql = (
            f"SELECT request_id, method, fingerprint, response, error_reason, error_detail, error_metadata "
            f"FROM {table} WHERE request_id = ANY($1::text[])"
        )
        self._save_many_sql = (
            f"INSERT INTO {table} (request_id, method, fingerprint, response, error_reason, error_detail, "
            f"error_metadata) SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::text[], "
            f"$6::text[], $7::jsonb[]) ON CONFLICT (request_id) DO NOTHING RETURNING request_id"
        )
        self._save_sql = text(
            f"INSERT INTO {table} (request_id, method, fingerprint, response, error_reason, error_detail, "
            f"error_metadata) VALUES (:request_id, :method, :fingerprint, :response, :error_reason, :error_detail, "
            f"CAST(:error_metadata AS jsonb)) "
            f"ON CONFLICT (request_id) DO NOTHING RETURNING request_id"
        )

    async def run(
        self, method: str, request: Message, response_type: type[M], work: Callable[[AsyncConnection], Awaitable[M]]
    ) -> M:
        rid: str = request.request_id  # type: ignore[attr-defined]
        fp = fingerprint(request, self.key)
        async with self.engine.connect() as conn:
            failure: DomainError | None = None
            async with conn.begin() as trans:
                # No lookup first: a new request (the common case) saves a round trip. A replay does the work
                # again inside this transaction, finds its request id taken when saving, rolls back and answers
                # with the stored outcome.
                try:
                    response = await work(conn)
                except DomainError as err:
                    failure = err
                    await trans.rollback()
                else:
                    if await self._save(conn, rid, method, fp, response=response.SerializeToString()):
                        return response  # the context manager commits
                    await trans.rollback()  # a replay, or a concurrent call with the same id: answer with its outcome
            async with conn.begin():
                saved = failure is not None and await self._save(conn, rid, method, fp, error=failure)
                stored = None if saved else (await conn.execute(self._lookup_sql, {"request_id": rid})).first()
            if failure is not None and saved:
                raise failure
            assert stored is not None
            return self.replay(dict(stored._mapping), method, fp, response_type)

    async def _save(
        self,
        conn: AsyncConnection,
        rid: str,
        method: str,
        fp: bytes,
        *,
        response: bytes | None = None,
        error: DomainError | None = None,
    ) -> bool:
        params = {
            "request_id": rid,
            "method": method,
            "fingerprint": fp,
            "response": response,
            "error_reason": error.reason.name if error else None,
            "error_detail": error.detail if error else None,
            "error_metadata": json.dumps(error.metadata) if error else None,
        }
        return (await conn.execute(self._save_sql, params)).first() is not None

    async def fence(self, rid: str) -> Fenced:
        """Bars `rid` if no call with it has run ("fenced"). Otherwise what the call did: "executed" (with its method
        and stored response) or "failed"."""
        async with self.engine.connect() as conn, conn.begin():
            if await self._save(conn, rid, FENCE_METHOD, b"", error=DomainError(Reason.REQUEST_CANCELLED)):
                return Fenced("fenced")
            stored = (await conn.execute(self._lookup_sql, {"request_id": rid})).first()
        assert stored is not None
        if stored.error_reason == Reason.REQUEST_CANCELLED.name:
            return Fenced("fenced")
        if stored.error_reason is not None:
            return Fenced("failed", stored.method)
        return Fenced("executed", stored.method, bytes(stored.response))

    # ---------------------------------------------------------------- a batch (services/common/batching.py)
    # The requests of a batch share one transaction on a raw asyncpg connection: their stored outcomes are looked up
    # first (a replay does no work), and the new outcomes saved together, with the batch's effects.

    async def lookup_many(self, conn: asyncpg.Connection, request_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        rows = await conn.fetch(self._lookup_many_sql, list(request_ids))
        return {r["request_id"]: _decoded(r) for r in rows}

    async def save_many(self, conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> set[str]:
        """Saves each outcome unless its request id is taken (a concurrent call with it, or a fence, won); answers
        with the request ids saved."""
        if not outcomes:
            return set()
        rows = await conn.fetch(
            self._save_many_sql,
            [o.request_id for o in outcomes],
            [o.method for o in outcomes],
            [o.fingerprint for o in outcomes],
            [o.response for o in outcomes],
            [o.error.reason.name if o.error else None for o in outcomes],
            [o.error.detail if o.error else None for o in outcomes],
            [json.dumps(o.error.metadata) if o.error else None for o in outcomes],
        )
        return {r["request_id"] for r in rows}

    @staticmethod
    def replay(stored: Mapping[str, Any], method: str, fp: bytes, response_type: type[M]) -> M:
        """The stored outcome of a request with this method and fingerprint: its response, or its failure raised."""
        if stored["method"] == FENCE_METHOD:
            raise DomainError(Reason.REQUEST_CANCELLED)
        if stored["method"] != method or bytes(stored["fingerprint"]) != fp:
            raise DomainError(Reason.REQUEST_ID_REUSED, metadata={"first_method": stored["method"]})
        if stored["error_reason"] is not None:
            raise DomainError(
                Reason.parse(stored["error_reason"]) or Reason.INTERNAL,
                stored["error_detail"] or "",
                dict(stored["error_metadata"] or {}),
            )
        response = response_type()
        response.ParseFromString(bytes(stored["response"]))
        return response


def _decoded(row: asyncpg.Record) -> dict[str, Any]:
    """A raw row as SQLAlchemy would give it: jsonb decoded."""
    out = dict(row)
    if isinstance(out["error_metadata"], str):
        out["error_metadata"] = json.loads(out["error_metadata"])
    return out
