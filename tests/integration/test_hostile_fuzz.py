"""Property: no request to any accounts RPC, however hostile, is answered INTERNAL or UNKNOWN, and an error changes
nothing. Hypothesis draws every request message from its descriptor (tests/hostile.py), with a family that exists
mixed in so that some requests get past the parser; each RPC is called on the real server as the caller allowed
to call it. Each answer is checked by tests/hostile.py's call_and_check (no INTERNAL or UNKNOWN; an error changed
no row count; INVALID_ARGUMENT names its fields), and VerifyLedger is clean after each RPC's examples. Bounded and
reproducible: a fixed number of examples per RPC, derandomized; `--hypothesis-show-statistics` shows the codes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from gongji.accounts.v1 import family_service_pb2, ledger_service_pb2, payment_service_pb2, registry_service_pb2
from gongji.common.v1 import common_pb2 as cpb
from tests.hostile import HOSTILE_TOKENS, Hints, call_and_check, fuzz_settings, messages, rpcs, weighted
from tools.kit import EMPLOYEE, OWN, POOL, RESIDENT, Family, Insured, id_number, psn_no, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

SERVICES = (
    registry_service_pb2.DESCRIPTOR.services_by_name["RegistryService"],
    family_service_pb2.DESCRIPTOR.services_by_name["FamilyService"],
    payment_service_pb2.DESCRIPTOR.services_by_name["PaymentService"],
    ledger_service_pb2.DESCRIPTOR.services_by_name["LedgerService"],
)
RPCS = rpcs(*SERVICES)
EXAMPLES_PER_RPC = 50


@dataclass(frozen=True)
class World:
    """A family that exists: a creator with money and a pool, a bound spouse, an invited resident child, a hold and
    a payment, and a page token that ListTransactions really returned."""

    people: tuple[Insured, ...]
    pool_id: str
    invitation_id: str
    reservation_ids: tuple[str, ...]
    page_token: str
    made: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)

    def requests(self, request_type: Any) -> st.SearchStrategy[Any]:
        """The RPC's requests (made once: making a strategy costs more than drawing from it)."""
        if request_type.full_name not in self.made:
            self.made[request_type.full_name] = messages(request_type, self.hints())
        return self.made[request_type.full_name]

    def hints(self) -> Hints:
        psn_nos = weighted((2, st.sampled_from([p.psn_no for p in self.people])), (1, st.builds(psn_no)))
        return {
            "request_id": st.builds(rid),
            "psn_no": psn_nos,
            "payer_psn_no": psn_nos,
            "creator_psn_no": psn_nos,
            "member_psn_no": psn_nos,
            "beneficiary_psn_no": psn_nos,
            "name": st.sampled_from([p.name for p in self.people]),
            "member_name": st.sampled_from([p.name for p in self.people]),
            "id_number": st.one_of(st.builds(id_number), st.sampled_from([p.id_number for p in self.people])),
            "member_id_number": st.sampled_from([p.id_number for p in self.people]),
            "pool_id": st.just(self.pool_id),
            "invitation_id": st.just(self.invitation_id),
            "reservation_id": st.sampled_from(self.reservation_ids),
            "page_token": st.one_of(st.just(self.page_token), st.sampled_from(HOSTILE_TOKENS)),
            "amount_fen": st.integers(1, 60_000),
            "region_code": st.just("630100"),
            "new_region_code": st.just("630200"),
            "agreement_version": st.just("2024-12"),
            "memo": st.just("2026-11 contribution"),
            "description": st.just("outpatient"),
            "fixmedins_code": st.just("H63010000001"),
            "hold_ttl_seconds": st.integers(0, 900),
            "page_size": st.integers(0, 5),
            "premium_year": st.integers(2026, 2028),
            "year": st.integers(2024, 2028),
            "sources": st.sampled_from([[OWN], [POOL], [OWN, POOL], [POOL, OWN]]),
            "relation": st.sampled_from([cpb.RELATION_SPOUSE, cpb.RELATION_CHILD, cpb.RELATION_PARENT]),
            "insurance_type": st.sampled_from([EMPLOYEE, RESIDENT]),
            "level": st.integers(1, 6),
        }


@pytest.fixture
async def world(accounts: Any) -> World:
    """A fresh family for each RPC: what one RPC's examples did (a death, a dissolved pool) is not the next one's."""
    f = Family(accounts)
    creator = await f.person(credit_fen=300_000, name="王芳")
    spouse = await f.person(credit_fen=20_000, name="李强")
    child = await f.person(RESIDENT, name="王小明")
    pool_id = await f.create_pool(creator, transfer_fen=100_000)
    await f.bind(pool_id, spouse)
    invitation_id = await f.invite(pool_id, child, cpb.RELATION_CHILD)
    held = await f.reserve(spouse, 5_000)
    paid = await f.reserve(creator, 8_000, debit_immediately=True)
    page = await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=creator.psn_no, page_size=1))
    return World(
        (creator, spouse, child),
        pool_id,
        invitation_id,
        (held.reservation_id, paid.reservation_id),
        page.next_page_token,
    )


@pytest.fixture(scope="module")
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.mark.parametrize(("service", "method", "request_type"), RPCS, ids=[f"{s}.{m}" for s, m, _ in RPCS])
@fuzz_settings(examples=EXAMPLES_PER_RPC)
@given(data=st.data())
async def test_no_request_is_answered_internal_and_an_error_changes_nothing(
    accounts: Any, world: World, db: asyncpg.Connection, service: str, method: str, request_type: Any, data: Any
) -> None:
    request = data.draw(world.requests(request_type), label="request")
    event((await call_and_check(getattr(accounts, method)(request, timeout=10), db)).name)
