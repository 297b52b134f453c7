"""What settlement makes of accounts' statuses: a definite no is a decline; anything else leaves the outcome unknown,
so the same request id is tried again and, out of attempts, the settlement stays pending — never declined, since a
payment accounts may have made must not be told "declined" (e.g. an accounts instance shutting down cancels a call
it may have committed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import grpc
import pytest

from gongji.accounts.v1 import payment_service_pb2 as apb
from gongji.accounts.v1 import reservation_pb2 as rpb
from services.settlement.clients.accounts import AccountsClient
from services.settlement.domain.accounts import AccountsDeclined, AccountsUnreachable


def _failing(code: grpc.StatusCode, calls: list[float]):  # type: ignore[no-untyped-def]
    async def call(request: object, *, timeout: float, metadata: object) -> None:
        calls.append(timeout)
        raise grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "as accounts said it")

    return call


async def _reserve(client: AccountsClient, stand_in: Any, budget_s: float | None) -> Any:
    """The client's Reserve, with `stand_in` answering in place of accounts."""
    client.stub = SimpleNamespace(Reserve=stand_in)
    return await client._call("Reserve", object(), budget_s)


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
        await _reserve(client, _failing(code, calls), budget_s=0.3)
    assert len(calls) >= 2 and all(t <= 1.0 for t in calls)  # again and again within the budget, never past it


async def test_the_pos_deadline_not_a_count_of_attempts_says_how_long(client) -> None:  # type: ignore[no-untyped-def]
    """Accounts unreachable for longer than three attempts take: the call goes on trying within the POS's budget
    and succeeds when accounts answers."""
    calls: list[float] = []

    async def answers_at_the_fifth(request: object, *, timeout: float, metadata: object) -> str:
        calls.append(timeout)
        if len(calls) < 5:
            raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "down")
        return "done"

    assert await _reserve(client, answers_at_the_fifth, budget_s=30.0) == "done"
    assert len(calls) == 5


async def test_an_overloaded_accounts_is_asked_again_after_the_delay_it_gives(client) -> None:  # type: ignore[no-untyped-def]
    from services.common.errors import DomainError, Reason
    from services.common.rpc import domain_status

    status = domain_status(DomainError(Reason.OVERLOADED, retry_after_s=0.01))
    overloaded = grpc.aio.AioRpcError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*status.trailing_metadata),
        status.details,
    )
    calls: list[float] = []

    async def busy_once(request: object, *, timeout: float, metadata: object) -> str:
        calls.append(timeout)
        if len(calls) == 1:
            raise overloaded
        return "done"

    assert await _reserve(client, busy_once, budget_s=5.0) == "done"


@pytest.mark.parametrize("code", [grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND])
async def test_a_definite_no_is_a_decline_at_once(client, code) -> None:  # type: ignore[no-untyped-def]
    calls: list[float] = []
    with pytest.raises(AccountsDeclined) as err:
        await _reserve(client, _failing(code, calls), budget_s=None)
    assert (len(calls), err.value.reason) == (1, code.name)


# ---------------------------------------------------------------- calls asked together: one Batch


def _queued(client: AccountsClient, n: int, budget_s: float = 5.0) -> Any:
    from services.settlement.clients.accounts import _Queued

    request = apb.DebitRequest(request_id=f"r{n}", reservation_id=str(n), amount_fen=n)
    return _Queued("Debit", request, client._deadline(budget_s), "INSTITUTION:H1")


def _debited(n: int) -> apb.DebitResponse:
    return apb.DebitResponse(reservation=rpb.Reservation(reservation_id=str(n), debited_fen=n))


async def test_calls_asked_together_go_as_one_batch_and_what_it_leaves_goes_alone(client) -> None:  # type: ignore[no-untyped-def]
    batches: list[apb.BatchRequest] = []
    alone: list[str] = []

    async def batch(request: apb.BatchRequest, *, timeout: float) -> apb.BatchResponse:
        batches.append(request)
        return apb.BatchResponse(  # the second not answered here
            results=[apb.BatchResult(debit=_debited(1)), apb.BatchResult(), apb.BatchResult(debit=_debited(3))]
        )

    async def debit(request: apb.DebitRequest, *, timeout: float, metadata: object) -> apb.DebitResponse:
        alone.append(request.request_id)
        return _debited(int(request.reservation_id) * 10)

    client.stub = SimpleNamespace(Batch=batch, Debit=debit)
    answers = await client.batcher.together([_queued(client, n) for n in (1, 2, 3)])
    assert [a.reservation.debited_fen for a in answers] == [1, 20, 3]
    assert len(batches) == 1 and [i.debit.request_id for i in batches[0].items] == ["r1", "r2", "r3"]
    assert {i.on_behalf_of for i in batches[0].items} == {"INSTITUTION:H1"}
    assert alone == ["r2"]  # the same request id: a replay where the batch had done it


async def test_a_failed_batch_call_sends_each_alone_and_a_call_out_of_time_is_not_batched(client) -> None:  # type: ignore[no-untyped-def]
    sent: list[int] = []
    alone: list[str] = []

    async def batch(request: apb.BatchRequest, *, timeout: float) -> apb.BatchResponse:
        sent.append(len(request.items))
        raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "down")

    async def debit(request: apb.DebitRequest, *, timeout: float, metadata: object) -> apb.DebitResponse:
        alone.append(request.request_id)
        return _debited(int(request.reservation_id))

    client.stub = SimpleNamespace(Batch=batch, Debit=debit)
    queued = [_queued(client, 1), _queued(client, 2), _queued(client, 3, budget_s=0.02)]
    answers = await client.batcher.together(queued)
    assert sent == [2]  # the third had too little time left for a batch call
    assert sorted(alone) == ["r1", "r2", "r3"]  # each alone, the third within what it had left
    assert [a.reservation.debited_fen for a in answers] == [1, 2, 3]


async def test_a_lone_call_is_sent_alone(client) -> None:  # type: ignore[no-untyped-def]
    async def debit(request: apb.DebitRequest, *, timeout: float, metadata: object) -> apb.DebitResponse:
        return _debited(7)

    client.stub = SimpleNamespace(Debit=debit)  # no Batch: a lone call never needs one
    assert (await client.batcher.together([_queued(client, 1)]))[0].reservation.debited_fen == 7


async def test_an_accounts_without_batch_is_called_alone_without_asking_again(client) -> None:  # type: ignore[no-untyped-def]
    """A rolling upgrade that reaches settlement first: each call goes alone, and the Batch is not tried again for a
    while (NO_BATCHES_S)."""
    batches: list[int] = []

    async def batch(request: apb.BatchRequest, *, timeout: float) -> apb.BatchResponse:
        batches.append(len(request.items))
        raise grpc.aio.AioRpcError(grpc.StatusCode.UNIMPLEMENTED, grpc.aio.Metadata(), grpc.aio.Metadata(), "no")

    async def debit(request: apb.DebitRequest, *, timeout: float, metadata: object) -> apb.DebitResponse:
        return _debited(int(request.reservation_id))

    client.stub = SimpleNamespace(Batch=batch, Debit=debit)
    for _ in range(3):
        answers = await client.batcher.together([_queued(client, 1), _queued(client, 2)])
        assert [a.reservation.debited_fen for a in answers] == [1, 2]
    assert batches == [2]  # asked once
