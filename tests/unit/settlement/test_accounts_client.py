"""What settlement makes of accounts' statuses: a definite no is a decline; anything else leaves the outcome unknown,
so the same request id is tried again and, out of attempts, the settlement stays pending — never declined, since a
payment accounts may have made must not be told "declined" (e.g. an accounts instance shutting down cancels a call
it may have committed)."""

from __future__ import annotations

import grpc
import pytest

from services.settlement.clients.accounts import AccountsClient
from services.settlement.domain.accounts import AccountsDeclined, AccountsUnreachable


def _failing(code: grpc.StatusCode, calls: list[float]):  # type: ignore[no-untyped-def]
    async def call(timeout_s: float) -> None:
        calls.append(timeout_s)
        raise grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "as accounts said it")

    return call


@pytest.fixture
async def client():  # type: ignore[no-untyped-def]
    channel = grpc.aio.insecure_channel("127.0.0.1:9")  # never dialled: the calls below are stand-ins
    yield AccountsClient(channel, timeout_s=1.0, attempts=3)
    await channel.close()


@pytest.mark.parametrize(
    "code",
    [
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.PERMISSION_DENIED,
    ],
)
async def test_an_outcome_accounts_did_not_state_is_tried_again_then_left_pending(client, code) -> None:  # type: ignore[no-untyped-def]
    calls: list[float] = []
    with pytest.raises(AccountsUnreachable):
        await client._call("Reserve", _failing(code, calls), budget_s=None)
    assert len(calls) == 3


@pytest.mark.parametrize("code", [grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND])
async def test_a_definite_no_is_a_decline_at_once(client, code) -> None:  # type: ignore[no-untyped-def]
    calls: list[float] = []
    with pytest.raises(AccountsDeclined) as err:
        await client._call("Reserve", _failing(code, calls), budget_s=None)
    assert (len(calls), err.value.reason) == (1, code.name)
