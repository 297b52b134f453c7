"""Settlement's concurrent calls to accounts travel together: Reserves, Debits and Releases asked at the same moment
go as one PaymentService.Batch (services/settlement/clients/accounts.py), and each POS still gets its own answer —
a payer accounts refuses is declined alone, everyone else pays once."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator

import pytest

from gongji.settlement.v1 import settlement_pb2 as pb
from tests import processes
from tests.settlement.conftest import TOKEN_A, Stack, settlement_env
from tools.devdb import free_port
from tools.kit import Accounts, Family, reason_of, rid
from tools.kit import accounts_v1 as apb


def _metric(port: int, name: str, **labels: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        for line in reply.read().decode().splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture(scope="module")
async def watched(database_url: str) -> AsyncIterator[tuple[Stack, int, int]]:
    """Both services with their /metrics on: the stack, settlement's metrics port, accounts'."""
    a_metrics, s_metrics = free_port(), free_port()
    accounts_process = await processes.start(
        "accounts", DATABASE_URL=database_url, GONGJI_ACCOUNTS_METRICS_PORT=str(a_metrics)
    )
    settlement_process = await processes.start(
        "settlement",
        **settlement_env(database_url, accounts_process, GONGJI_SETTLEMENT_METRICS_PORT=str(s_metrics)),
    )
    accounts = Accounts.connect(accounts_process.address, processes.pki())
    try:
        yield Stack(accounts_process, settlement_process, accounts, database_url), s_metrics, a_metrics
    finally:
        await accounts.close()
        settlement_process.stop()
        accounts_process.stop()


async def test_concurrent_payments_share_batch_calls_and_each_pos_gets_its_own_answer(watched) -> None:  # type: ignore[no-untyped-def]
    stack, s_metrics, a_metrics = watched
    f = Family(stack.accounts)
    payers = [await f.person(credit_fen=10_000) for _ in range(40)]
    pos = stack.pos(TOKEN_A)
    batches_before = _metric(s_metrics, "gongji_batches_total", service="settlement", batch="accounts")
    calls_before = _metric(s_metrics, "gongji_batched_requests_total", service="settlement", batch="accounts")

    async def settle(n: int) -> str:
        payer = payers[n]
        card = payers[n - 1].charge() if n % 10 == 9 else payer.charge()  # every tenth shows another's ID card
        request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=1_000 + n, **card)
        try:
            s = (await pos("Settle", request)).settlement  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001 - the POS's answer
            return reason_of(err)  # type: ignore[arg-type]
        return str(s.split.acct_pay_fen)

    answers = await asyncio.gather(*(settle(n) for n in range(40)))
    assert answers == ["CREDENTIAL_MISMATCH" if n % 10 == 9 else str(1_000 + n) for n in range(40)]
    for n, payer in enumerate(payers):
        assert await f.own_balance(payer) == (10_000 if n % 10 == 9 else 10_000 - 1_000 - n)

    # Authorize, then Capture part of each: holds, then debits, side by side.
    held = await asyncio.gather(
        *(
            pos("Authorize", pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=p.psn_no, amount_fen=500, **p.charge()))
            for p in payers[:20]
        )
    )
    await asyncio.gather(
        *(
            pos(
                "Capture",
                pb.CaptureRequest(settlement_id=h.settlement.settlement_id, amount_fen=300),  # type: ignore[attr-defined]
            )
            for h in held
        )
    )
    for n, payer in enumerate(payers[:20]):
        assert await f.own_balance(payer) == (10_000 if n % 10 == 9 else 10_000 - 1_000 - n) - 300
        assert (await f.balances(payer)).personal.held_fen == 0
    await pos.channel.close()

    batches = _metric(s_metrics, "gongji_batches_total", service="settlement", batch="accounts") - batches_before
    calls = _metric(s_metrics, "gongji_batched_requests_total", service="settlement", batch="accounts") - calls_before
    assert calls == 40 + 20 + 20  # every Reserve and Debit went through the client's batches
    assert batches < calls / 2  # ... most of them together
    assert _metric(a_metrics, "gongji_rpc_requests_total", method="Batch", code="OK") >= 1
    report = await stack.accounts.VerifyLedger(apb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)
