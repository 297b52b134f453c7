"""Metrics, correlation ids and per-call logs, the same for every gongji service.

- Prometheus metrics on an HTTP port per service: RPC counts and latency by method and status code, settlement
  outcomes, open reservations, recovery actions, database pool use.
- A correlation id per call: taken from `x-correlation-id` metadata (or made up), put on every log line, and passed
  on to accounts by settlement's client interceptor.
- One log line per failed call (method, code, latency, correlation id); never a request body, so never personal data.
"""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import grpc
from prometheus_client import Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("gongji.rpc")

CORRELATION_HEADER = "x-correlation-id"
correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")

RPC_REQUESTS = Counter("gongji_rpc_requests_total", "gRPC calls served", ["service", "method", "code"])
RPC_LATENCY = Histogram("gongji_rpc_latency_seconds", "gRPC call latency", ["service", "method"],
                        buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
SETTLEMENT_OUTCOMES = Counter("gongji_settlement_outcomes_total", "Settlements reaching a final status",
                              ["kind", "outcome"])
OPEN_RESERVATIONS = Gauge("gongji_open_reservations", "Reservations holding money (status HELD)")
RECOVERY_ACTIONS = Counter("gongji_recovery_actions_total", "Work finished by the recovery worker", ["action"])


def start_metrics_server(port: int, host: str = "0.0.0.0") -> int:
    """Serves /metrics; port 0 picks a free one. Returns the port."""
    server, _ = start_http_server(port, addr=host)
    return int(server.server_port)


class _PoolCollector(Collector):
    def __init__(self) -> None:
        self.engines: dict[str, AsyncEngine] = {}

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("gongji_db_pool_connections", "Database connections of the pool",
                                   labels=["service", "state"])
        for service, engine in self.engines.items():
            pool: Any = engine.sync_engine.pool
            family.add_metric([service, "in_use"], pool.checkedout())
            family.add_metric([service, "idle"], pool.checkedin())
        yield family


_POOLS = _PoolCollector()
REGISTRY.register(_POOLS)


def watch_pool(service: str, engine: AsyncEngine) -> None:
    _POOLS.engines[service] = engine


class ServerObservability(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Outermost server interceptor: correlation id in, metrics and a log line out."""

    def __init__(self, service: str) -> None:
        self.service = service

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]],
                                details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = details.method.rsplit("/", 1)[-1]
        incoming = dict(details.invocation_metadata or ()).get(CORRELATION_HEADER, "")
        behavior = handler.unary_unary
        service = self.service

        async def observed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            token = correlation_id.set(str(incoming)[:64] or uuid.uuid4().hex)
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return await behavior(request, context)
            except BaseException:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            finally:
                if isinstance(code, int):
                    code = grpc.StatusCode.OK if code == 0 else grpc.StatusCode.UNKNOWN
                elapsed = time.perf_counter() - started
                RPC_REQUESTS.labels(service, method, code.name).inc()
                RPC_LATENCY.labels(service, method).observe(elapsed)
                if code is not grpc.StatusCode.OK:
                    log.info("call failed", extra={"method": method, "code": code.name,
                                                   "latency_ms": round(elapsed * 1000, 2)})
                correlation_id.reset(token)

        return grpc.unary_unary_rpc_method_handler(observed, request_deserializer=handler.request_deserializer,
                                                   response_serializer=handler.response_serializer)


class CorrelationClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Passes the current correlation id on to the next service."""

    async def intercept_unary_unary(self, continuation: Callable[..., Any], client_call_details: Any,
                                    request: Any) -> Any:
        current = correlation_id.get()
        if current:
            metadata = list(client_call_details.metadata or []) + [(CORRELATION_HEADER, current)]
            client_call_details = client_call_details._replace(metadata=metadata)
        return await continuation(client_call_details, request)


class CorrelationLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        cid = correlation_id.get()
        if cid:
            record.correlation_id = cid
        return True
