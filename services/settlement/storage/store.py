"""The PostgreSQL store of the settlement service (usecases/ports.py: Store). Outside `transaction()` each call is
its own transaction on an AUTOCOMMIT connection, and the hot path is group-committed (hot.py): the intents that
concurrent POS requests write (`create`) and the outcomes they record (`move`) share one statement and one commit (a
settlement moved twice in one batch is moved again by a statement of its own, in order), and the lookups of a
Capture, Void, Refund or GetSettlement (`find` without a lock) share two statements. Inside `transaction()` the
calls share one transaction, and `find(lock=True)` holds the settlement's row until it ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.actors import current_actor
from services.common.batching import Batcher
from services.common.db import driver, transient_error
from services.settlement.domain.commands import Period, SettlementRef
from services.settlement.domain.lifecycle import Move
from services.settlement.domain.model import NewRefund, Refund, RefundFinish, RefundStatus, Settlement
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.domain.reconcile import DetailRow, TypeTotals
from services.settlement.storage import hot, periods, refunds, reports, settlements

Connect = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


class PgRecords:
    """Reads and writes of settlements and refunds, each on a connection from `connect`."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    async def create(self, s: Settlement) -> tuple[Settlement, bool]:
        async with self._connect() as conn:
            created, _ = await hot.write_many(await driver(conn), [hot.NewIntent(s, current_actor())], [])
            return created[0]

    async def find(
        self, institution: str, ref: SettlementRef, *, lock: bool = False, by_capture: bool = False
    ) -> Settlement | None:
        async with self._connect() as conn:
            return await settlements.find(conn, institution, ref, lock, by_capture)

    async def lock_pos_id(self, institution: str, pos_txn_id: str) -> None:
        async with self._connect() as conn:
            await settlements.lock_pos_id(conn, institution, pos_txn_id)

    async def move_refund(self, refund_id: int, expected: RefundStatus, to: RefundStatus) -> bool:
        async with self._connect() as conn:
            return await refunds.move(conn, refund_id, expected.value, to.value)

    async def get(self, settlement_id: str) -> Settlement:
        async with self._connect() as conn:
            return await settlements.get(conn, settlement_id)

    async def move(self, settlement_id: str, m: Move) -> Settlement | None:
        async with self._connect() as conn:
            _, moved = await hot.write_many(await driver(conn), [], [hot.Moving(settlement_id, m, current_actor())])
            return moved[0]

    async def refunds_of(self, settlement_id: str) -> list[Refund]:
        async with self._connect() as conn:
            return (await refunds.of_settlements(await driver(conn), [settlement_id]))[settlement_id]

    async def find_refund(self, institution: str, refund_pos_txn_id: str) -> Refund | None:
        async with self._connect() as conn:
            return await refunds.find(conn, institution, refund_pos_txn_id)

    async def get_refund(self, refund_id: int) -> Refund:
        async with self._connect() as conn:
            return await refunds.get(conn, refund_id)

    async def insert_refund(self, r: NewRefund) -> Refund | None:
        async with self._connect() as conn:
            return await refunds.insert(conn, r)

    async def finish_refund(self, refund_id: int, f: RefundFinish) -> Refund:
        async with self._connect() as conn:
            await refunds.finish(conn, refund_id, f)
            return await refunds.get(conn, refund_id)

    async def lock_periods(self, institution: str) -> None:
        async with self._connect() as conn:
            await periods.lock(conn, institution)

    async def closed_through(self, institution: str) -> dt.datetime | None:
        async with self._connect() as conn:
            return await periods.closed_through(conn, institution)

    async def find_period(self, institution: str, end: dt.datetime) -> ClearingPeriod | None:
        async with self._connect() as conn:
            return await periods.find(conn, institution, end)

    async def close_period(self, institution: str, start: dt.datetime | None, end: dt.datetime) -> ClearingPeriod:
        async with self._connect() as conn:
            return await periods.close(conn, institution, start, end)


Write = hot.NewIntent | hot.Moving  # what the hot path writes: an intent, or a move of a settlement
Written = tuple[Settlement, bool] | Settlement | None  # create's answer, or move's


def _not_transient(exc: Exception) -> bool:
    return transient_error(exc) is None


