"""Each problem of hostile input to accounts, one test each: NUL or a line break in every free-text field and in ids,
ids in digits other than ASCII, page tokens that are no id, int32 fields at their extremes, enum numbers the
contract does not define, and a message that does not decode. All are INVALID_ARGUMENT naming the field for the
caller allowed to call (and nothing is written), never INTERNAL; a caller without the right certificate is refused
whatever it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tests import processes
from tests.hostile import BAD_TOKENS, fingerprint
from tools import kit
from tools.kit import OWN, Family, Insured, bad_fields, reason_of, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

ID = "630102198001010019"  # a valid ID number (README's example), never registered by these tests


@pytest.fixture(scope="module")
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
async def family(accounts: Any) -> tuple[Insured, str]:
    """A creator with money and a pool."""
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    return creator, await f.create_pool(creator, transfer_fen=60_000)


async def _refused(accounts: Any, method: str, request: Any, db: asyncpg.Connection, field: str) -> None:
    """INVALID_ARGUMENT naming `field`, and nothing written (not even the request id's outcome)."""
    before = await fingerprint(db)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await getattr(accounts, method)(request, timeout=10)
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"), (
        err.value.details()
    )
    assert field in bad_fields(err.value), bad_fields(err.value)
    assert await fingerprint(db) == before


Build = Callable[[str, str], Any]  # (psn_no, pool_id) -> request

# (method, request with one bad string, the field it names)
BAD_STRINGS: dict[str, tuple[str, Build, str]] = {
    "RegisterPerson.name": (
        "RegisterPerson",
        lambda p, _: pb.RegisterPersonRequest(
            request_id=rid(),
            psn_no=kit.psn_no(),
            name="张\x00三",
            id_number=kit.id_number(),
            insurance_type=1,
            region_code="630100",
        ),
        "name",
    ),
    "RegisterPerson.request_id": (
        "RegisterPerson",
        lambda p, _: pb.RegisterPersonRequest(
            request_id="\x00",
            psn_no=kit.psn_no(),
            name="张三",
            id_number=kit.id_number(),
            insurance_type=1,
            region_code="630100",
        ),
        "request_id",
    ),
    "RegisterPerson.id_number": (
        "RegisterPerson",
        lambda p, _: pb.RegisterPersonRequest(
            request_id=rid(),
            psn_no=kit.psn_no(),
            name="张三",
            id_number=ID + "\x00",
            insurance_type=1,
            region_code="630100",
        ),
        "id_number",
    ),
    "CreditPersonalAccount.memo": (
        "CreditPersonalAccount",
        lambda p, _: pb.CreditPersonalAccountRequest(request_id=rid(), psn_no=p, amount_fen=100, memo="张三\x00"),
        "memo",
    ),
    "CreditPersonalAccount.memo line break": (
        "CreditPersonalAccount",
        lambda p, _: pb.CreditPersonalAccountRequest(request_id=rid(), psn_no=p, amount_fen=100, memo="a\r\nb"),
        "memo",
    ),
    "CreatePool.agreement_version": (
        "CreatePool",
        lambda p, _: pb.CreatePoolRequest(request_id=rid(), creator_psn_no=p, agreement_version="2024-12\x00"),
        "agreement_version",
    ),
    "InviteMember.member_name": (
        "InviteMember",
        lambda p, pool: pb.InviteMemberRequest(
            request_id=rid(), pool_id=pool, member_name="\x00", member_id_number=ID, relation=cpb.RELATION_SPOUSE
        ),
        "member_name",
    ),
    "CheckEligibility.bind_member.member_name": (
        "CheckEligibility",
        lambda p, _: pb.CheckEligibilityRequest(
            creator_psn_no=p,
            bind_member=pb.CheckEligibilityRequest.BindMember(
                member_name="王\x00", member_id_number=ID, relation=cpb.RELATION_SPOUSE
            ),
        ),
        "bind_member.member_name",
    ),
    "Reserve.description": (
        "Reserve",
        lambda p, _: pb.ReserveRequest(
            request_id=rid(), payer_psn_no=p, amount_fen=100, sources=[OWN], description="门诊\x00"
        ),
        "description",
    ),
    "Reserve.fixmedins_code": (
        "Reserve",
        lambda p, _: pb.ReserveRequest(
            request_id=rid(), payer_psn_no=p, amount_fen=100, sources=[OWN], fixmedins_code="H6301\x00"
        ),
        "fixmedins_code",
    ),
    "Reserve.payer_psn_no": (
        "Reserve",
        lambda p, _: pb.ReserveRequest(request_id=rid(), payer_psn_no=p + "\x00", amount_fen=100, sources=[OWN]),
        "payer_psn_no",
    ),
    "GetPerson.psn_no": ("GetPerson", lambda p, _: pb.GetPersonRequest(psn_no=p + "\n"), "psn_no"),
    "Fence.request_id": ("Fence", lambda p, _: pb.FenceRequest(request_id="stl-1-reserve\x00"), "request_id"),
    "TransferToPool.pool_id superscript": (
        "TransferToPool",
        lambda p, _: pb.TransferToPoolRequest(request_id=rid(), pool_id="²", amount_fen=50_000),
        "pool_id",
    ),
    "GetPool.pool_id full-width": ("GetPool", lambda p, _: pb.GetPoolRequest(pool_id="１"), "pool_id"),
    "GetPool.pool_id Arabic-Indic": ("GetPool", lambda p, _: pb.GetPoolRequest(pool_id="١"), "pool_id"),
    "GetPool.pool_id NUL": ("GetPool", lambda p, pool: pb.GetPoolRequest(pool_id=pool + "\x00"), "pool_id"),
    "GetReservation.reservation_id": (
        "GetReservation",
        lambda p, _: pb.GetReservationRequest(reservation_id="9" * 19),
        "reservation_id",
    ),
    "AcceptInvitation.invitation_id": (
        "AcceptInvitation",
        lambda p, _: pb.AcceptInvitationRequest(request_id=rid(), invitation_id="𝟏"),
        "invitation_id",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_STRINGS))
