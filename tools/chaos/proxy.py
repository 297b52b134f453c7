"""A small TCP proxy of the chaos soak's own, in front of one accounts instance: settlement connects to it, it
connects on to accounts, and bytes pass through untouched (TLS included: it never looks inside). The schedule makes it

- drop: every connection through it is reset at once (both sides), and new ones are reset as soon as they arrive,
  for a while — a link that breaks and stays broken;
- stall: nothing moves in either direction for a while; what was sent waits in the proxy and is delivered when the
  stall ends, late — a link that hangs (a call's deadline passes while its request is still on its way).

Loopback only: it listens on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class ProxyStats:
    connections: int = 0
    reset: int = 0  # connections reset by a drop (those refused during one included)
    drops: int = 0
    stalls: int = 0


@dataclass(eq=False)  # one per connection, kept in a set by identity
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


class Proxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.stats = ProxyStats()
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._refuse_until = 0.0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._stall_until = 0.0

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.abort()
        if self._server is not None:
            await self._server.wait_closed()

    def drop(self, duration_s: float) -> None:
        """Resets every connection now, and every new one until `duration_s` from now."""
        self.stats.drops += 1
        self._refuse_until = max(self._refuse_until, time.monotonic() + duration_s)
        for link in list(self._links):
            self.stats.reset += 1
            link.abort()

    def stall(self, duration_s: float) -> None:
        """Holds every byte in both directions (of every connection, new ones too) until `duration_s` from now."""
        self.stats.stalls += 1
        self._stall_until = max(self._stall_until, time.monotonic() + duration_s)
        self._flowing.clear()
        asyncio.get_running_loop().call_later(duration_s, self._resume)

    def _resume(self) -> None:
        if time.monotonic() >= self._stall_until - 0.001:
            self._flowing.set()

    @property
    def dropping(self) -> bool:
        return time.monotonic() < self._refuse_until

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        if self.dropping:
            self.stats.reset += 1
            writer.transport.abort()
            return
        link = _Link(writer)
        self._links.add(link)
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                writer.transport.abort()  # accounts is down: the caller sees a reset, as it would without us
                return
            link.upstream = up_writer
            if self.dropping:  # a drop began while we connected
                link.abort()
                return
            link.tasks = [
                asyncio.create_task(self._pump(reader, up_writer, link)),
                asyncio.create_task(self._pump(up_reader, writer, link)),
            ]
            await asyncio.gather(*link.tasks, return_exceptions=True)
        finally:
            self._links.discard(link)
            link.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link) -> None:
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            # one side ended: end the other (a half-open TLS link helps nobody)
            for task in link.tasks:
                if task is not asyncio.current_task():
                    task.cancel()
            with contextlib.suppress(Exception):
                writer.close()
