"""Settlement's trust boundary in both of its modes, every RPC × every way of calling it:

- tokens (server TLS only): no token, a wrong one, one without `Bearer `, or an institution's certificate the server
  never asked for are UNAUTHENTICATED; plaintext never connects; a configured token gets past authorization;
- certificates (mutual TLS): no certificate, plaintext, another CA, expired, not yet valid or a server certificate
  never complete the handshake; a valid certificate that names no listed institution (an unknown commonName, an
  accounts caller's, none at all — even with a valid token besides) is UNAUTHENTICATED; a listed institution's gets
  through.

Refused callers send requests that would pay, capture, refund or reverse institution A's settlements; admitted ones the
empty request. Afterwards nothing in either schema has changed and the ledger verifies."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.security import token_hash
from services.settlement.app import SERVICE_NAME
from services.settlement.config import INSTITUTION
from services.settlement.transport.access import ACCESS
from tests import processes
from tests.security.boundary import (
    CERTS,
    PKI,
    Caller,
    Channels,
    Refused,
    Rpc,
    Snapshot,
    call,
    check,
    moved,
    proto_modules,
    reflected_services,
    resolve,
    rpcs,
)
from tests.security.boundary import snapshot as take_snapshot
from tests.security.conftest import INSTITUTION_A, INSTITUTION_B, TOKEN_A, UNKNOWN
from tools import kit
from tools.kit import Accounts, Family, rid
from tools.kit import accounts_v1 as apb

RPCS = rpcs(proto_modules("gongji.settlement.v1"))
BEARER_A = (("authorization", f"Bearer {TOKEN_A}"),)
HASH_A = token_hash(TOKEN_A)

TOKEN_CALLERS = [
    Caller("plaintext", None, refused=Refused.TRANSPORT, metadata=BEARER_A),
    Caller("no token", PKI, refused=Refused.IDENTITY),
    Caller("wrong token", PKI, refused=Refused.IDENTITY, metadata=(("authorization", "Bearer not-a-token"),)),
    Caller("token without Bearer", PKI, refused=Refused.IDENTITY, metadata=(("authorization", TOKEN_A),)),
    # What configuration holds is the token's hash, which is no token.
    Caller(
        "A's token hash", PKI, refused=Refused.IDENTITY, metadata=(("authorization", f"Bearer {token_hash(TOKEN_A)}"),)
    ),
    # The server asks for no client certificate: one naming institution A is never seen, so it names nobody.
    Caller("institution A's certificate", CERTS, INSTITUTION_A, refused=Refused.IDENTITY),
    Caller("institution A's token", PKI, role=INSTITUTION, metadata=BEARER_A),
]
CERTIFICATE_CALLERS = [
    Caller("no client certificate", PKI, refused=Refused.TRANSPORT, metadata=BEARER_A),
    Caller("plaintext", None, refused=Refused.TRANSPORT, metadata=BEARER_A),
    Caller("another CA", CERTS, f"stranger-{INSTITUTION_A}", refused=Refused.TRANSPORT),
    Caller("expired", CERTS, f"expired-{INSTITUTION_A}", refused=Refused.TRANSPORT),
    Caller("not yet valid", CERTS, f"early-{INSTITUTION_A}", refused=Refused.TRANSPORT),
    Caller("server certificate", PKI, "settlement-server", refused=Refused.TRANSPORT),
    Caller("unknown commonName", CERTS, UNKNOWN, refused=Refused.IDENTITY),
    Caller("accounts' caller", PKI, "settlement", refused=Refused.IDENTITY),
    # Tokens are configured too: with mutual TLS the certificate decides, a valid token does not help.
    Caller("unknown commonName with A's token", CERTS, UNKNOWN, refused=Refused.IDENTITY, metadata=BEARER_A),
    Caller("no commonName with A's token", CERTS, "nameless", refused=Refused.IDENTITY, metadata=BEARER_A),
    Caller("institution A's certificate", CERTS, INSTITUTION_A, role=INSTITUTION),
]


def _rpc_id(rpc: Rpc) -> str:
    return rpc.method


def test_the_access_table_covers_every_settlement_rpc_for_institutions_only() -> None:
    assert {r.service for r in RPCS} == {SERVICE_NAME}
    assert set(ACCESS) == {r.path for r in RPCS}
    assert set(ACCESS.values()) == {frozenset({INSTITUTION})}


def _fields(message: Descriptor, seen: set[str]) -> list[str]:
    """Every field name of `message` and of the messages it contains, however deep."""
    if message.full_name in seen:
        return []
    seen.add(message.full_name)
    names = []
    for f in message.fields:
        names.append(f"{message.name}.{f.name}")
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            names.extend(_fields(f.message_type, seen))
    return names


def test_no_request_can_name_the_institution() -> None:
    """The institution is the caller's identity, never a field: no settlement request has one, at any depth."""
    fields = [name for r in RPCS for name in _fields(r.request.DESCRIPTOR, set())]
    assert fields  # the walk found the requests' fields
    named = [n for n in fields if any(w in n.lower() for w in ("fixmedins", "medins", "institution", "org_code"))]
    assert named == []