async def test_a_bad_string_is_invalid_argument_and_writes_nothing(
    accounts: Any, family: tuple[Insured, str], db: asyncpg.Connection, case: str
) -> None:
    method, build, field = BAD_STRINGS[case]
    creator, pool_id = family
    await _refused(accounts, method, build(creator.psn_no, pool_id), db, field)


@pytest.mark.parametrize("token", [*BAD_TOKENS, "²", "１", "1\x00", " 1"])
async def test_a_list_transactions_page_token_that_is_no_id_is_invalid_argument(
    accounts: Any, family: tuple[Insured, str], db: asyncpg.Connection, token: str
) -> None:
    creator, _ = family
    request = pb.ListTransactionsRequest(psn_no=creator.psn_no, page_token=token)
    await _refused(accounts, "ListTransactions", request, db, "page_token")


async def test_the_largest_page_token_is_an_ordinary_first_page(accounts: Any, family: tuple[Insured, str]) -> None:
    creator, _ = family
    first = await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=creator.psn_no))
    largest = await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=creator.psn_no, page_token="9" * 18))
    assert [r.journal_txn_id for r in largest.records] == [r.journal_txn_id for r in first.records]


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
BAD_NUMBERS: dict[str, tuple[str, Build, str]] = {
    "Reserve.hold_ttl_seconds": (
        "Reserve",
        lambda p, _: pb.ReserveRequest(
            request_id=rid(), payer_psn_no=p, amount_fen=100, sources=[OWN], hold_ttl_seconds=INT32_MIN
        ),
        "hold_ttl_seconds",
    ),
    "Reserve.amount_fen": (
        "Reserve",
        lambda p, _: pb.ReserveRequest(request_id=rid(), payer_psn_no=p, amount_fen=2**63 - 1, sources=[OWN]),
        "amount_fen",
    ),
    "Reserve.sources": (
        "Reserve",
        lambda p, _: pb.ReserveRequest(request_id=rid(), payer_psn_no=p, amount_fen=100, sources=[OWN, 7]),
        "sources",
    ),
    "ListTransactions.page_size negative": (
        "ListTransactions",
        lambda p, _: pb.ListTransactionsRequest(psn_no=p, page_size=-1),
        "page_size",
    ),
    "ListTransactions.page_size largest": (
        "ListTransactions",
        lambda p, _: pb.ListTransactionsRequest(psn_no=p, page_size=INT32_MAX),
        "page_size",
    ),
    "PayResidentPremium.premium_year": (
        "PayResidentPremium",
        lambda p, _: pb.PayResidentPremiumRequest(
            request_id=rid(),
            payer_psn_no=p,
            beneficiary_psn_no=p,
            relation=cpb.RELATION_CHILD,
            amount_fen=100,
            premium_year=INT32_MIN,
        ),
        "premium_year",
    ),
    "RegisterPerson.disabled_veteran_level": (
        "RegisterPerson",
        lambda p, _: pb.RegisterPersonRequest(
            request_id=rid(),
            psn_no=kit.psn_no(),
            name="张三",
            id_number=kit.id_number(),
            insurance_type=1,
            region_code="630100",
            disabled_veteran_level=INT32_MAX,
        ),
        "disabled_veteran_level",
    ),
    "RegisterPerson.insurance_type": (
        "RegisterPerson",
        lambda p, _: pb.RegisterPersonRequest(
            request_id=rid(),
            psn_no=kit.psn_no(),
            name="张三",
            id_number=kit.id_number(),
            insurance_type=INT32_MIN,
            region_code="630100",
        ),
        "insurance_type",
    ),
    "InviteMember.relation": (
        "InviteMember",
        lambda p, pool: pb.InviteMemberRequest(
            request_id=rid(), pool_id=pool, member_name="李四", member_id_number=ID, relation=99
        ),
        "relation",
    ),
    "RecordLifeEvent.level": (
        "RecordLifeEvent",
        lambda p, _: pb.RecordLifeEventRequest(
            request_id=rid(),
            psn_no=p,
            disabled_veteran_granted=pb.RecordLifeEventRequest.DisabledVeteranGranted(level=-1),
        ),
        "disabled_veteran_granted.level",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_NUMBERS))
