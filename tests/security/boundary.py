"""What the trust-boundary tests share: every RPC of a service read from its descriptors (a new RPC is in the matrix
the day it is added), the ways of calling a service (the columns), one raw call and what its caller sees, and a
snapshot of every table of both schemas to prove that nothing moved."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import grpc
from google.protobuf import message_factory
from google.protobuf.message import Message
from grpc_reflection.v1alpha import reflection_pb2

from tools import kit

C = grpc.StatusCode
# What an admitted caller may see for a minimal request: it got past authorization to the method's own answer.
ADMITTED_CODES = frozenset({C.OK, C.INVALID_ARGUMENT, C.NOT_FOUND, C.FAILED_PRECONDITION})


@dataclass(frozen=True)
class Rpc:
    service: str  # full name, e.g. gongji.accounts.v1.PaymentService
    method: str
    request: type[Message]

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.method}"


def proto_modules(package: str) -> list[ModuleType]:
    """Every generated message module of a proto package, so that a new service file is found too."""
    pkg = importlib.import_module(package)
    names = sorted(i.name for i in pkgutil.iter_modules(pkg.__path__) if i.name.endswith("_pb2"))
    return [importlib.import_module(f"{package}.{name}") for name in names]


def rpcs(modules: Sequence[ModuleType]) -> list[Rpc]:
    """Every method of every service the modules declare, with its request class."""
    return [
        Rpc(service.full_name, method.name, message_factory.GetMessageClass(method.input_type))
        for module in modules
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    ]


class Refused(Enum):
    TRANSPORT = "refused before any call: the TLS handshake (or plaintext) fails"
    IDENTITY = "no known caller: UNAUTHENTICATED"


@dataclass(frozen=True)
class Caller:
    """One way of calling a service (a column of the matrix). `identity` names a certificate in `folder` (None: TLS
    without one); it may contain `{role}`, filled with a role the method allows, so that a refused certificate
    (another CA, expired) names a caller that would be allowed. `role` is what the service should make of an
    admitted caller; `refused` says where it must stop a caller that is not."""

    label: str
    folder: Path | None  # None: plaintext
    identity: str | None = None
    role: str | None = None
    refused: Refused | None = None
    metadata: tuple[tuple[str, str], ...] = ()

    def certificate(self, allowed: frozenset[str]) -> str | None:
        if self.identity is None:
            return None
        return self.identity.format(role=min(allowed) if allowed else "auditor")


# A Caller's folder before the fixtures exist: the session PKI's, or the package's extra certificates (`certs`).
PKI, CERTS = Path("<session PKI>"), Path("<extra certificates>")


def resolve(caller: Caller, pki: Path, certs: Path) -> Caller:
    if caller.folder is None:
        return caller
    return dataclasses.replace(caller, folder={PKI: pki, CERTS: certs}.get(caller.folder, caller.folder))


@dataclass
class Channels:
    """Channels reused across the whole matrix, one per (address, certificate)."""

    open: dict[tuple[str, Path | None, str | None], grpc.aio.Channel] = field(default_factory=dict)

    def get(self, address: str, folder: Path | None, identity: str | None) -> grpc.aio.Channel:
        key = (address, folder, identity)
        if key not in self.open:
            self.open[key] = kit.channel(address, folder, identity)
        return self.open[key]

    def of(self, address: str, caller: Caller, allowed: frozenset[str]) -> grpc.aio.Channel:
        return self.get(address, caller.folder, caller.certificate(allowed))

    async def close(self) -> None:
        for channel in self.open.values():
            await channel.close()
        self.open.clear()


@dataclass(frozen=True)
class Seen:
    """What the caller sees: the status code and the ErrorInfo reason ("" if none)."""

    code: grpc.StatusCode
    reason: str = ""
    details: str = ""

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason} {self.details!r}"


async def call(
    channel: grpc.aio.Channel, rpc: Rpc, request: Message | None = None, metadata: Sequence[tuple[str, str]] = ()
) -> Seen:
    """Calls `rpc` with `request` (default: the empty message) as raw bytes; never raises for a failed call."""
    multicallable = channel.unary_unary(rpc.path)
    payload = (request if request is not None else rpc.request()).SerializeToString()
    try:
        await multicallable(payload, metadata=tuple(metadata) or None, timeout=10)
    except grpc.aio.AioRpcError as err:
        return Seen(err.code(), kit.reason_of(err), err.details() or "")
    return Seen(C.OK)


def check(seen: Seen, caller: Caller, allowed: frozenset[str], where: str) -> None:
    """The matrix's one rule: the allowed role gets past authorization, every other caller is stopped where it
    must be, with the status (and reason) a client can act on."""
    if caller.refused is Refused.TRANSPORT:
        assert (seen.code, seen.reason) == (C.UNAVAILABLE, ""), f"{where}: {caller.label} got {seen}"
    elif caller.refused is Refused.IDENTITY:
        assert (seen.code, seen.reason) == (C.UNAUTHENTICATED, "UNAUTHENTICATED"), f"{where}: {caller.label} got {seen}"
    elif caller.role in allowed:
        assert seen.code in ADMITTED_CODES, f"{where}: {caller.label} (allowed) got {seen}"
        assert seen.reason not in ("PERMISSION_DENIED", "UNAUTHENTICATED"), f"{where}: {caller.label} got {seen}"
    else:
        assert (seen.code, seen.reason) == (C.PERMISSION_DENIED, "PERMISSION_DENIED"), (
            f"{where}: {caller.label} (role {caller.role}, allowed {sorted(allowed)}) got {seen}"
        )


REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


async def reflected_services(channel: grpc.aio.Channel) -> list[str] | None:
    """The services reflection lists, or None when reflection is off (UNIMPLEMENTED). One request, one reply: asked
    as a unary call, since a streaming call to a method that is not there sometimes ends INTERNAL on the client (its
    send loses the race with the server's immediate UNIMPLEMENTED)."""
    ask = channel.unary_unary(
        REFLECTION,
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    try:
        reply = await ask(reflection_pb2.ServerReflectionRequest(list_services=""), timeout=10)
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.UNIMPLEMENTED, err
        return None
    return sorted(s.name for s in reply.list_services_response.service)


Snapshot = dict[str, tuple[int, str]]


async def snapshot(database_url: str, schemas: Sequence[str] = ("accounts", "settlement")) -> Snapshot:
    """Row count and a hash of the contents of every table of the schemas: equal snapshots, nothing moved."""
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
            "WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE' ORDER BY 1",
            list(schemas),
        )
        out: Snapshot = {}
        for t in tables:
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS h "
                f"FROM {t['name']} t"
            )
            out[t["name"]] = (row["n"], row["h"])
        return out
    finally:
        await conn.close()


def moved(before: Snapshot, after: Snapshot) -> dict[str, tuple[int, int]]:
    """The tables whose rows changed: {table: (rows before, rows after)}."""
    return {
        name: (before.get(name, (0, ""))[0], after.get(name, (0, ""))[0])
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


RealRequests = Mapping[str, Callable[[Any], Message]]
