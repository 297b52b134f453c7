"""Each problem of hostile input to settlement, one test each: NUL in free text and ids, Timestamps outside years
1..9999 or with nanos out of range, page tokens that decode to extreme dates or ids, a message that does not decode,
thousands of bad reconciliation rows. All are INVALID_ARGUMENT naming the field for an institution (and nothing is
written), never INTERNAL; an unknown caller is UNAUTHENTICATED whatever it sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.settlement.v1 import settlement_pb2 as pb
from services.common.parsing import MAX_TIMESTAMP_S, MIN_TIMESTAMP_S
from services.common.rpc import MAX_VIOLATIONS_SHOWN
from tests import processes
from tests.hostile import BAD_TOKENS, EXTREME_TOKENS, fingerprint
from tests.settlement.conftest import Pos, Stack
from tools import kit
from tools.kit import Family, bad_fields, reason_of, rid

SERVICE = "/gongji.settlement.v1.SettlementService/"


@pytest.fixture(scope="module")
async def db(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(stack.database_url)
    yield conn
    await conn.close()


async def _refused(pos: Pos, method: str, request: Any, db: asyncpg.Connection, *fields: str) -> dict[str, str]:
    """The call is INVALID_ARGUMENT naming (at least) these fields, and wrote nothing."""
    before = await fingerprint(db)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pos(method, request)
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"), (
        err.value.details()
    )
    found = bad_fields(err.value)
    assert set(fields) <= set(found), found
    assert await fingerprint(db) == before
    return found


def _ts(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


def _day() -> tuple[Timestamp, Timestamp]:
    now = dt.datetime.now(dt.UTC)
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(now - dt.timedelta(hours=12))
    end.FromDatetime(now + dt.timedelta(hours=12))
    return start, end


# ---------------------------------------------------------------- NUL and other unprintable text

Build = Callable[[str], Any]  # payer's psn_no -> request

# (method, request with one bad string, the field it names)
NUL_CASES: dict[str, tuple[str, Build, str]] = {
    "Settle.description": (
        "Settle",
        lambda p: pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=p, amount_fen=1, description="门诊\x00"),
        "description",
    ),
    "Authorize.description": (
        "Authorize",
        lambda p: pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=p, amount_fen=1, description="a\nb"),
        "description",
    ),
    "Settle.pos_txn_id": (
        "Settle",
        lambda p: pb.SettleRequest(pos_txn_id="POS-1\x00", payer_psn_no=p, amount_fen=1),
        "pos_txn_id",
    ),
    "Settle.payer_psn_no": (
        "Settle",
        lambda p: pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=p + "\x00", amount_fen=1),
        "payer_psn_no",
    ),
    "Refund.refund_pos_txn_id": (
        "Refund",
        lambda p: pb.RefundRequest(refund_pos_txn_id="\x00", pos_txn_id="POS-1", amount_fen=1),
        "refund_pos_txn_id",
    ),
    "GetSettlement.settlement_id": (
        "GetSettlement",
        lambda p: pb.GetSettlementRequest(settlement_id="0" * 31 + "\x00"),
        "settlement_id",
    ),
    "Reverse.pos_txn_id": ("Reverse", lambda p: pb.ReverseRequest(pos_txn_id="\x00"), "pos_txn_id"),
}


@pytest.mark.parametrize("case", sorted(NUL_CASES))
async def test_nul_or_a_line_break_in_a_string_field_is_invalid_argument(
    stack: Stack, pos_a: Pos, db: asyncpg.Connection, case: str
) -> None:
    payer = await Family(stack.accounts).person(credit_fen=10_000)
    method, build, field = NUL_CASES[case]
    await _refused(pos_a, method, build(payer.psn_no), db, field)


async def test_nul_in_a_reconciliation_row_is_invalid_argument(pos_a: Pos, db: asyncpg.Connection) -> None:
    start, end = _day()
    items = [pb.ReconcileItem(pos_txn_id="X\x00", acct_pay_fen=1), pb.ReconcileItem(pos_txn_id="Y", acct_pay_fen=-1)]
    request = pb.ReconcileRequest(period_start=start, period_end=end, items=items)
    await _refused(pos_a, "Reconcile", request, db, "items[0].pos_txn_id", "items[1].acct_pay_fen")


# ---------------------------------------------------------------- Timestamps

BAD_TIMES = {
    "before year 1": _ts(MIN_TIMESTAMP_S - 1),
    "after year 9999": _ts(MAX_TIMESTAMP_S + 1),
    "most negative seconds": _ts(-(2**63)),
    "most positive seconds": _ts(2**63 - 1),
    "negative nanos": _ts(0, -1),
    "a whole second of nanos": _ts(0, 1_000_000_000),
    "most negative nanos": _ts(0, -(2**31)),
}


@pytest.mark.parametrize("which", sorted(BAD_TIMES))
@pytest.mark.parametrize("method", ["ListSettlements", "Reconcile"])
async def test_a_timestamp_outside_years_1_to_9999_is_invalid_argument(
    pos_a: Pos, db: asyncpg.Connection, method: str, which: str
) -> None:
    start, end = _day()
    request_type = getattr(pb, f"{method}Request")
    await _refused(pos_a, method, request_type(period_start=BAD_TIMES[which], period_end=end), db, "period_start")
    await _refused(pos_a, method, request_type(period_start=start, period_end=BAD_TIMES[which]), db, "period_end")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (_ts(MIN_TIMESTAMP_S), _ts(MIN_TIMESTAMP_S + 86_400)),  # the first day there is
        (_ts(MAX_TIMESTAMP_S - 86_400), _ts(MAX_TIMESTAMP_S, 999_999_999)),  # the last
    ],
)
async def test_the_first_and_last_days_a_timestamp_holds_are_valid_periods(
    pos_a: Pos, start: Timestamp, end: Timestamp
) -> None:
    listed: Any = await pos_a("ListSettlements", pb.ListSettlementsRequest(period_start=start, period_end=end))
    assert list(listed.settlements) == []
    reconciled: Any = await pos_a("Reconcile", pb.ReconcileRequest(period_start=start, period_end=end))
    assert reconciled.balanced


# ---------------------------------------------------------------- page tokens


NOT_MADE_HERE = (*BAD_TOKENS, "9" * 18)


@pytest.mark.parametrize("token", NOT_MADE_HERE)
async def test_a_page_token_this_service_did_not_make_is_invalid_argument(
    pos_a: Pos, db: asyncpg.Connection, token: str
) -> None:
    start, end = _day()
    request = pb.ListSettlementsRequest(period_start=start, period_end=end, page_token=token)
    await _refused(pos_a, "ListSettlements", request, db, "page_token")


@pytest.mark.parametrize("token", EXTREME_TOKENS)
async def test_a_well_formed_page_token_at_the_end_of_time_is_an_empty_page(pos_a: Pos, token: str) -> None:
    start, end = _day()
    request = pb.ListSettlementsRequest(period_start=start, period_end=end, page_token=token)
    listed: Any = await pos_a("ListSettlements", request)
    assert "9999-" not in token or list(listed.settlements) == []


async def test_a_page_token_it_made_still_works(stack: Stack, pos_a: Pos) -> None:
    payer = await Family(stack.accounts).person(credit_fen=10_000)
    for _ in range(2):
        await pos_a(
            "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=100)
        )
    start, end = _day()
    first: Any = await pos_a(
        "ListSettlements", pb.ListSettlementsRequest(period_start=start, period_end=end, page_size=1)
    )
    assert first.next_page_token
    request = pb.ListSettlementsRequest(
        period_start=start, period_end=end, page_size=1, page_token=first.next_page_token
    )
    second: Any = await pos_a("ListSettlements", request)
    assert second.settlements[0].settlement_id != first.settlements[0].settlement_id


# ---------------------------------------------------------------- a message that does not decode

UNDECODABLE = (b"\xff\xff\xff\xff", b"\x0a\x05ab", b"\x0a\x02\xc3\x28")  # bad tag; truncated; invalid UTF-8


@pytest.mark.parametrize("raw", UNDECODABLE)
async def test_an_undecodable_message_is_invalid_argument_for_an_institution(
    stack: Stack, db: asyncpg.Connection, raw: bytes
) -> None:
    async with kit.channel(stack.settlement_process.address, processes.pki()) as channel:
        settle = channel.unary_unary(SERVICE + "Settle", request_serializer=None, response_deserializer=None)
        before = await fingerprint(db)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await settle(raw, metadata=[("authorization", "Bearer token-of-institution-a")], timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
        assert bad_fields(err.value) == {"request": "not a valid message of this method's request type"}
        assert await fingerprint(db) == before


@pytest.mark.parametrize("metadata", [[], [("authorization", "Bearer not-a-token")]], ids=["no token", "bad token"])
async def test_an_undecodable_message_from_an_unknown_caller_is_unauthenticated(
    stack: Stack, metadata: list[tuple[str, str]]
) -> None:
    async with kit.channel(stack.settlement_process.address, processes.pki()) as channel:
        settle = channel.unary_unary(SERVICE + "Settle", request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await settle(UNDECODABLE[0], metadata=metadata, timeout=10)
        assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")


# ---------------------------------------------------------------- many bad rows, negative totals


async def test_ten_thousand_bad_rows_are_one_invalid_argument_that_reaches_the_client(
    pos_a: Pos, db: asyncpg.Connection
) -> None:
    start, end = _day()
    items = [pb.ReconcileItem(pos_txn_id=f"bad id {n}") for n in range(10_000)]
    request = pb.ReconcileRequest(period_start=start, period_end=end, items=items)
    found = await _refused(pos_a, "Reconcile", request, db, "items[0].pos_txn_id")
    assert len(found) == MAX_VIOLATIONS_SHOWN


async def test_negative_totals_are_invalid_argument(pos_a: Pos, db: asyncpg.Connection) -> None:
    start, end = _day()
    totals = pb.ReconcileTotals(count=-1, refund_fen=-(2**63))
    request = pb.ReconcileRequest(period_start=start, period_end=end, totals=totals)
    await _refused(pos_a, "Reconcile", request, db, "totals.count", "totals.refund_fen")
