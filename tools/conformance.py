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
]


async def run(target: str, accounts_addr: str, deployment: Deployment) -> int:
    s_channel, metadata = deployment.pos(target)
    accounts = deployment.accounts(accounts_addr)
    async with s_channel, channel(target, deployment.pki) as anonymous:
        kit = Kit(
            settlement_pb2_grpc.SettlementServiceStub(s_channel),  # type: ignore[no-untyped-call]
            settlement_pb2_grpc.SettlementServiceStub(anonymous),  # type: ignore[no-untyped-call]
            accounts,
            health_pb2_grpc.HealthStub(s_channel),
            metadata,
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
        print(f"{'scenario':<50} {'result':<6} ms   detail")
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
                print(f"{name:<50} {result:<6} {(time.perf_counter() - started) * 1000:4.0f} {detail}", flush=True)
        finally:
            await kit.teardown()
            await accounts.close()
        print(f"conformance: {passed} passed, {failed} failed")
        return 0 if failed == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="127.0.0.1:50052", help="settlement service")
    parser.add_argument("--accounts", default="127.0.0.1:50051", help="accounts service (to create test persons)")
    Deployment.add_options(parser)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.target, args.accounts, Deployment.from_args(args))))


if __name__ == "__main__":
    main()
