"""When the database is down, callers get UNAVAILABLE (retry the same call), never a stack trace."""

from __future__ import annotations

import grpc
import pytest

from services.accounts import app
from tests import processes
from tools.devdb import free_port
from tools.kit import Accounts, reason_of, rid
from tools.kit import accounts_v1 as pb


async def test_database_down_is_unavailable_with_a_reason() -> None:
    running = await app.start(
        processes.accounts_settings(f"postgresql://nobody@127.0.0.1:{free_port()}/none", sweep_interval_s=60)
    )
    stub = Accounts.connect(f"127.0.0.1:{running.server.port}", processes.pki())
    try:
        for call in (
            stub.GetPerson(pb.GetPersonRequest(psn_no="P1")),
            stub.CreditPersonalAccount(pb.CreditPersonalAccountRequest(request_id=rid(), psn_no="P1", amount_fen=1)),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            assert reason_of(err.value) == "DATABASE_UNAVAILABLE"
            assert "Traceback" not in (err.value.details() or "")
    finally:
        await stub.close()
        await running.stop(0.5)