class PgStore(PgRecords):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        super().__init__(self._statement)
        # A batch that fails as a whole, but not for want of the database, is run again one by one: one bad row
        # fails only itself.
        self.writes: Batcher[Write, Written] = Batcher(self._write_many, alone_on=_not_transient)
        self.lookups = Batcher(self._find_many, alone_on=_not_transient)

    async def create(self, s: Settlement) -> tuple[Settlement, bool]:
        created = await self.writes.submit(hot.NewIntent(s, current_actor()))
        assert isinstance(created, tuple)
        return created

    async def move(self, settlement_id: str, m: Move) -> Settlement | None:
        moved = await self.writes.submit(hot.Moving(settlement_id, m, current_actor()))
        assert not isinstance(moved, tuple)
        return moved

    async def find(
        self, institution: str, ref: SettlementRef, *, lock: bool = False, by_capture: bool = False
    ) -> Settlement | None:
        if lock or by_capture:
            return await super().find(institution, ref, lock=lock, by_capture=by_capture)
        return await self.lookups.submit((institution, ref))

    async def _find_many(self, refs: Sequence[tuple[str, SettlementRef]]) -> list[Settlement | None]:
        async with self._raw() as raw:
            return await hot.find_many(raw, refs)

    async def _write_many(self, writes: Sequence[Write]) -> list[Written]:
        """The batch's intents and moves in one statement; a settlement's second move waits for a statement after."""
        written: dict[int, Written] = {}
        intents = [(k, w) for k, w in enumerate(writes) if isinstance(w, hot.NewIntent)]
        rest = [(k, w) for k, w in enumerate(writes) if isinstance(w, hot.Moving)]
        async with self._raw() as raw:
            while intents or rest:
                now: dict[str, tuple[int, hot.Moving]] = {}
                later = []
                for k, m in rest:
                    if m.settlement_id in now:
                        later.append((k, m))
                    else:
                        now[m.settlement_id] = (k, m)
                created, moved = await hot.write_many(raw, [i for _, i in intents], [m for _, m in now.values()])
                written.update(zip((k for k, _ in intents), created, strict=True))
                written.update(zip((k for k, _ in now.values()), moved, strict=True))
                intents, rest = [], later
        return [written[k] for k in range(len(writes))]

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[AsyncConnection]:
        async with self.autocommit.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _raw(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg connection, for hot.py's statements (each its own transaction)."""
        async with self._statement() as conn:
            yield await driver(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgRecords]:
        """asyncpg's own transaction on an autocommit connection: SQLAlchemy's statements and the raw ones of hot.py
        share it whichever comes first (SQLAlchemy's own would begin only at its first statement)."""
        async with self._statement() as conn, (await driver(conn)).transaction():

            @asynccontextmanager
            async def same() -> AsyncIterator[AsyncConnection]:
                yield conn

            yield PgRecords(same)

    async def unfinished(
        self, updated_before: dt.datetime, limit: int, pending_before: dt.datetime | None = None
    ) -> list[str]:
        async with self._statement() as conn:
            return await settlements.unfinished(conn, updated_before, limit, pending_before or updated_before)

    async def waiting(self, settlement_id: str) -> None:
        async with self._statement() as conn:
            await settlements.waiting(conn, settlement_id)

    async def pending_refunds(self, created_before: dt.datetime, limit: int) -> list[int]:
        async with self._statement() as conn:
            return await refunds.pending(conn, created_before, limit)

    async def lapsed_authorizations(self, now: dt.datetime, limit: int) -> list[str]:
        async with self._statement() as conn:
            return await settlements.lapsed_authorizations(conn, now, limit)

    async def reversing_refunds(self, created_before: dt.datetime, limit: int) -> list[int]:
        async with self._statement() as conn:
            return await refunds.reversing(conn, created_before, limit)

    async def period_paid(self, period_id: int) -> ClearingPeriod:
        async with self._statement() as conn:
            return await periods.paid(conn, period_id)

    async def paying_periods(self, closed_before: dt.datetime, limit: int) -> list[ClearingPeriod]:
        async with self._statement() as conn:
            return await periods.paying(conn, closed_before, limit)

    async def list_created(
        self, institution: str, period: Period, after: tuple[dt.datetime, str] | None, limit: int, mdtrt_id: str = ""
    ) -> list[Settlement]:
        async with self._statement() as conn:
            return await settlements.list_created(conn, institution, period, after, limit, mdtrt_id)

    async def totals(
        self, institution: str, period: Period, insutype: str = "", clr_type: str = ""
    ) -> list[TypeTotals]:
        async with self._statement() as conn:
            return await reports.totals(conn, institution, period, insutype, clr_type)

    async def detail(self, institution: str, period: Period, insutype: str = "", clr_type: str = "") -> list[DetailRow]:
        async with self._statement() as conn:
            return await reports.detail(conn, institution, period, insutype, clr_type)
