"""Accounts' trust boundary: every RPC of every accounts service × every way of calling it. Only a role the access
table allows gets past authorization; a caller without a valid client certificate of accounts' CA (none, plaintext,
another CA, expired, not yet valid, a server certificate) never completes the handshake (UNAVAILABLE); a valid
certificate that names no configured caller (an unknown commonName, none at all) is UNAUTHENTICATED, whatever its
metadata claims; every other role is PERMISSION_DENIED. A refused caller sends a request that would move money were it
let through; an allowed one sends the empty request (refused by validation or NOT_FOUND). Afterwards nothing in
either schema has changed and the ledger verifies."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gongji.common.v1 import common_pb2
from services.accounts import app
from services.accounts.config import Settings
from services.accounts.transport.access import ACCESS, ROLES
from services.common.auth import OPEN_SERVICES
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
from tests.security.conftest import UNKNOWN
from tools import devpki, kit
from tools.kit import OWN, RESIDENT, Accounts, Family, rid
from tools.kit import accounts_v1 as pb

RPCS = rpcs(proto_modules("gongji.accounts.v1"))

# What a caller may claim in metadata; it names nobody: only the certificate does.
CLAIMS = (("authorization", "Bearer auditor"), ("x509_common_name", "auditor"), ("x-role", "auditor"))
CALLERS = [
    Caller("no client certificate", PKI, None, refused=Refused.TRANSPORT),
    Caller("plaintext", None, refused=Refused.TRANSPORT),
    Caller("another CA", CERTS, "stranger-{role}", refused=Refused.TRANSPORT),
    Caller("expired", CERTS, "expired-{role}", refused=Refused.TRANSPORT),
    Caller("not yet valid", CERTS, "early-{role}", refused=Refused.TRANSPORT),
    # The settlement service's server certificate names a caller (CN settlement) but is not a client certificate.
    Caller("server certificate", PKI, "settlement-server", refused=Refused.TRANSPORT),
    Caller("unknown commonName", CERTS, UNKNOWN, refused=Refused.IDENTITY, metadata=CLAIMS),
    Caller("no commonName", CERTS, "nameless", refused=Refused.IDENTITY, metadata=CLAIMS),
    *(Caller(role, PKI, role, role=role) for role in sorted(ROLES)),
]


def test_the_access_table_covers_every_rpc_of_every_accounts_service_and_nothing_else() -> None:
    assert {r.service for r in RPCS} == set(app.SERVICES), "a service declared in protos is not served, or vice versa"
    assert set(ACCESS) == {r.path for r in RPCS}
    for path, roles in ACCESS.items():
        assert roles and roles <= ROLES, path
    assert not any(path.startswith(OPEN_SERVICES) for path in ACCESS)


# Each service has one owner role; the auditor reads, and nobody else crosses over.
OWNERS = {
    "gongji.accounts.v1.RegistryService": "registry",
    "gongji.accounts.v1.FamilyService": "member-service",
    "gongji.accounts.v1.PaymentService": "settlement",
    "gongji.accounts.v1.LedgerService": "auditor",
}
READS = ("Get", "List", "Check", "Verify", "Quote")


@pytest.mark.parametrize("rpc", RPCS, ids=lambda r: f"{r.service.rsplit('.', 1)[-1]}.{r.method}")
def test_least_privilege_each_service_its_owner_and_the_auditor_only_reads(rpc: Rpc) -> None:
    roles = ACCESS.get(rpc.path, frozenset())
    owner = OWNERS[rpc.service]  # a new service needs its owner named here
    assert owner in roles
    assert roles <= {owner, "auditor"} if rpc.method.startswith(READS) else roles == {owner}


# -- the world a refused caller would move money in -------------------------------------------------------------


@pytest.fixture(scope="module")
async def world(accounts: Accounts) -> SimpleNamespace:
    f = Family(accounts)
    creator = await f.person(credit_fen=300_000)
    spouse = await f.person(credit_fen=20_000)
    loner = await f.person(credit_fen=100_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=100_000)
    await f.bind(pool_id, spouse)
    invitation_id = await f.invite(pool_id, child, common_pb2.RELATION_CHILD)
    held = await f.reserve(spouse, 1_000, (OWN,))
    debited = await f.reserve(spouse, 1_000, (OWN,), debit_immediately=True)
    return SimpleNamespace(
        creator=creator,
        spouse=spouse,
        loner=loner,
        child=child,
        pool_id=pool_id,
        invitation_id=invitation_id,
        held=held.reservation_id,
        debited=debited.reservation_id,
    )


def real_request(rpc: Rpc, w: SimpleNamespace) -> Any:
    """A request that does something if it is let through (money, people, pools, or a read of someone's data); the
    empty request for an RPC this table does not know yet."""
    newcomer = kit.Insured(kit.psn_no(), "李四", kit.id_number())
    requests = {
        "RegisterPerson": lambda: pb.RegisterPersonRequest(
            request_id=rid(),
            psn_no=newcomer.psn_no,
            name=newcomer.name,
            id_number=newcomer.id_number,
            insurance_type=kit.EMPLOYEE,
            region_code="630100",
        ),
        "RecordLifeEvent": lambda: pb.RecordLifeEventRequest(
            request_id=rid(), psn_no=w.spouse.psn_no, died=pb.RecordLifeEventRequest.Died()
        ),
        "CreditPersonalAccount": lambda: pb.CreditPersonalAccountRequest(
            request_id=rid(), psn_no=w.spouse.psn_no, amount_fen=1_000, memo="contribution"
        ),
        "GetPerson": lambda: pb.GetPersonRequest(psn_no=w.spouse.psn_no),
        "CreatePool": lambda: pb.CreatePoolRequest(
            request_id=rid(), creator_psn_no=w.loner.psn_no, agreement_version="2024-12"
        ),
        "InviteMember": lambda: pb.InviteMemberRequest(
            request_id=rid(),
            pool_id=w.pool_id,
            member_name=w.loner.name,
            member_id_number=w.loner.id_number,
            relation=common_pb2.RELATION_SPOUSE,
        ),
        "AcceptInvitation": lambda: pb.AcceptInvitationRequest(request_id=rid(), invitation_id=w.invitation_id),
        "DeclineInvitation": lambda: pb.DeclineInvitationRequest(request_id=rid(), invitation_id=w.invitation_id),
        "RemoveMember": lambda: pb.RemoveMemberRequest(
            request_id=rid(), pool_id=w.pool_id, member_psn_no=w.spouse.psn_no
        ),
        "DissolvePool": lambda: pb.DissolvePoolRequest(request_id=rid(), pool_id=w.pool_id),
        "TransferToPool": lambda: pb.TransferToPoolRequest(request_id=rid(), pool_id=w.pool_id, amount_fen=50_000),
        "GetPool": lambda: pb.GetPoolRequest(pool_id=w.pool_id),
        "CheckEligibility": lambda: pb.CheckEligibilityRequest(
            creator_psn_no=w.loner.psn_no, create_pool=pb.CheckEligibilityRequest.CreatePool()
        ),
        "GetBalances": lambda: pb.GetBalancesRequest(psn_no=w.spouse.psn_no),
        "ListTransactions": lambda: pb.ListTransactionsRequest(psn_no=w.spouse.psn_no),
        "GetAnnualStatement": lambda: pb.GetAnnualStatementRequest(psn_no=w.spouse.psn_no, year=2026),
        "PayResidentPremium": lambda: pb.PayResidentPremiumRequest(
            request_id=rid(),
            payer_psn_no=w.creator.psn_no,
            beneficiary_psn_no=w.child.psn_no,
            relation=common_pb2.RELATION_CHILD,
            amount_fen=38_000,
            premium_year=2026,
        ),
        "Reserve": lambda: pb.ReserveRequest(
            request_id=rid(),
            payer_psn_no=w.spouse.psn_no,
            credential=w.spouse.credential(),
            amount_fen=1_000,
            sources=[OWN],
            debit_immediately=True,
        ),
        "Debit": lambda: pb.DebitRequest(request_id=rid(), reservation_id=w.held, amount_fen=1_000),
        "Release": lambda: pb.ReleaseRequest(request_id=rid(), reservation_id=w.held),
        "Refund": lambda: pb.RefundRequest(request_id=rid(), reservation_id=w.debited, amount_fen=500),
        "GetReservation": lambda: pb.GetReservationRequest(reservation_id=w.debited),
        "Quote": lambda: pb.QuoteRequest(
            payer_psn_no=w.spouse.psn_no, credential=w.spouse.credential(), amount_fen=1_000, sources=[OWN]
        ),
        "Fence": lambda: pb.FenceRequest(request_id=rid()),
        "VerifyLedger": lambda: pb.VerifyLedgerRequest(),
    }
    make = requests.get(rpc.method)
    return make() if make else rpc.request()


@pytest.fixture(scope="module")
async def before(world: SimpleNamespace, security_db: str) -> Snapshot:
    """Every table of both schemas once the world is built, before the first matrix call."""
    return await take_snapshot(security_db)


# -- the matrix ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.label)
@pytest.mark.parametrize("rpc", RPCS, ids=lambda r: f"{r.service.rsplit('.', 1)[-1]}.{r.method}")
async def test_matrix(
    rpc: Rpc,
    caller: Caller,
    before: Snapshot,
    world: SimpleNamespace,
    accounts_address: str,
    channels: Channels,
    certs: Path,
) -> None:
    allowed = ACCESS.get(rpc.path, frozenset())
    caller = resolve(caller, processes.pki(), certs)
    request = rpc.request() if caller.role in allowed else real_request(rpc, world)
    seen = await call(channels.of(accounts_address, caller, allowed), rpc, request, caller.metadata)
    check(seen, caller, allowed, rpc.path)


@pytest.mark.parametrize("rpc", RPCS, ids=lambda r: f"{r.service.rsplit('.', 1)[-1]}.{r.method}")
async def test_who_calls_is_asked_before_what_they_sent(
    rpc: Rpc, before: Snapshot, accounts_address: str, channels: Channels, certs: Path
) -> None:
    """A request that does not decode is INVALID_ARGUMENT for an allowed caller only; the others learn nothing."""
    allowed = ACCESS[rpc.path]
    denied = sorted(ROLES - allowed)
    cases = [
        (processes.pki(), min(allowed), (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")),
        (certs, UNKNOWN, (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")),
        *((processes.pki(), role, (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")) for role in denied[:1]),
    ]
    for folder, identity, expected in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await channels.get(accounts_address, folder, identity).unary_unary(rpc.path)(b"\xff\xff\xff", timeout=10)
        assert (err.value.code(), kit.reason_of(err.value)) == expected, identity


async def test_after_the_matrix_nothing_moved_and_the_ledger_verifies(
    before: Snapshot, security_db: str, accounts: Accounts, world: SimpleNamespace
) -> None:
    assert moved(before, await take_snapshot(security_db)) == {}
    report = await accounts.VerifyLedger(pb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)


async def test_a_method_missing_from_the_table_is_refused_to_every_role(
    security_db: str, channels: Channels, monkeypatch: pytest.MonkeyPatch
) -> None:
    get_person = "/gongji.accounts.v1.FamilyService/GetPerson"
    monkeypatch.setattr(app, "ACCESS", {path: roles for path, roles in ACCESS.items() if path != get_person})
    running = await app.start(processes.accounts_settings(security_db))
    try:
        address = f"127.0.0.1:{running.server.port}"
        rpc = next(r for r in RPCS if r.path == get_person)
        for role in sorted(ROLES):
            seen = await call(channels.get(address, processes.pki(), role), rpc, pb.GetPersonRequest(psn_no="P1"))
            assert (seen.code, seen.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"), role
        get_pool = next(r for r in RPCS if r.method == "GetPool")
        seen = await call(
            channels.get(address, processes.pki(), "auditor"), get_pool, pb.GetPoolRequest(pool_id="999999")
        )
        assert seen.code == grpc.StatusCode.NOT_FOUND  # the rest of the table still holds
    finally:
        await running.stop(0)


# -- open services -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", [*sorted(ROLES), UNKNOWN, "H63010000A01"])
async def test_health_answers_any_certificate_of_its_ca(
    identity: str, accounts_address: str, channels: Channels, certs: Path
) -> None:
    folder = processes.pki() if identity in ROLES else certs
    stub = health_pb2_grpc.HealthStub(channels.get(accounts_address, folder, identity))
    for service in ["", *app.SERVICES]:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_health_is_still_behind_the_handshake(accounts_address: str, channels: Channels) -> None:
    for channel in (channels.get(accounts_address, processes.pki(), None), channels.get(accounts_address, None, None)):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.fixture(scope="module")
async def accounts_from_env(security_db: str) -> AsyncIterator[Any]:
    """Starts accounts in-process with settings read from environment variables, as `serve` reads them."""
    running: list[app.AccountsApp] = []

    async def start(**env: str) -> str:
        variables = {
            "DATABASE_URL": security_db,
            "GONGJI_ACCOUNTS_HOST": "127.0.0.1",
            "GONGJI_ACCOUNTS_PORT": "0",
            **devpki.service_env("accounts", processes.pki()),
            **env,
        }
        settings = dataclasses.replace(Settings.from_env(variables), metrics_port=None)
        running.append(await app.start(settings))
        return f"127.0.0.1:{running[-1].server.port}"

    yield start
    for r in running:
        await r.stop(0)


@pytest.mark.parametrize(
    ("env", "on"),
    [
        ({}, False),
        ({"GONGJI_ENVIRONMENT": "production"}, False),
        ({"GONGJI_ENVIRONMENT": "development"}, True),
        ({"GONGJI_REFLECTION": "1"}, True),
        ({"GONGJI_ENVIRONMENT": "development", "GONGJI_REFLECTION": "0"}, False),
    ],
    ids=["default", "production", "development", "switched-on", "development-switched-off"],
)
async def test_reflection_is_off_unless_development_or_switched_on(
    env: dict[str, str], on: bool, accounts_from_env: Any, channels: Channels, certs: Path
) -> None:
    address = await accounts_from_env(**env)
    listed = await reflected_services(channels.get(address, certs, UNKNOWN))  # open to any certificate of its CA
    if on:
        assert listed is not None and set(app.SERVICES) <= set(listed)
    else:
        assert listed is None
