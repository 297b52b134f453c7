"""What the high-availability tests share: a POS that retries what it is told to retry, settling a batch of payments
while something is taken away, and the checks that nothing it was told succeeded is missing or there twice."""

from __future__ import annotations

import asyncio
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common import balancing
from services.settlement.config import Settings as SettlementSettings
from services.settlement.config import parse_tokens
from tests import processes
from tests.settlement.conftest import TOKEN_A, TOKENS
from tools import kit
from tools.kit import Accounts, Family, Insured, rid
from tools.kit import accounts_v1 as apb

# What a POS retries with the same pos_txn_id (README "Errors"): the answer never came, or the service said so.
SETTLEMENT = "gongji.settlement.v1.SettlementService"

RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.CANCELLED,
}


def pos_channel(addresses: list[str]) -> grpc.aio.Channel:
    """A POS balancing over settlement's instances round robin, skipping those not SERVING."""
    options = balancing.channel_options(SETTLEMENT, "settlement")
    target = balancing.target(",".join(addresses))
    return grpc.aio.secure_channel(target, kit.client_credentials(processes.pki() / "ca.pem"), options=options)


@dataclass
class Ledgerbook:
    """What the POS was told: the acknowledged payments by pos_txn_id, and every answer that was not a success."""

    acknowledged: dict[str, tuple[Insured, int]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    retries: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # "CODE REASON" of every failure it retried


async def settle(
    channel: grpc.aio.Channel, payer: Insured, amount_fen: int, book: Ledgerbook, attempts: int = 60
) -> None:
    """One payment as a careful POS makes it: the same pos_txn_id again after every retryable failure."""
    stub = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=amount_fen, **payer.charge())
    for _ in range(attempts):
        try:
            reply = await stub.Settle(request, metadata=[("authorization", f"Bearer {TOKEN_A}")], timeout=10)
        except grpc.aio.AioRpcError as err:
            if err.code() in RETRYABLE:
                book.retries += 1
                book.errors[f"{err.code().name} {kit.reason_of(err)}"] += 1
                await asyncio.sleep(0.2)
                continue
            book.refused[request.pos_txn_id] = f"{err.code().name} {kit.reason_of(err)} {err.details()}"
            return
        if reply.settlement.status == pb.SETTLEMENT_STATUS_COMPLETED:
            book.acknowledged[request.pos_txn_id] = (payer, amount_fen)
        else:
            status = pb.SettlementStatus.Name(reply.settlement.status)
            book.refused[request.pos_txn_id] = f"{status} {reply.settlement.decline_reason}"
        return
    book.refused[request.pos_txn_id] = "NO_ANSWER"


async def settle_many(
    channel: grpc.aio.Channel,
    payers: list[Insured],
    count: int,
    book: Ledgerbook,
    when: Callable[[Ledgerbook], bool],
    then: Callable[[], Awaitable[None]],
    in_flight: int = 6,
) -> None:
    """`count` payments, `in_flight` at a time, spread over `payers`; `then()` runs once, as soon as `when(book)`
    (say, after so many acknowledgements), while the rest keep coming."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    fired = asyncio.Event()

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await settle(channel, payers[n % len(payers)], 1_000 + n, book)
            if not fired.is_set() and when(book):
                fired.set()
                await then()

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    assert fired.is_set(), "the load ended before the fault was injected"


async def check_exactly_once(
    accounts: Accounts, book: Ledgerbook, credit_fen: int, payers: list[Insured], pos: grpc.aio.Channel
) -> None:
    """Every acknowledged payment is there once: settlement has it COMPLETED for its amount, the payer's own account
    paid exactly the acknowledged sum in exactly as many payments, and the ledger verifies."""
    stub = settlement_pb2_grpc.SettlementServiceStub(pos)  # type: ignore[no-untyped-call]
    metadata = [("authorization", f"Bearer {TOKEN_A}")]
    for pos_txn_id, (_, amount_fen) in book.acknowledged.items():
        got = (
            await stub.GetSettlement(pb.GetSettlementRequest(pos_txn_id=pos_txn_id), metadata=metadata, timeout=10)
        ).settlement
        assert (got.status, got.amount_fen, got.split.acct_pay_fen) == (
            pb.SETTLEMENT_STATUS_COMPLETED,
            amount_fen,
            amount_fen,
        )
    family = Family(accounts)
    for payer in payers:
        paid = [amount for who, amount in book.acknowledged.values() if who.psn_no == payer.psn_no]
        assert await family.own_balance(payer) == credit_fen - sum(paid), payer.psn_no
        records = await accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=payer.psn_no, page_size=200))
        payments = [r for r in records.records if r.kind == apb.TRANSACTION_KIND_PAYMENT]
        assert len(payments) == len(paid), payer.psn_no
    report = await accounts.VerifyLedger(apb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)


def served(metrics_port: int, service: str, method: str) -> float:
    """How many calls of `method` an instance answered OK, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    labels = (f'service="{service}"', f'method="{method}"', 'code="OK"')
    found = next(
        (
            line
            for line in text.splitlines()
            if line.startswith("gongji_rpc_requests_total{") and all(label in line for label in labels)
        ),
        None,
    )
    return float(found.rsplit(" ", 1)[1]) if found else 0.0


def settlement_settings(url: str, accounts_addr: str, **overrides: Any) -> SettlementSettings:
    """Settlement in-process as it runs for real (TLS, mutual TLS to accounts, institutions by token)."""
    pki = processes.pki()
    values: dict[str, Any] = {
        "database_url": url,
        "accounts_addr": accounts_addr,
        "port": 0,
        "host": "127.0.0.1",
        "tokens": parse_tokens(TOKENS),
        "tls_cert": pki / "settlement-server.pem",
        "tls_key": pki / "settlement-server.key",
        "accounts_ca": pki / "ca.pem",
        "client_cert": pki / "settlement.pem",
        "client_key": pki / "settlement.key",
        "accounts_timeout_s": 0.5,
        "accounts_attempts": 1,
        "accounts_max_wait_s": 0.5,  # and a POS's call as long: what these tests count on is quick answers
        "recovery_interval_s": 3600,  # the workers' own rounds: once at start, when there is nothing old enough
        "recovery_grace_s": 3600,
    }
    return SettlementSettings(**{**values, **overrides})
