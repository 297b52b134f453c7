"""Admission control in one process: beyond the limit a call is refused at once (RESOURCE_EXHAUSTED OVERLOADED, in
English and Chinese, with a RetryInfo) without running; health checks are never refused; a slot freed is taken
again; a streaming call holds its slot until its last message. No timing: the calls that are let in wait on an
event until the refusals have been seen (a refusal that did not come would end in its deadline and fail the test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.common.admission import Admission
from services.common.rpc import retry_delay
from tools.kit import chinese, reason_of

LIMIT = 2
WAIT_S = 10  # the deadline of a call that should be refused at once; reaching it fails the test


class Slow:
    """A unary and a server-streaming method that run until `go` is set."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.ran = 0

    async def hop(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        self.ran += 1
        await self.go.wait()
        return request

    async def lines(self, request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        self.ran += 1
        yield request
        await self.go.wait()
        yield request


@pytest.fixture
async def served() -> AsyncIterator[tuple[grpc.aio.Channel, Slow]]:
    slow = Slow()
    server = grpc.aio.server(interceptors=[Admission(LIMIT)])
    handlers = {
        "Hop": grpc.unary_unary_rpc_method_handler(slow.hop),
        "Lines": grpc.unary_stream_rpc_method_handler(slow.lines),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Slow", handlers),))
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield channel, slow
    await channel.close()
    await server.stop(0)


def _refused_with_a_retry_hint(err: BaseException) -> None:
    assert isinstance(err, grpc.aio.AioRpcError), err
    assert (err.code(), reason_of(err)) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "OVERLOADED")
    assert chinese(err)
    delay = retry_delay(err)
    assert delay is not None and 0 < delay <= 3


async def test_beyond_the_limit_a_call_is_refused_at_once_and_health_is_always_answered(served) -> None:  # type: ignore[no-untyped-def]
    channel, slow = served
    hop = channel.unary_unary("/test.Slow/Hop")
    taken = [asyncio.ensure_future(hop(b"x", timeout=WAIT_S)) for _ in range(LIMIT)]
    while slow.ran < LIMIT:
        await asyncio.sleep(0.01)
    refused = await asyncio.gather(*(hop(b"y", timeout=WAIT_S) for _ in range(5)), return_exceptions=True)
    for err in refused:
        _refused_with_a_retry_hint(err)
    assert slow.ran == LIMIT  # the refused never ran
    check = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=WAIT_S)
    assert check.status == health_pb2.HealthCheckResponse.SERVING
    slow.go.set()
    assert await asyncio.gather(*taken) == [b"x"] * LIMIT
    assert await hop(b"z", timeout=WAIT_S) == b"z"  # a slot freed is taken again


async def test_a_streaming_call_holds_its_slot_until_its_last_message(served) -> None:  # type: ignore[no-untyped-def]
    channel, slow = served
    lines = channel.unary_stream("/test.Slow/Lines")
    streams = [lines(b"s", timeout=WAIT_S) for _ in range(LIMIT)]
    for stream in streams:
        assert await stream.read() == b"s"  # under way, its first line sent
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await channel.unary_unary("/test.Slow/Hop")(b"y", timeout=WAIT_S)
    _refused_with_a_retry_hint(err.value)
    slow.go.set()
    for stream in streams:
        assert (await stream.read(), await stream.read()) == (b"s", grpc.aio.EOF)
    assert await channel.unary_unary("/test.Slow/Hop")(b"z", timeout=WAIT_S) == b"z"


async def test_no_limit_refuses_nothing() -> None:
    slow = Slow()
    slow.go.set()
    server = grpc.aio.server(interceptors=[Admission(0)])
    handler = grpc.unary_unary_rpc_method_handler(slow.hop)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Slow", {"Hop": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        hop = channel.unary_unary("/test.Slow/Hop")
        assert await asyncio.gather(*(hop(b"x", timeout=WAIT_S) for _ in range(50))) == [b"x"] * 50
    await server.stop(0)
