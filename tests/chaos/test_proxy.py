"""The chaos soak's proxy passes bytes through untouched, and on the schedule's word resets every connection (and
each new one, for a while) or holds every byte (delivered late)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tools.chaos.proxy import Proxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    running = await Proxy(server.sockets[0].getsockname()[1]).start()
    yield running
    await running.close()
    server.close()


async def _roundtrip(proxy: Proxy, payload: bytes = b"ping") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(payload)), 5)
    finally:
        writer.close()


async def test_bytes_pass_through_untouched(proxy: Proxy) -> None:
    payload = bytes(range(256)) * 300
    assert await _roundtrip(proxy, payload) == payload


async def test_a_drop_resets_live_connections_and_refuses_new_ones_for_a_while(proxy: Proxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"x")
    assert await reader.readexactly(1) == b"x"
    proxy.drop(0.5)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 5)
    writer.close()
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await _roundtrip(proxy)
    await asyncio.sleep(0.6)
    assert await _roundtrip(proxy) == b"ping"
    assert proxy.stats.drops == 1 and proxy.stats.reset >= 2


async def test_a_stall_delivers_late(proxy: Proxy) -> None:
    proxy.stall(0.6)
    began = time.monotonic()
    assert await _roundtrip(proxy) == b"ping"
    assert time.monotonic() - began >= 0.55
    began = time.monotonic()
    assert await _roundtrip(proxy) == b"ping"
    assert time.monotonic() - began < 0.5
