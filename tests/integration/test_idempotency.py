"""Every mutating RPC is idempotent by request_id: replays return the first outcome, failures included."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest

from services.accounts.config import DEV_ID_HASH_KEY
from services.common.idempotency import fingerprint
from tools.kit import OWN, Family, accept_request, reason_of, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def test_replayed_credit_moves_money_once_and_answers_the_same(accounts) -> None:
    f = Family(accounts)
    who = await f.person()
    request = pb.CreditPersonalAccountRequest(request_id=rid(), psn_no=who.psn_no, amount_fen=7_000, memo="m")
    first = await accounts.CreditPersonalAccount(request)
    again = await accounts.CreditPersonalAccount(request)
    assert first == again
    assert await f.own_balance(who) == 7_000


async def test_same_id_with_a_different_request_is_refused(accounts) -> None:
    f = Family(accounts)
    who = await f.person()
    request_id = rid()
    await accounts.CreditPersonalAccount(
        pb.CreditPersonalAccountRequest(request_id=request_id, psn_no=who.psn_no, amount_fen=7_000)
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.CreditPersonalAccount(
            pb.CreditPersonalAccountRequest(request_id=request_id, psn_no=who.psn_no, amount_fen=8_000)
        )
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.ALREADY_EXISTS, "REQUEST_ID_REUSED")
    with pytest.raises(grpc.aio.AioRpcError) as err:  # another method, same id
        await accounts.Reserve(
            pb.ReserveRequest(
                request_id=request_id, payer_psn_no=who.psn_no, credential=who.credential(), amount_fen=1, sources=[OWN]
            )
        )
    assert reason_of(err.value) == "REQUEST_ID_REUSED"
    assert await f.own_balance(who) == 7_000


async def test_a_declined_request_stays_declined_on_replay(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=1_000)
    request = pb.ReserveRequest(
        request_id=rid(),
        payer_psn_no=who.psn_no,
        credential=who.credential(),
        amount_fen=5_000,
        sources=[OWN],
        all_or_nothing=True,
    )
    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await accounts.Reserve(request)
        assert reason_of(err.value) == "INSUFFICIENT_FUNDS"
    await f.credit(who, 10_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:  # still declined: a new attempt needs a new id
        await accounts.Reserve(request)
    assert reason_of(err.value) == "INSUFFICIENT_FUNDS"
    assert (await f.balances(who)).personal.held_fen == 0


async def test_concurrent_duplicates_reserve_once(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=10_000)
    request = pb.ReserveRequest(
        request_id=rid(), payer_psn_no=who.psn_no, credential=who.credential(), amount_fen=3_000, sources=[OWN]
    )
    answers = await asyncio.gather(*(accounts.Reserve(request) for _ in range(10)))
    assert len({a.reservation.reservation_id for a in answers}) == 1
    assert (await f.balances(who)).personal.held_fen == 3_000


async def test_every_mutating_rpc_replays(accounts) -> None:
    """One replay per RPC of a whole family's life: the second call changes nothing and answers the same."""
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person()

    async def twice(method, request):  # type: ignore[no-untyped-def]
        first = await method(request)
        assert await method(request) == first
        return first

    pool = (
        await twice(
            accounts.CreatePool,
            pb.CreatePoolRequest(request_id=rid(), creator_psn_no=creator.psn_no, agreement_version="2024-12"),
        )
    ).pool
    await twice(
        accounts.TransferToPool, pb.TransferToPoolRequest(request_id=rid(), pool_id=pool.pool_id, amount_fen=50_000)
    )
    invitation = (
        await twice(
            accounts.InviteMember,
            pb.InviteMemberRequest(
                request_id=rid(),
                pool_id=pool.pool_id,
                member_name=member.name,
                member_id_number=member.id_number,
                relation=1,
            ),
        )
    ).invitation
    await twice(accounts.AcceptInvitation, accept_request(invitation.invitation_id, member))
    r = (
        await twice(
            accounts.Reserve,
            pb.ReserveRequest(
                request_id=rid(),
                payer_psn_no=member.psn_no,
                credential=member.credential(),
                amount_fen=10_000,
                sources=[OWN, 2],
            ),
        )
    ).reservation
    await twice(accounts.Debit, pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=9_000))
    await twice(accounts.Refund, pb.RefundRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1_000))
    r2 = await f.reserve(member, 1_000)
    await twice(accounts.Release, pb.ReleaseRequest(request_id=rid(), reservation_id=r2.reservation_id))
    await twice(
        accounts.RemoveMember,
        pb.RemoveMemberRequest(request_id=rid(), pool_id=pool.pool_id, member_psn_no=member.psn_no),
    )
    await twice(accounts.DissolvePool, pb.DissolvePoolRequest(request_id=rid(), pool_id=pool.pool_id))
    assert await f.pool_balance(pool.pool_id) == 0
    assert await f.own_balance(creator) == 100_000 - 9_000 + 1_000


async def test_a_fenced_request_id_never_runs_and_a_run_one_stands(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=10_000)
    late = pb.ReserveRequest(
        request_id=rid(),
        payer_psn_no=who.psn_no,
        credential=who.credential(),
        amount_fen=1_000,
        sources=[OWN],
        debit_immediately=True,
    )
    fenced = await accounts.Fence(pb.FenceRequest(request_id=late.request_id))
    assert not fenced.already_executed and not fenced.already_failed
    with pytest.raises(grpc.aio.AioRpcError) as err:  # the request arrives after its sender gave up
        await accounts.Reserve(late)
    assert reason_of(err.value) == "REQUEST_CANCELLED"
    assert await f.own_balance(who) == 10_000

    done = pb.ReserveRequest(
        request_id=rid(),
        payer_psn_no=who.psn_no,
        credential=who.credential(),
        amount_fen=2_000,
        sources=[OWN],
        debit_immediately=True,
    )
    first = await accounts.Reserve(done)
    fence = await accounts.Fence(pb.FenceRequest(request_id=done.request_id))
    assert fence.already_executed and fence.reservation_id == first.reservation.reservation_id  # named: no repeat
    assert await accounts.Reserve(done) == first  # it stands, and still answers the same
    declined = pb.ReserveRequest(
        request_id=rid(),
        payer_psn_no=who.psn_no,
        credential=who.credential(),
        amount_fen=99_000,
        sources=[OWN],
        all_or_nothing=True,
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await accounts.Reserve(declined)
    assert (await accounts.Fence(pb.FenceRequest(request_id=declined.request_id))).already_failed
    assert await f.own_balance(who) == 8_000


async def test_a_stored_fingerprint_is_keyed_so_the_id_number_in_a_request_cannot_be_found_by_trying(
    accounts, database_url
) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=1_000)
    request = pb.ReserveRequest(
        request_id=rid(), payer_psn_no=who.psn_no, amount_fen=100, sources=[OWN], credential=who.credential()
    )
    await accounts.Reserve(request)
    conn = await asyncpg.connect(database_url)
    try:
        stored = bytes(
            await conn.fetchval(
                "SELECT fingerprint FROM accounts.idempotency_keys WHERE request_id = $1", request.request_id
            )
        )
    finally:
        await conn.close()
    assert stored == fingerprint(request, DEV_ID_HASH_KEY.encode())  # the service's GONGJI_ID_HASH_KEY
    assert stored != fingerprint(request)  # not a plain hash, which a guess of the ID number would reproduce
