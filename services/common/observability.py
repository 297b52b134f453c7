"""Metrics, correlation ids and per-call logs, the same for every gongji service.

- Prometheus metrics on an HTTP port per service: RPC counts and latency by method and status code, settlement
  outcomes, open reservations, recovery actions, database pool use, group-commit batches and what they carried.
- A correlation id per call: taken from `x-correlation-id` metadata (or made up), put on every log line, and passed
  on to accounts by settlement's client interceptor.
- One log line per failed call (method, code, latency, correlation id); never a request body, so never personal data.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from http.server import ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry import trace
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import MetricsHandler
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.actors import ON_BEHALF_OF, acting_as
from services.common.batching import Batcher

log = logging.getLogger("gongji.rpc")

CORRELATION_HEADER = "x-correlation-id"
correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")

RPC_REQUESTS = Counter("gongji_rpc_requests_total", "gRPC calls served", ["service", "method", "code"])
# Latency is by method only (as go-grpc-prometheus does): a code label would multiply the buckets by every code
# for little gain; failures are counted by code in RPC_REQUESTS.
RPC_LATENCY = Histogram(
    "gongji_rpc_latency_seconds",
    "gRPC call latency",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SETTLEMENT_OUTCOMES = Counter(
    "gongji_settlement_outcomes_total", "Settlements reaching a final status", ["kind", "outcome"]
)
OPEN_RESERVATIONS = Gauge("gongji_open_reservations", "Reservations holding money (status HELD)")
RECOVERY_ACTIONS = Counter("gongji_recovery_actions_total", "Work finished by the recovery worker", ["action"])


def start_metrics_server(port: int, host: str = "127.0.0.1", healthy: Callable[[], bool] = lambda: True) -> int:
    """Serves /metrics and /healthz (200 SERVING or 503 NOT_SERVING, for probes that hold no client certificate)
    over plain HTTP on `host`; port 0 picks a free one. Returns the port."""

    class Handler(MetricsHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/healthz":
                super().do_GET()
                return
            ok = healthy()
            body = b"SERVING\n" if ok else b"NOT_SERVING\n"
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return int(server.server_address[1])


class _PoolCollector(Collector):
    def __init__(self) -> None:
        self.engines: dict[str, AsyncEngine] = {}

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "gongji_db_pool_connections", "Database connections of the pool", labels=["service", "state"]
        )
        for service, engine in self.engines.items():
            pool: Any = engine.sync_engine.pool
            if not hasattr(pool, "checkedout"):  # NullPool and friends keep no connections to count
                continue
            family.add_metric([service, "in_use"], pool.checkedout())
            family.add_metric([service, "idle"], pool.checkedin())
        yield family


_POOLS = _PoolCollector()
REGISTRY.register(_POOLS)


def watch_pool(service: str, engine: AsyncEngine) -> None:
    """Exports the pool of `engine` as gongji_db_pool_connections{service, state="in_use"|"idle"}, read at scrape."""
    _POOLS.engines[service] = engine


class _BatchCollector(Collector):
    def __init__(self) -> None:
        self.batchers: dict[tuple[str, str], Batcher[Any, Any]] = {}

    def collect(self) -> Iterator[Metric]:
        labels = ["service", "batch"]
        flushes = CounterMetricFamily("gongji_batches", "Group-commit flushes (one transaction each)", labels=labels)
        carried = CounterMetricFamily("gongji_batched_requests", "Requests the flushes carried", labels=labels)
        for (service, name), batcher in self.batchers.items():
            flushes.add_metric([service, name], batcher.batches)
            carried.add_metric([service, name], batcher.items)
        yield flushes
        yield carried


_BATCHES = _BatchCollector()
REGISTRY.register(_BATCHES)


def watch_batches(service: str, batchers: Mapping[str, Batcher[Any, Any]]) -> None:
    """Exports each group commit's flushes and the requests they carried, read at scrape, as
    gongji_batches_total{service, batch} and gongji_batched_requests_total{service, batch}: the second over the first
    is the mean batch size (a few at low load; it grows with load, and with it the work each request costs falls)."""
    for name, batcher in batchers.items():
        _BATCHES.batchers[(service, name)] = batcher


def _split_method(path: str, fallback_service: str) -> tuple[str, str]:
    """'/gongji.accounts.v1.AccountsService/Reserve' -> ('gongji.accounts.v1.AccountsService', 'Reserve')."""
    service, _, method = path.lstrip("/").rpartition("/")
    return (service or fallback_service), method


def _incoming_correlation_id(metadata: Any) -> str:
    for key, value in metadata or ():
        if key == CORRELATION_HEADER and isinstance(value, str) and value.isprintable() and value.strip():
            return value.strip()[:64]
    return uuid.uuid4().hex


def _final_code(context: grpc.aio.ServicerContext, exc: BaseException | None) -> grpc.StatusCode:
    """The status the client receives: what abort()/set_code() recorded, else what the exception implies."""
    code = context.code()
    if isinstance(code, int):  # older grpcio returned the raw integer
        code = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    if code is not None:
        return code
    if exc is None:
        return grpc.StatusCode.OK
    if isinstance(exc, asyncio.CancelledError):
        # The call was cancelled under us: by its deadline (the client sees DEADLINE_EXCEEDED) or by the client.
        remaining = context.time_remaining()
        return (
            grpc.StatusCode.DEADLINE_EXCEEDED if remaining is not None and remaining <= 0 else grpc.StatusCode.CANCELLED
        )
    return grpc.StatusCode.UNKNOWN  # what grpc sends for an exception nobody turned into a status


class ServerObservability(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Outermost server interceptor: correlation id in, metrics and a log line out.

    Unary-unary calls only (every gongji RPC, and health Check); streams such as health Watch pass through unmeasured.
    The `service` label is the gRPC service of the call (so health checks do not count as the service's own calls);
    `service` given here is used only for a method path without one.
    """

    def __init__(self, service: str = "") -> None:
        self.service = service

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        service, method = _split_method(details.method, self.service)
        incoming = _incoming_correlation_id(details.invocation_metadata)
        behavior = handler.unary_unary

        async def observed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            token = correlation_id.set(incoming)
            started = time.perf_counter()
            failure: BaseException | None = None
            try:
                return await behavior(request, context)
            except BaseException as exc:  # noqa: BLE001 - re-raised: only looked at for the status code
                failure = exc
                raise
            finally:
                elapsed = time.perf_counter() - started
                code = _final_code(context, failure)
                RPC_REQUESTS.labels(service, method, code.name).inc()
                RPC_LATENCY.labels(service, method).observe(elapsed)
                if code is not grpc.StatusCode.OK:
                    log.info(
                        "call failed",
                        extra={"method": method, "code": code.name, "latency_ms": round(elapsed * 1000, 2)},
                    )
                correlation_id.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            observed, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )


def passed_on() -> tuple[tuple[str, str], ...]:
    """The metadata a call to the next service carries of the current work: its correlation id and whom it is done
    for (`acting_as`), each where set. Passed with each call rather than by client interceptors: grpc.aio runs every
    intercepted call in a task of its own, which cost 0.1-0.2 ms of CPU per call here."""
    return tuple(
        (header, value)
        for header, value in ((CORRELATION_HEADER, correlation_id.get()), (ON_BEHALF_OF, acting_as.get()))
        if value
    )


class CorrelationLogFilter(logging.Filter):
    """Puts the current correlation id, and the trace id where a span is current, on every log record (the JSON
    formatter writes them out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        cid = correlation_id.get()
        if cid:
            record.correlation_id = cid
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # only where tracing is on (services/common/tracing.py): the line joins its trace
            record.trace_id = format(span.trace_id, "032x")
        return True
