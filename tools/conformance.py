"""POS conformance kit: runs self-contained scenarios against any gongji deployment and prints a pass/fail table.

    python -m tools.conformance --target HOST:PORT --accounts HOST:PORT --pki DIR [--institution CODE | --token T]

It creates its own test family through accounts (person numbers starting CONF; the PKI folder holds the registry's
and the member service's certificates for that), pays, refunds, reverses and reconciles as the institution its
certificate (or token) names, and dissolves its pool at the end. Exit status 0 only if all pass.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.settlement.v1 import settlement_pb2 as spb
from gongji.settlement.v1 import settlement_pb2_grpc
from tools import kit
from tools.kit import Deployment, Family, channel, rid
from tools.kit import accounts_v1 as apb


class Failed(AssertionError):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)


@dataclass
class Kit:
    pos: Any
    anonymous: Any  # the same service through a channel that presents no certificate and sends no token
    accounts: Any
    health: Any
    metadata: list[tuple[str, str]]
    payer: str = ""
    creator: str = ""
    card: dict[str, Any] = field(default_factory=dict)  # the payer's own ID card, as a POS sends it
    other_card: dict[str, Any] = field(default_factory=dict)  # another person's (the creator's) ID card
    pool_id: str = ""
    started: Timestamp | None = None
    close_period: bool = False  # closing a period freezes the institution's real totals: only when asked

    async def call(self, method: str, request: Any) -> Any:
        return await getattr(self.pos, method)(request, metadata=self.metadata, timeout=10)

    async def fails(self, method: str, request: Any, reason: str) -> None:
        await kit.fails(self.call(method, request), reason)

    async def setup(self) -> None:
        run = uuid.uuid4().hex[:8]
        family = Family(self.accounts)
        creator = await family.person(psn=f"CONF{run}C", name="测试", credit_fen=500_000)
        payer = await family.person(psn=f"CONF{run}M", name="测试", credit_fen=10_000)
        self.creator, self.payer = creator.psn_no, payer.psn_no
        self.card, self.other_card = payer.charge(), {**creator.cert(), **kit.visit(f"MDTRT-{payer.psn_no}")}
        self.pool_id = await family.create_pool(creator, transfer_fen=60_000)
        await family.bind(self.pool_id, payer)
        self.started = Timestamp()
        self.started.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))

    async def teardown(self) -> None:
        if self.pool_id:
            await self.accounts.DissolvePool(apb.DissolvePoolRequest(request_id=rid(), pool_id=self.pool_id))

    # ------------------------------------------------------------ scenarios

    async def health_serving(self) -> None:
        reply = await self.health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        expect(reply.status == health_pb2.HealthCheckResponse.SERVING, "health is not SERVING")

    async def unauthenticated_refused(self) -> None:
        try:
            await self.anonymous.GetSettlement(spb.GetSettlementRequest(pos_txn_id="x"), timeout=10)
        except grpc.aio.AioRpcError as err:
            # UNAUTHENTICATED where institutions use tokens; with mutual TLS the handshake itself is refused.
            refused = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE)
            expect(err.code() in refused, f"got {err.code().name}")
            return
        raise Failed("a call without credentials was answered")

    async def presettle_quotes_without_paying(self) -> None:
        q = await self.call("PreSettle", spb.PreSettleRequest(payer_psn_no=self.payer, amount_fen=80_000, **self.card))
        expect(
            (q.split.acct_pay_fen, q.split.acct_mulaid_pay_fen, q.split.psn_cash_pay_fen) == (10_000, 60_000, 10_000),
            f"quote split {q.split}",
        )

    async def settle_own_pool_cash(self) -> None:
        s = (
            await self.call(
                "Settle",
                spb.SettleRequest(pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=75_000, **self.card),
            )
        ).settlement
        expect(s.status == spb.SETTLEMENT_STATUS_COMPLETED, f"status {s.status}")
        expect(
            (s.split.acct_pay_fen, s.split.acct_mulaid_pay_fen, s.split.psn_cash_pay_fen) == (10_000, 60_000, 5_000),
            f"split {s.split}",
        )
        refund = await self.call(
            "Refund",
            spb.RefundRequest(refund_pos_txn_id=f"conf-{rid()}", settlement_id=s.settlement_id, amount_fen=70_000),
        )
        expect(
            refund.refund.acct_mulaid_refund_fen == 60_000 and refund.refund.acct_refund_fen == 10_000,
            "refund did not go back pool first",
        )

    async def replay_and_reused_id(self) -> None:
        request = spb.SettleRequest(pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=1_000, **self.card)
        first = (await self.call("Settle", request)).settlement
        again = (await self.call("Settle", request)).settlement
        expect(first.settlement_id == again.settlement_id, "a replay made a second settlement")
        await self.fails(
            "Settle",
            spb.SettleRequest(pos_txn_id=request.pos_txn_id, payer_psn_no=self.payer, amount_fen=2_000, **self.card),
            "REQUEST_ID_REUSED",
        )
        await self.fails(
            "Refund",
            spb.RefundRequest(refund_pos_txn_id=f"conf-{rid()}", settlement_id=first.settlement_id, amount_fen=1_001),
            "REFUND_EXCEEDS_DEBITED",
        )

    async def credential_required_and_the_payers_own(self) -> None:
        def quote(card: dict[str, Any]) -> Any:
            return spb.PreSettleRequest(payer_psn_no=self.payer, amount_fen=100, **card)

        def sale(card: dict[str, Any], pos_txn_id: str = "") -> Any:
            return spb.SettleRequest(
                pos_txn_id=pos_txn_id or f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=100, **card
            )

        before = await self.call("PreSettle", quote(self.card))
        await self.fails("Settle", sale(kit.visit()), "INVALID_ARGUMENT")
        await self.fails("Settle", sale(kit.charge(kit.SOCIAL_SECURITY_CARD, "not a card")), "INVALID_ARGUMENT")
        someone_else = sale(self.other_card)
        await self.fails("Settle", someone_else, "CREDENTIAL_MISMATCH")
        await self.fails("Settle", someone_else, "CREDENTIAL_MISMATCH")  # the replay answers the same
        await self.fails("PreSettle", quote(self.other_card), "CREDENTIAL_MISMATCH")
        await self.fails("Settle", sale(self.card, someone_else.pos_txn_id), "REQUEST_ID_REUSED")
        after = await self.call("PreSettle", quote(self.card))
        expect(
            (after.balc_fen, after.pool_balc_fen) == (before.balc_fen, before.pool_balc_fen), "a refusal moved money"
        )

    async def authorize_capture_void(self) -> None:
        auth = (
            await self.call(
                "Authorize",
                spb.AuthorizeRequest(
                    pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=5_000, **self.card
                ),
            )
        ).settlement
        expect(auth.status == spb.SETTLEMENT_STATUS_AUTHORIZED, "not authorized")
        done = (
            await self.call("Capture", spb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=3_000))
        ).settlement
        expect(
            done.status == spb.SETTLEMENT_STATUS_COMPLETED
            and done.split.acct_pay_fen + done.split.acct_mulaid_pay_fen == 3_000,
            "capture did not pay 3000",
        )
        other = (
            await self.call(
                "Authorize",
                spb.AuthorizeRequest(
                    pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=2_000, **self.card
                ),
            )
        ).settlement
        voided = (await self.call("Void", spb.VoidRequest(settlement_id=other.settlement_id))).settlement
        expect(voided.status == spb.SETTLEMENT_STATUS_VOIDED, "not voided")

    async def reverse_before_and_after(self) -> None:
        paid = (
            await self.call(
                "Settle",
                spb.SettleRequest(pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=1_500, **self.card),
            )
        ).settlement
        out = (await self.call("Reverse", spb.ReverseRequest(pos_txn_id=paid.pos_txn_id))).settlement
        expect(out.status == spb.SETTLEMENT_STATUS_REVERSED and out.refunded_fen == 1_500, "not reversed")
        early = f"conf-{rid()}"
        await self.call("Reverse", spb.ReverseRequest(pos_txn_id=early))
        await self.fails(
            "Settle",
            spb.SettleRequest(pos_txn_id=early, payer_psn_no=self.payer, amount_fen=100, **self.card),
            "SETTLEMENT_REVERSED",
        )

    async def reconcile_own_rows(self) -> None:
        end = Timestamp()
        end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        paid = (
            await self.call(
                "Settle",
                spb.SettleRequest(pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=500, **self.card),
            )
        ).settlement
        item = spb.ReconcileItem(
            pos_txn_id=paid.pos_txn_id,
            acct_pay_fen=paid.split.acct_pay_fen,
            acct_mulaid_pay_fen=paid.split.acct_mulaid_pay_fen,
            psn_cash_pay_fen=paid.split.psn_cash_pay_fen,
        )
        out = await self.call(
            "Reconcile", spb.ReconcileRequest(period_start=self.started, period_end=end, items=[item])
        )
        expect(
            all(r.pos_txn_id != paid.pos_txn_id for r in out.rows) and out.matched_rows >= 1,
            "our own payment did not match",
        )
        got = (await self.call("GetSettlement", spb.GetSettlementRequest(pos_txn_id=paid.pos_txn_id))).settlement
        expect(got.settlement_id == paid.settlement_id, "GetSettlement by pos_txn_id")

    # ------------------------------------------------------------ the national platform's interfaces

    def _split(self, s: Any) -> tuple[int, int, int]:
        return s.acct_pay_fen, s.acct_mulaid_pay_fen, s.psn_cash_pay_fen

    async def _settle(self, amount_fen: int, **fields: Any) -> Any:
        request = spb.SettleRequest(pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=amount_fen)
        for name, value in {**self.card, **fields}.items():
            if isinstance(value, dict):
                getattr(request, name).CopyFrom(spb.Visit(**value))
            else:
                setattr(request, name, value)
        return (await self.call("Settle", request)).settlement

    async def links_stored_and_listed(self) -> None:
        mdtrt_id = f"conf-md-{rid()[:12]}"
        visit = {
            "mdtrt_id": mdtrt_id,
            "setl_id": "conf-setl-1",
            "insutype": "310",
            "med_type": "14",
            "medfee_sumamt_fen": 5_000,
            "fund_pay_sumamt_fen": 3_000,
        }
        s = await self._settle(2_000, visit=visit)
        got = (await self.call("GetSettlement", spb.GetSettlementRequest(pos_txn_id=s.pos_txn_id))).settlement
        v = got.visit
        expect(
            (v.mdtrt_id, v.setl_id, v.insutype, v.med_type, v.medfee_sumamt_fen, v.fund_pay_sumamt_fen)
            == (mdtrt_id, "conf-setl-1", "310", "14", 5_000, 3_000),
            f"visit {v}",
        )
        listed = await self.call("ListSettlements", spb.ListSettlementsRequest(mdtrt_id=mdtrt_id))
        expect([x.settlement_id for x in listed.settlements] == [s.settlement_id], "ListSettlements by mdtrt_id")
        await self.fails(
            "Settle",
            spb.SettleRequest(
                pos_txn_id=f"conf-{rid()}",
                payer_psn_no=self.payer,
                amount_fen=2_001,
                **{**self.card, "visit": {**visit, "medfee_sumamt_fen": 5_000}},
            ),
            "INVALID_ARGUMENT",
        )
        await self._whole_refund(s.settlement_id)

    async def account_use_and_shortfalls(self) -> None:
        q = await self.call(
            "PreSettle",
            spb.PreSettleRequest(
                payer_psn_no=self.payer, amount_fen=80_000, acct_used_flag=spb.ACCT_USED_FLAG_OWN_ONLY, **self.card
            ),
        )
        reasons = {x.source: (x.reason, bool(x.message and x.message_zh)) for x in q.split.shortfalls}
        own, pool, cash_part = self._split(q.split)
        expect(pool == 0 and own + cash_part == 80_000 and cash_part > 0, f"own only: {q.split}")
        expect(reasons.get(spb.PAY_SOURCE_FAMILY_POOL) == ("ACCOUNT_USE_NOT_REQUESTED", True), f"shortfalls {reasons}")
        cash = await self._settle(1_000, acct_used_flag=spb.ACCT_USED_FLAG_NONE)
        expect(self._split(cash.split) == (0, 0, 1_000), f"none: {cash.split}")
        expect(len(cash.split.shortfalls) == 2, "both accounts declined")

    async def _whole_refund(self, settlement_id: str) -> Any:
        return await self.call(
            "Refund",
            spb.RefundRequest(refund_pos_txn_id=f"conf-{rid()}", settlement_id=settlement_id, whole_bill=True),
        )

    async def whole_bill_refund_with_cash(self) -> None:
        s = await self._settle(75_000)  # what is left of the own account, the pool's 60000, the rest cash
        expect(s.split.acct_mulaid_pay_fen == 60_000 and s.split.psn_cash_pay_fen > 0, f"split {s.split}")
        out = (await self._whole_refund(s.settlement_id)).refund
        expect(
            (out.acct_refund_fen, out.acct_mulaid_refund_fen, out.psn_cash_refund_fen) == self._split(s.split),
            f"whole bill {out}",
        )

    async def reverse_capture_and_refund_by_their_ids(self) -> None:
        auth = (
            await self.call(
                "Authorize",
                spb.AuthorizeRequest(
                    pos_txn_id=f"conf-{rid()}", payer_psn_no=self.payer, amount_fen=4_000, **self.card
                ),
            )
        ).settlement
        capture_id = f"conf-{rid()}"
        await self.call(
            "Capture",
            spb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=3_000, capture_pos_txn_id=capture_id),
        )
        out = (await self.call("Reverse", spb.ReverseRequest(pos_txn_id=capture_id))).settlement
        expect(out.status == spb.SETTLEMENT_STATUS_REVERSED and out.refunded_fen == 3_000, "capture not reversed")
        paid = await self._settle(2_000)
        refund_id = f"conf-{rid()}"
        await self.call(
            "Refund", spb.RefundRequest(refund_pos_txn_id=refund_id, settlement_id=paid.settlement_id, amount_fen=500)
        )
        out = (await self.call("Reverse", spb.ReverseRequest(pos_txn_id=refund_id))).settlement
        expect(out.refunded_fen == 0 and out.refunds[0].reversed, "refund not reversed")
        late = f"conf-{rid()}"
        await self.call("Reverse", spb.ReverseRequest(pos_txn_id=late))
        await self.fails(
            "Refund",
            spb.RefundRequest(refund_pos_txn_id=late, settlement_id=paid.settlement_id, amount_fen=1),
            "SETTLEMENT_REVERSED",
        )
        await self._whole_refund(paid.settlement_id)

    async def inpatient_hold_and_capture(self) -> None:
        visit = {"mdtrt_id": f"conf-md-{rid()[:12]}", "insutype": "310", "med_type": "21", "medfee_sumamt_fen": 9_000}
        auth = (
            await self.call(
                "Authorize",
                spb.AuthorizeRequest(
                    pos_txn_id=f"conf-{rid()}",
                    payer_psn_no=self.payer,
                    amount_fen=6_000,
                    **{**self.card, "visit": visit},
                ),
            )
        ).settlement
        held_s = auth.expires_at.seconds - time.time()
        expect(held_s > 86_400, f"an inpatient deposit is held only {held_s:.0f} s")
        await self.fails(
            "Capture", spb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=0), "INVALID_ARGUMENT"
        )
        done = (
            await self.call("Capture", spb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=5_000))
        ).settlement
        expect(done.split.psn_cash_pay_fen == 5_000 - done.split.acct_pay_fen - done.split.acct_mulaid_pay_fen, "cash")
        await self._whole_refund(done.settlement_id)

    async def reconcile_by_type_and_detail_file(self) -> None:
        end = Timestamp()
        end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        period: dict[str, Any] = {"period_start": self.started, "period_end": end}
        out = await self.call("Reconcile", spb.ReconcileRequest(**period))
        expect(sum(t.totals.count for t in out.by_type) == out.ours.count, "totals by type add up")
        expect(out.ours.refund_count > 0 and out.ours.psn_cash_refund_fen > 0, "refunds by source, cash included")
        rows = [m async for m in self.pos.DetailFile(spb.DetailFileRequest(**period), metadata=self.metadata)]
        lines = [m.row.line for m in rows[:-1]]
        summary = rows[-1].summary
        expect(summary.row_count == len(lines) > 0, "detail file row count")
        digest = hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()
        expect(summary.sha256 == digest, "detail file checksum")
        kinds = {m.row.item.kind for m in rows[:-1]}
        expect(spb.RECONCILE_ITEM_KIND_REFUND in kinds, "refund rows in the detail file")

    async def clearing_period(self) -> None:
        future = Timestamp()
        future.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        await self.fails("ClosePeriod", spb.ClosePeriodRequest(period_end=future), "INVALID_ARGUMENT")
        if not self.close_period:
            return
        end = Timestamp()
        end.FromDatetime(dt.datetime.now(dt.UTC))
        p = (await self.call("ClosePeriod", spb.ClosePeriodRequest(period_end=end))).period
        expect(
            p.owed_fen == p.acct_pay_fen + p.acct_mulaid_pay_fen - p.acct_refund_fen - p.acct_mulaid_refund_fen, "owed"
        )
        expect(p.paid_out, "the payout was not booked")
        again = (await self.call("ClosePeriod", spb.ClosePeriodRequest(period_end=end))).period
        expect(again.period_id == p.period_id, "closing again made another period")


SCENARIOS: list[tuple[str, Callable[[Kit], Awaitable[None]]]] = [
    ("health: settlement is SERVING", Kit.health_serving),
    ("auth: a call without credentials is refused", Kit.unauthenticated_refused),
    ("PreSettle: own account, then pool, then cash", Kit.presettle_quotes_without_paying),
    ("Settle + Refund: split and pool-first refund", Kit.settle_own_pool_cash),
    ("idempotency: replay, reused id, over-refund", Kit.replay_and_reused_id),
    ("credential: required, well-formed, the payer's own", Kit.credential_required_and_the_payers_own),
    ("Authorize / Capture less / Void", Kit.authorize_capture_void),
    ("Reverse after, and before, the original", Kit.reverse_before_and_after),
    ("Reconcile rows and GetSettlement", Kit.reconcile_own_rows),
    ("2206/2207: visit links stored, listed by mdtrt_id", Kit.links_stored_and_listed),
    ("acct_used_flag: own only / none, shortfalls", Kit.account_use_and_shortfalls),
    ("2208: whole-bill refund with cash", Kit.whole_bill_refund_with_cash),
    ("2601: reverse a capture, a refund; late refused", Kit.reverse_capture_and_refund_by_their_ids),
    ("inpatient deposit held > 1 day; capture", Kit.inpatient_hold_and_capture),
    ("3201/3202: totals by type, detail file", Kit.reconcile_by_type_and_detail_file),
    ("3203: ClosePeriod (closes only with --close-period)", Kit.clearing_period),
]


async def run(target: str, accounts_addr: str, deployment: Deployment, close_period: bool = False) -> int:
    s_channel, metadata = deployment.pos(target)
    accounts = deployment.accounts(accounts_addr)
    async with s_channel, channel(target, deployment.pki) as anonymous:
        kit = Kit(
            settlement_pb2_grpc.SettlementServiceStub(s_channel),  # type: ignore[no-untyped-call]
            settlement_pb2_grpc.SettlementServiceStub(anonymous),  # type: ignore[no-untyped-call]
            accounts,
            health_pb2_grpc.HealthStub(s_channel),
            metadata,
            close_period=close_period,
        )
        try:
            await kit.setup()
        except grpc.aio.AioRpcError as err:
            print(
                f"cannot set up the test family through accounts at {accounts_addr}: {err.code().name} {err.details()}",
                file=sys.stderr,
            )
            return 2
        passed = failed = 0
        print(f"{'scenario':<52} {'result':<6} ms   detail")
        try:
            for name, scenario in SCENARIOS:
                started = time.perf_counter()
                try:
                    await scenario(kit)
                    result, detail = "PASS", ""
                    passed += 1
                except (AssertionError, grpc.aio.AioRpcError) as err:
                    result, detail = "FAIL", str(err).splitlines()[0][:80]
                    failed += 1
                print(f"{name:<52} {result:<6} {(time.perf_counter() - started) * 1000:4.0f} {detail}", flush=True)
        finally:
            await kit.teardown()
            await accounts.close()
        print(f"conformance: {passed} passed, {failed} failed")
        return 0 if failed == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="127.0.0.1:50052", help="settlement service")
    parser.add_argument("--accounts", default="127.0.0.1:50051", help="accounts service (to create test persons)")
    parser.add_argument(
        "--close-period",
        action="store_true",
        help="also close the institution's clearing period now (3203): freezes its totals and pays them out",
    )
    Deployment.add_options(parser)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.target, args.accounts, Deployment.from_args(args), args.close_period)))


if __name__ == "__main__":
    main()
