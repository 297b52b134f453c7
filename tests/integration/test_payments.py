"""Reserve / debit / release / refund / expiry over real gRPC and PostgreSQL, with every failure a clerk can meet."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import (
    ELECTRONIC_CREDENTIAL,
    ID_CARD,
    OWN,
    POOL,
    RESIDENT,
    SOCIAL_SECURITY_CARD,
    Family,
    Insured,
    bad_fields,
    chinese,
    fails,
    reason_of,
    rid,
)
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def _fails(call, reason: str, code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION) -> None:  # type: ignore[no-untyped-def]
    await fails(call, reason, code)


async def test_all_or_nothing_refuses_a_partial_cover_and_holds_nothing(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=5_000)
    await _fails(f.reserve(payer, 6_000, all_or_nothing=True), "INSUFFICIENT_FUNDS")
    assert (await f.balances(payer)).personal.held_fen == 0
    r = await f.reserve(payer, 5_000, all_or_nothing=True)
    assert r.reserved_fen == 5_000 and r.uncovered_fen == 0


async def test_debit_more_than_reserved_is_refused_and_twice_is_final(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    r = await f.reserve(payer, 4_000, sources=(OWN,))
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=4_001)),
        "AMOUNT_EXCEEDS_RESERVED",
    )
    await accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=4_000))
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1)),
        "RESERVATION_ALREADY_FINAL",
    )
    await _fails(
        accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id)),
        "RESERVATION_ALREADY_FINAL",
    )
    assert await f.own_balance(payer) == 6_000


async def test_release_frees_the_hold(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    r = await f.reserve(payer, 4_000, sources=(OWN,))
    out = (await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))).reservation
    assert out.status == pb.RESERVATION_STATUS_RELEASED
    b = await f.balances(payer)
    assert (b.personal.balance_fen, b.personal.held_fen) == (10_000, 0)
    await _fails(
        accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1)),
        "REFUND_EXCEEDS_DEBITED",
    )


async def test_expired_hold_is_swept_and_can_never_be_debited(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    r = await f.reserve(payer, 4_000, sources=(OWN,), hold_ttl_seconds=1)
    assert (await f.balances(payer)).personal.held_fen == 4_000
    for _ in range(50):
        await asyncio.sleep(0.1)
        got = (await accounts.GetReservation(pb.GetReservationRequest(reservation_id=r.reservation_id))).reservation
        if got.status == pb.RESERVATION_STATUS_EXPIRED:
            break
    assert got.status == pb.RESERVATION_STATUS_EXPIRED
    assert (await f.balances(payer)).personal.held_fen == 0
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1)),
        "RESERVATION_EXPIRED",
    )
    # Voiding an expired hold is harmless: the money is free already.
    out = await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))
    assert out.reservation.status == pb.RESERVATION_STATUS_EXPIRED


async def test_unknown_reservation_and_uninsured_payer(accounts) -> None:
    f = Family(accounts)
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id="999999999", amount_fen=1)),
        "RESERVATION_NOT_FOUND",
        grpc.StatusCode.NOT_FOUND,
    )
    payer = await f.person(credit_fen=10_000)
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=payer.psn_no, insurance_ended={}))
    await _fails(f.reserve(payer, 100), "PERSON_NOT_INSURED")
    nobody = Insured("NOBODY", "", payer.id_number)  # a well-formed card: the person is what is unknown
    await _fails(f.reserve(nobody, 100), "PERSON_NOT_FOUND", grpc.StatusCode.NOT_FOUND)


async def test_hold_on_a_pool_outlives_its_dissolution_and_returns_to_the_creator(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=140_000)  # keeps 80,000: above rule 6's minimum
    member = await f.person(credit_fen=0)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member, cpb.RELATION_PARENT)
    paid = await f.reserve(member, 20_000)
    voided = await f.reserve(member, 15_000)
    dissolved = await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    assert dissolved.returned_fen == 25_000  # only what no hold kept
    assert await f.own_balance(creator) == 105_000

    debit = await accounts.Debit(
        pb.DebitRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=18_000)
    )
    assert debit.reservation.debited_fen == 18_000
    assert await f.own_balance(creator) == 107_000  # the 2,000 not debited went on to the creator
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=voided.reservation_id))
    assert await f.own_balance(creator) == 122_000
    assert await f.pool_balance(pool_id) == 0

    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=8_000)
    )
    assert [(p.destination, p.amount_fen) for p in refund.parts] == [
        (pb.REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT, 8_000)
    ]
    assert await f.own_balance(creator) == 130_000
    assert await f.pool_balance(pool_id) == 0


async def test_bad_input_is_invalid_argument_and_changes_nothing(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=1_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.Reserve(
            pb.ReserveRequest(request_id="", payer_psn_no=payer.psn_no, amount_fen=-5, sources=[OWN, OWN])
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(err.value) == "INVALID_ARGUMENT"
    for field in ("request_id", "amount_fen", "sources", "credential.mdtrt_cert_type", "credential.mdtrt_cert_no"):
        assert field in err.value.details()
    assert (await f.balances(payer)).personal.held_fen == 0


async def test_quote_shows_the_split_and_holds_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=3_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    q = await accounts.Quote(
        pb.QuoteRequest(payer_psn_no=member.psn_no, amount_fen=60_000, sources=[OWN, 2], credential=member.credential())
    )
    assert [leg.reserved_fen for leg in q.legs] == [3_000, 50_000]
    assert q.uncovered_fen == 7_000
    assert (q.payer_personal_available_fen, q.payer_pool_available_fen) == (3_000, 50_000)
    b = await f.balances(member)
    assert (b.personal.held_fen, b.pool.held_fen) == (0, 0)


async def test_absurd_amounts_are_refused_before_they_can_overflow(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=1_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await f.credit(payer, 2**63 - 1)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "amount_fen" in err.value.details()
    assert await f.own_balance(payer) == 1_000


# ---------------------------------------------------------------- the payer's credential: the card is not shared


async def test_another_persons_id_card_is_refused_holds_nothing_and_a_replay_answers_the_same(
    accounts, database_url
) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=3_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    # The member pays with the creator's ID card: the pool's money may be shared, the creator's card may not.
    request = pb.ReserveRequest(
        request_id=rid(),
        payer_psn_no=member.psn_no,
        amount_fen=10_000,
        sources=[OWN, POOL],
        debit_immediately=True,
        credential=creator.credential(),
    )
    for _ in range(2):
        err = await fails(accounts.Reserve(request), "CREDENTIAL_MISMATCH", grpc.StatusCode.FAILED_PRECONDITION)
        assert creator.id_number not in err.details()
    quote = pb.QuoteRequest(payer_psn_no=member.psn_no, amount_fen=1, sources=[OWN], credential=creator.credential())
    await fails(accounts.Quote(quote), "CREDENTIAL_MISMATCH", grpc.StatusCode.FAILED_PRECONDITION)
    b = await f.balances(member)
    assert (b.personal.balance_fen, b.personal.held_fen, b.pool.balance_fen, b.pool.held_fen) == (3_000, 0, 50_000, 0)
    records = await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=member.psn_no))
    assert [r.kind for r in records.records if r.kind == pb.TRANSACTION_KIND_PAYMENT] == []
    # What accounts stored of the refused request (its outcome, for replays) holds no ID number in clear.
    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetchval(
            "SELECT k::text FROM accounts.idempotency_keys k WHERE request_id = $1", request.request_id
        )
    finally:
        await conn.close()
    assert "CREDENTIAL_MISMATCH" in stored and creator.id_number not in stored and member.id_number not in stored
    # With their own ID card the same payment goes through.
    paid = await f.reserve(member, 10_000, debit_immediately=True)
    assert (paid.debited_fen, await f.own_balance(member), await f.pool_balance(pool_id)) == (10_000, 0, 43_000)


async def test_the_card_is_checked_before_anything_else_is_said_of_the_payer(accounts) -> None:
    f = Family(accounts)
    other = await f.person()
    payer = await f.person(credit_fen=1_000)
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=payer.psn_no, insurance_ended={}))
    await _fails(f.reserve(payer, 100, credential=other.credential()), "CREDENTIAL_MISMATCH")
    quote = pb.QuoteRequest(payer_psn_no=payer.psn_no, amount_fen=1, sources=[OWN], credential=other.credential())
    await _fails(accounts.Quote(quote), "CREDENTIAL_MISMATCH")
    await _fails(f.reserve(payer, 100), "PERSON_NOT_INSURED")  # told only to who holds the payer's card


async def test_a_card_or_electronic_credential_is_checked_for_its_format_only(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    lower_x = pb.Credential(mdtrt_cert_type=ID_CARD, mdtrt_cert_no=payer.id_number.lower())
    for credential in (
        pb.Credential(mdtrt_cert_type=SOCIAL_SECURITY_CARD, mdtrt_cert_no="A12345678"),
        pb.Credential(mdtrt_cert_type=ELECTRONIC_CREDENTIAL, mdtrt_cert_no="ecToken-0123456789abcdef"),
        lower_x,  # the payer's own ID number, however its check digit is written
    ):
        paid = await f.reserve(payer, 1_000, (OWN,), debit_immediately=True, credential=credential)
        assert paid.debited_fen == 1_000
    assert await f.own_balance(payer) == 7_000
    for credential, field in (
        (pb.Credential(mdtrt_cert_type=SOCIAL_SECURITY_CARD, mdtrt_cert_no="a1234567"), "credential.mdtrt_cert_no"),
        (pb.Credential(mdtrt_cert_type=ELECTRONIC_CREDENTIAL, mdtrt_cert_no="short"), "credential.mdtrt_cert_no"),
        (pb.Credential(mdtrt_cert_type=ID_CARD, mdtrt_cert_no=payer.id_number[:-1]), "credential.mdtrt_cert_no"),
        (pb.Credential(mdtrt_cert_no=payer.id_number), "credential.mdtrt_cert_type"),
        (pb.Credential(mdtrt_cert_type=99, mdtrt_cert_no=payer.id_number), "credential.mdtrt_cert_type"),
    ):
        err = await fails(
            f.reserve(payer, 1_000, (OWN,), debit_immediately=True, credential=credential),
            "INVALID_ARGUMENT",
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert set(bad_fields(err)) == {field}
    assert await f.own_balance(payer) == 7_000


async def test_every_error_carries_the_clerks_message_in_chinese(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=5_000)
    err = await fails(f.reserve(payer, 6_000, all_or_nothing=True), "INSUFFICIENT_FUNDS")
    assert chinese(err) == "账户余额不足。"
    bad = await fails(accounts.GetPerson(pb.GetPersonRequest(psn_no="no such!")), "INVALID_ARGUMENT")
    assert chinese(bad) == "请求不完整或格式有误，请查看各字段的说明。"


# ---------------------------------------------------------------- at the till: why the pool gave nothing (the FAQ)


def _why(r) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    return [(leg.source, leg.reserved_fen, leg.shortfall_reason) for leg in r.legs]


async def test_the_pool_does_not_pay_while_its_creator_is_below_the_minimum(accounts) -> None:
    """Rule 6 when money moves: "创建人个人账户余额不足500元时不能实现共济功能"."""
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)  # the creator keeps 10,000: below 50,000
    await f.bind(pool_id, child, cpb.RELATION_CHILD)

    short = await f.reserve(child, 3_000, debit_immediately=True)
    assert _why(short) == [(OWN, 0, "NO_PERSONAL_ACCOUNT"), (POOL, 0, "CREATOR_BALANCE_BELOW_MINIMUM")]
    assert await f.pool_balance(pool_id) == 50_000

    await f.credit(creator, 40_000)  # her contribution brings her back to the minimum
    paid = await f.reserve(child, 3_000, debit_immediately=True)
    assert [(leg.source, leg.debited_fen) for leg in paid.legs] == [(OWN, 0), (POOL, 3_000)]


async def test_each_reason_the_pool_gives_nothing_reaches_the_till(accounts) -> None:
    f = Family(accounts)
    loner = await f.person(credit_fen=1_000)
    assert _why(await f.reserve(loner, 2_000)) == [(OWN, 1_000, "INSUFFICIENT_FUNDS"), (POOL, 0, "NOT_BOUND")]

    creator = await f.person(credit_fen=200_000)
    spouse = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, spouse)
    await f.reserve(spouse, 50_000, debit_immediately=True)  # the pool is spent
    assert _why(await f.reserve(spouse, 2_000)) == [(OWN, 0, "INSUFFICIENT_FUNDS"), (POOL, 0, "POOL_EMPTY")]

    await f.transfer(pool_id, 50_000)
    golmud = await f.reserve(spouse, 2_000, mdtrtarea_admvs="632801")  # a Golmud hospital: cross-region care
    assert _why(golmud) == [(OWN, 0, "INSUFFICIENT_FUNDS"), (POOL, 0, "VISIT_OUTSIDE_REGION")]
    chengxi = await f.reserve(spouse, 2_000, mdtrtarea_admvs="630104")  # a Xining district: the pool pays
    assert _why(chengxi) == [(OWN, 0, "INSUFFICIENT_FUNDS"), (POOL, 2_000, "")]
    for r in (golmud, chengxi):
        await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))
