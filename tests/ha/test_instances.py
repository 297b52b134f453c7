"""Several instances of each service on one database, behind client-side round robin: settle through both, stop one
of each mid-load, and every payment the POS was told succeeded is there exactly once."""

from __future__ import annotations

import asyncio

from tests import processes
from tests.ha import load
from tests.settlement.conftest import settlement_env
from tools.devdb import free_port
from tools.kit import Accounts, Family

CREDIT_FEN = 1_000_000
PAYMENTS = 48


async def test_stopping_an_instance_of_each_service_mid_load_loses_nothing(database_url: str) -> None:
    metrics = {name: free_port() for name in ("a1", "a2", "s1", "s2")}
    accounts = [
        await processes.start("accounts", DATABASE_URL=database_url, GONGJI_ACCOUNTS_METRICS_PORT=str(metrics[n]))
        for n in ("a1", "a2")
    ]
    accounts_addr = ",".join(a.address for a in accounts)
    settlements = [
        await processes.start(
            "settlement",
            **settlement_env(
                database_url,
                accounts[0],
                GONGJI_ACCOUNTS_ADDR=accounts_addr,
                GONGJI_RECOVERY_GRACE_S="30",
                GONGJI_SETTLEMENT_METRICS_PORT=str(metrics[n]),
            ),
        )
        for n in ("s1", "s2")
    ]
    admin = Accounts.connect(accounts[1].address, processes.pki())
    pos = load.pos_channel([s.address for s in settlements])
    try:
        family = Family(admin)
        payers = [await family.person(credit_fen=CREDIT_FEN) for _ in range(6)]
        book = load.Ledgerbook()
        before_stop: dict[str, float] = {}

        async def stop_one_of_each() -> None:
            for name, port in metrics.items():
                service = "gongji.accounts.v1.PaymentService" if name[0] == "a" else load.SETTLEMENT
                before_stop[name] = load.served(port, service, "Reserve" if name[0] == "a" else "Settle")
            # accounts: SIGTERM (health NOT_SERVING, drain); settlement: kill -9 (whatever it had in flight, the POS
            # retries on the other instance with the same pos_txn_id)
            await asyncio.gather(asyncio.to_thread(accounts[0].stop), asyncio.to_thread(settlements[0].kill))

        await load.settle_many(pos, payers, PAYMENTS, book, lambda b: len(b.acknowledged) >= 16, stop_one_of_each)

        assert all(count > 0 for count in before_stop.values()), before_stop  # both of each took calls
        assert book.refused == {}, book.refused
        assert len(book.acknowledged) == PAYMENTS
        await load.check_exactly_once(admin, book, CREDIT_FEN, payers, pos)
    finally:
        await pos.close()
        await admin.close()
        for p in [*settlements, *accounts]:
            p.stop()
