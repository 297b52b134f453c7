"""Group commit: concurrent requests of one kind are collected and handed to one `flush` call, which answers each
with its own outcome (a value or an exception), so that many requests cost one database transaction, or one RPC.

No timer on the quiet path: a request that finds a free flush slot starts a flush at once, after letting the event
loop run the requests that arrived at the same moment (`window_s`, 0 by default: one turn of the loop). While
`max_in_flight` flushes run, new requests queue; each flush that ends takes the next `max_batch` of them. So under
load batches grow by themselves to what arrives during one flush, and at low load a request waits for nobody.

A request whose caller stopped waiting (cancelled) before its flush began is left out: nothing is done for it."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item
O = TypeVar("O")  # noqa: E741 - its outcome

Flush = Callable[[Sequence[I]], Awaitable[Sequence[O | BaseException]]]


class Batcher(Generic[I, O]):
    def __init__(self, flush: Flush[I, O], *, max_batch: int = 64, max_in_flight: int = 2, window_s: float = 0.0):
        self._flush = flush
        self.max_batch = max_batch
        self.max_in_flight = max_in_flight
        self.window_s = window_s
        self._queue: collections.deque[tuple[I, asyncio.Future[O]]] = collections.deque()
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0  # flushes so far, and the items they took: the mean batch size, for tests and benchmarks
        self.items = 0

    async def submit(self, item: I) -> O:
        future: asyncio.Future[O] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._in_flight < self.max_in_flight:
            self._in_flight += 1
            # The drain runs in the context of the request that started it (its trace, its correlation id).
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                await asyncio.sleep(self.window_s)
                taken: list[tuple[I, asyncio.Future[O]]] = []
                while self._queue and len(taken) < self.max_batch:
                    item, future = self._queue.popleft()
                    if not future.done():  # its caller gave up: nothing is done for it
                        taken.append((item, future))
                if not taken:
                    continue
                self.batches += 1
                self.items += len(taken)
                try:
                    outcomes: Sequence[O | BaseException] = await self._flush([item for item, _ in taken])
                    if len(outcomes) != len(taken):
                        raise RuntimeError(f"a flush of {len(taken)} items answered {len(outcomes)}")
                except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                    outcomes = [exc] * len(taken)
                except BaseException:  # the service is stopping: the callers are not left waiting
                    for _, future in taken:
                        future.cancel()
                    raise
                for (_, future), outcome in zip(taken, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._in_flight -= 1
