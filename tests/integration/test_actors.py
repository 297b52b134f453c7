"""Who did it: every journal transaction, registry entry, pool change and binding records its actor, "CHANNEL:identity"
— the caller in its role's channel, or whom a trusted caller says it acts for."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import OWN, POOL, Family, accept_request, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

COUNTER = [("x-gongji-on-behalf-of", "COUNTER:clerk-0042")]
APP = [("x-gongji-on-behalf-of", "APP:wx-openid-77")]


async def _row(database_url: str, query: str, *args: Any) -> asyncpg.Record:
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(query, *args)
    finally:
        await conn.close()
    assert row is not None, query
    return row


async def _records(accounts, **owner: str) -> list[pb.TransactionRecord]:  # type: ignore[no-untyped-def]
    return list((await accounts.ListTransactions(pb.ListTransactionsRequest(**owner))).records)


async def test_the_registry_feed_is_recorded_on_people_and_contributions(accounts, database_url) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=5_000)
    person = await _row(database_url, "SELECT registered_by FROM accounts.persons WHERE psn_no = $1", who.psn_no)
    assert person["registered_by"] == "REGISTRY_FEED:registry"
    [credit] = await _records(accounts, psn_no=who.psn_no)
    assert (credit.kind, credit.channel, credit.actor) == (
        pb.TRANSACTION_KIND_CONTRIBUTION,
        "REGISTRY_FEED",
        "registry",
    )
    # a caller cannot claim a channel its role does not act for
    await accounts.CreditPersonalAccount(
        pb.CreditPersonalAccountRequest(request_id=rid(), psn_no=who.psn_no, amount_fen=1),
        metadata=[("x-gongji-on-behalf-of", "INSTITUTION:H63010000001")],
    )
    latest = (await _records(accounts, psn_no=who.psn_no))[0]
    assert (latest.channel, latest.actor) == ("REGISTRY_FEED", "registry")
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=who.psn_no, died={}))
    person = await _row(database_url, "SELECT updated_by FROM accounts.persons WHERE psn_no = $1", who.psn_no)
    assert person["updated_by"] == "REGISTRY_FEED:registry"


async def test_the_counter_and_the_app_are_recorded_on_pools_bindings_and_transfers(accounts, database_url) -> None:
    f = Family(accounts)
    creator, relative, other = await f.person(credit_fen=200_000), await f.person(), await f.person()
    pool_id = (
        await accounts.CreatePool(
            pb.CreatePoolRequest(request_id=rid(), creator_psn_no=creator.psn_no, agreement_version="2024-12"),
            metadata=COUNTER,
        )
    ).pool.pool_id
    await accounts.TransferToPool(
        pb.TransferToPoolRequest(request_id=rid(), pool_id=pool_id, amount_fen=60_000), metadata=APP
    )
    invitation_id = (
        await accounts.InviteMember(
            pb.InviteMemberRequest(
                request_id=rid(),
                pool_id=pool_id,
                member_name=relative.name,
                member_id_number=relative.id_number,
                relation=cpb.RELATION_SPOUSE,
            ),
            metadata=COUNTER,
        )
    ).invitation.invitation_id
    await accounts.AcceptInvitation(accept_request(invitation_id, relative), metadata=APP)
    await f.bind(pool_id, other, cpb.RELATION_SIBLING)  # no on-behalf-of: the member service itself
    await accounts.RemoveMember(
        pb.RemoveMemberRequest(request_id=rid(), pool_id=pool_id, member_psn_no=relative.psn_no), metadata=COUNTER
    )
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id), metadata=APP)

    pool = await _row(database_url, "SELECT created_by, dissolved_by FROM accounts.pools WHERE id = $1", int(pool_id))
    assert (pool["created_by"], pool["dissolved_by"]) == ("COUNTER:clerk-0042", "APP:wx-openid-77")
    binding = await _row(
        database_url,
        "SELECT invited_by, answered_by, ended_by FROM accounts.memberships WHERE invitation_token = $1",
        invitation_id,
    )
    assert tuple(binding.values()) == ("COUNTER:clerk-0042", "APP:wx-openid-77", "COUNTER:clerk-0042")
    other_binding = await _row(
        database_url,
        "SELECT answered_by, ended_by FROM accounts.memberships WHERE psn_no = $1 AND pool_id = $2",
        other.psn_no,
        int(pool_id),
    )
    assert tuple(other_binding.values()) == ("MEMBER_SERVICE:member-service", "APP:wx-openid-77")  # the dissolution
    booked = {(r.kind, r.channel, r.actor) for r in await _records(accounts, pool_id=pool_id)}
    assert (pb.TRANSACTION_KIND_POOL_TRANSFER, "APP", "wx-openid-77") in booked
    assert (pb.TRANSACTION_KIND_POOL_RETURN, "APP", "wx-openid-77") in booked


async def test_payments_record_the_institution_and_the_sweeper_records_itself(accounts) -> None:
    f = Family(accounts)
    creator, member = await f.person(credit_fen=100_000), await f.person(credit_fen=1_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    institution = [("x-gongji-on-behalf-of", "INSTITUTION:H63010000001")]
    await accounts.Reserve(
        pb.ReserveRequest(
            request_id=rid(),
            payer_psn_no=member.psn_no,
            amount_fen=3_000,
            sources=[OWN, POOL],
            debit_immediately=True,
            fixmedins_code="H63010000001",
            credential=member.credential(),
        ),
        metadata=institution,
    )
    hold = (
        await accounts.Reserve(
            pb.ReserveRequest(
                request_id=rid(),
                payer_psn_no=member.psn_no,
                amount_fen=2_000,
                sources=[POOL],
                hold_ttl_seconds=1,
                credential=member.credential(),
            ),
            metadata=institution,
        )
    ).reservation
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    for _ in range(50):  # the sweeper releases the lapsed hold; the dissolved pool's part goes on to the creator
        state = (
            await accounts.GetReservation(pb.GetReservationRequest(reservation_id=hold.reservation_id))
        ).reservation
        if state.status == pb.RESERVATION_STATUS_EXPIRED:
            break
        await asyncio.sleep(0.2)
    booked = {(r.kind, r.channel, r.actor) for r in await _records(accounts, pool_id=pool_id)}
    assert (pb.TRANSACTION_KIND_PAYMENT, "INSTITUTION", "H63010000001") in booked
    assert (pb.TRANSACTION_KIND_POOL_RETURN, "SYSTEM", "accounts-sweeper") in booked
