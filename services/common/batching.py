"""Group commit: concurrent requests of one kind are collected and handed to one `flush` call, which answers each
with its own outcome (a value or an exception), so that many requests cost one database transaction, or one RPC.

No timer on the quiet path: a request that finds the batcher idle (no flush running) is flushed at once, after one
turn of the event loop (the requests that arrived at the same moment join it). When it is busy (a flush is running,
or requests queued while the last one ran), a flush first waits `window_s` for company, and batches grow to what
arrives meanwhile. A flush costs mostly per flush (a round trip, a statement, a commit), so under load the work per
request falls as batches grow: on the payment path, 5 ms windows cut the CPU per payment by a quarter (batches of
3-5 requests at 64 in flight were the cost). While `max_in_flight` flushes run, new requests queue; each flush takes
at most `max_batch` of them (a full queue does not wait).

A request whose caller stopped waiting (cancelled) before its flush began is left out: nothing is done for it.

A flush may leave a request to run by itself (answer `ALONE` for it; or, with `alone_on`, fail as a whole with an
error that says so: then every request of the batch is left alone): its caller then runs it (`alone`: a flush of
that request only, unless said otherwise), in its own task, after the batch. So one bad request costs only itself,
and a request that must wait (for a row held elsewhere) holds up neither the batch nor the next one."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item
O = TypeVar("O")  # noqa: E741 - its outcome


class RunAlone:
    """A flush's answer for a request it leaves to its caller to run by itself."""

    def __repr__(self) -> str:
        return "ALONE"


ALONE = RunAlone()

Flush = Callable[[Sequence[I]], Awaitable[Sequence[O | BaseException | RunAlone]]]


class Batcher(Generic[I, O]):
    def __init__(
        self,
        flush: Flush[I, O],
        *,
        alone: Callable[[I], Awaitable[O]] | None = None,
        alone_on: Callable[[Exception], bool] = lambda exc: False,
        max_batch: int = 64,
        max_in_flight: int = 2,
        window_s: float = 0.005,
    ):
        self._flush = flush
        self._alone = alone or self._flush_one
        self._alone_on = alone_on
        self.max_batch = max_batch
        self.max_in_flight = max_in_flight
        self.window_s = window_s
        self._queue: collections.deque[tuple[I, asyncio.Future[O | RunAlone]]] = collections.deque()
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0  # flushes so far, and the items they took: the mean batch size, for tests and benchmarks
        self.items = 0

    async def submit(self, item: I) -> O:
        future: asyncio.Future[O | RunAlone] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._in_flight < self.max_in_flight:
            self._in_flight += 1
            # The drain runs in the context of the request that started it (its trace, its correlation id).
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        outcome = await future
        return await self._alone(item) if isinstance(outcome, RunAlone) else outcome

    async def formed(self, items: Sequence[I]) -> Sequence[O | BaseException | RunAlone]:
        """One flush, at once, of a batch its caller formed (one that came in one RPC), counted with the others;
        what it leaves alone is the caller's to run (or to send back)."""
        self.batches += 1
        self.items += len(items)
        return await self._outcomes(items)

    async def together(self, items: Sequence[I]) -> list[O | BaseException]:
        """One flush of exactly these items, each answered as its caller would be (those left alone run alone,
        side by side): what a batch of them does, for tests."""
        outcomes = await self.formed(items)

        async def answer(item: I, outcome: O | BaseException | RunAlone) -> O | BaseException:
            try:
                return await self._alone(item) if isinstance(outcome, RunAlone) else outcome
            except Exception as exc:  # noqa: BLE001 - its caller's answer
                return exc

        return list(await asyncio.gather(*(answer(i, o) for i, o in zip(items, outcomes, strict=True))))

    async def _flush_one(self, item: I) -> O:
        outcome = (await self._flush([item]))[0]
        if isinstance(outcome, BaseException):
            raise outcome
        assert not isinstance(outcome, RunAlone), "a request left alone is run by itself"
        return outcome

    async def _outcomes(self, items: Sequence[I]) -> Sequence[O | BaseException | RunAlone]:
        """The flush's answers; when it fails as a whole, its error for each (or, `alone_on` it, each left alone)."""
        try:
            outcomes = await self._flush(items)
            if len(outcomes) != len(items):
                raise RuntimeError(f"a flush of {len(items)} items answered {len(outcomes)}")
            return outcomes
        except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
            return [ALONE if len(items) > 1 and self._alone_on(exc) else exc] * len(items)

    async def _drain(self) -> None:
        idle = True  # started by a request that found nothing else running
        try:
            while self._queue:
                busy = not idle or self._in_flight > 1
                await asyncio.sleep(self.window_s if busy and len(self._queue) < self.max_batch else 0)
                idle = False
                taken: list[tuple[I, asyncio.Future[O | RunAlone]]] = []
                while self._queue and len(taken) < self.max_batch:
                    item, future = self._queue.popleft()
                    if not future.done():  # its caller gave up: nothing is done for it
                        taken.append((item, future))
                if not taken:
                    continue
                self.batches += 1
                self.items += len(taken)
                try:
                    outcomes = await self._outcomes([item for item, _ in taken])
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
