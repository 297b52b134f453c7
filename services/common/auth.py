"""The one place each service learns who calls and whether that caller may: identity from the client certificate
(mutual TLS) or a bearer token, the role configuration gives it, and the service's table of which roles may call
which method. No identity: UNAUTHENTICATED; a role the method does not allow: PERMISSION_DENIED. Health and
reflection stay open; every other method not in the table is refused (default deny).

It also decodes the request itself, after the identity check: a message that does not decode is INVALID_ARGUMENT
for a known caller (gRPC would answer UNKNOWN to anyone).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from services.common.actors import ACTOR, ON_BEHALF_OF
from services.common.errors import DomainError, FieldViolation, InvalidArgument, Reason
from services.common.rpc import domain_status, invalid_argument_status
from services.common.security import Caller, Identities

OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)

_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller")


def caller() -> Caller:
    """The caller of the current RPC; set only by the interceptor, for every method that is not open."""
    return _caller.get()


def actor(metadata: Any, own_channel: Mapping[str, str], delegated: Mapping[str, frozenset[str]]) -> str:
    """The actor of the current call: whom the caller says it acts for (ON_BEHALF_OF), if its role may act for that
    channel; otherwise the caller itself, in its role's own channel."""
    who = caller()
    for key, value in metadata or ():
        match = ACTOR.fullmatch(value) if key == ON_BEHALF_OF and isinstance(value, str) else None
        if match and match.group(1) in delegated.get(who.role, frozenset()):
            return str(value)
    return f"{own_channel.get(who.role, who.role.upper())}:{who.identity}"


class _Undecodable:
    """What a request that did not decode becomes, so that it is refused after the identity check."""


def _tolerant(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        try:
            return deserialize(data) if deserialize else data
        except (DecodeError, ValueError, TypeError):
            return _Undecodable()

    return decode


class AuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, identities: Identities, access: Mapping[str, frozenset[str]]) -> None:
        self.identities = identities
        self.access = access

    def _token_caller(self, metadata: Any) -> Caller | None:
        for key, value in metadata or ():
            if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
                return self.identities.by_token(value.removeprefix("Bearer ").strip())
        return None

    def _identify(self, context: grpc.aio.ServicerContext, token_caller: Caller | None) -> Caller | None:
        names = context.auth_context().get("x509_common_name") or []
        if names:  # mutual TLS: the certificate decides, whatever the metadata says
            return self.identities.by_certificate(names[0].decode())
        return token_caller

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICES):
            return handler
        roles = self.access.get(details.method, frozenset())
        token_caller = self._token_caller(details.invocation_metadata)

        async def admit(request: Any, context: grpc.aio.ServicerContext) -> contextvars.Token[Caller]:
            who = self._identify(context, token_caller)
            if who is None:
                await context.abort_with_status(domain_status(DomainError(Reason.UNAUTHENTICATED)))
            assert who is not None
            if who.role not in roles:
                await context.abort_with_status(
                    domain_status(
                        DomainError(
                            Reason.PERMISSION_DENIED,
                            f"({who.role} may not call {details.method.rsplit('/', 1)[-1]})",
                            {"role": who.role},
                        )
                    )
                )
            if isinstance(request, _Undecodable):
                violation = FieldViolation("request", "not a valid message of this method's request type")
                await context.abort_with_status(invalid_argument_status(InvalidArgument([violation])))
            return _caller.set(who)

        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def unary_call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                token = await admit(request, context)
                try:
                    return await unary(request, context)
                finally:
                    _caller.reset(token)

            return grpc.unary_unary_rpc_method_handler(
                unary_call, _tolerant(handler.request_deserializer), handler.response_serializer
            )
        if handler.unary_stream is not None:
            stream = handler.unary_stream

            async def stream_call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                token = await admit(request, context)
                try:
                    async for item in stream(request, context):
                        yield item
                finally:
                    _caller.reset(token)

            return grpc.unary_stream_rpc_method_handler(
                stream_call, _tolerant(handler.request_deserializer), handler.response_serializer
            )
        return None  # client streaming: no gongji method takes a stream; refuse rather than pass unchecked