async def test_a_number_out_of_range_or_an_unknown_enum_is_invalid_argument(
    accounts: Any, family: tuple[Insured, str], db: asyncpg.Connection, case: str
) -> None:
    method, build, field = BAD_NUMBERS[case]
    creator, pool_id = family
    await _refused(accounts, method, build(creator.psn_no, pool_id), db, field)


# ---------------------------------------------------------------- a message that does not decode

REGISTER = "/gongji.accounts.v1.RegistryService/RegisterPerson"
UNDECODABLE = (b"\xff\xff\xff\xff", b"\x0a\x05ab", b"\x1a\x02\xc3\x28")  # bad tag; truncated; name not UTF-8


@pytest.mark.parametrize("raw", UNDECODABLE)
async def test_an_undecodable_message_is_invalid_argument_for_the_caller_allowed_to_call(
    accounts_server: Any, db: asyncpg.Connection, raw: bytes
) -> None:
    async with kit.channel(f"127.0.0.1:{accounts_server.server.port}", processes.pki(), "registry") as channel:
        call = channel.unary_unary(REGISTER, request_serializer=None, response_deserializer=None)
        before = await fingerprint(db)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(raw, timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
        assert bad_fields(err.value) == {"request": "not a valid message of this method's request type"}
        assert await fingerprint(db) == before


async def test_an_undecodable_message_from_another_role_is_permission_denied(accounts_server: Any) -> None:
    async with kit.channel(f"127.0.0.1:{accounts_server.server.port}", processes.pki(), "member-service") as channel:
        call = channel.unary_unary(REGISTER, request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(UNDECODABLE[0], timeout=10)
        assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")


async def test_an_undecodable_message_without_a_client_certificate_is_refused(accounts_server: Any) -> None:
    async with kit.channel(f"127.0.0.1:{accounts_server.server.port}", processes.pki()) as channel:
        call = channel.unary_unary(REGISTER, request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(UNDECODABLE[0], timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE  # mutual TLS: the handshake itself fails
