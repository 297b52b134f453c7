"""The test kit: what the tests, the benchmark (tools/bench.py) and the POS conformance kit (tools/conformance.py)
share to talk to a real deployment — valid ID numbers, unique ids, every accounts service behind one object, a
family builder that goes through the public API as an operator would, and the details of gongji errors."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gongji.accounts.v1 import (
    family_service_pb2,
    family_service_pb2_grpc,
    ledger_service_pb2,
    ledger_service_pb2_grpc,
    payment_service_pb2,
    payment_service_pb2_grpc,
    person_pb2,
    pool_pb2,
    records_pb2,
    registry_service_pb2,
    registry_service_pb2_grpc,
    reservation_pb2,
)
from gongji.common.v1 import common_pb2
from services.accounts.domain.identity import check_digit
from services.common.rpc import error_info
from services.common.security import client_credentials


def _package(*modules: ModuleType) -> SimpleNamespace:
    """Every message and enum of a proto package under one name, as google-cloud's `tasks_v2` does."""
    return SimpleNamespace(**{k: v for m in modules for k, v in vars(m).items() if not k.startswith("_")})


accounts_v1 = _package(
    common_pb2,
    person_pb2,
    pool_pb2,
    records_pb2,
    reservation_pb2,
    registry_service_pb2,
    family_service_pb2,
    payment_service_pb2,
    ledger_service_pb2,
)

EMPLOYEE = common_pb2.INSURANCE_TYPE_EMPLOYEE
RESIDENT = common_pb2.INSURANCE_TYPE_RESIDENT
OWN = common_pb2.FUNDING_SOURCE_PERSONAL_ACCOUNT
POOL = common_pb2.FUNDING_SOURCE_FAMILY_POOL
ELECTRONIC_CREDENTIAL = common_pb2.MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL
ID_CARD = common_pb2.MDTRT_CERT_TYPE_ID_CARD
SOCIAL_SECURITY_CARD = common_pb2.MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD

_seq = itertools.count(random.randrange(10_000_000))


