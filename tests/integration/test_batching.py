"""Group commit of Reserve, Debit and Release (services/accounts/transport/batch.py): one transaction for the requests
that arrive together, each with its own answer. A batch is flushed here directly, so that exactly these requests
share it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.accounts.v1 import payment_service_pb2 as pb
from services.accounts.domain.policy import PolicyBook
from services.accounts.transport import parse
from services.accounts.transport.batch import ChangeBatches, Item, ReserveBatches
from services.accounts.usecases.env import Env
from services.common.batching import Batcher
from services.common.db import make_engine
from services.common.errors import DomainError, Reason
from services.common.idempotency import IdempotentRunner, fingerprint
from tests import processes
from tests.held import rows_held
from tools.kit import OWN, POOL, Accounts, Family, Insured, accounts_v1, rid

pytestmark = pytest.mark.usefixtures("ledger_clean")

ACTOR = "SETTLEMENT:test-batching"
B = TypeVar("B", ReserveBatches, ChangeBatches)


@asynccontextmanager
async def _own_pool(database_url: str, kind: type[B]) -> AsyncIterator[B]:
    """The accounts service's batches of one kind, over a pool of their own (as the service has)."""
    settings = processes.accounts_settings(database_url)
    env = Env(PolicyBook.load(settings.policy_file), settings.id_hash_key)
    engine = make_engine(database_url, pool_size=4)
    yield kind(engine, env, IdempotentRunner(engine, "accounts.idempotency_keys", settings.id_hash_key))
    await engine.dispose()


@pytest.fixture
async def batches(database_url: str) -> AsyncIterator[ReserveBatches]:
    async with _own_pool(database_url, ReserveBatches) as made:
        yield made


@pytest.fixture
async def changes(database_url: str) -> AsyncIterator[ChangeBatches]:
    async with _own_pool(database_url, ChangeBatches) as made:
        yield made


def _request(payer: Insured, amount_fen: int, sources: tuple[int, ...] = (OWN, POOL), **kw: Any) -> pb.ReserveRequest:
    return pb.ReserveRequest(
        request_id=kw.pop("request_id", None) or rid(),
        payer_psn_no=payer.psn_no,
        amount_fen=amount_fen,
        sources=list(sources),
        fixmedins_code="H63010000001",
        **{"credential": payer.credential(), "debit_immediately": True, **kw},
    )


def _item(batches: ReserveBatches, request: pb.ReserveRequest) -> Item[Any]:
    return Item("Reserve", request, parse.reserve(request), ACTOR, fingerprint(request, batches.idempotent.key))


async def _answers(batches: ReserveBatches | ChangeBatches, items: Sequence[Item[Any]]) -> list[Any]:
    """Each request's answer from one batch of exactly these requests, as its caller gets it."""
    return await batches.batcher.together(items)


async def _flush(batches: ReserveBatches, requests: Sequence[pb.ReserveRequest]) -> list[Any]:
    return await _answers(batches, [_item(batches, r) for r in requests])


def _reason(answer: Any) -> str:
    assert isinstance(answer, DomainError), answer
    return answer.reason.name


async def test_each_request_of_a_batch_gets_its_own_answer(accounts: Accounts, batches: ReserveBatches) -> None:
    f = Family(accounts)
    good = [await f.person(credit_fen=10_000) for _ in range(4)]
    overdrawn = await f.person(credit_fen=100)
    stranger = await f.person(credit_fen=10_000)
    replayed = await f.person(credit_fen=10_000)
    first = _request(replayed, 1_000)
    before = await accounts.Reserve(first)
    reused = _request(replayed, 2_000, request_id=first.request_id)  # the same id, another request
    answers = await _flush(
        batches,
        [
            *(_request(who, 1_000 + n) for n, who in enumerate(good)),
            _request(overdrawn, 5_000, (OWN,), all_or_nothing=True),
            _request(stranger, 1_000, credential=good[0].credential()),  # somebody else's ID card
            first,
            reused,
            _request(Insured("NOBODY", "", good[0].id_number), 1_000),
        ],
    )
    for n, answer in enumerate(answers[:4]):
        assert isinstance(answer, pb.ReserveResponse), answer
        assert answer.reservation.legs[0].debited_fen == 1_000 + n
    assert _reason(answers[4]) == Reason.INSUFFICIENT_FUNDS.name
    assert _reason(answers[5]) == Reason.CREDENTIAL_MISMATCH.name
    assert answers[6] == before  # the replay answers with the first outcome, and pays nothing again
    assert _reason(answers[7]) == Reason.REQUEST_ID_REUSED.name
    assert _reason(answers[8]) == Reason.PERSON_NOT_FOUND.name
    for n, who in enumerate(good):
        assert await f.own_balance(who) == 10_000 - 1_000 - n
    assert await f.own_balance(overdrawn) == 100
    assert await f.own_balance(stranger) == 10_000
    assert await f.own_balance(replayed) == 9_000
    # each outcome is stored under its own request id: a retry of a declined request stays declined
    again = await _flush(batches, [_request(overdrawn, 5_000, (OWN,), all_or_nothing=True)])
    assert _reason(again[0]) == Reason.INSUFFICIENT_FUNDS.name


