"""The gRPC edge every gongji service shares: each reason's status code, rich error statuses, and the handler shape
parse → call → convert.

A handler is a servicer method decorated with `@rpc(parse)`: `parse` turns the request into a frozen command (or
raises InvalidArgument listing every bad field); the method gets the command and returns the response. Errors become
statuses here and nowhere else: a DomainError its reason's code and an ErrorInfo, bad input INVALID_ARGUMENT with a
BadRequest, a database that is gone or a lost race UNAVAILABLE / ABORTED, anything else INTERNAL with a reference
(logged, never shown).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, TypeAlias, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common.db import transient_error
from services.common.errors import DOMAIN, DomainError, InvalidArgument, Reason

log = logging.getLogger(__name__)

C = grpc.StatusCode
# What the client should do next follows from the code: FAILED_PRECONDITION fix the state first, NOT_FOUND check
# the id, ALREADY_EXISTS it is done already (a person registered, a premium paid) or, REQUEST_ID_REUSED, use a new
# request id for a new request, UNAVAILABLE / ABORTED retry the same call, RESOURCE_EXHAUSTED retry it after the
# RetryInfo's delay, DEADLINE_EXCEEDED (DEADLINE_TOO_SHORT) retry it with a longer deadline, INTERNAL retry the same
# id.
STATUS: dict[Reason, grpc.StatusCode] = {
    Reason.PERSON_NOT_FOUND: C.NOT_FOUND,
    Reason.PERSON_ALREADY_REGISTERED: C.ALREADY_EXISTS,
    Reason.PERSON_NOT_INSURED: C.FAILED_PRECONDITION,
    Reason.VISIT_OUTSIDE_REGION: C.FAILED_PRECONDITION,
    Reason.YEAR_NOT_CURRENT: C.FAILED_PRECONDITION,
    Reason.STATUS_CHANGE_NOT_ALLOWED: C.FAILED_PRECONDITION,
    Reason.NO_PERSONAL_ACCOUNT: C.FAILED_PRECONDITION,
    Reason.NOT_RESIDENT_INSURED: C.FAILED_PRECONDITION,
    Reason.PREMIUM_YEAR_NOT_OPEN: C.FAILED_PRECONDITION,
    Reason.PREMIUM_AMOUNT_NOT_STANDARD: C.INVALID_ARGUMENT,
    Reason.PREMIUM_ALREADY_PAID: C.ALREADY_EXISTS,
    Reason.CREATOR_NOT_ELIGIBLE: C.FAILED_PRECONDITION,
    Reason.RELATION_NOT_ALLOWED: C.FAILED_PRECONDITION,
    Reason.IDENTITY_MISMATCH: C.FAILED_PRECONDITION,
    Reason.GUARDIAN_NOT_ALLOWED: C.FAILED_PRECONDITION,
    Reason.ALREADY_BOUND: C.FAILED_PRECONDITION,
    Reason.MEMBER_LIMIT_REACHED: C.FAILED_PRECONDITION,
    Reason.DIFFERENT_REGION: C.FAILED_PRECONDITION,
    Reason.TRANSFER_BELOW_MINIMUM: C.INVALID_ARGUMENT,
    Reason.CREATOR_BALANCE_BELOW_MINIMUM: C.FAILED_PRECONDITION,
    Reason.INSUFFICIENT_FUNDS: C.FAILED_PRECONDITION,
    Reason.POOL_NOT_FOUND: C.NOT_FOUND,
    Reason.POOL_DISSOLVED: C.FAILED_PRECONDITION,
    Reason.NOT_A_MEMBER: C.FAILED_PRECONDITION,
    Reason.INVITATION_NOT_FOUND: C.NOT_FOUND,
    Reason.INVITATION_EXPIRED: C.FAILED_PRECONDITION,
    Reason.NOT_BOUND: C.FAILED_PRECONDITION,
    Reason.POOL_EMPTY: C.FAILED_PRECONDITION,
    Reason.ACCOUNT_USE_NOT_REQUESTED: C.FAILED_PRECONDITION,
    # The caller may charge; the request's credential does not fit the payer: fix the request (the payer's own
    # card), as IDENTITY_MISMATCH. PERMISSION_DENIED is kept for what a caller's role may not do at all.
    Reason.CREDENTIAL_MISMATCH: C.FAILED_PRECONDITION,
    Reason.RESERVATION_NOT_FOUND: C.NOT_FOUND,
    Reason.RESERVATION_EXPIRED: C.FAILED_PRECONDITION,
    Reason.RESERVATION_ALREADY_FINAL: C.FAILED_PRECONDITION,
    Reason.AMOUNT_EXCEEDS_RESERVED: C.FAILED_PRECONDITION,
    Reason.REFUND_EXCEEDS_DEBITED: C.FAILED_PRECONDITION,
    Reason.UNAUTHENTICATED: C.UNAUTHENTICATED,
    Reason.PERMISSION_DENIED: C.PERMISSION_DENIED,
    Reason.SETTLEMENT_NOT_FOUND: C.NOT_FOUND,
    Reason.SETTLEMENT_REVERSED: C.FAILED_PRECONDITION,
    Reason.PAYMENT_ABANDONED: C.FAILED_PRECONDITION,
    Reason.PAYMENT_DECLINED: C.FAILED_PRECONDITION,
    Reason.SETTLEMENT_ALREADY_FINAL: C.FAILED_PRECONDITION,
    Reason.NOT_AN_AUTHORIZATION: C.FAILED_PRECONDITION,
    Reason.REVERSAL_WINDOW_CLOSED: C.FAILED_PRECONDITION,
    Reason.PERIOD_CLOSED: C.FAILED_PRECONDITION,
    Reason.ACCOUNTS_UNAVAILABLE: C.UNAVAILABLE,
    Reason.REQUEST_ID_REUSED: C.ALREADY_EXISTS,
    Reason.REQUEST_CANCELLED: C.FAILED_PRECONDITION,
    Reason.DATABASE_UNAVAILABLE: C.UNAVAILABLE,
    Reason.CONCURRENT_UPDATE: C.ABORTED,
    Reason.ACCOUNT_BUSY: C.ABORTED,
    Reason.SERVICE_BUSY: C.UNAVAILABLE,
    Reason.OVERLOADED: C.RESOURCE_EXHAUSTED,
    Reason.DEADLINE_TOO_SHORT: C.DEADLINE_EXCEEDED,
    Reason.INVALID_ARGUMENT: C.INVALID_ARGUMENT,
    Reason.INTERNAL: C.INTERNAL,
}
assert set(STATUS) == set(Reason), "every reason needs a status code"

Self = TypeVar("Self")
Req = TypeVar("Req")
Cmd = TypeVar("Cmd")
Resp = TypeVar("Resp")
Ctx: TypeAlias = grpc.aio.ServicerContext
Handler: TypeAlias = Callable[[Self, Req, Ctx], Awaitable[Resp]]


def _status(code: grpc.StatusCode, message: str, details: list[Any]) -> grpc.Status:
    packed = []
    for d in details:
        a = any_pb2.Any()
        a.Pack(d)
        packed.append(a)
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message, details=packed))


def _chinese(reason: Reason) -> error_details_pb2.LocalizedMessage:
    return error_details_pb2.LocalizedMessage(locale="zh-CN", message=reason.message_zh)


def domain_status(err: DomainError) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason=err.reason.name, domain=DOMAIN, metadata=err.metadata)
    details: list[Any] = [info, _chinese(err.reason)]
    if err.retry_after_s is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromTimedelta(dt.timedelta(seconds=err.retry_after_s))
        details.append(retry)
    return _status(STATUS[err.reason], err.message, details)


# The most field violations an error lists: a status travels in trailers, which a gRPC client refuses beyond 16 KiB
# (RESOURCE_EXHAUSTED "Stream removed"), and 10,000 bad reconciliation rows make 10,000 violations or more.
MAX_VIOLATIONS_SHOWN = 20


def invalid_argument_status(err: InvalidArgument) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason=Reason.INVALID_ARGUMENT.name, domain=DOMAIN)
    shown = err.violations[:MAX_VIOLATIONS_SHOWN]
    bad = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description) for v in shown
        ]
    )
    summary = "; ".join(f"{v.field}: {v.description}" for v in shown)
    if len(err.violations) > len(shown):
        summary += f"; and {len(err.violations) - len(shown)} more"
    return _status(
        C.INVALID_ARGUMENT,
        f"{Reason.INVALID_ARGUMENT.message} {summary}",
        [info, bad, _chinese(Reason.INVALID_ARGUMENT)],
    )


def error_info(exc: grpc.aio.AioRpcError | grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo a gongji service attached to a failed call, if any (for clients and tests)."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    if status is None:
        return None
    for d in status.details:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
            return info
    return None


def retry_delay(exc: grpc.aio.AioRpcError | grpc.RpcError) -> float | None:
    """The seconds a google.rpc.RetryInfo in a failed call's status asks the caller to wait (None: there is none)."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    for d in status.details if status is not None else ():
        if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            d.Unpack(retry)
            return float(retry.retry_delay.ToTimedelta().total_seconds())
    return None


