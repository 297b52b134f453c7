"""What a person's name and ID number may never do: reach a log. Both services run as processes writing JSON logs; a
distinctive name and a valid ID number are planted in every free-text field and id a client can fill (names and ID
numbers of registration, invitation and eligibility checks, memos, descriptions, agreement versions, institution
codes, POS transaction ids, reconciliation rows, a message that does not decode), in calls that succeed and calls
that fail — bad input, unknown people, a database error (a constraint planted for the test refuses a memo, so
accounts answers INTERNAL and logs the error). Neither the name, nor the ID number, nor anything shaped like an ID
number appears in either log."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.common.v1 import common_pb2 as cpb
from gongji.settlement.v1 import settlement_pb2 as spb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.security import token_hash
from tests import processes
from tools import kit
from tools.kit import OWN, Accounts, Family, id_number, psn_no, rid
from tools.kit import accounts_v1 as pb

NAME = "欧阳娜娜"
ID_NUMBER = id_number("630104")
OTHER_ID_NUMBER = id_number("630104")
PLANTED = f"{NAME} {ID_NUMBER}"  # 23 characters: fits every free-text field
# An ID number on its own, not part of a longer run of hex digits (a correlation id can hold 18 decimal digits).
ID_SHAPED = re.compile(r"(?<![0-9A-Fa-f])\d{17}[\dXx](?![0-9A-Fa-f])")
CORRELATION = [("x-correlation-id", "log-privacy")]
TOKEN = "log-privacy-token"
INSTITUTION = "H63TEST00009"


async def _any(call: Callable[[], Awaitable[Any]]) -> str:
    """Makes a call that may fail (one at a time, in order); its status code, for the record."""
    try:
        await call()
    except grpc.aio.AioRpcError as err:
        return str(err.code().name)
    return "OK"


def _day() -> tuple[Timestamp, Timestamp]:
    now = dt.datetime.now(dt.UTC)
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(now - dt.timedelta(hours=1))
    end.FromDatetime(now + dt.timedelta(hours=1))
    return start, end


async def _accounts_traffic(accounts: Accounts) -> dict[str, str]:
    f = Family(accounts)
    creator = await f.person(credit_fen=300_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    other_creator = await f.person(credit_fen=100_000)
    planted = kit.Insured(psn_no(), NAME, ID_NUMBER)
    m = CORRELATION
    register = pb.RegisterPersonRequest(
        request_id=rid(),
        psn_no=planted.psn_no,
        name=NAME,
        id_number=ID_NUMBER,
        insurance_type=kit.RESIDENT,
        region_code="630100",
    )
    bind = pb.CheckEligibilityRequest.BindMember(
        member_name=NAME, member_id_number=ID_NUMBER, relation=cpb.RELATION_CHILD
    )
    invite = pb.InviteMemberRequest(
        request_id=rid(), pool_id=pool_id, member_name=NAME, member_id_number=ID_NUMBER, relation=cpb.RELATION_CHILD
    )
    calls = {
        "register": lambda: accounts.RegisterPerson(register, metadata=m),
        "register again": lambda: accounts.RegisterPerson(
            pb.RegisterPersonRequest(**{**_fields(register), "request_id": rid()}), metadata=m
        ),
        "register NUL name": lambda: accounts.RegisterPerson(
            pb.RegisterPersonRequest(**{**_fields(register), "request_id": rid(), "name": NAME + "\x00"}), metadata=m
        ),
        "register bad id": lambda: accounts.RegisterPerson(
            pb.RegisterPersonRequest(**{**_fields(register), "request_id": rid(), "id_number": ID_NUMBER[:17] + "Y"}),
            metadata=m,
        ),
        "eligibility": lambda: accounts.CheckEligibility(
            pb.CheckEligibilityRequest(creator_psn_no=creator.psn_no, bind_member=bind), metadata=m
        ),
        "invite": lambda: accounts.InviteMember(invite, metadata=m),
        "invite mismatch": lambda: accounts.InviteMember(
            pb.InviteMemberRequest(**{**_fields(invite), "request_id": rid(), "member_id_number": OTHER_ID_NUMBER}),
            metadata=m,
        ),
        "credit memo": lambda: accounts.CreditPersonalAccount(
            pb.CreditPersonalAccountRequest(request_id=rid(), psn_no=creator.psn_no, amount_fen=100, memo=PLANTED),
            metadata=m,
        ),
        "credit memo, nobody": lambda: accounts.CreditPersonalAccount(
            pb.CreditPersonalAccountRequest(request_id=rid(), psn_no="NOBODY", amount_fen=100, memo=PLANTED),
            metadata=m,
        ),
        "credit memo, database error": lambda: accounts.CreditPersonalAccount(
            pb.CreditPersonalAccountRequest(
                request_id=rid(), psn_no=creator.psn_no, amount_fen=100, memo="!" + PLANTED
            ),
            metadata=m,
        ),
        "pool agreement": lambda: accounts.CreatePool(
            pb.CreatePoolRequest(request_id=rid(), creator_psn_no=other_creator.psn_no, agreement_version=PLANTED),
            metadata=m,
        ),
        "pool agreement, bound already": lambda: accounts.CreatePool(
            pb.CreatePoolRequest(request_id=rid(), creator_psn_no=creator.psn_no, agreement_version=PLANTED),
            metadata=m,
        ),
        "reserve description": lambda: accounts.Reserve(
            pb.ReserveRequest(
                request_id=rid(),
                payer_psn_no=creator.psn_no,
                amount_fen=100,
                sources=[OWN],
                description=PLANTED,
                fixmedins_code=ID_NUMBER,
                debit_immediately=True,
            ),
            metadata=m,
        ),
        "reserve description, nobody": lambda: accounts.Reserve(
            pb.ReserveRequest(
                request_id=rid(), payer_psn_no="NOBODY", amount_fen=100, sources=[OWN], description=PLANTED
            ),
            metadata=m,
        ),
        "reserve id as request id": lambda: accounts.Reserve(
            pb.ReserveRequest(request_id=ID_NUMBER, payer_psn_no="NOBODY", amount_fen=100, sources=[OWN]), metadata=m
        ),
        "person by id-shaped psn_no": lambda: accounts.GetPerson(pb.GetPersonRequest(psn_no=ID_NUMBER), metadata=m),
    }
    return {name: await _any(call) for name, call in calls.items()}


def _fields(message: Any) -> dict[str, Any]:
    return {f.name: v for f, v in message.ListFields()}


async def _settlement_traffic(accounts: Accounts, address: str) -> dict[str, str]:
    payer = await Family(accounts).person(credit_fen=50_000)
    m = [("authorization", f"Bearer {TOKEN}"), *CORRELATION]
    start, end = _day()
    async with kit.channel(address, processes.pki()) as channel:
        pos = settlement_pb2_grpc.SettlementServiceStub(channel)
        sale = rid()
        calls = {
            "settle description": lambda: pos.Settle(
                spb.SettleRequest(
                    pos_txn_id=sale, payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=100, description=PLANTED
                ),
                metadata=m,
            ),
            "settle id as pos id, nobody": lambda: pos.Settle(
                spb.SettleRequest(pos_txn_id=ID_NUMBER, payer_psn_no="NOBODY", amount_fen=100, description=PLANTED),
                metadata=m,
            ),
            "settle NUL description": lambda: pos.Settle(
                spb.SettleRequest(
                    pos_txn_id=rid(),
                    payer_psn_no=payer.psn_no,
                    **payer.charge(),
                    amount_fen=1,
                    description=NAME + "\x00",
                ),
                metadata=m,
            ),
            "authorize description": lambda: pos.Authorize(
                spb.AuthorizeRequest(
                    pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=100, description=PLANTED
                ),
                metadata=m,
            ),
            "refund id as refund id": lambda: pos.Refund(
                spb.RefundRequest(refund_pos_txn_id=ID_NUMBER, pos_txn_id=sale, amount_fen=50), metadata=m
            ),
            "refund too much": lambda: pos.Refund(
                spb.RefundRequest(refund_pos_txn_id=OTHER_ID_NUMBER, pos_txn_id=sale, amount_fen=10_000), metadata=m
            ),
            "reverse id": lambda: pos.Reverse(spb.ReverseRequest(pos_txn_id=OTHER_ID_NUMBER + "0"), metadata=m),
            "get by id": lambda: pos.GetSettlement(spb.GetSettlementRequest(pos_txn_id=ID_NUMBER + "1"), metadata=m),
            "reconcile rows": lambda: pos.Reconcile(
                spb.ReconcileRequest(
                    period_start=start,
                    period_end=end,
                    items=[
                        spb.ReconcileItem(pos_txn_id=ID_NUMBER, acct_pay_fen=1),
                        spb.ReconcileItem(pos_txn_id=PLANTED),
                    ],
                ),
                metadata=m,
            ),
            "list with a planted token": lambda: pos.ListSettlements(
                spb.ListSettlementsRequest(period_start=start, period_end=end, page_token=PLANTED), metadata=m
            ),
        }
        outcomes = {name: await _any(call) for name, call in calls.items()}
        raw = channel.unary_unary(
            "/gongji.settlement.v1.SettlementService/Settle", request_serializer=None, response_deserializer=None
        )
        outcomes["undecodable"] = await _any(lambda: raw(b"\x22\xff" + PLANTED.encode(), metadata=m))
        outcomes["no token"] = await _any(
            lambda: pos.Settle(spb.SettleRequest(description=PLANTED), metadata=CORRELATION)
        )
    return outcomes


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


async def test_no_name_or_id_number_reaches_either_log(database_url: str, tmp_path: Path) -> None:
    url = await processes.fresh_database(database_url)
    for name in ("accounts", "settlement"):
        processes.migrate(name, url)
    conn = await asyncpg.connect(url)
    try:  # a database error on demand: a memo starting with "!" breaks a constraint planted for this test
        await conn.execute(
            "ALTER TABLE accounts.journal_txns "
            "ADD CONSTRAINT planted_for_the_log_test CHECK (left(description, 1) <> '!')"
        )
    finally:
        await conn.close()
    logs = {name: tmp_path / f"{name}.log" for name in ("accounts", "settlement")}
    accounts = await processes.start("accounts", log_path=logs["accounts"], DATABASE_URL=url)
    settlement = None
    try:
        settlement = await processes.start(
            "settlement",
            log_path=logs["settlement"],
            DATABASE_URL=url,
            GONGJI_ACCOUNTS_ADDR=accounts.address,
            GONGJI_INSTITUTION_TOKENS=f"{INSTITUTION}:{token_hash(TOKEN)}",
        )
        stubs = Accounts.connect(accounts.address, processes.pki())
        try:
            outcomes = await _accounts_traffic(stubs)
            outcomes.update(await _settlement_traffic(stubs, settlement.address))
        finally:
            await stubs.close()
    finally:
        if settlement is not None:
            settlement.stop()
        accounts.stop()

    for name, path in logs.items():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) > 5, name
        assert NAME not in text, name
        assert ID_NUMBER not in text and OTHER_ID_NUMBER not in text, name
        assert not ID_SHAPED.search(text), (name, ID_SHAPED.search(text))

    # The traffic did what it was meant to: successes, refusals of every kind, and one INTERNAL.
    assert {outcomes[k] for k in ("register", "invite", "credit memo", "pool agreement", "settle description")} == {
        "OK"
    }, outcomes
    assert outcomes["register NUL name"] == outcomes["settle NUL description"] == "INVALID_ARGUMENT", outcomes
    assert outcomes["undecodable"] == "INVALID_ARGUMENT" and outcomes["no token"] == "UNAUTHENTICATED", outcomes
    assert outcomes["credit memo, database error"] == "INTERNAL", outcomes
    accounts_lines = _lines(logs["accounts"])
    (error,) = [line for line in accounts_lines if line.get("msg") == "unhandled error in CreditPersonalAccount"]
    assert "CheckViolationError" in error["exc"] and "constraint_name=planted_for_the_log_test" in error["exc"]
    assert error["error_ref"]
    assert {line.get("correlation_id") for line in accounts_lines if line.get("msg") == "call failed"} == {
        "log-privacy"
    }
