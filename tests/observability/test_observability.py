"""The observability layer on real gRPC servers (port 0) and the real /metrics endpoint: every call is counted under
the status code the client actually got (abort with a rich status, set_code, a crash, a deadline), health checks are
not counted as the service's own calls, and a correlation id travels client -> A -> B and onto B's log lines."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.batching import Batcher
from services.common.errors import DomainError, Reason
from services.common.logs import JsonFormatter
from services.common.observability import (
    CorrelationLogFilter,
    ServerObservability,
    correlation_id,
    passed_on,
    start_metrics_server,
    watch_batches,
)
from services.common.rpc import domain_status, error_info
from services.common.server import Server, start_server
from tools.bench import batch_counts

PROBE = "gongji.testing.v1.ProbeService"
Handler = Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        return reply.read().decode()


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of the one sample of `name` whose labels are exactly `labels` (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def _calls(metrics: str, method: str, code: str, service: str = PROBE) -> float:
    return _sample(metrics, "gongji_rpc_requests_total", service=service, method=method, code=code)


async def _counted(port: int, before: str, expected: dict[tuple[str, str, str], float]) -> tuple[dict[Any, float], str]:
    """How much each (service, method, code) counter moved since `before`, once it matches `expected` (or after 2.5 s).

    Waits because an abort sends the status to the client before the interceptor sees the exception: the client can
    be told NOT_FOUND a moment before the counter moves.
    """
    for _ in range(50):
        after = _scrape(port)
        moved = {
            key: _calls(after, key[1], key[2], service=key[0]) - _calls(before, key[1], key[2], service=key[0])
            for key in expected
        }
        if moved == expected:
            break
        await asyncio.sleep(0.05)
    return moved, after


async def _serve(service: str, handlers: dict[str, Handler]) -> Server:
    """A server wired as the service mains wire theirs: start_server + ServerObservability outermost (plaintext:
    what is observed does not depend on the transport)."""
    generic = grpc.method_handlers_generic_handler(
        service, {name: grpc.unary_unary_rpc_method_handler(h) for name, h in handlers.items()}
    )
    return await start_server(
        lambda server: server.add_generic_rpc_handlers((generic,)),
        [service],
        "127.0.0.1:0",
        None,
        interceptors=[ServerObservability(service)],
    )


@pytest.fixture(scope="module")
def metrics_port() -> int:
    port = start_metrics_server(0, host="127.0.0.1")
    assert port > 0
    return port


# -- handlers of the probe service: each ends its call a different way ------------------------------------------


async def _ok(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return b"ok"


async def _domain_error(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    # The way gongji handlers fail: services.common.rpc turns a DomainError into a rich status.
    await context.abort_with_status(domain_status(DomainError(Reason[request.decode()])))
    raise AssertionError("abort_with_status returned")


async def _set_code(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    context.set_code(grpc.StatusCode.RESOURCE_EXHAUSTED)
    context.set_details("slow down")
    return b""


async def _crash(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise RuntimeError("bug")


async def _slow(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    await asyncio.sleep(5)
    return b"too late"


@pytest.fixture(scope="module")
async def probe() -> AsyncIterator[grpc.aio.Channel]:
    server = await _serve(
        PROBE, {"Ok": _ok, "DomainError": _domain_error, "SetCode": _set_code, "Crash": _crash, "Slow": _slow}
    )
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield channel
    await server.stop(0)


async def _code_of(
    channel: grpc.aio.Channel, method: str, request: bytes = b"", timeout: float = 5
) -> tuple[grpc.StatusCode, Any]:
    try:
        await channel.unary_unary(f"/{PROBE}/{method}")(request, timeout=timeout)
    except grpc.aio.AioRpcError as err:
        return err.code(), err
    return grpc.StatusCode.OK, None


async def test_calls_are_counted_under_the_code_the_client_got(probe: grpc.aio.Channel, metrics_port: int) -> None:
    before = _scrape(metrics_port)

    assert (await _code_of(probe, "Ok"))[0] is grpc.StatusCode.OK
    assert (await _code_of(probe, "Ok"))[0] is grpc.StatusCode.OK
    code, err = await _code_of(probe, "DomainError", b"POOL_NOT_FOUND")
    assert code is grpc.StatusCode.NOT_FOUND and error_info(err).reason == "POOL_NOT_FOUND"  # type: ignore[union-attr]
    assert (await _code_of(probe, "DomainError", b"CONCURRENT_UPDATE"))[0] is grpc.StatusCode.ABORTED
    assert (await _code_of(probe, "SetCode"))[0] is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await _code_of(probe, "Crash"))[0] is grpc.StatusCode.UNKNOWN
    assert (await _code_of(probe, "Slow", timeout=0.1))[0] is grpc.StatusCode.DEADLINE_EXCEEDED

    expected = {
        (PROBE, "Ok", "OK"): 2,
        (PROBE, "DomainError", "NOT_FOUND"): 1,
        (PROBE, "DomainError", "ABORTED"): 1,
        (PROBE, "SetCode", "RESOURCE_EXHAUSTED"): 1,
        (PROBE, "Crash", "UNKNOWN"): 1,
        (PROBE, "Slow", "DEADLINE_EXCEEDED"): 1,
    }
    moved, after = await _counted(metrics_port, before, expected)
    assert moved == expected
    # Nothing was counted under a wrong code (e.g. an abort as OK or UNKNOWN).
    assert _calls(after, "DomainError", "OK") == _calls(after, "DomainError", "UNKNOWN") == 0
    assert _calls(after, "SetCode", "OK") == 0
    latency = "gongji_rpc_latency_seconds_count"
    assert (
        _sample(after, latency, service=PROBE, method="Ok") - _sample(before, latency, service=PROBE, method="Ok") == 2
    )
    assert _sample(after, "gongji_rpc_latency_seconds_bucket", service=PROBE, method="Slow", le="0.05") == 0
    assert "gongji_db_pool_connections" in after and "gongji_open_reservations" in after


async def test_health_checks_are_counted_as_health_not_as_the_service(
    probe: grpc.aio.Channel, metrics_port: int
) -> None:
    health = "grpc.health.v1.Health"
    before = _scrape(metrics_port)
    stub = health_pb2_grpc.HealthStub(probe)
    assert (
        await stub.Check(health_pb2.HealthCheckRequest(service=PROBE))
    ).status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND
    expected = {(health, "Check", "OK"): 1, (health, "Check", "NOT_FOUND"): 1}
    moved, after = await _counted(metrics_port, before, expected)
    assert moved == expected
    assert _calls(after, "Check", "OK") == _calls(after, "Check", "NOT_FOUND") == 0  # not under the probe service


async def test_correlation_id_travels_client_to_a_to_b_and_onto_b_logs() -> None:
    log_lines = io.StringIO()
    log_handler = logging.StreamHandler(log_lines)
    log_handler.setFormatter(JsonFormatter())
    log_handler.addFilter(CorrelationLogFilter())  # as services.common.logs.setup_logging installs it
    b_log = logging.getLogger("tests.observability.b")
    b_log.addHandler(log_handler)
    b_log.setLevel(logging.INFO)

    async def whoami(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        b_log.info("B handled a call")
        return correlation_id.get().encode()

    server_b = await _serve("gongji.testing.v1.B", {"Whoami": whoami})
    # A calls B the way settlement calls accounts: each call with the current work's metadata (passed_on).
    channel_ab = grpc.aio.insecure_channel(f"127.0.0.1:{server_b.port}")

    async def relay(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        seen_by_b = await channel_ab.unary_unary("/gongji.testing.v1.B/Whoami")(b"", timeout=5, metadata=passed_on())
        return correlation_id.get().encode() + b"|" + seen_by_b

    server_a = await _serve("gongji.testing.v1.A", {"Relay": relay})
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server_a.port}") as channel:
            call = channel.unary_unary("/gongji.testing.v1.A/Relay")
            seen_by_a, seen_by_b = (
                (await call(b"", metadata=[("x-correlation-id", "pos-7f3a")], timeout=5)).decode().split("|")
            )
            assert seen_by_a == seen_by_b == "pos-7f3a"

            # Without one, A makes one up and B gets the same; each call gets its own.
            first_a, first_b = (await call(b"", timeout=5)).decode().split("|")
            second_a, _ = (await call(b"", timeout=5)).decode().split("|")
            assert re.fullmatch(r"[0-9a-f]{32}", first_a) and first_a == first_b and second_a != first_a
        assert correlation_id.get() == ""  # nothing leaks out of a call

        lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
        assert [line["correlation_id"] for line in lines] == ["pos-7f3a", first_a, second_a]
    finally:
        b_log.removeHandler(log_handler)
        await channel_ab.close()
        await server_a.stop(0)
        await server_b.stop(0)


async def test_each_group_commit_exports_its_batches_and_the_bench_reads_their_mean_size() -> None:
    async def flush(items: Sequence[int]) -> list[int]:
        await asyncio.sleep(0.01)
        return list(items)

    batcher: Batcher[int, int] = Batcher(flush, max_in_flight=1)
    watch_batches("test-service", {"things": batcher})
    port = start_metrics_server(0)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(5))) == [0, 1, 2, 3, 4]
    counts = await asyncio.to_thread(batch_counts, [f"127.0.0.1:{port}", "127.0.0.1:1"])  # the second: nobody there
    assert counts[("test-service", "things", "requests")] == 5
    assert counts[("test-service", "things", "batches")] == batcher.batches < 5  # they shared flushes