def id_number(region: str = "630102", born: dt.date | None = None) -> str:
    """A fresh, valid 18-character ID number (GB 11643), unique within the run and very likely across runs; an adult
    born between 1940 and 2008 unless `born` says when."""
    n = next(_seq)
    birth = born or dt.date(1940, 1, 1) + dt.timedelta(days=(n // 1000) % 25_000)
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def psn_no(prefix: str = "P") -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def rid() -> str:
    return uuid.uuid4().hex


def reason_of(exc: grpc.aio.AioRpcError | grpc.RpcError) -> str:
    """The ErrorInfo reason of a failed gongji call ("" when there is none)."""
    info = error_info(exc)
    return info.reason if info else ""


def bad_fields(exc: grpc.aio.AioRpcError | grpc.RpcError) -> dict[str, str]:
    """What the BadRequest detail of a failed call says of each field: {field: description}."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    out: dict[str, str] = {}
    for d in status.details if status else ():
        if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            d.Unpack(bad)
            out.update({v.field: v.description for v in bad.field_violations})
    return out


def chinese(exc: grpc.aio.AioRpcError | grpc.RpcError) -> str:
    """The zh-CN LocalizedMessage of a failed gongji call ("" when there is none)."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    for d in status.details if status else ():
        if d.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            localized = error_details_pb2.LocalizedMessage()
            d.Unpack(localized)
            if localized.locale == "zh-CN":
                return str(localized.message)
    return ""


async def fails(call: Awaitable[Any], reason: str, code: grpc.StatusCode | None = None) -> grpc.aio.AioRpcError:
    """Awaits a call that must fail with this ErrorInfo reason (and status code, if given); returns the error."""
    try:
        await call
    except grpc.aio.AioRpcError as err:
        got = (err.code(), reason_of(err))
        assert got[1] == reason and code in (None, got[0]), f"expected {code} {reason}, got {got}: {err.details()}"
        return err
    raise AssertionError(f"expected {reason}, the call succeeded")


def channel(
    address: str, pki: Path | None, identity: str | None = None, interceptors: list[Any] | None = None
) -> grpc.aio.Channel:
    """A channel to a gongji service: TLS trusting the PKI's CA, presenting `identity`'s client certificate (its
    `<identity>.pem` and `.key` in the PKI folder) when given; plaintext when there is no PKI (development only)."""
    if pki is None:
        return grpc.aio.insecure_channel(address, interceptors=interceptors)
    cert, key = (pki / f"{identity}.pem", pki / f"{identity}.key") if identity else (None, None)
    return grpc.aio.secure_channel(address, client_credentials(pki / "ca.pem", cert, key), interceptors=interceptors)


# Which identity of the PKI speaks to each accounts service (the role it needs; see accounts' transport/access.py).
ACCOUNTS_IDENTITIES = {"registry": "registry", "family": "member-service", "payment": "settlement", "ledger": "auditor"}


class Accounts:
    """Every accounts service as one object, each reached as the caller allowed to: `accounts.Reserve(...)` goes to
    PaymentService with the settlement service's certificate, `accounts.RegisterPerson(...)` to RegistryService with
    the registry feed's."""

    def __init__(self, channels: dict[str, grpc.aio.Channel]) -> None:
        self.channels = channels
        self.registry = registry_service_pb2_grpc.RegistryServiceStub(channels["registry"])  # type: ignore[no-untyped-call]
        self.family = family_service_pb2_grpc.FamilyServiceStub(channels["family"])  # type: ignore[no-untyped-call]
        self.payment = payment_service_pb2_grpc.PaymentServiceStub(channels["payment"])  # type: ignore[no-untyped-call]
        self.ledger = ledger_service_pb2_grpc.LedgerServiceStub(channels["ledger"])  # type: ignore[no-untyped-call]

    @classmethod
    def connect(cls, address: str, pki: Path | None) -> Accounts:
        return cls({service: channel(address, pki, who) for service, who in ACCOUNTS_IDENTITIES.items()})

    async def close(self) -> None:
        for c in self.channels.values():
            await c.close()

    def __getattr__(self, method: str) -> Any:
        for stub in (self.registry, self.family, self.payment, self.ledger):
            if hasattr(stub, method):
                return getattr(stub, method)
        raise AttributeError(f"no accounts service has an RPC {method}")


def accept_request(invitation_id: str, who: Insured, guardian: bool = False) -> Any:
    """The invited person accepting in person (or `who` as a guardian for a minor), naming themselves."""
    identity = person_pb2.Identity(name=who.name, id_number=who.id_number)
    acceptor = {"guardian": identity} if guardian else {"member": identity}
    return accounts_v1.AcceptInvitationRequest(request_id=rid(), invitation_id=invitation_id, **acceptor)


@dataclass(frozen=True)
class Deployment:
    """How a tool reaches a deployment: the PKI folder (its `ca.pem` and the callers' certificates, named as the
    development PKI names them: registry, member-service, settlement, auditor, the institution's code), and how the
    POS side names the institution: its certificate (mutual TLS) or a bearer token."""

    pki: Path | None
    institution: str
    token: str | None = None

    @staticmethod
    def add_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--pki", type=Path, default=Path(".data/pki"), help="folder of ca.pem and certificates")
        parser.add_argument("--institution", default="H63010000001", help="the institution's certificate name")
        parser.add_argument("--token", help="the institution's bearer token (settlement without mutual TLS)")
        parser.add_argument("--plaintext", action="store_true", help="development only: no TLS")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Deployment:
        return cls(None if args.plaintext else args.pki, args.institution, args.token)

    def pos(self, target: str) -> tuple[grpc.aio.Channel, list[tuple[str, str]]]:
        """A POS's channel to settlement and the metadata each call carries."""
        if self.token:
            return channel(target, self.pki), [("authorization", f"Bearer {self.token}")]
        return channel(target, self.pki, self.institution), []

    def accounts(self, address: str) -> Accounts:
        return Accounts.connect(address, self.pki)


def cert(cert_type: int, cert_no: str) -> dict[str, Any]:
    """A credential as the fields a POS sends with a charge (PreSettle, Settle, Authorize): `**cert(...)`."""
    return {"mdtrt_cert_type": cert_type, "mdtrt_cert_no": cert_no}


# A test bill's total when a test does not say: large enough for any personal part a test pays.
TEST_BILL_FEN = 100_000_000


def visit(
    mdtrt_id: str = "MDTRT-TEST",
    *,
    insutype: str = "310",
    med_type: str = "11",
    medfee_sumamt_fen: int = TEST_BILL_FEN,
    fund_pay_sumamt_fen: int = 0,
    setl_id: str = "",
    insuplc_admdvs: str = "",
) -> dict[str, Any]:
    """The visit and bill a charge belongs to, as the `visit` field of a PreSettle, Settle or Authorize (JSON-like
    dict, which protobuf takes for a message field): `**visit(...)`. Defaults: an employee-insured (310) outpatient
    (11) visit whose bill is large enough for any test's personal part."""
    return {
        "visit": {
            "mdtrt_id": mdtrt_id,
            "setl_id": setl_id,
            "insutype": insutype,
            "med_type": med_type,
            "medfee_sumamt_fen": medfee_sumamt_fen,
            "fund_pay_sumamt_fen": fund_pay_sumamt_fen,
            "insuplc_admdvs": insuplc_admdvs,
        }
    }


def charge(cert_type: int, cert_no: str, **bill: Any) -> dict[str, Any]:
    """What a POS sends with a charge besides the payer and amount: the credential and the visit (`visit(**bill)`)."""
    return {**cert(cert_type, cert_no), **visit(**bill)}


@dataclass(frozen=True)
class Insured:
    psn_no: str
    name: str
    id_number: str

    def cert(self) -> dict[str, Any]:
        """Their own ID card, as the fields a POS sends with a charge: `SettleRequest(..., **who.cert())`."""
        return cert(ID_CARD, self.id_number)

    def charge(self, **bill: Any) -> dict[str, Any]:
        """Their own ID card and a visit of theirs (`visit(**bill)`, by default visit id MDTRT-<psn_no>), as the
        fields a POS sends with a charge: `SettleRequest(..., **who.charge())`."""
        return {**self.cert(), **visit(bill.pop("mdtrt_id", f"MDTRT-{self.psn_no}"), **bill)}

    def credential(self) -> Any:
        """Their own ID card, as accounts' Reserve and Quote take it."""
        return accounts_v1.Credential(**self.cert())


class Family:
    """Builds people and families through the real accounts API, the way the registry and the counter would."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    async def person(
        self,
        insurance: int = EMPLOYEE,
        region: str = "630100",
        credit_fen: int = 0,
        *,
        psn: str = "",
        name: str = "张三",
        born: dt.date | None = None,
        **flags: object,
    ) -> Insured:
        who = Insured(psn or psn_no(), name, id_number(born=born))
        await self.accounts.RegisterPerson(
            accounts_v1.RegisterPersonRequest(
                request_id=rid(),
                psn_no=who.psn_no,
                name=who.name,
                id_number=who.id_number,
                insurance_type=insurance,
                region_code=region,
                **flags,
            )
        )
        if credit_fen:
            await self.credit(who, credit_fen)
        return who

    async def credit(self, who: Insured, amount_fen: int) -> int:
        out = await self.accounts.CreditPersonalAccount(
            accounts_v1.CreditPersonalAccountRequest(
                request_id=rid(), psn_no=who.psn_no, amount_fen=amount_fen, memo="contribution"
            )
        )
        return int(out.balance_fen)

    async def create_pool(self, creator: Insured, transfer_fen: int = 0) -> str:
        pool = (
            await self.accounts.CreatePool(
                accounts_v1.CreatePoolRequest(
                    request_id=rid(), creator_psn_no=creator.psn_no, agreement_version="2024-12"
                )
            )
        ).pool
        if transfer_fen:
            await self.transfer(pool.pool_id, transfer_fen)
        return str(pool.pool_id)

    async def transfer(self, pool_id: str, amount_fen: int) -> Any:
        return await self.accounts.TransferToPool(
            accounts_v1.TransferToPoolRequest(request_id=rid(), pool_id=pool_id, amount_fen=amount_fen)
        )

    async def invite(self, pool_id: str, member: Insured, relation: int = common_pb2.RELATION_SPOUSE) -> str:
        out = await self.accounts.InviteMember(
            accounts_v1.InviteMemberRequest(
                request_id=rid(),
                pool_id=pool_id,
                member_name=member.name,
                member_id_number=member.id_number,
                relation=relation,
            )
        )
        return str(out.invitation.invitation_id)

    async def bind(self, pool_id: str, member: Insured, relation: int = common_pb2.RELATION_SPOUSE) -> Any:
        invitation_id = await self.invite(pool_id, member, relation)
        return (await self.accounts.AcceptInvitation(accept_request(invitation_id, member))).pool

    async def balances(self, who: Insured) -> Any:
        return await self.accounts.GetBalances(accounts_v1.GetBalancesRequest(psn_no=who.psn_no))

    async def own_balance(self, who: Insured) -> int:
        return int((await self.balances(who)).personal.balance_fen)

    async def pool_balance(self, pool_id: str) -> int:
        return int((await self.accounts.GetPool(accounts_v1.GetPoolRequest(pool_id=pool_id))).pool.balance_fen)

    async def reserve(
        self, payer: Insured, amount_fen: int, sources: tuple[int, ...] = (OWN, POOL), **kw: object
    ) -> Any:
        """Reserve for the payer, who presents their own ID card unless `credential=` says otherwise."""
        out = await self.accounts.Reserve(
            accounts_v1.ReserveRequest(
                request_id=rid(),
                payer_psn_no=payer.psn_no,
                amount_fen=amount_fen,
                sources=list(sources),
                fixmedins_code="H63010000001",
                **{"credential": payer.credential(), **kw},
            )
        )
        return out.reservation
