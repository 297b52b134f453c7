"""Admission control: at most so many calls run at a time in one service process; one more is refused at once with
`RESOURCE_EXHAUSTED OVERLOADED` and a google.rpc.RetryInfo saying when to try again, before it has done anything.

Without it a burst queues inside the service (for a pooled connection, for the event loop, for accounts): every
call gets slower, the slowest run out of their deadline after having done part of their work, and the POS learns
nothing it can act on. With it the calls that are taken keep the latency of a service at capacity, and the others
know at once that nothing was done and when to come back. Health checks and reflection are never refused, so that
a busy instance is not taken for a dead one.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from services.common.errors import DomainError, Reason
from services.common.rpc import domain_status

NEVER_REFUSED = ("/grpc.health.v1.Health/", "/grpc.reflection.")
# The RetryInfo delay: about one mean call time of this service (a slot frees up in less), within these bounds, with
# jitter so that the refused do not all come back at the same moment.
MIN_RETRY_S = 0.05
MAX_RETRY_S = 2.0


class Admission(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """At most `limit` calls in flight in this process (0: no limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self.refused = 0
        self._mean_s = 0.1  # moving mean of the accepted calls' durations

    def retry_after_s(self) -> float:
        return min(max(self._mean_s, MIN_RETRY_S), MAX_RETRY_S) * random.uniform(0.5, 1.5)

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        if handler is None or self.limit <= 0 or details.method.startswith(NEVER_REFUSED):
            return handler
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    @contextlib.asynccontextmanager
    async def _admitted(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        """Runs the call if a slot is free (refuses it at once otherwise), and counts its time."""
        if self.in_flight >= self.limit:
            self.refused += 1
            await context.abort_with_status(
                domain_status(DomainError(Reason.OVERLOADED, retry_after_s=self.retry_after_s()))
            )
        self.in_flight += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self.in_flight -= 1
            self._mean_s += (time.perf_counter() - started - self._mean_s) * 0.05

    def _unary(self, behavior: Callable[[Any, Any], Awaitable[Any]]) -> Callable[[Any, Any], Awaitable[Any]]:
        async def admitted(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._admitted(context):
                return await behavior(request, context)

        return admitted

    def _stream(self, behavior: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        async def admitted(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._admitted(context):
                async for message in behavior(request, context):
                    yield message

        return admitted
