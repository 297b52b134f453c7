"""What a Settle or Authorize asks for, free of gRPC and SQL: its intent (with the visit, the patient's choice of
accounts and the credential as its keyed hash), its fingerprint, the one Reserve it makes at accounts, and why each
account source gave less than was still needed. The state machine is in domain/lifecycle.py."""

from __future__ import annotations

import dataclasses
import hashlib

from services.common.credentials import Credential
from services.common.errors import DomainError, Reason
from services.common.personal_data import keyed_hash
from services.settlement.domain import commands as cmd
from services.settlement.domain.accounts import ReserveCall
from services.settlement.domain.model import (
    ACCOUNT_SOURCES,
    ALLOWED,
    AccountUse,
    Kind,
    Settlement,
    Shortfall,
    Source,
    Status,
)
from services.settlement.domain.policy import SettlementPolicy

# ---------------------------------------------------------------- exactly once with accounts


def request_id(s: Settlement, step: str) -> str:
    """The accounts request id of one step of one settlement: the same every time the step is tried."""
    return f"stl-{s.id}-{step}"


def reserve_call(s: Settlement, credential: Credential) -> ReserveCall:
    """The reserve of a settlement's intent: the same call every time it is made, so accounts runs it once. The
    credential is the POS request's (settlement keeps only its keyed hash): a retry can make the call again because
    its fingerprint proves it carries the same credential; an undo never makes it again (it asks Fence)."""
    return ReserveCall(
        request_id=request_id(s, "reserve"),
        payer_psn_no=s.payer_psn_no,
        amount_fen=s.amount_fen,
        credential=credential,
        debit_immediately=s.kind is Kind.SALE,
        hold_ttl_seconds=s.hold_ttl_seconds,
        fixmedins_code=s.institution,
        description=s.description,
        sources=ALLOWED[s.account_use],
        visit_region=s.visit.mdtrtarea_admvs,
    )


def uses_accounts(use: AccountUse) -> bool:
    """Whether the patient lets any account pay: if not, accounts is not called at all (an all-cash settlement)."""
    return bool(ALLOWED[use])


def shortfalls(use: AccountUse, asked: tuple[Shortfall, ...], cash_fen: int) -> tuple[Shortfall, ...]:
    """Why each account source gave less than was still needed: accounts' reasons for the sources it was asked, and
    ACCOUNT_USE_NOT_REQUESTED for a source the patient declined while something was left to pay (cash)."""
    declined = [Shortfall(x, Reason.ACCOUNT_USE_NOT_REQUESTED.name) for x in ACCOUNT_SOURCES if x not in ALLOWED[use]]
    found = {x.source: x for x in (*asked, *(declined if cash_fen > 0 else ())) if x.reason}
    return tuple(found[x] for x in ACCOUNT_SOURCES if x in found)


def shortfall_reasons(found: tuple[Shortfall, ...]) -> tuple[str, str]:
    """The reasons of the own account's and the pool's shortfalls, as stored ("" for none)."""
    by_source = {x.source: x.reason for x in found}
    return by_source.get(Source.PERSONAL_ACCOUNT, ""), by_source.get(Source.FAMILY_POOL, "")


def fingerprint(c: cmd.Pay, cert_no_hash: bytes) -> bytes:
    """What must be equal for a second request with the same pos_txn_id to count as a replay: the credential too,
    by its keyed hash (an unkeyed hash of a request holding an ID number could be reversed by trying them all)."""
    v = c.visit
    parts = (
        c.kind.value,
        c.payer_psn_no,
        c.amount_fen,
        c.description,
        c.hold_ttl_seconds,
        c.credential.cert_type.value,
        cert_no_hash.hex(),
        v.mdtrt_id,
        v.setl_id,
        v.insutype,
        v.med_type,
        v.medfee_sumamt_fen,
        v.fund_pay_sumamt_fen,
        c.account_use.value,
        v.insuplc_admdvs,
    )
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()


def intent(
    c: cmd.Pay,
    institution: str,
    settlement_id: str,
    credential_key: bytes,
    policy: SettlementPolicy | None = None,
    institution_region: str = "",
) -> Settlement:
    """The intent of a Settle or Authorize. The credential's number is kept only as its keyed hash and masked; the
    visit is where the institution is (its configured region), whatever the request says."""
    cert_no_hash = keyed_hash(credential_key, c.credential.cert_no)
    return Settlement(
        id=settlement_id,
        institution=institution,
        pos_txn_id=c.pos_txn_id,
        kind=c.kind,
        status=Status.PENDING,
        payer_psn_no=c.payer_psn_no,
        amount_fen=c.amount_fen,
        description=c.description,
        fingerprint=fingerprint(c, cert_no_hash),
        # an authorization holds for its visit's kind (hours outpatient, weeks inpatient); a sale holds nothing
        hold_ttl_seconds=(policy or SettlementPolicy()).hold_ttl_seconds(c.visit, c.hold_ttl_seconds)
        if c.kind is Kind.AUTHORIZATION
        else c.hold_ttl_seconds,
        visit=dataclasses.replace(c.visit, mdtrtarea_admvs=institution_region),
        account_use=c.account_use,
        cert_type=c.credential.cert_type,
        cert_no_hash=cert_no_hash,
        cert_no_masked=c.credential.masked,
    )


def require_same_request(found: Settlement, wanted: Settlement) -> None:
    """The same pos_txn_id with other content is refused (a tombstone answers every request: reversed)."""
    if found.kind is not Kind.TOMBSTONE and (found.kind is not wanted.kind or found.fingerprint != wanted.fingerprint):
        raise DomainError(Reason.REQUEST_ID_REUSED, "(pos_txn_id)", {"pos_txn_id": wanted.pos_txn_id})