async def test_payments_of_one_family_in_one_batch_see_each_other(accounts: Accounts, batches: ReserveBatches) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    members = [await f.person(), await f.person()]
    for member in members:
        await f.bind(pool_id, member)
    # 40,000 + 40,000 from a pool of 60,000: the first gets all, the second the 20,000 left, the rest is cash
    answers = await _flush(batches, [_request(m, 40_000) for m in members] + [_request(creator, 140_000, (OWN,))])
    assert [a.reservation.legs[-1].debited_fen for a in answers[:2]] == [40_000, 20_000]
    assert answers[1].reservation.uncovered_fen == 20_000
    assert answers[1].reservation.payer_pool_available_fen == 0
    assert await f.pool_balance(pool_id) == 0
    # the creator paid 140,000 of 200,000 - 60,000 in the same batch: 0 left
    assert answers[2].reservation.legs[-1].debited_fen == 140_000
    assert await f.own_balance(creator) == 0


async def test_holds_of_one_payer_in_one_batch_add_up(accounts: Accounts, batches: ReserveBatches) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=5_000)
    answers = await _flush(batches, [_request(payer, 2_000, (OWN,), debit_immediately=False) for _ in range(3)])
    assert [a.reservation.reserved_fen for a in answers] == [2_000, 2_000, 1_000]
    balances = await f.balances(payer)
    assert (balances.personal.balance_fen, balances.personal.held_fen) == (5_000, 5_000)


async def test_a_fenced_request_id_is_not_run_by_a_batch_and_a_batch_can_be_fenced_after(
    accounts: Accounts, batches: ReserveBatches
) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=5_000)
    fenced, paid = _request(payer, 1_000), _request(payer, 2_000)
    assert not (await accounts.Fence(pb.FenceRequest(request_id=fenced.request_id))).already_executed
    answers = await _flush(batches, [fenced, paid])
    assert _reason(answers[0]) == Reason.REQUEST_CANCELLED.name
    after = await accounts.Fence(pb.FenceRequest(request_id=paid.request_id))
    assert after.already_executed and after.reservation_id == answers[1].reservation.reservation_id
    assert await f.own_balance(payer) == 3_000


async def test_a_batch_that_fails_as_a_whole_runs_one_by_one(
    accounts: Accounts, batches: ReserveBatches, engine: AsyncEngine
) -> None:
    """One payer's rows are locked elsewhere: the batch waits for the lock, gives up, and runs its requests alone;
    only that payer's request is told the account is busy."""
    f = Family(accounts)
    stuck = await f.person(credit_fen=10_000)
    others = [await f.person(credit_fen=10_000) for _ in range(3)]
    async with rows_held(engine, stuck.psn_no):
        answers = await _flush(batches, [_request(who, 1_000, (OWN,)) for who in [*others, stuck]])
    assert all(isinstance(a, pb.ReserveResponse) for a in answers[:3]), answers
    assert _reason(answers[3]) == Reason.ACCOUNT_BUSY.name
    assert [await f.own_balance(who) for who in others] == [9_000] * 3
    assert await f.own_balance(stuck) == 10_000


