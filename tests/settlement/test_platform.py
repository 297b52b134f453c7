"""Settlement the way hospitals integrate with the national platform, end to end (both services as processes): the
links to the platform's records (2206/2207), the patient's choice of accounts (acct_used_flag) and why each source
gave less."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.common.v1 import common_pb2 as cpb
from gongji.settlement.v1 import settlement_pb2 as pb
from services.accounts.usecases.env import CHINA
from services.common.errors import Reason
from tests import processes
from tests.settlement.conftest import TOKEN_BEIJING, TOKEN_CLINIC, TOKEN_GOLMUD, settlement_env
from tools.kit import Family, Insured, bad_fields, fails, rid
from tools.kit import accounts_v1 as apb

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def _family(stack: Any, own_fen: int = 10_000, pool_fen: int = 60_000) -> tuple[Family, Insured, str]:
    """A member with `own_fen` of their own, bound to a pool holding `pool_fen`."""
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=own_fen)
    pool_id = await f.create_pool(creator, transfer_fen=pool_fen)
    await f.bind(pool_id, member, cpb.RELATION_SPOUSE)
    return f, member, pool_id


def _split(s: Any) -> tuple[int, int, int]:
    return s.acct_pay_fen, s.acct_mulaid_pay_fen, s.psn_cash_pay_fen


def _shortfalls(split: pb.Split) -> dict[int, str]:
    return {x.source: x.reason for x in split.shortfalls}


async def test_every_link_is_stored_and_returned_and_a_visit_lists_its_settlements(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, member, pool_id = await _family(stack)
    mdtrt_id = f"MD-{rid()[:12]}"
    bill = member.charge(
        mdtrt_id=mdtrt_id,
        setl_id="SETL-0001",
        insutype="310",
        med_type="14",
        medfee_sumamt_fen=50_000,
        fund_pay_sumamt_fen=30_000,
    )
    paid = (
        await pos_a("Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=20_000, **bill))
    ).settlement
    held = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(
                pos_txn_id=rid(),
                payer_psn_no=member.psn_no,
                amount_fen=5_000,
                **member.charge(mdtrt_id=mdtrt_id, insutype="310", med_type="21", medfee_sumamt_fen=9_000),
            ),
        )
    ).settlement
    got = (await pos_a("GetSettlement", pb.GetSettlementRequest(pos_txn_id=paid.pos_txn_id))).settlement
    for s in (paid, got):
        v = s.visit
        assert (v.mdtrt_id, v.setl_id, v.insutype, v.med_type) == (mdtrt_id, "SETL-0001", "310", "14")
        assert (v.medfee_sumamt_fen, v.fund_pay_sumamt_fen, s.amount_fen) == (50_000, 30_000, 20_000)
        assert s.acct_used_flag == pb.ACCT_USED_FLAG_OWN_THEN_POOL
    listed = await pos_a("ListSettlements", pb.ListSettlementsRequest(mdtrt_id=mdtrt_id))
    assert [s.settlement_id for s in listed.settlements] == [paid.settlement_id, held.settlement_id]
    assert listed.settlements[1].visit.med_type == "21"
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    in_period = await pos_a(
        "ListSettlements", pb.ListSettlementsRequest(mdtrt_id=mdtrt_id, period_start=start, period_end=end)
    )
    assert len(in_period.settlements) == 2


async def test_a_bill_whose_parts_do_not_fit_is_invalid_and_writes_nothing(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, member, pool_id = await _family(stack)
    too_much = member.charge(medfee_sumamt_fen=10_000, fund_pay_sumamt_fen=8_000)  # 8000 + 3000 > 10000
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=3_000, **too_much)
    err = await fails(pos_a("Settle", request), "INVALID_ARGUMENT", INVALID)
    assert set(bad_fields(err)) == {"visit.medfee_sumamt_fen"}
    missing = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=3_000, **member.cert())
    err = await fails(pos_a("Settle", missing), "INVALID_ARGUMENT", INVALID)
    assert {"visit.mdtrt_id", "visit.insutype", "visit.med_type", "visit.medfee_sumamt_fen"} <= set(bad_fields(err))
    await fails(pos_a("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id)), "SETTLEMENT_NOT_FOUND")
    nowhere = pb.SettleRequest(
        pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=3_000, **member.charge(insuplc_admdvs="6301")
    )
    assert set(bad_fields(await fails(pos_a("Settle", nowhere), "INVALID_ARGUMENT", INVALID))) == {
        "visit.insuplc_admdvs"
    }
    assert await f.own_balance(member) == 10_000


async def test_own_then_pool_own_only_and_none_with_each_sources_shortfall(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, member, pool_id = await _family(stack)
    charge = dict(payer_psn_no=member.psn_no, amount_fen=15_000, **member.charge())
    own_only = pb.ACCT_USED_FLAG_OWN_ONLY
    quote = await pos_a("PreSettle", pb.PreSettleRequest(**charge, acct_used_flag=own_only))
    assert _split(quote.split) == (10_000, 0, 5_000)
    assert _shortfalls(quote.split) == {
        pb.PAY_SOURCE_PERSONAL_ACCOUNT: "INSUFFICIENT_FUNDS",
        pb.PAY_SOURCE_FAMILY_POOL: "ACCOUNT_USE_NOT_REQUESTED",
    }
    declined = next(x for x in quote.split.shortfalls if x.source == pb.PAY_SOURCE_FAMILY_POOL)
    assert (declined.message, declined.message_zh) == (
        Reason.ACCOUNT_USE_NOT_REQUESTED.message,
        Reason.ACCOUNT_USE_NOT_REQUESTED.message_zh,
    )
    paid = (await pos_a("Settle", pb.SettleRequest(pos_txn_id=rid(), **charge, acct_used_flag=own_only))).settlement
    assert _split(paid.split) == (10_000, 0, 5_000) and paid.acct_used_flag == own_only
    assert _shortfalls(paid.split) == _shortfalls(quote.split)
    assert await f.pool_balance(pool_id) == 60_000  # the pool was not asked

    # Own account then pool (the default): the own account is empty now, the pool pays.
    default = (await pos_a("Settle", pb.SettleRequest(pos_txn_id=rid(), **charge))).settlement
    assert _split(default.split) == (0, 15_000, 0)
    assert _shortfalls(default.split) == {pb.PAY_SOURCE_PERSONAL_ACCOUNT: "INSUFFICIENT_FUNDS"}

    # None: all cash, and accounts is not asked at all (no reservation, no journal entry).
    none = pb.ACCT_USED_FLAG_NONE
    before = await stack.accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=member.psn_no))
    quote = await pos_a("PreSettle", pb.PreSettleRequest(**charge, acct_used_flag=none))
    assert _split(quote.split) == (0, 0, 15_000)
    cash = (await pos_a("Settle", pb.SettleRequest(pos_txn_id=rid(), **charge, acct_used_flag=none))).settlement
    assert cash.status == pb.SETTLEMENT_STATUS_COMPLETED and _split(cash.split) == (0, 0, 15_000)
    assert _shortfalls(cash.split) == {
        pb.PAY_SOURCE_PERSONAL_ACCOUNT: "ACCOUNT_USE_NOT_REQUESTED",
        pb.PAY_SOURCE_FAMILY_POOL: "ACCOUNT_USE_NOT_REQUESTED",
    }
    after = await stack.accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=member.psn_no))
    assert list(after.records) == list(before.records)
    got = (await pos_a("GetSettlement", pb.GetSettlementRequest(pos_txn_id=cash.pos_txn_id))).settlement
    assert _shortfalls(got.split) == _shortfalls(cash.split)
    # The choice is part of the request: the same pos_txn_id with another choice is another request.
    await fails(
        pos_a("Settle", pb.SettleRequest(pos_txn_id=cash.pos_txn_id, **charge, acct_used_flag=own_only)),
        "REQUEST_ID_REUSED",
    )


async def test_a_whole_bill_refund_with_cash_is_one_call_and_says_where_each_part_went(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, member, pool_id = await _family(stack, own_fen=10_000, pool_fen=50_000)
    paid = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=65_000, **member.charge()),
        )
    ).settlement
    assert _split(paid.split) == (10_000, 50_000, 5_000)
    # Partial, repeated: 2000 of the cash alone (no accounts call), then 6000 through the accounts (pool first).
    cash = await pos_a(
        "Refund",
        pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, psn_cash_refund_fen=2_000),
    )
    assert (cash.refund.psn_cash_refund_fen, cash.refund.amount_fen, cash.refund.completed) == (2_000, 0, True)
    await pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=6_000))
    await fails(
        pos_a(
            "Refund",
            pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, psn_cash_refund_fen=3_001),
        ),
        "REFUND_EXCEEDS_DEBITED",
    )
    # The whole bill: what is left of every source, in one call, the same answer when asked again.
    whole = pb.RefundRequest(refund_pos_txn_id=rid(), pos_txn_id=paid.pos_txn_id, whole_bill=True)
    out = await pos_a("Refund", whole)
    r = out.refund
    assert (r.whole_bill, r.amount_fen, r.psn_cash_refund_fen) == (True, 54_000, 3_000)
    assert (r.acct_mulaid_refund_fen, r.acct_refund_fen, r.creator_acct_refund_fen) == (44_000, 10_000, 0)
    assert (await pos_a("Refund", whole)).refund == r
    assert out.settlement.refunded_fen == 60_000
    assert await f.own_balance(member) == 10_000 and await f.pool_balance(pool_id) == 50_000
    await fails(
        pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, whole_bill=True)),
        "REFUND_EXCEEDS_DEBITED",
    )


async def test_a_refund_after_the_pool_was_dissolved_says_it_went_to_the_creator(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, member, pool_id = await _family(stack, own_fen=0, pool_fen=60_000)  # noqa: F841
    paid = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=8_000, **member.charge()),
        )
    ).settlement
    await stack.accounts.DissolvePool(apb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    out = await pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), pos_txn_id=paid.pos_txn_id, whole_bill=True))
    assert (out.refund.acct_mulaid_refund_fen, out.refund.creator_acct_refund_fen) == (8_000, 8_000)


async def test_an_inpatient_deposit_is_held_for_weeks_and_a_capture_recomputes_cash(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f, member, pool_id = await _family(stack, own_fen=10_000, pool_fen=50_000)
    inpatient = member.charge(med_type="21", medfee_sumamt_fen=200_000, fund_pay_sumamt_fen=100_000)
    now = dt.datetime.now(dt.UTC)
    deposit = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=70_000, **inpatient),
        )
    ).settlement
    held_for = deposit.expires_at.ToDatetime(dt.UTC) - now
    assert dt.timedelta(days=20) < held_for <= dt.timedelta(days=21, minutes=1)  # the inpatient default: 3 weeks
    assert _split(deposit.split) == (10_000, 50_000, 10_000) and deposit.authorized_fen == 60_000
    longer = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(
                pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=1, hold_ttl_seconds=40 * 86_400, **inpatient
            ),
        )
    ).settlement
    assert longer.expires_at.ToDatetime(dt.UTC) - now > dt.timedelta(days=39)  # beyond a day: accounts allows it
    await pos_a("Void", pb.VoidRequest(settlement_id=longer.settlement_id))
    outpatient = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=1, **member.charge()),
        )
    ).settlement
    assert outpatient.expires_at.ToDatetime(dt.UTC) - now <= dt.timedelta(hours=2, minutes=1)
    await pos_a("Void", pb.VoidRequest(settlement_id=outpatient.settlement_id))

    err = await fails(
        pos_a("Capture", pb.CaptureRequest(settlement_id=deposit.settlement_id, amount_fen=0)), "INVALID_ARGUMENT"
    )
    assert set(bad_fields(err)) == {"amount_fen"}
    # The final personal part (65000) is more than held (60000): the accounts pay all they hold, 5000 is cash.
    done = (
        await pos_a("Capture", pb.CaptureRequest(settlement_id=deposit.settlement_id, amount_fen=65_000))
    ).settlement
    assert done.status == pb.SETTLEMENT_STATUS_COMPLETED and _split(done.split) == (10_000, 50_000, 5_000)
    assert await f.own_balance(member) == 0 and await f.pool_balance(pool_id) == 0


async def test_the_pool_pays_only_where_the_family_is_insured_and_the_split_says_why(stack) -> None:  # type: ignore[no-untyped-def]
    """异地就医: a Xining family's pool pays at a Xining clinic (configured in Chengxi district, 630104), not at a
    Golmud hospital (632801, Haixi: another coordinating region, under the SAME_REGION scope)."""
    f, member, pool_id = await _family(stack, own_fen=10_000, pool_fen=60_000)
    clinic, golmud = stack.pos(TOKEN_CLINIC), stack.pos(TOKEN_GOLMUD)
    try:
        bill = member.charge(insutype="310", med_type="11", medfee_sumamt_fen=30_000, insuplc_admdvs="630100")
        paid = (
            await clinic(
                "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=30_000, **bill)
            )
        ).settlement
        assert _split(paid.split) == (10_000, 20_000, 0)
        assert (paid.visit.insuplc_admdvs, paid.visit.mdtrtarea_admvs) == ("630100", "630104")

        quote = await golmud("PreSettle", pb.PreSettleRequest(payer_psn_no=member.psn_no, amount_fen=30_000, **bill))
        there = (
            await golmud(
                "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=30_000, **bill)
            )
        ).settlement
        for split in (quote.split, there.split):
            assert _split(split) == (0, 0, 30_000)
            assert _shortfalls(split) == {
                pb.PAY_SOURCE_PERSONAL_ACCOUNT: "INSUFFICIENT_FUNDS",
                pb.PAY_SOURCE_FAMILY_POOL: "VISIT_OUTSIDE_REGION",
            }
        told = next(x for x in there.split.shortfalls if x.source == pb.PAY_SOURCE_FAMILY_POOL)
        assert (told.message, told.message_zh) == (
            Reason.VISIT_OUTSIDE_REGION.message,
            Reason.VISIT_OUTSIDE_REGION.message_zh,
        )
        assert there.visit.mdtrtarea_admvs == "632801"  # from the hospital's national code, not from the request
        assert await f.pool_balance(pool_id) == 40_000  # only the clinic's payment
    finally:
        await clinic.channel.close()
        await golmud.channel.close()


POLICY = Path(__file__).resolve().parents[2] / "config" / "policy.toml"


@pytest.mark.parametrize(
    ("scope", "pool_pays_in"),
    [("PROVINCE", {"golmud": True, "beijing": False}), ("NATIONAL", {"golmud": True, "beijing": True})],
)
async def test_a_cross_region_visit_under_each_scope(stack, tmp_path, scope, pool_pays_in) -> None:  # type: ignore[no-untyped-def]
    """Rule 5's scope reaches the till: from today the policy widens mutual aid to the province, or the nation
    (跨省共济), and a Xining family's pool pays in Golmud (same province), or in Beijing too. (SAME_REGION: above.)"""
    today = dt.datetime.now(CHINA).date()
    policy = tmp_path / "policy.toml"
    policy.write_text(
        POLICY.read_text(encoding="utf-8") + f'\n[[period]]\neffective_from = {today}\nregion_scope = "{scope}"\n',
        encoding="utf-8",
    )
    accounts = await processes.start("accounts", DATABASE_URL=stack.database_url, GONGJI_POLICY_FILE=str(policy))
    settlement = await processes.start("settlement", **settlement_env(stack.database_url, accounts))
    where = {
        "golmud": stack.pos(TOKEN_GOLMUD, settlement.address),
        "beijing": stack.pos(TOKEN_BEIJING, settlement.address),
    }
    try:
        f, member, pool_id = await _family(stack, own_fen=0, pool_fen=60_000)
        for place, pos in where.items():
            bill = member.charge(mdtrt_id=f"MD-{rid()[:12]}", medfee_sumamt_fen=5_000)
            paid = (
                await pos(
                    "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=5_000, **bill)
                )
            ).settlement
            if pool_pays_in[place]:
                assert _split(paid.split) == (0, 5_000, 0), place
            else:
                assert _split(paid.split) == (0, 0, 5_000), place
                assert _shortfalls(paid.split)[pb.PAY_SOURCE_FAMILY_POOL] == "VISIT_OUTSIDE_REGION"
        assert await f.pool_balance(pool_id) == 60_000 - 5_000 * sum(pool_pays_in.values())
    finally:
        for pos in where.values():
            await pos.channel.close()
        settlement.stop()
        accounts.stop()
