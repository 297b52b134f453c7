"""Property: no request to any settlement RPC, however hostile, is answered INTERNAL or UNKNOWN, and an error changes
nothing. Hypothesis draws every request message from its descriptor (tests/hostile.py), with a family, payments and
a page token that exist mixed in; each RPC is called on the real processes (settlement, and through it accounts) by
an institution with a valid token. Each answer is checked by tests/hostile.py's call_and_check (no INTERNAL or
UNKNOWN; an error changed no row count, and a request refused before it ran left not even a declined record;
INVALID_ARGUMENT names its fields), and VerifyLedger is clean after each RPC's examples. Bounded and reproducible: a
fixed number of examples per RPC, derandomized; `--hypothesis-show-statistics` shows the codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import event, given
from hypothesis import strategies as st

from gongji.settlement.v1 import settlement_pb2 as pb
from tests.hostile import (
    HOSTILE_TOKENS,
    Hints,
    around_now,
    call_and_check,
    extreme_tokens,
    fuzz_settings,
    messages,
    rpcs,
    weighted,
)
from tests.settlement.conftest import Pos, Stack
from tools.kit import Family, Insured, psn_no, rid

RPCS = rpcs(pb.DESCRIPTOR.services_by_name["SettlementService"])
EXAMPLES_PER_RPC = 50


@dataclass(frozen=True)
class World:
    """A family of institution A's patients: a creator with money and a pool and a bound spouse; a completed sale,
    an authorization, a refund; and a page token that ListSettlements really returned."""

    people: tuple[Insured, ...]
    pos_txn_ids: tuple[str, ...]
    settlement_ids: tuple[str, ...]
    page_token: str
    made: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)

    def requests(self, request_type: Any) -> st.SearchStrategy[Any]:
        """The RPC's requests (made once: making a strategy costs more than drawing from it)."""
        if request_type.full_name not in self.made:
            self.made[request_type.full_name] = messages(request_type, self.hints())
        return self.made[request_type.full_name]

    def hints(self) -> Hints:
        pos_txn_ids = st.one_of(st.sampled_from(self.pos_txn_ids), st.builds(rid))
        return {
            "payer_psn_no": weighted((2, st.sampled_from([p.psn_no for p in self.people])), (1, st.builds(psn_no))),
            "pos_txn_id": pos_txn_ids,
            "refund_pos_txn_id": pos_txn_ids,
            "settlement_id": st.sampled_from(self.settlement_ids),
            "amount_fen": st.integers(1, 30_000),
            "hold_ttl_seconds": st.integers(0, 900),
            "description": st.just("outpatient"),
            "period_start": around_now(2, 0),
            "period_end": around_now(0, 2),
            "page_size": st.integers(0, 5),
            "page_token": weighted(
                (1, st.just(self.page_token)), (1, st.sampled_from(HOSTILE_TOKENS)), (2, extreme_tokens())
            ),
        }


@pytest.fixture
async def world(stack: Stack, pos_a: Pos) -> World:
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=300_000, name="王芳")
    spouse = await f.person(credit_fen=20_000, name="李强")
    pool_id = await f.create_pool(creator, transfer_fen=100_000)
    await f.bind(pool_id, spouse)
    sale, authorization = rid(), rid()
    paid: Any = await pos_a(
        "Settle", pb.SettleRequest(pos_txn_id=sale, payer_psn_no=spouse.psn_no, **spouse.charge(), amount_fen=9_000)
    )
    held: Any = await pos_a(
        "Authorize",
        pb.AuthorizeRequest(
            pos_txn_id=authorization, payer_psn_no=creator.psn_no, **creator.charge(), amount_fen=5_000
        ),
    )
    refund = rid()
    await pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=refund, pos_txn_id=sale, amount_fen=1_000))
    now = dt.datetime.now(dt.UTC)
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(now - dt.timedelta(days=1))
    end.FromDatetime(now + dt.timedelta(days=1))
    page: Any = await pos_a(
        "ListSettlements", pb.ListSettlementsRequest(period_start=start, period_end=end, page_size=1)
    )
    return World(
        (creator, spouse),
        (sale, authorization, refund),
        (paid.settlement.settlement_id, held.settlement.settlement_id),
        page.next_page_token,
    )


@pytest.fixture(scope="module")
async def db(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(stack.database_url)
    yield conn
    await conn.close()


@pytest.mark.parametrize(("service", "method", "request_type"), RPCS, ids=[f"{s}.{m}" for s, m, _ in RPCS])
@fuzz_settings(examples=EXAMPLES_PER_RPC)
@given(data=st.data())
async def test_no_request_is_answered_internal_and_an_error_changes_nothing(
    pos_a: Pos, world: World, db: asyncpg.Connection, service: str, method: str, request_type: Any, data: Any
) -> None:
    request = data.draw(world.requests(request_type), label="request")
    event((await call_and_check(pos_a(method, request), db)).name)
