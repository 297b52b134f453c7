"""A settlement and its refunds, free of gRPC and SQL: kinds, statuses, the split of a payment, what is refundable.
The moves between statuses are in domain/lifecycle.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from services.common.credentials import CertType


class Kind(StrEnum):
    SALE = "SALE"
    AUTHORIZATION = "AUTHORIZATION"
    TOMBSTONE = "TOMBSTONE"


class Status(StrEnum):
    PENDING = "PENDING"  # intent written, reserve call to accounts may be under way
    AUTHORIZED = "AUTHORIZED"
    CAPTURING = "CAPTURING"  # intent: debit capture_fen
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    VOIDING = "VOIDING"  # intent: release the hold
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"
    COMPENSATING = "COMPENSATING"  # intent: undo an unanswered request (recovery), then VOIDED
    REVERSING = "REVERSING"  # intent: undo on the POS's request (冲正), then REVERSED
    REVERSED = "REVERSED"


# Statuses in which a call to accounts may be under way: the recovery worker finishes what these started.
UNFINISHED = frozenset({Status.PENDING, Status.CAPTURING, Status.VOIDING, Status.COMPENSATING, Status.REVERSING})
# Statuses a settlement ends in (REVERSED and DECLINED included).
FINAL = frozenset({Status.COMPLETED, Status.DECLINED, Status.VOIDED, Status.EXPIRED, Status.REVERSED})
# Statuses in which nothing was paid and nothing is held: reversing them has nothing to undo.
NOTHING_PAID = frozenset({Status.DECLINED, Status.VOIDED, Status.EXPIRED, Status.REVERSED})


class AccountUse(StrEnum):
    """How the patient lets the accounts be used (the national platform's acct_used_flag): own account then pool
    (the default, rule 8), own account only, or none at all (all cash)."""

    OWN_THEN_POOL = "OWN_THEN_POOL"
    OWN_ONLY = "OWN_ONLY"
    NONE = "NONE"


class Source(StrEnum):
    """Where the personal part is paid from (and refunded to)."""

    PERSONAL_ACCOUNT = "PERSONAL_ACCOUNT"
    FAMILY_POOL = "FAMILY_POOL"
    CASH = "CASH"


# The account sources in the order rule 8 uses them, and the ones each choice of the patient allows.
ACCOUNT_SOURCES = (Source.PERSONAL_ACCOUNT, Source.FAMILY_POOL)
ALLOWED: dict[AccountUse, tuple[Source, ...]] = {
    AccountUse.OWN_THEN_POOL: ACCOUNT_SOURCES,
    AccountUse.OWN_ONLY: (Source.PERSONAL_ACCOUNT,),
    AccountUse.NONE: (),
}


@dataclass(frozen=True)
class Visit:
    """The visit and bill a charge belongs to, as the national platform names them (2206/2207): the visit id
    (mdtrt_id), the platform's settlement id when known (setl_id), insurance type (insutype, e.g. 310 employee, 390
    resident), medical type (med_type, e.g. 11 outpatient, 14 chronic/special disease outpatient, 21 inpatient, 41
    pharmacy), the bill's total (medfee_sumamt) and what the pooled fund pays (fund_pay_sumamt). The personal part
    (psn_part_amt) is the settlement's amount_fen: fund + personal part <= total (the rest the institution bears)."""

    mdtrt_id: str = ""
    setl_id: str = ""
    insutype: str = ""
    med_type: str = ""
    medfee_sumamt_fen: int = 0
    fund_pay_sumamt_fen: int = 0
    # Where the payer is insured, as the platform told the POS (参保地, insuplc_admdvs): recorded. Accounts decides
    # from its own registry where the payer and the family are insured.
    insuplc_admdvs: str = ""
    # Where the care happens (就医地, mdtrtarea_admvs): the institution's region, from gongji's configuration, never
    # from the request. Outside the family's coordinating region the pool does not pay (rule 5, the policy's scope).
    mdtrtarea_admvs: str = ""

    @property
    def inpatient(self) -> bool:
        """An inpatient stay (med_type 2x, or 52 maternity inpatient): its deposit is held for weeks, not hours."""
        return self.med_type.startswith("2") or self.med_type == "52"


@dataclass(frozen=True)
class Shortfall:
    """Why an account source gave less than was still needed: a reason code of the reason table."""

    source: Source
    reason: str


@dataclass
class Split:
    """The national platform's names: acct_pay (own personal account), acct_mulaid_pay (pool), psn_cash_pay."""

    acct_pay_fen: int = 0
    acct_mulaid_pay_fen: int = 0
    psn_cash_pay_fen: int = 0
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def accounts_fen(self) -> int:
        return self.acct_pay_fen + self.acct_mulaid_pay_fen


