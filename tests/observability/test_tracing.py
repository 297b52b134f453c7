"""Tracing: one trace from the POS through settlement and accounts down to PostgreSQL for a Settle, read from an
in-memory exporter; and no personal data in any span, for a payment that succeeds and one that is declined."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.accounts import app as accounts_app
from services.common import tracing
from services.settlement import app as settlement_app
from tests import processes
from tests.ha import load
from tests.settlement.conftest import TOKEN_A
from tools import kit
from tools.kit import Accounts, Family, rid

NAME = "欧阳娜娜"
DESCRIPTION = "门诊 欧阳娜娜 630104199001011234 住院"


@pytest.fixture(scope="module")
async def traced(database_url: str) -> AsyncIterator[tuple[InMemorySpanExporter, TracerProvider, str]]:
    """Accounts and settlement in-process, both traced into one in-memory exporter."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    accounts = await accounts_app.start(
        processes.accounts_settings(database_url), tracing=tracing.Tracing(provider, "accounts")
    )
    settlement = await settlement_app.start(
        load.settlement_settings(database_url, f"127.0.0.1:{accounts.server.port}", accounts_timeout_s=5),
        tracing=tracing.Tracing(provider, "settlement"),
    )
    yield exporter, provider, f"127.0.0.1:{settlement.server.port}"
    await settlement.stop(0)
    await accounts.stop(0)


async def _pos_call(provider: TracerProvider, address: str, method: str, request: Any) -> tuple[int, Any]:
    """A POS that traces itself: its span's traceparent goes with the call. Returns (trace id, reply or error)."""
    pos_tracer = provider.get_tracer("pos")
    with pos_tracer.start_as_current_span("pos checkout", kind=SpanKind.CLIENT) as span:
        carrier: dict[str, str] = {}
        tracing.PROPAGATOR.inject(carrier)
        metadata = [("authorization", f"Bearer {TOKEN_A}"), *carrier.items()]
        async with kit.channel(address, processes.pki()) as channel:
            stub = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
            try:
                reply: Any = await getattr(stub, method)(request, metadata=metadata, timeout=10)
            except grpc.aio.AioRpcError as err:
                reply = err
        return span.get_span_context().trace_id, reply


def _scope(span: ReadableSpan) -> str:
    return span.instrumentation_scope.name if span.instrumentation_scope else ""


async def test_a_settle_is_one_trace_from_the_pos_to_the_database(traced: Any, accounts: Accounts) -> None:
    exporter, provider, address = traced
    family = Family(accounts)
    payer = await family.person(credit_fen=10_000, name=NAME)
    request = pb.SettleRequest(
        pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=3_000, description=DESCRIPTION, **payer.charge()
    )
    trace_id, reply = await _pos_call(provider, address, "Settle", request)
    assert reply.settlement.status == pb.SETTLEMENT_STATUS_COMPLETED
    spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in spans}

    def one(scope: str, name: str, kind: SpanKind) -> ReadableSpan:
        found = [s for s in spans if _scope(s) == scope and s.name == name and s.kind == kind]
        assert len(found) == 1, [(s.name, _scope(s), s.kind) for s in spans]
        return found[0]

    settle = one("gongji.settlement", "gongji.settlement.v1.SettlementService/Settle", SpanKind.SERVER)
    call = one("gongji.settlement", "gongji.accounts.v1.PaymentService/Reserve", SpanKind.CLIENT)
    reserve = one("gongji.accounts", "gongji.accounts.v1.PaymentService/Reserve", SpanKind.SERVER)
    pos = one("pos", "pos checkout", SpanKind.CLIENT)
    # the chain: POS → settlement's Settle → its call to accounts → accounts' Reserve
    assert settle.parent is not None and settle.parent.span_id == pos.context.span_id
    assert call.parent is not None and call.parent.span_id == settle.context.span_id
    assert reserve.parent is not None and reserve.parent.span_id == call.context.span_id
    # both services' statements are in it, under their service's span
    for scope, root in (("gongji.settlement", settle), ("gongji.accounts", reserve)):
        statements = [s for s in spans if _scope(s) == scope and s.attributes and s.attributes.get("db.system")]
        assert statements, scope
        for statement in statements:
            ancestor = statement
            while ancestor.parent is not None and ancestor is not root:
                ancestor = by_id[ancestor.parent.span_id]
            assert ancestor is root
    # the correlation id followed the call, as it always has, and is on both services' spans
    assert settle.attributes and reserve.attributes
    assert settle.attributes["gongji.correlation_id"] == reserve.attributes["gongji.correlation_id"]
    assert settle.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]


async def test_no_span_holds_personal_data(traced: Any, accounts: Accounts) -> None:
    exporter, provider, address = traced
    exporter.clear()
    family = Family(accounts)
    payer = await family.person(credit_fen=10_000, name=NAME)
    other = await family.person(name=NAME)
    paid = pb.SettleRequest(
        pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=2_000, description=DESCRIPTION, **payer.charge()
    )
    # someone else's ID card: declined, and the card's number is in the request
    declined = pb.SettleRequest(
        pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=2_000, description=DESCRIPTION, **other.charge()
    )
    await _pos_call(provider, address, "Settle", paid)
    _, error = await _pos_call(provider, address, "Settle", declined)
    assert kit.reason_of(error) if isinstance(error, grpc.aio.AioRpcError) else error.settlement.decline_reason
    spans = exporter.get_finished_spans()
    assert len(spans) > 10
    text = "\n".join(s.to_json() for s in spans)
    for planted in (NAME, payer.id_number, other.id_number, DESCRIPTION, "630104199001011234"):
        assert planted not in text
    # a psn_no is pseudonymous and the logs carry it, but spans do not need it, so they do not have it
    assert payer.psn_no not in text
    # a failed span says its status code's name and nothing else
    for span in spans:
        assert span.status.description in (None, "") or span.status.description.isidentifier(), span.status
        for event in span.events:
            assert event.name != "exception"
    json.loads(spans[0].to_json())
