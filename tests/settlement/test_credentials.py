"""A credential on every charge, end to end ("钱可以共济，卡不能共用": the money can be shared, the card cannot):
PreSettle, Settle and Authorize need the payer's credential; a missing or malformed one is INVALID_ARGUMENT, another
person's ID card CREDENTIAL_MISMATCH, and neither moves money; the settlement row keeps no number in clear."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from gongji.settlement.v1 import settlement_pb2 as pb
from services.common.personal_data import keyed_hash
from tests.settlement.conftest import CREDENTIAL_HASH_KEY
from tools.kit import (
    ELECTRONIC_CREDENTIAL,
    SOCIAL_SECURITY_CARD,
    Family,
    Insured,
    bad_fields,
    cert,
    charge,
    fails,
    rid,
    visit,
)
from tools.kit import accounts_v1 as apb

INVALID, DECLINED = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION


async def _family(stack: Any) -> tuple[Family, Insured, Insured, str]:
    """A creator (200,000 fen) whose pool holds 60,000, and a bound member with 10,000 of their own."""
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=10_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member, cpb.RELATION_SPOUSE)
    return f, creator, member, pool_id


async def _unmoved(f: Family, member: Insured, pool_id: str) -> None:
    """Nothing was paid or held: the member's own account and the pool are as _family left them."""
    b = await f.balances(member)
    assert (b.personal.balance_fen, b.personal.held_fen, b.pool.held_fen) == (10_000, 0, 0)
    assert await f.pool_balance(pool_id) == 60_000
    records = await f.accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=member.psn_no))
    assert not [r for r in records.records if r.kind == apb.TRANSACTION_KIND_PAYMENT]


def _charges(member: Insured, card: dict[str, Any]) -> list[tuple[str, Any]]:
    card = {**visit(f"MDTRT-{member.psn_no}"), **card}  # the member's visit, whatever card is presented
    return [
        ("PreSettle", pb.PreSettleRequest(payer_psn_no=member.psn_no, amount_fen=5_000, **card)),
        ("Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=5_000, **card)),
        ("Authorize", pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=5_000, **card)),
    ]