class RefundStatus(StrEnum):
    PENDING = "PENDING"  # intent written, refund call to accounts may be under way
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    REVERSING = "REVERSING"  # intent: take back what it gave (冲正 of the refund), then REVERSED
    REVERSED = "REVERSED"  # what it gave was taken back (or it never ran): it gave nothing


# Refund statuses whose money went back (until a reversal has taken it back), and those that take nothing now.
REFUNDED = frozenset({RefundStatus.COMPLETED, RefundStatus.REVERSING})
GAVE_NOTHING = frozenset({RefundStatus.DECLINED, RefundStatus.REVERSED})


@dataclass
class Refund:
    id: int
    settlement_id: str
    refund_pos_txn_id: str
    amount_fen: int
    is_reversal: bool  # written by a reversal (冲正) to give back what was left: not the POS's refund
    status: RefundStatus
    acct_refund_fen: int = 0
    acct_mulaid_refund_fen: int = 0
    decline_reason: str = ""
    decline_message: str = ""
    created_at: dt.datetime | None = None
    cash_fen: int = 0  # cash the institution returned itself (no accounts call)
    completed_at: dt.datetime | None = None
    to_creator_fen: int = 0  # of the pool's part, what went to the creator's own account (the pool was dissolved)
    whole_bill: bool = False


@dataclass(frozen=True)
class NewRefund:
    """The intent of a refund, written (status PENDING) before accounts is asked. `amount_fen` goes back through
    the accounts (0: nothing to ask them), `cash_fen` is the cash the institution returns itself."""

    settlement_id: str
    institution: str
    refund_pos_txn_id: str
    amount_fen: int
    is_reversal: bool = False
    cash_fen: int = 0
    whole_bill: bool = False


@dataclass(frozen=True)
class RefundFinish:
    """How a pending refund ended: what went back to the own account and to the pool (of which, to a dissolved pool's
    creator), or why accounts said no."""

    status: RefundStatus
    acct_refund_fen: int = 0
    acct_mulaid_refund_fen: int = 0
    decline_reason: str = ""
    decline_message: str = ""
    to_creator_fen: int = 0


@dataclass
class Settlement:
    id: str
    institution: str
    pos_txn_id: str
    kind: Kind
    status: Status
    payer_psn_no: str = ""
    amount_fen: int = 0
    description: str = ""
    fingerprint: bytes = b""
    hold_ttl_seconds: int = 0
    capture_pos_txn_id: str = ""  # the POS's own id of its Capture, if it gave one: Reverse undoes it by that id
    visit: Visit = field(default_factory=Visit)
    account_use: AccountUse = AccountUse.OWN_THEN_POOL
    # The credential the payer presented: its type, its number's keyed hash and masked form, never the number.
    cert_type: CertType | None = None  # None: a tombstone (or a row from before credentials)
    cert_no_hash: bytes = b""
    cert_no_masked: str = ""
    reservation_id: str = ""
    authorized_fen: int = 0
    capture_fen: int | None = None
    split: Split = field(default_factory=Split)
    balc_fen: int = 0
    pool_balc_fen: int = 0
    decline_reason: str = ""
    decline_message: str = ""
    expires_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None  # when it was paid (a sale, or a capture): the period it belongs to
    created_by: str = ""  # who did it: "CHANNEL:identity" (services/common/actors.py)
    updated_by: str = ""
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunded_fen(self) -> int:
        return sum(r.amount_fen for r in self.refunds if r.status in REFUNDED)

    @property
    def refundable_fen(self) -> int:
        """What accounts paid and no refund has taken or is taking (pending refunds count as taken)."""
        if self.status is not Status.COMPLETED:
            return 0
        taken = sum(r.amount_fen for r in self.refunds if r.status not in GAVE_NOTHING)
        return self.split.accounts_fen - taken

    @property
    def cash_refundable_fen(self) -> int:
        """The cash part no refund has given back yet (or is giving back)."""
        if self.status is not Status.COMPLETED:
            return 0
        taken = sum(r.cash_fen for r in self.refunds if r.status not in GAVE_NOTHING)
        return self.split.psn_cash_pay_fen - taken


NATIONAL_INSTITUTION_CODE = re.compile(r"^[A-Z](\d{6})")


def institution_region(code: str, configured: Mapping[str, str]) -> str:
    """An institution's region (6-digit administrative code): as configured (GONGJI_INSTITUTION_REGIONS), else the
    one its national code carries (定点医药机构编码: a letter, the 6-digit region, a serial: H63010000001 is in
    630100), else "" (unknown: accounts then checks only that payer and family are in one region)."""
    if code in configured:
        return configured[code]
    found = NATIONAL_INSTITUTION_CODE.match(code)
    return found.group(1) if found else ""