async def test_concurrent_reserves_share_batches_and_the_ledger_stays_clean(accounts: Accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=1_000_000)
    pool_id = await f.create_pool(creator, transfer_fen=500_000)
    members = [await f.person(credit_fen=1_000) for _ in range(4)]
    for member in members:
        await f.bind(pool_id, member)
    payers = [creator, *members]
    calls = [f.reserve(payers[n % len(payers)], 3_000, debit_immediately=True) for n in range(100)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    busy = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert all(r.code() is grpc.StatusCode.ABORTED for r in busy)  # the payer's gate: ACCOUNT_BUSY, retryable
    paid = sum(r.debited_fen for r in results if not isinstance(r, BaseException))
    left = await f.pool_balance(pool_id) + sum([await f.own_balance(who) for who in payers])
    assert paid > 0 and left == 500_000 + 500_000 + 4 * 1_000 - paid  # every fen paid left an account, once
    assert (await accounts.VerifyLedger(accounts_v1.VerifyLedgerRequest())).ok


def _debit(reservation_id: str, amount_fen: int, request_id: str = "") -> pb.DebitRequest:
    return pb.DebitRequest(request_id=request_id or rid(), reservation_id=reservation_id, amount_fen=amount_fen)


def _release(reservation_id: str) -> pb.ReleaseRequest:
    return pb.ReleaseRequest(request_id=rid(), reservation_id=reservation_id)


async def _flush_changes(changes: ChangeBatches, requests: Sequence[pb.DebitRequest | pb.ReleaseRequest]) -> list[Any]:
    items = [
        Item("Debit", r, parse.debit(r), ACTOR, fingerprint(r, changes.idempotent.key))
        if isinstance(r, pb.DebitRequest)
        else Item("Release", r, parse.reservation_ref(r), ACTOR, fingerprint(r, changes.idempotent.key))
        for r in requests
    ]
    return await _answers(changes, items)


async def test_each_debit_and_release_of_a_batch_gets_its_own_answer(
    accounts: Accounts, changes: ChangeBatches
) -> None:
    f = Family(accounts)
    payers = [await f.person(credit_fen=10_000) for _ in range(6)]
    holds = [await f.reserve(who, 3_000, (OWN,)) for who in payers]
    ids = [h.reservation_id for h in holds]
    await accounts.Release(_release(ids[3]))  # already released before the batch
    replayed = _debit(ids[5], 1_000)
    before = await accounts.Debit(replayed)
    paid, unknown = _debit(ids[0], 2_000), _debit("999999999", 1_000)  # no such reservation
    answers = await _flush_changes(
        changes,
        [
            paid,
            _debit(ids[1], 3_000),
            unknown,
            _debit(ids[3], 1_000),  # released already
            _debit(ids[2], 5_000),  # more than it holds
            _release(ids[4]),
            _debit(ids[4], 1_000),  # released by the request before it, in the same batch
            replayed,
            _debit(ids[5], 2_000, request_id=replayed.request_id),  # the same id, another request
        ],
    )
    assert [type(a).__name__ for a in answers[:2]] == ["DebitResponse"] * 2, answers
    assert answers[0].reservation.status == accounts_v1.RESERVATION_STATUS_DEBITED
    assert (answers[0].reservation.debited_fen, answers[1].reservation.debited_fen) == (2_000, 3_000)
    assert answers[0].reservation.payer_personal_available_fen == 8_000  # the rest of the hold was released
    assert _reason(answers[2]) == Reason.RESERVATION_NOT_FOUND.name
    assert _reason(answers[3]) == Reason.RESERVATION_ALREADY_FINAL.name
    assert _reason(answers[4]) == Reason.AMOUNT_EXCEEDS_RESERVED.name
    assert isinstance(answers[5], pb.ReleaseResponse), answers[5]
    assert answers[5].reservation.status == accounts_v1.RESERVATION_STATUS_RELEASED
    assert answers[5].reservation.payer_personal_available_fen == 10_000
    assert _reason(answers[6]) == Reason.RESERVATION_ALREADY_FINAL.name
    assert answers[7] == before  # the replay answers with the first outcome, and pays nothing again
    assert _reason(answers[8]) == Reason.REQUEST_ID_REUSED.name
    balances = [await f.balances(who) for who in payers]
    assert [(b.personal.balance_fen, b.personal.held_fen) for b in balances] == [
        (8_000, 0), (7_000, 0), (10_000, 3_000), (10_000, 0), (10_000, 0), (9_000, 0)
    ]  # fmt: skip
    # each outcome is stored under its own request id: a retry, batched or alone, answers the same and pays nothing
    again = await _flush_changes(changes, [paid, unknown])
    assert again[0] == answers[0]
    assert _reason(again[1]) == Reason.RESERVATION_NOT_FOUND.name
    assert await accounts.Debit(paid) == answers[0]
    assert await f.own_balance(payers[0]) == 8_000
    assert await accounts.Debit(replayed) == before


async def test_debits_of_one_payer_in_one_batch_each_answer_the_balances_after_it(
    accounts: Accounts, changes: ChangeBatches
) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    member = await f.person(credit_fen=1_000)
    await f.bind(pool_id, member)
    holds = [await f.reserve(member, 10_000) for _ in range(3)]  # 1,000 own then 9,000 pool; 10,000 pool; 10,000 pool
    answers = await _flush_changes(changes, [_debit(h.reservation_id, 5_000) for h in holds])
    views = [(a.reservation.payer_personal_available_fen, a.reservation.payer_pool_available_fen) for a in answers]
    # 50,000 - 29,000 held = 21,000 free in the pool; each debit takes 5,000 (own first) and frees the rest of its hold
    assert views == [(0, 21_000 + 5_000), (0, 26_000 + 5_000), (0, 31_000 + 5_000)]
    assert await f.pool_balance(pool_id) == 50_000 - 4_000 - 5_000 - 5_000


async def test_concurrent_debits_and_releases_share_batches_and_the_ledger_stays_clean(accounts: Accounts) -> None:
    f = Family(accounts)
    payers = [await f.person(credit_fen=10_000) for _ in range(8)]
    holds = [await f.reserve(payers[n % len(payers)], 1_000, (OWN,)) for n in range(40)]
    calls = [
        accounts.Debit(_debit(h.reservation_id, 600)) if n % 4 else accounts.Release(_release(h.reservation_id))
        for n, h in enumerate(holds)
    ]
    results = await asyncio.gather(*calls)
    assert [r.reservation.status for r in results] == [
        accounts_v1.RESERVATION_STATUS_DEBITED if n % 4 else accounts_v1.RESERVATION_STATUS_RELEASED for n in range(40)
    ]
    for k, who in enumerate(payers):
        b = await f.balances(who)
        debited = sum(600 for n in range(k, 40, len(payers)) if n % 4)
        assert (b.personal.balance_fen, b.personal.held_fen) == (10_000 - debited, 0)
    assert (await accounts.VerifyLedger(accounts_v1.VerifyLedgerRequest())).ok


async def test_the_batcher_gives_each_caller_its_outcome_and_drops_the_ones_that_left() -> None:
    seen: list[list[int]] = []

    async def flush(items: Sequence[int]) -> list[int | BaseException]:
        seen.append(list(items))
        await asyncio.sleep(0.01)
        return [ValueError(i) if i % 3 == 0 else i * 10 for i in items]

    batcher: Batcher[int, int] = Batcher(flush, max_batch=4, max_in_flight=1)
    gone = asyncio.ensure_future(batcher.submit(99))
    tasks = [asyncio.ensure_future(batcher.submit(i)) for i in range(1, 10)]
    gone.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [r if not isinstance(r, ValueError) else "error" for r in results] == [
        10, 20, "error", 40, 50, "error", 70, 80, "error"
    ]  # fmt: skip
    assert 99 not in [i for batch in seen for i in batch]
    assert max(len(batch) for batch in seen) == 4 and len(seen) >= 3


async def test_a_batch_that_fails_as_a_whole_is_run_again_one_by_one_when_its_error_says_so() -> None:
    """One bad item fails a batch's statement: each item runs again by itself, and only the bad one fails; an error
    that is not the items' (the database out of reach) is told to every caller at once."""
    flushed: list[list[int]] = []

    async def flush(items: Sequence[int]) -> list[int]:
        flushed.append(list(items))
        await asyncio.sleep(0.01)
        if 13 in items:
            raise ValueError("a bad row")
        if 0 in items:
            raise ConnectionError("no database")
        return [i * 10 for i in items]

    batcher: Batcher[int, int] = Batcher(flush, alone_on=lambda exc: isinstance(exc, ValueError), max_in_flight=1)
    results = await asyncio.gather(*(batcher.submit(i) for i in (1, 13, 4)), return_exceptions=True)
    assert [r if not isinstance(r, ValueError) else "bad" for r in results] == [10, "bad", 40]
    assert flushed[0] == [1, 13, 4] and sorted(flushed[1:]) == [[1], [4], [13]]
    lost = await asyncio.gather(*(batcher.submit(i) for i in (0, 5)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in lost)


async def test_the_batcher_waits_for_company_only_when_busy() -> None:
    """Alone, a request is flushed at once; while a flush runs, the next one waits its window for the requests that
    arrive meanwhile, and takes them all."""
    flushed: list[list[int]] = []

    async def flush(items: Sequence[int]) -> list[int]:
        flushed.append(list(items))
        await asyncio.sleep(0.05)
        return list(items)

    batcher: Batcher[int, int] = Batcher(flush, window_s=0.5)
    started = asyncio.get_running_loop().time()
    assert await batcher.submit(1) == 1
    assert asyncio.get_running_loop().time() - started < 0.4, "a lone request did not wait for a window"

    async def later(item: int, delay_s: float) -> int:
        await asyncio.sleep(delay_s)
        return await batcher.submit(item)

    busy = [asyncio.ensure_future(batcher.submit(2))]
    busy += [asyncio.ensure_future(later(i, 0.01 * i)) for i in range(3, 8)]  # while 2 is being flushed
    assert await asyncio.gather(*busy) == [2, 3, 4, 5, 6, 7]
    assert flushed == [[1], [2], [3, 4, 5, 6, 7]]
