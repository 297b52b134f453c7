"""OpenTelemetry traces across POS → settlement → accounts → PostgreSQL, when configured; nothing at all when not.

On when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and `OTEL_SDK_DISABLED` is
not true: spans go over OTLP/gRPC (the exporter reads the standard OTEL_EXPORTER_OTLP_* variables: `https://` and
`OTEL_EXPORTER_OTLP_CERTIFICATE` for TLS, `_HEADERS`, `_TIMEOUT`), sampled as `OTEL_TRACES_SAMPLER` says (default:
every trace, or as the caller's traceparent decided), named `OTEL_SERVICE_NAME` (default gongji-accounts /
gongji-settlement). Off, no interceptor and no database hook is installed: a call costs exactly what it did.

What is traced: a server span per RPC (a POS's W3C `traceparent` continues its trace), a client span per call
settlement makes to accounts (each retry its own) carrying `traceparent` on, and a span per SQL statement. The
correlation id (`x-correlation-id`, services/common/observability.py) stays as it was and is an attribute of the
server span, and log lines carry the trace id, so logs and traces join either way.

Personal data never goes into a span, by construction rather than by filtering: the contrib instrumentations
(opentelemetry-instrumentation-grpc, -asyncpg, -sqlalchemy) record a failed call's status message and an exception's
message, which can repeat what a request held (see services/common/logs.py), so these few interceptors are written
here instead. A span holds the method, the status code's name, the SQL text (every value is a bound parameter,
never in the text; parameters are never recorded), an SQLSTATE and an exception's type — never a request or
response body, a status message, an exception's message or metadata other than the correlation id.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.observability import _final_code, correlation_id

# W3C trace context only: baggage a caller sends is not passed on (it could carry anything).
PROPAGATOR = TraceContextTextMapPropagator()
UNTRACED = ("/grpc.health.v1.Health/", "/grpc.reflection.")  # probes and tools, not the service's work


def _split(path: str) -> tuple[str, str]:
    service, _, method = path.lstrip("/").rpartition("/")
    return service, method


def _end_rpc(span: trace.Span, code: grpc.StatusCode) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code is not grpc.StatusCode.OK:
        span.set_status(Status(StatusCode.ERROR, code.name))


class Tracing:
    """Builds the interceptors and the database hook that record spans with `provider`'s tracer."""

    def __init__(self, provider: trace.TracerProvider, service: str) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer(f"gongji.{service}")

    def server_interceptor(self) -> grpc.aio.ServerInterceptor:
        """Goes after ServerObservability (so the correlation id is known) and before authentication (so refused
        calls are traced too)."""
        return _ServerTracing(self.tracer)

    def client_interceptor(self) -> grpc.aio.UnaryUnaryClientInterceptor:
        return _ClientTracing(self.tracer)

    def instrument(self, engine: AsyncEngine) -> None:
        """A span per statement `engine` runs, as a child of the span of the RPC it runs for."""
        tracer = self.tracer

        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
            span = tracer.start_span(
                f"{operation} gongji",
                kind=SpanKind.CLIENT,
                attributes={
                    "db.system": "postgresql",
                    "db.name": "gongji",
                    "db.operation": operation,
                    "db.statement": " ".join(statement.split()),
                },
            )
            if context is not None:
                context._gongji_span = span

        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            span = getattr(context, "_gongji_span", None)
            if span is not None:
                span.end()
                context._gongji_span = None

        def failed(exception_context: Any) -> None:
            span = getattr(exception_context.execution_context, "_gongji_span", None)
            if span is None:
                return
            error = exception_context.original_exception
            cause = getattr(error, "__cause__", None) or error
            sqlstate = getattr(cause, "sqlstate", None)
            if isinstance(sqlstate, str):
                span.set_attribute("db.response.status_code", sqlstate)
            span.set_attribute("error.type", type(cause).__qualname__)
            span.set_status(Status(StatusCode.ERROR, type(cause).__qualname__))
            span.end()
            exception_context.execution_context._gongji_span = None

        def logged(record: Any) -> None:
            """A statement run on the raw asyncpg connection (the batched hot path, storage/hot.py), which SQLAlchemy
            does not see: asyncpg's query logger reports it once done, with how long it took. SQLAlchemy's own
            statements are prepared statements, which this logger never sees: nothing is counted twice."""
            end = time.time_ns()
            operation = record.query.lstrip().split(None, 1)[0].upper() if record.query.strip() else "SQL"
            span = tracer.start_span(
                f"{operation} gongji",
                kind=SpanKind.CLIENT,
                start_time=end - int(record.elapsed * 1e9),
                attributes={
                    "db.system": "postgresql",
                    "db.name": "gongji",
                    "db.operation": operation,
                    "db.statement": " ".join(record.query.split()),
                },
            )
            if record.exception is not None:
                sqlstate = getattr(record.exception, "sqlstate", None)
                if isinstance(sqlstate, str):
                    span.set_attribute("db.response.status_code", sqlstate)
                span.set_attribute("error.type", type(record.exception).__qualname__)
                span.set_status(Status(StatusCode.ERROR, type(record.exception).__qualname__))
            span.end(end_time=end)

        def connected(dbapi_connection: Any, connection_record: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(logged)

        event.listen(engine.sync_engine, "connect", connected)
        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
        event.listen(engine.sync_engine, "handle_error", failed)

    def shutdown(self) -> None:
        """Sends what is still buffered (on a clean stop)."""
        shutdown = getattr(self.provider, "shutdown", None)
        if shutdown is not None:
            shutdown()


class _ServerTracing(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, tracer: trace.Tracer) -> None:
        self.tracer = tracer

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None or details.method.startswith(UNTRACED):
            return handler
        service, method = _split(details.method)
        carrier = {k: v for k, v in details.invocation_metadata or () if k == "traceparent" and isinstance(v, str)}
        parent = PROPAGATOR.extract(carrier)
        behavior = handler.unary_unary
        tracer = self.tracer

        async def traced(request: Any, context: grpc.aio.ServicerContext) -> Any:
            attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": method}
            cid = correlation_id.get()
            if cid:
                attributes["gongji.correlation_id"] = cid
            with tracer.start_as_current_span(
                f"{service}/{method}",
                context=parent,
                kind=SpanKind.SERVER,
                attributes=attributes,
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                failure: BaseException | None = None
                try:
                    return await behavior(request, context)
                except BaseException as exc:  # noqa: BLE001 - re-raised: only its type is recorded
                    failure = exc
                    raise
                finally:
                    code = _final_code(context, failure)
                    _end_rpc(span, code)
                    if failure is not None and code in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL):
                        span.set_attribute("error.type", type(failure).__qualname__)

        return grpc.unary_unary_rpc_method_handler(
            traced, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )


class _ClientTracing(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, tracer: trace.Tracer) -> None:
        self.tracer = tracer

    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        path = details.method.decode() if isinstance(details.method, bytes) else details.method
        service, method = _split(path)
        with self.tracer.start_as_current_span(
            f"{service}/{method}",
            kind=SpanKind.CLIENT,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": method},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            carrier: dict[str, str] = {}
            PROPAGATOR.inject(carrier)
            details = details._replace(metadata=[*(details.metadata or []), *carrier.items()])
            call = await continuation(details, request)
            _end_rpc(span, await call.code())
            return call


def traced(tracing: Tracing | None) -> list[grpc.aio.ServerInterceptor]:
    """The server interceptors tracing adds: none when it is off."""
    return [] if tracing is None else [tracing.server_interceptor()]


def from_env(service: str, environ: Mapping[str, str] | None = None) -> Tracing | None:
    """Tracing as the OTEL_* variables configure it, or None (off) when no OTLP endpoint is set. The SDK and the
    exporter are imported only then."""
    environ = os.environ if environ is None else environ
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not endpoint or environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: f"gongji-{service}"}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return Tracing(provider, service)