async def _written(pos: Any, request: Any) -> bool:
    """Whether settlement wrote anything for the request's pos_txn_id."""
    if not getattr(request, "pos_txn_id", ""):
        return False
    try:
        await pos("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.NOT_FOUND
        return False
    return True


async def test_a_charge_without_a_credential_is_invalid_and_moves_nothing(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    for method, request in _charges(member, {}):
        err = await fails(pos_a(method, request), "INVALID_ARGUMENT", INVALID)
        assert set(bad_fields(err)) == {"mdtrt_cert_type", "mdtrt_cert_no"}, method
        assert not await _written(pos_a, request)
    for method, request in _charges(member, {"mdtrt_cert_no": member.id_number}):  # a number without its type
        err = await fails(pos_a(method, request), "INVALID_ARGUMENT", INVALID)
        assert set(bad_fields(err)) == {"mdtrt_cert_type"}, method
    await _unmoved(f, member, pool_id)


@pytest.mark.parametrize(
    ("cert_type", "cert_no"),
    [
        (cpb.MDTRT_CERT_TYPE_ID_CARD, "630102198001010018"),  # a wrong check digit
        (SOCIAL_SECURITY_CARD, "a12345678"),  # lower case
        (SOCIAL_SECURITY_CARD, "A1234567"),  # 8 characters
        (ELECTRONIC_CREDENTIAL, "short-token"),  # fewer than 16
        (ELECTRONIC_CREDENTIAL, "a token with spaces"),
    ],
)
async def test_a_malformed_credential_is_invalid_and_moves_nothing(stack, pos_a, cert_type, cert_no) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    for method, request in _charges(member, cert(cert_type, cert_no)):
        err = await fails(pos_a(method, request), "INVALID_ARGUMENT", INVALID)
        assert set(bad_fields(err)) == {"mdtrt_cert_no"}, method
        assert cert_no not in err.details()  # a rejected number is not echoed back either
        assert not await _written(pos_a, request)
    await _unmoved(f, member, pool_id)


async def test_another_persons_id_card_is_declined_moves_nothing_and_a_replay_answers_the_same(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    # The member presents the creator's ID card: the pool's money may be shared, the creator's card may not.
    for method, request in _charges(member, creator.cert()):
        for _ in range(2):  # the replay of the same POS request answers the same decline
            err = await fails(pos_a(method, request), "CREDENTIAL_MISMATCH", DECLINED)
            assert creator.id_number not in err.details() and member.id_number not in err.details()
        if method == "PreSettle":
            continue
        got = (await pos_a("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))).settlement
        assert (got.status, got.decline_reason) == (pb.SETTLEMENT_STATUS_DECLINED, "CREDENTIAL_MISMATCH")
        assert got.mdtrt_cert_type == pb.MDTRT_CERT_TYPE_ID_CARD
        assert got.mdtrt_cert_no_masked == "*" * 14 + creator.id_number[-4:]
        # A decline stays declined: the same pos_txn_id with the payer's own card is another request.
        own = type(request)()
        own.CopyFrom(request)
        own.mdtrt_cert_no = member.id_number
        await fails(pos_a(method, own), "REQUEST_ID_REUSED", grpc.StatusCode.ALREADY_EXISTS)
    await _unmoved(f, member, pool_id)


async def test_the_payers_own_id_card_pays_and_the_settlement_shows_it_masked(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    quote = await pos_a(
        "PreSettle", pb.PreSettleRequest(payer_psn_no=member.psn_no, amount_fen=15_000, **member.charge())
    )
    assert (quote.split.acct_pay_fen, quote.split.acct_mulaid_pay_fen) == (10_000, 5_000)
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=15_000, **member.charge())
    paid = (await pos_a("Settle", request)).settlement
    assert paid.status == pb.SETTLEMENT_STATUS_COMPLETED
    assert (paid.mdtrt_cert_type, paid.mdtrt_cert_no_masked) == (
        pb.MDTRT_CERT_TYPE_ID_CARD,
        "*" * 14 + member.id_number[-4:],
    )
    assert member.id_number not in str(paid)
    assert (await pos_a("Settle", request)).settlement.settlement_id == paid.settlement_id  # a replay
    assert await f.own_balance(member) == 0 and await f.pool_balance(pool_id) == 55_000


async def test_a_card_or_electronic_credential_pays_on_its_format(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    card = charge(SOCIAL_SECURITY_CARD, "A12345678")
    qr = charge(ELECTRONIC_CREDENTIAL, "ecToken-" + rid())
    paid = (
        await pos_a("Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=4_000, **card))
    ).settlement
    assert (paid.status, paid.mdtrt_cert_type) == (
        pb.SETTLEMENT_STATUS_COMPLETED,
        pb.MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD,
    )
    assert paid.mdtrt_cert_no_masked == "*****5678"
    auth = (
        await pos_a(
            "Authorize", pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=3_000, **qr)
        )
    ).settlement
    assert (auth.status, auth.mdtrt_cert_type) == (
        pb.SETTLEMENT_STATUS_AUTHORIZED,
        pb.MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL,
    )
    assert auth.mdtrt_cert_no_masked == "*" * 14 + qr["mdtrt_cert_no"][-4:]
    captured = (
        await pos_a("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=3_000))
    ).settlement
    assert captured.status == pb.SETTLEMENT_STATUS_COMPLETED
    assert await f.own_balance(member) == 3_000


async def test_a_retry_with_another_credential_is_a_reused_request_id(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    request = pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=2_000, **member.charge())
    first = (await pos_a("Authorize", request)).settlement
    for other in (charge(SOCIAL_SECURITY_CARD, "A12345678"), creator.charge()):
        changed = pb.AuthorizeRequest(
            pos_txn_id=request.pos_txn_id, payer_psn_no=member.psn_no, amount_fen=2_000, **other
        )
        await fails(pos_a("Authorize", changed), "REQUEST_ID_REUSED", grpc.StatusCode.ALREADY_EXISTS)
    again = (await pos_a("Authorize", request)).settlement
    assert again.settlement_id == first.settlement_id
    assert (await f.balances(member)).personal.held_fen == 2_000  # held once


async def test_the_settlement_table_holds_no_credential_number_in_clear(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, creator, member, pool_id = await _family(stack)
    card_no, token = "B98765432", "ecToken-" + rid()
    charges = {
        member.id_number: pb.SettleRequest(
            pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=1_000, **member.charge()
        ),
        creator.id_number: pb.SettleRequest(
            pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=1_000, **creator.charge()
        ),
        card_no: pb.AuthorizeRequest(
            pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=1_000, **charge(SOCIAL_SECURITY_CARD, card_no)
        ),
        token: pb.SettleRequest(
            pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=1_000, **charge(ELECTRONIC_CREDENTIAL, token)
        ),
    }
    for number, request in charges.items():
        try:
            await pos_a("Settle" if isinstance(request, pb.SettleRequest) else "Authorize", request)
        except grpc.aio.AioRpcError as err:
            assert number == creator.id_number and err.code() == DECLINED  # the creator's card: declined
    conn = await asyncpg.connect(stack.database_url)
    try:
        whole_table = await conn.fetchval("SELECT string_agg(s::text, '|') FROM settlement.settlements s")
        for number, request in charges.items():
            row = await conn.fetchrow(
                "SELECT s::text AS everything, mdtrt_cert_no_hash, mdtrt_cert_no_masked, fingerprint "
                "FROM settlement.settlements s WHERE pos_txn_id = $1",
                request.pos_txn_id,
            )
            assert number not in row["everything"] and number not in whole_table
            assert number.encode().hex() not in row["everything"]
            # Only the keyed hash (GONGJI_CREDENTIAL_HASH_KEY); a plain hash could be reversed by trying numbers.
            assert bytes(row["mdtrt_cert_no_hash"]) == keyed_hash(CREDENTIAL_HASH_KEY.encode(), number)
            assert bytes(row["mdtrt_cert_no_hash"]) != hashlib.sha256(number.encode()).digest()
            assert row["mdtrt_cert_no_masked"] == "*" * min(len(number) - 4, 14) + number[-4:]
        # The schema itself refuses a masked column that shows more than four characters.
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "UPDATE settlement.settlements SET mdtrt_cert_no_masked = $1 WHERE pos_txn_id = $2",
                member.id_number,
                charges[member.id_number].pos_txn_id,
            )
        with pytest.raises(asyncpg.CheckViolationError):  # and a payment without its credential
            await conn.execute(
                "UPDATE settlement.settlements SET mdtrt_cert_type = NULL WHERE pos_txn_id = $1",
                charges[member.id_number].pos_txn_id,
            )
    finally:
        await conn.close()
