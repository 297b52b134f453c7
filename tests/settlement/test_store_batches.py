"""Group commit of settlement's own writes (storage/store.py), on the real database: the intents and outcomes of
concurrent POS requests share one statement, and so do their lookups; each caller still gets its own answer — a
new settlement, the one that already had its POS id, a settlement moved, or None when its compare-and-set found
another status — and a row the database refuses fails only its own request. And what the recovery sweep finds."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.actors import acting_as
from services.common.credentials import CertType
from services.common.db import make_engine
from services.settlement.domain.commands import SettlementRef
from services.settlement.domain.lifecycle import Changes, Move
from services.settlement.domain.model import Kind, Settlement, Status
from services.settlement.storage.store import PgStore

INSTITUTION = "H63010000001"
POS = "INSTITUTION:H63010000001"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PgStore]:
    engine: AsyncEngine = make_engine(database_url, pool_size=2)
    acting_as.set(POS)
    yield PgStore(engine)
    await engine.dispose()


def _intent(pos_txn_id: str = "", amount_fen: int = 1_000) -> Settlement:
    return Settlement(
        id=uuid.uuid4().hex,
        institution=INSTITUTION,
        pos_txn_id=pos_txn_id or uuid.uuid4().hex,
        kind=Kind.SALE,
        status=Status.PENDING,
        payer_psn_no="P1",
        amount_fen=amount_fen,
        fingerprint=b"\x01" * 32,
        cert_type=CertType.ID_CARD,
        cert_no_hash=bytes(range(32)),
        cert_no_masked="**************1234",
    )


def _paid(own_fen: int) -> Move:
    return Move.of(Status.PENDING, Status.COMPLETED, Changes(reservation_id="R1", acct_pay_fen=own_fen, balc_fen=7))


async def test_concurrent_intents_share_a_statement_and_each_gets_its_own_answer(store: PgStore) -> None:
    earlier = _intent()
    await store.create(earlier)
    twice = _intent()
    intents = [_intent() for _ in range(20)] + [twice, dataclasses.replace(twice, id=uuid.uuid4().hex)]
    again = dataclasses.replace(earlier, id=uuid.uuid4().hex)  # a POS retry: the same POS id, a new intent id
    batches_before = store.writes.batches
    answers = await asyncio.gather(*(store.create(s) for s in [*intents, again]))
    assert store.writes.batches - batches_before < len(intents) // 2  # they went together
    for s, (written, created) in zip(intents[:20], answers[:20], strict=True):
        assert (written.id, written.pos_txn_id, written.amount_fen, created) == (s.id, s.pos_txn_id, 1_000, True)
        assert (written.cert_no_hash, written.fingerprint, written.created_by) == (bytes(range(32)), b"\x01" * 32, POS)
    # the same POS id twice in one batch: one intent written, the other answered with it
    assert sorted(created for _, created in answers[20:22]) == [False, True]
    assert answers[20][0].id == answers[21][0].id
    assert answers[22] == (await store.get(earlier.id), False)


async def test_concurrent_moves_each_compare_and_set_their_own_settlement(store: PgStore) -> None:
    intents = [(await store.create(_intent()))[0] for _ in range(10)]
    moved_elsewhere = intents[0]
    await store.move(moved_elsewhere.id, Move.of(Status.PENDING, Status.DECLINED, Changes(decline_reason="X")))
    moves = [(s.id, _paid(100 + n)) for n, s in enumerate(intents)]
    moves.append((intents[1].id, _paid(999)))  # the same settlement twice: the second finds it moved
    answers = await asyncio.gather(*(store.move(i, m) for i, m in moves))
    assert answers[0] is None  # it was no longer PENDING
    for n, answer in enumerate(answers[1:10], start=1):
        assert answer is not None
        assert (answer.status, answer.split.acct_pay_fen, answer.balc_fen) == (Status.COMPLETED, 100 + n, 7)
        assert (answer.reservation_id, answer.completed_at is not None, answer.updated_by) == ("R1", True, POS)
        assert answer.decline_reason == ""  # a change not given is left as it was
    assert answers[10] is None
    assert (await store.get(intents[1].id)).split.acct_pay_fen == 101
    assert (await store.get(moved_elsewhere.id)).status is Status.DECLINED


async def test_new_intents_and_outcomes_share_a_statement(store: PgStore) -> None:
    pending = [(await store.create(_intent()))[0] for _ in range(8)]
    fresh = [_intent() for _ in range(8)]
    batches_before = store.writes.batches
    moved, created = await asyncio.gather(
        asyncio.gather(*(store.move(s.id, _paid(200 + n)) for n, s in enumerate(pending))),
        asyncio.gather(*(store.create(s) for s in fresh)),
    )
    assert store.writes.batches - batches_before < 16 // 2  # intents and moves went together
    assert [(m.id, m.status, m.split.acct_pay_fen) for m in moved if m] == [
        (s.id, Status.COMPLETED, 200 + n) for n, s in enumerate(pending)
    ]
    assert [(s.id, is_new) for s, is_new in created] == [(s.id, True) for s in fresh]
    assert [(await store.get(s.id)).status for s in fresh] == [Status.PENDING] * 8


async def test_a_row_the_database_refuses_fails_only_its_own_request(store: PgStore) -> None:
    bad = dataclasses.replace(_intent(), cert_no_masked="not a masked number")  # the table's CHECK refuses it
    good = [_intent() for _ in range(5)]
    answers = await asyncio.gather(*(store.create(s) for s in [*good, bad]), return_exceptions=True)
    assert isinstance(answers[-1], asyncpg.CheckViolationError)
    for s, answer in zip(good, answers[:5], strict=True):
        assert not isinstance(answer, BaseException)
        assert answer == (await store.get(s.id), True)


async def test_a_transaction_holds_raw_and_sqlalchemy_statements_alike(store: PgStore) -> None:
    """Inside `transaction()` the hot path's raw statements (create, move) and SQLAlchemy's (the locks, the reads)
    are one transaction: all of it is written at the end, or none of it."""
    kept, dropped = _intent(), _intent()
    async with store.transaction() as tx:
        written, _ = await tx.create(kept)  # raw asyncpg first: the transaction has begun even so
        await tx.lock_pos_id(INSTITUTION, kept.pos_txn_id)
        assert await tx.move(written.id, _paid(300)) is not None
        assert (await tx.find(INSTITUTION, SettlementRef(settlement_id=kept.id), lock=True)) is not None
    assert (await store.get(kept.id)).split.acct_pay_fen == 300

    class Undone(Exception):
        pass

    with pytest.raises(Undone):
        async with store.transaction() as tx:
            await tx.create(dropped)
            await tx.move(kept.id, Move.of(Status.COMPLETED, Status.REVERSING))
            raise Undone
    assert await store.find(INSTITUTION, SettlementRef(settlement_id=dropped.id)) is None
    assert (await store.get(kept.id)).status is Status.COMPLETED


async def test_concurrent_lookups_each_find_their_own_settlement(store: PgStore) -> None:
    made = [(await store.create(_intent()))[0] for _ in range(4)]
    refs = [SettlementRef(settlement_id=s.id) for s in made[:2]] + [
        SettlementRef(pos_txn_id=s.pos_txn_id) for s in made[2:]
    ]
    refs.append(SettlementRef(settlement_id="nobody"))
    found = await asyncio.gather(*(store.find(INSTITUTION, ref) for ref in refs))
    assert [s.id if s else None for s in found] == [*(s.id for s in made), None]
    assert await store.find("H63019999999", SettlementRef(settlement_id=made[0].id)) is None  # another's


async def test_the_recovery_sweep_finds_the_unfinished_intents_oldest_first(store: PgStore) -> None:
    pending, capturing, done = [(await store.create(_intent()))[0] for _ in range(3)]
    await store.move(done.id, _paid(100))
    await store.move(capturing.id, Move.of(Status.PENDING, Status.AUTHORIZED))
    await store.move(capturing.id, Move.of(Status.AUTHORIZED, Status.CAPTURING, Changes(capture_fen=100)))
    ours = {pending.id, capturing.id, done.id}
    later, earlier = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    async def swept(updated_before: dt.datetime, pending_before: dt.datetime) -> list[str]:
        return [i for i in await store.unfinished(updated_before, 10_000, pending_before) if i in ours]

    assert await swept(later, later) == [pending.id, capturing.id]  # by when each last moved
    assert await swept(later, earlier) == [capturing.id]  # a POS may still be waiting on the pending one
    assert await swept(earlier, later) == [pending.id]
    assert await swept(earlier, earlier) == []
