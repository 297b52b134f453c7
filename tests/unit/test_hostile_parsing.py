"""Every parser of every request of both services, fed hostile requests (tests/hostile.py): it returns a command or
raises InvalidArgument, never anything else (which the edge would answer INTERNAL). In milliseconds, no server."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongji.accounts.v1 import family_service_pb2, ledger_service_pb2, payment_service_pb2, registry_service_pb2
from gongji.settlement.v1 import settlement_pb2
from services.accounts.transport import parse as accounts_parse
from services.common.errors import InvalidArgument
from services.settlement.transport import parse as settlement_parse
from tests.hostile import fuzz_settings, messages, rpcs

SERVICES = (
    registry_service_pb2.DESCRIPTOR.services_by_name["RegistryService"],
    family_service_pb2.DESCRIPTOR.services_by_name["FamilyService"],
    payment_service_pb2.DESCRIPTOR.services_by_name["PaymentService"],
    ledger_service_pb2.DESCRIPTOR.services_by_name["LedgerService"],
    settlement_pb2.DESCRIPTOR.services_by_name["SettlementService"],
)


def _parsers() -> dict[str, Callable[[Any], Any]]:
    """Request type (full name) -> the parser that takes it, from the parsers' own annotations."""
    out: dict[str, Callable[[Any], Any]] = {}
    for module in (accounts_parse, settlement_parse):
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            first = next(iter(inspect.signature(fn).parameters), None)
            hint = get_type_hints(fn).get(first) if first else None
            kinds = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
            for kind in kinds:
                descriptor = getattr(kind, "DESCRIPTOR", None)
                if descriptor is not None and hasattr(descriptor, "fields"):
                    out[descriptor.full_name] = fn
    return out


PARSERS = _parsers()
RPCS = rpcs(*SERVICES)
REQUESTS = {request.full_name: messages(request) for _, _, request in RPCS}


def test_every_request_type_has_a_parser() -> None:
    missing = sorted({request.full_name for _, _, request in RPCS} - set(PARSERS))
    assert missing == []


@pytest.mark.parametrize(("service", "method", "request_type"), RPCS, ids=[f"{s}.{m}" for s, m, _ in RPCS])
@fuzz_settings(examples=60)
@given(data=st.data())
def test_a_parser_answers_a_command_or_invalid_argument(
    service: str, method: str, request_type: Any, data: Any
) -> None:
    request = data.draw(REQUESTS[request_type.full_name], label="request")
    try:
        PARSERS[request_type.full_name](request)
    except InvalidArgument as err:
        assert err.violations