# -- institution A's settlements, which refused callers try to touch ------------------------------------------------


def _period() -> tuple[Timestamp, Timestamp]:
    start, end = Timestamp(), Timestamp()
    now = dt.datetime.now(dt.UTC)
    start.FromDatetime(now - dt.timedelta(hours=1))
    end.FromDatetime(now + dt.timedelta(hours=1))
    return start, end


@pytest.fixture(scope="module")
async def world(accounts: Accounts, settlement_tokens: processes.Process) -> AsyncIterator[SimpleNamespace]:
    payer = await Family(accounts).person(credit_fen=100_000)
    async with kit.channel(settlement_tokens.address, processes.pki()) as channel:
        pos = settlement_pb2_grpc.SettlementServiceStub(channel)
        sale = (
            await pos.Settle(
                pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=5_000),
                metadata=BEARER_A,
            )
        ).settlement
        hold = (
            await pos.Authorize(
                pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=3_000),
                metadata=BEARER_A,
            )
        ).settlement
        assert sale.status == pb.SETTLEMENT_STATUS_COMPLETED and hold.status == pb.SETTLEMENT_STATUS_AUTHORIZED
        yield SimpleNamespace(payer=payer, sale=sale, hold=hold)
        await pos.Void(pb.VoidRequest(settlement_id=hold.settlement_id), metadata=BEARER_A)


def real_request(rpc: Rpc, w: SimpleNamespace) -> Any:
    """A request that pays, or touches institution A's settlements, if it is let through."""
    start, end = _period()
    requests = {
        "PreSettle": lambda: pb.PreSettleRequest(payer_psn_no=w.payer.psn_no, **w.payer.charge(), amount_fen=1_000),
        "Settle": lambda: pb.SettleRequest(
            pos_txn_id=rid(), payer_psn_no=w.payer.psn_no, **w.payer.charge(), amount_fen=1_000
        ),
        "Authorize": lambda: pb.AuthorizeRequest(
            pos_txn_id=rid(), payer_psn_no=w.payer.psn_no, **w.payer.charge(), amount_fen=1_000
        ),
        "Capture": lambda: pb.CaptureRequest(settlement_id=w.hold.settlement_id, amount_fen=3_000),
        "Void": lambda: pb.VoidRequest(settlement_id=w.hold.settlement_id),
        "Refund": lambda: pb.RefundRequest(
            refund_pos_txn_id=rid(), settlement_id=w.sale.settlement_id, amount_fen=1_000
        ),
        "Reverse": lambda: pb.ReverseRequest(pos_txn_id=w.sale.pos_txn_id),
        "GetSettlement": lambda: pb.GetSettlementRequest(settlement_id=w.sale.settlement_id),
        "ListSettlements": lambda: pb.ListSettlementsRequest(period_start=start, period_end=end),
        "Reconcile": lambda: pb.ReconcileRequest(period_start=start, period_end=end),
    }
    make = requests.get(rpc.method)
    return make() if make else rpc.request()


