"""Concurrent money movements on real PostgreSQL: no overdraft, no deadlock, nothing lost."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import RESIDENT, Family, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def test_many_simultaneous_reserves_never_hold_more_than_the_pool_has(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    members = [await f.person(insurance=RESIDENT) for _ in range(5)]
    pool_id = await f.create_pool(creator, transfer_fen=100_000)
    for m in members:
        await f.bind(pool_id, m, cpb.RELATION_CHILD)
    payers = [members[i % 5] for i in range(40)]
    results = await asyncio.gather(*(f.reserve(p, 3_000, all_or_nothing=True) for p in payers), return_exceptions=True)
    held = [r for r in results if isinstance(r, pb.Reservation)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(held) + len(refused) == 40
    assert len(held) == 33  # 33 x 3,000 fits in 100,000; the 34th would not
    pool = (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool
    assert pool.held_fen == 99_000 and pool.balance_fen == 100_000
    # Debit, release and dissolve concurrently: every fen ends somewhere.
    actions = []
    for i, r in enumerate(held):
        if i % 2:
            actions.append(
                accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=3_000))
            )
        else:
            actions.append(accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id)))
    actions.append(
        accounts.TransferToPool(pb.TransferToPoolRequest(request_id=rid(), pool_id=pool_id, amount_fen=50_000))
    )
    await asyncio.gather(*actions)
    debited = 3_000 * (len(held) // 2)
    assert await f.pool_balance(pool_id) == 150_000 - debited
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    assert await f.own_balance(creator) == 200_000 - debited


async def test_concurrent_transfers_and_payments_from_the_creators_own_account(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=300_000)
    pool_id = await f.create_pool(creator)
    calls = []
    for _ in range(10):
        calls.append(
            accounts.TransferToPool(pb.TransferToPoolRequest(request_id=rid(), pool_id=pool_id, amount_fen=50_000))
        )
        calls.append(f.reserve(creator, 10_000, debit_immediately=True))
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(
        isinstance(e, grpc.aio.AioRpcError) and e.code() == grpc.StatusCode.FAILED_PRECONDITION for e in errors
    ), errors
    b = await f.balances(creator)
    assert (
        b.personal.balance_fen
        + b.pool.balance_fen
        + sum(r.debited_fen for r in results if isinstance(r, pb.Reservation))
        == 300_000
    )
    assert b.personal.balance_fen >= 0 and b.pool.balance_fen >= 0
