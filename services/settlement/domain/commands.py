"""What each POS request asks for, once parsed: frozen, typed, free of gRPC. The calling institution and the time
the POS is willing to wait travel beside the command (services/settlement/usecases), not inside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.common.credentials import Credential
from services.settlement.domain.model import AccountUse, Kind, Visit
from services.settlement.domain.reconcile import Item, Totals


@dataclass(frozen=True)
class PreSettle:
    payer_psn_no: str
    amount_fen: int
    credential: Credential
    visit: Visit = Visit()
    account_use: AccountUse = AccountUse.OWN_THEN_POOL


@dataclass(frozen=True)
class Pay:
    """Settle (kind SALE: pay at once) or Authorize (kind AUTHORIZATION: hold, capture later)."""

    kind: Kind
    pos_txn_id: str
    payer_psn_no: str
    amount_fen: int
    credential: Credential  # what the payer presented; part of the request (its fingerprint), stored only hashed
    description: str = ""
    hold_ttl_seconds: int = 0
    visit: Visit = Visit()
    account_use: AccountUse = AccountUse.OWN_THEN_POOL


@dataclass(frozen=True)
class SettlementRef:
    """A settlement, by our id or by the POS transaction id that created it (exactly one is set)."""

    settlement_id: str = ""
    pos_txn_id: str = ""


@dataclass(frozen=True)
class Capture:
    settlement: SettlementRef
    amount_fen: int
    capture_pos_txn_id: str = ""  # the POS's own id of the capture, by which a Reverse undoes it


@dataclass(frozen=True)
class Refund:
    """2208-style: `amount_fen` back through the accounts, `cash_fen` back in cash by the institution, or (whole_bill)
    everything not yet refunded."""

    settlement: SettlementRef
    refund_pos_txn_id: str
    amount_fen: int
    cash_fen: int = 0
    whole_bill: bool = False


@dataclass(frozen=True)
class Reverse:
    pos_txn_id: str


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class ListSettlements:
    period: Period
    after: tuple[dt.datetime, str] | None  # the page token: (created_at, id) of the last one seen
    page_size: int
    mdtrt_id: str = ""  # only this visit's


@dataclass(frozen=True)
class Reconcile:
    period: Period
    theirs: Totals
    items: tuple[Item, ...] | None  # None: totals only
    insutype: str = ""  # only this insurance type ("": all)
    clr_type: str = ""  # only this clearing type ("": all)


@dataclass(frozen=True)
class Recover:
    """One round of the recovery worker: work unfinished for longer than `grace_s`, at most `batch` of each kind. A
    payment still PENDING is abandoned only once no POS can still be waiting on it: unchanged for `grace_s` and for
    `pending_grace_s` (longer than any POS call waits for accounts: settlement's wait is capped by it)."""

    grace_s: float
    batch: int = 50
    pending_grace_s: float = 0.0