async def abort_for(exc: Exception, method: str, context: Ctx) -> None:
    """Ends the call with the status `exc` deserves; always raises."""
    if isinstance(exc, DomainError):
        await context.abort_with_status(domain_status(exc))
    if isinstance(exc, InvalidArgument):
        await context.abort_with_status(invalid_argument_status(exc))
    transient = transient_error(exc)
    if transient is not None:
        log.warning("transient failure in %s: %s", method, type(exc).__name__)
        await context.abort_with_status(domain_status(transient))
    ref = uuid.uuid4().hex[:12]
    log.error("unhandled error in %s", method, exc_info=exc, extra={"error_ref": ref})
    info = error_details_pb2.ErrorInfo(reason=Reason.INTERNAL.name, domain=DOMAIN, metadata={"error_ref": ref})
    await context.abort_with_status(
        _status(C.INTERNAL, f"{Reason.INTERNAL.message} (reference {ref})", [info, _chinese(Reason.INTERNAL)])
    )


def guarded(handler: Handler[Self, Req, Resp]) -> Handler[Self, Req, Resp]:
    """Known errors become rich statuses, anything else INTERNAL with a reference: never a stack trace."""

    @functools.wraps(handler)
    async def wrapper(self: Self, request: Req, context: Ctx) -> Resp:
        try:
            return await handler(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as exc:  # noqa: BLE001 - the client must never see a stack trace
            await abort_for(exc, handler.__name__, context)
        raise AssertionError("unreachable")

    return wrapper


def rpc(
    parse: Callable[[Req], Cmd],
) -> Callable[[Callable[Concatenate[Self, Cmd, ...], Awaitable[Resp]]], Handler[Self, Req, Resp]]:
    """parse → call → convert: the method gets the parsed command and the call's context."""

    def decorate(method: Callable[Concatenate[Self, Cmd, ...], Awaitable[Resp]]) -> Handler[Self, Req, Resp]:
        @guarded
        @functools.wraps(method)
        async def handler(self: Self, request: Req, context: Ctx) -> Resp:
            return await method(self, parse(request), context)

        return handler

    return decorate
