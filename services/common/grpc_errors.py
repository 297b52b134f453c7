"""Turns DomainError / InvalidArgument into rich gRPC statuses, and hides every other exception from clients."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common.db import transient_error
from services.common.errors import DOMAIN, REASONS, DomainError, InvalidArgument

log = logging.getLogger(__name__)

T = TypeVar("T")


def _status(code: grpc.StatusCode, message: str, details: list[Any]) -> grpc.Status:
    packed = []
    for d in details:
        a = any_pb2.Any()
        a.Pack(d)
        packed.append(a)
    proto = status_pb2.Status(code=code.value[0], message=message, details=packed)
    return rpc_status.to_status(proto)


def domain_status(err: DomainError) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason=err.reason, domain=DOMAIN, metadata=err.metadata)
    return _status(err.code, err.message, [info])


def invalid_argument_status(err: InvalidArgument) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason="INVALID_ARGUMENT", domain=DOMAIN)
    bad = error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
        for v in err.violations])
    return _status(grpc.StatusCode.INVALID_ARGUMENT, f"{REASONS['INVALID_ARGUMENT'][1]} {err}", [info, bad])


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


def rpc(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Decorates a servicer method: known errors become rich statuses, anything else INTERNAL with a reference."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> T:
        try:
            return await method(self, request, context)
        except DomainError as err:
            await context.abort_with_status(domain_status(err))
        except InvalidArgument as err:
            await context.abort_with_status(invalid_argument_status(err))
        except grpc.aio.AbortError:
            raise
        except Exception as exc:  # noqa: BLE001 - the client must never see a stack trace
            transient = transient_error(exc)
            if transient is not None:
                log.warning("transient failure in %s: %s", method.__name__, type(exc).__name__)
                await context.abort_with_status(domain_status(transient))
            ref = uuid.uuid4().hex[:12]
            log.exception("unhandled error in %s", method.__name__, extra={"error_ref": ref})
            info = error_details_pb2.ErrorInfo(reason="INTERNAL", domain=DOMAIN, metadata={"error_ref": ref})
            await context.abort_with_status(_status(grpc.StatusCode.INTERNAL,
                                                    f"{REASONS['INTERNAL'][1]} (reference {ref})", [info]))
        raise AssertionError("unreachable")

    return wrapper


__all__ = ["rpc", "domain_status", "error_info"]
