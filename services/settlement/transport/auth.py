"""The one place that knows who is calling: a bearer token per designated institution, taken from metadata.

Health and reflection stay open (load balancers and grpcurl need them); every SettlementService call needs a token.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from services.common.errors import DomainError, Reason
from services.common.rpc import domain_status
from services.settlement.config import token_hash

_institution: contextvars.ContextVar[str] = contextvars.ContextVar("institution")
PROTECTED_PREFIX = "/gongji.settlement.v1.SettlementService/"


def current_institution() -> str:
    """The calling institution's code; only ever set by the interceptor."""
    return _institution.get()


class InstitutionAuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens

    def _institution(self, metadata: Any) -> str | None:
        for key, value in metadata or ():
            if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
                return self.tokens.get(token_hash(value.removeprefix("Bearer ").strip()))
        return None

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        if handler is None or not details.method.startswith(PROTECTED_PREFIX) or handler.unary_unary is None:
            return handler
        institution = self._institution(details.invocation_metadata)
        behavior = handler.unary_unary

        async def authenticated(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if institution is None:
                await context.abort_with_status(domain_status(DomainError(Reason.UNAUTHENTICATED)))
            token = _institution.set(institution)  # type: ignore[arg-type]
            try:
                return await behavior(request, context)
            finally:
                _institution.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            authenticated,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