@pytest.fixture(scope="module")
async def before(world: SimpleNamespace, security_db: str) -> Snapshot:
    return await take_snapshot(security_db)


async def _matrix(address: str, rpc: Rpc, caller: Caller, w: SimpleNamespace, channels: Channels) -> None:
    allowed = ACCESS.get(rpc.path, frozenset())
    request = rpc.request() if caller.role in allowed else real_request(rpc, w)
    seen = await call(channels.of(address, caller, allowed), rpc, request, caller.metadata)
    check(seen, caller, allowed, rpc.path)


@pytest.mark.parametrize("caller", TOKEN_CALLERS, ids=lambda c: c.label)
@pytest.mark.parametrize("rpc", RPCS, ids=_rpc_id)
async def test_token_mode(
    rpc: Rpc,
    caller: Caller,
    before: Snapshot,
    world: SimpleNamespace,
    settlement_tokens: processes.Process,
    channels: Channels,
    certs: Path,
) -> None:
    await _matrix(settlement_tokens.address, rpc, resolve(caller, processes.pki(), certs), world, channels)


@pytest.mark.parametrize("caller", CERTIFICATE_CALLERS, ids=lambda c: c.label)
@pytest.mark.parametrize("rpc", RPCS, ids=_rpc_id)
async def test_certificate_mode(
    rpc: Rpc,
    caller: Caller,
    before: Snapshot,
    world: SimpleNamespace,
    settlement_certificates: processes.Process,
    channels: Channels,
    certs: Path,
) -> None:
    await _matrix(settlement_certificates.address, rpc, resolve(caller, processes.pki(), certs), world, channels)


async def test_after_the_matrix_nothing_moved_and_the_ledger_verifies(
    before: Snapshot, security_db: str, accounts: Accounts, world: SimpleNamespace
) -> None:
    assert moved(before, await take_snapshot(security_db)) == {}
    report = await accounts.VerifyLedger(apb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)


# -- open services -------------------------------------------------------------------------------------------------


async def _health(channel: grpc.aio.Channel) -> grpc.StatusCode | int:
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=10
        )
    except grpc.aio.AioRpcError as err:
        return err.code()
    return int(reply.status)


async def test_health_in_token_mode_needs_no_credentials_but_tls(
    settlement_tokens: processes.Process, channels: Channels
) -> None:
    assert (
        await _health(channels.get(settlement_tokens.address, processes.pki(), None))
        == health_pb2.HealthCheckResponse.SERVING
    )
    assert await _health(channels.get(settlement_tokens.address, None, None)) == grpc.StatusCode.UNAVAILABLE


async def test_health_in_certificate_mode_answers_any_certificate_of_its_ca(
    settlement_certificates: processes.Process, channels: Channels, certs: Path
) -> None:
    address = settlement_certificates.address
    for folder, identity in ((certs, UNKNOWN), (processes.pki(), "registry"), (certs, INSTITUTION_B)):
        assert await _health(channels.get(address, folder, identity)) == health_pb2.HealthCheckResponse.SERVING
    for folder, identity in ((processes.pki(), None), (None, None), (certs, f"expired-{INSTITUTION_A}")):
        assert await _health(channels.get(address, folder, identity)) == grpc.StatusCode.UNAVAILABLE


async def test_reflection_off_in_production_on_when_switched_on(
    settlement_tokens: processes.Process,
    settlement_certificates: processes.Process,
    channels: Channels,
    certs: Path,
) -> None:
    assert await reflected_services(channels.get(settlement_tokens.address, processes.pki(), None)) is None
    listed = await reflected_services(channels.get(settlement_certificates.address, certs, UNKNOWN))
    assert listed is not None and SERVICE_NAME in listed
