"""The accounts client's deadline and retries, without a server: every attempt fits in what the POS still waits and
in the client's own attempts; only UNAVAILABLE, DEADLINE_EXCEEDED and ABORTED are retried; a definite no carries the
ErrorInfo reason accounts gave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

from services.common.errors import DomainError, Reason
from services.common.rpc import domain_status
from services.settlement.clients.accounts import AccountsClient
from services.settlement.domain.accounts import AccountsDeclined, AccountsUnreachable


def _error(code: grpc.StatusCode, reason: Reason | None = None) -> grpc.aio.AioRpcError:
    if reason is None:
        return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="no")
    status = domain_status(DomainError(reason))
    return grpc.aio.AioRpcError(
        status.code, grpc.aio.Metadata(), grpc.aio.Metadata(*status.trailing_metadata), details=status.details
    )


class Script:
    """What each attempt does, and the per-attempt deadlines the client gave (and when each would end)."""

    def __init__(self, *outcomes: grpc.aio.AioRpcError | str) -> None:
        self.outcomes = list(outcomes)
        self.timeouts: list[float] = []
        self.ends: list[float] = []

    async def __call__(self, timeout: float) -> str:
        self.timeouts.append(timeout)
        self.ends.append(asyncio.get_running_loop().time() + timeout)
        outcome = self.outcomes.pop(0) if self.outcomes else _error(grpc.StatusCode.UNAVAILABLE)
        if isinstance(outcome, grpc.aio.AioRpcError):
            raise outcome
        return outcome


@pytest.fixture
async def client() -> AsyncIterator[AccountsClient]:
    channel = grpc.aio.insecure_channel("127.0.0.1:9")  # never used: the calls are scripted
    yield AccountsClient(channel, timeout_s=0.2, attempts=3)
    await channel.close()


async def test_what_did_not_happen_or_may_have_is_retried(client: AccountsClient) -> None:
    script = Script(_error(grpc.StatusCode.UNAVAILABLE), _error(grpc.StatusCode.DEADLINE_EXCEEDED), "answer")
    assert await client._call("Reserve", script, None) == "answer"
    assert script.timeouts[0] == 0.2 and len(script.timeouts) == 3


async def test_no_answer_after_the_attempts_is_unavailable(client: AccountsClient) -> None:
    script = Script(_error(grpc.StatusCode.ABORTED))
    with pytest.raises(AccountsUnreachable) as err:
        await client._call("Debit", script, None)
    assert err.value.reason is Reason.ACCOUNTS_UNAVAILABLE and err.value.metadata == {"step": "Debit"}
    assert len(script.timeouts) == 3


async def test_a_definite_no_is_not_retried_and_carries_the_reason(client: AccountsClient) -> None:
    script = Script(_error(grpc.StatusCode.FAILED_PRECONDITION, Reason.RESERVATION_EXPIRED))
    with pytest.raises(AccountsDeclined) as err:
        await client._call("Debit", script, None)
    assert err.value.reason == "RESERVATION_EXPIRED" and Reason.RESERVATION_EXPIRED.message in err.value.message
    bare = Script(_error(grpc.StatusCode.INVALID_ARGUMENT))
    with pytest.raises(AccountsDeclined) as err:
        await client._call("Debit", bare, None)
    assert err.value.reason == "INVALID_ARGUMENT" and len(bare.timeouts) == 1


async def test_every_attempt_fits_in_what_the_pos_still_waits(client: AccountsClient) -> None:
    script = Script()
    start = asyncio.get_running_loop().time()
    with pytest.raises(AccountsUnreachable):
        await client._call("Reserve", script, 0.12)
    assert 0.1 < script.timeouts[0] <= 0.12 and max(script.ends) <= start + 0.12 + 1e-3
    assert asyncio.get_running_loop().time() - start < 0.2  # and gives up when that time is spent


async def test_a_long_pos_deadline_never_stretches_the_clients_own_attempts(client: AccountsClient) -> None:
    script = Script()
    with pytest.raises(AccountsUnreachable):
        await client._call("Reserve", script, 600)
    assert len(script.timeouts) == 3 and max(script.timeouts) <= 0.2
