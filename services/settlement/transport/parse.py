"""One parser per POS request: reads every field, returns the frozen command of domain/commands.py, or raises
InvalidArgument listing every bad field at once."""

from __future__ import annotations

import base64
import datetime as dt
import re

from google.protobuf.timestamp_pb2 import Timestamp

from gongji.settlement.v1 import settlement_pb2 as pb
from services.common import credentials
from services.common.credentials import Credential
from services.common.parsing import Fields
from services.settlement.domain import commands as cmd
from services.settlement.domain.model import Kind
from services.settlement.transport import convert as cv

POS_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SETTLEMENT_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_PERIOD = dt.timedelta(days=31)
MAX_ITEMS = 10_000


def _pos(f: Fields, value: str, field: str = "pos_txn_id") -> str:
    return f.matches(value, POS_ID, field, "required: 1-64 letters, digits or - _ . :")


def _ref(f: Fields, which: str | None, settlement_id: str, pos_txn_id: str) -> cmd.SettlementRef:
    """The required oneof `settlement`: our settlement id, or the POS transaction id."""
    chosen = f.which(which, "settlement")
    if chosen == "settlement_id":
        return cmd.SettlementRef(
            settlement_id=f.matches(settlement_id, SETTLEMENT_ID, "settlement_id", "a settlement id as returned")
        )
    return cmd.SettlementRef(pos_txn_id=_pos(f, pos_txn_id) if chosen else "")


def _period(f: Fields, start: Timestamp, end: Timestamp) -> cmd.Period:
    s, e = start.ToDatetime(dt.UTC), end.ToDatetime(dt.UTC)
    f.check(
        start.ByteSize() > 0 and end.ByteSize() > 0 and s < e,
        "period_end",
        "period_start and period_end are required, start before end",
    )
    f.check(e - s <= MAX_PERIOD, "period_end", "a period is at most 31 days")
    return cmd.Period(s, e)


def _credential(f: Fields, r: pb.PreSettleRequest | pb.SettleRequest | pb.AuthorizeRequest) -> Credential:
    """The payer's credential: required, in its type's format (services/common/credentials.py)."""
    return credentials.read(f, cv.cert_type(r.mdtrt_cert_type), r.mdtrt_cert_no, "mdtrt_cert_type", "mdtrt_cert_no")


def pre_settle(r: pb.PreSettleRequest) -> cmd.PreSettle:
    f = Fields()
    return f.done(cmd.PreSettle(f.psn_no(r.payer_psn_no, "payer_psn_no"), f.fen(r.amount_fen), _credential(f, r)))


def settle(r: pb.SettleRequest) -> cmd.Pay:
    f = Fields()
    return f.done(
        cmd.Pay(
            Kind.SALE,
            _pos(f, r.pos_txn_id),
            f.psn_no(r.payer_psn_no, "payer_psn_no"),
            f.fen(r.amount_fen),
            _credential(f, r),
            f.text(r.description, "description", 200),
        )
    )


def authorize(r: pb.AuthorizeRequest) -> cmd.Pay:
    f = Fields()
    return f.done(
        cmd.Pay(
            Kind.AUTHORIZATION,
            _pos(f, r.pos_txn_id),
            f.psn_no(r.payer_psn_no, "payer_psn_no"),
            f.fen(r.amount_fen),
            _credential(f, r),
            f.text(r.description, "description", 200),
            f.in_range(r.hold_ttl_seconds, 0, 2**31 - 1, "hold_ttl_seconds", "must not be negative"),
        )
    )


def capture(r: pb.CaptureRequest) -> cmd.Capture:
    f = Fields()
    return f.done(
        cmd.Capture(
            _ref(f, r.WhichOneof("settlement"), r.settlement_id, r.pos_txn_id), f.fen(r.amount_fen, zero_ok=True)
        )
    )


def settlement_ref(r: pb.VoidRequest | pb.GetSettlementRequest) -> cmd.SettlementRef:
    f = Fields()
    return f.done(_ref(f, r.WhichOneof("settlement"), r.settlement_id, r.pos_txn_id))


def refund(r: pb.RefundRequest) -> cmd.Refund:
    f = Fields()
    return f.done(
        cmd.Refund(
            _ref(f, r.WhichOneof("settlement"), r.settlement_id, r.pos_txn_id),
            _pos(f, r.refund_pos_txn_id, "refund_pos_txn_id"),
            f.fen(r.amount_fen),
        )
    )


def reverse(r: pb.ReverseRequest) -> cmd.Reverse:
    f = Fields()
    return f.done(cmd.Reverse(_pos(f, r.pos_txn_id)))


def list_settlements(r: pb.ListSettlementsRequest) -> cmd.ListSettlements:
    f = Fields()
    return f.done(
        cmd.ListSettlements(
            _period(f, r.period_start, r.period_end), _page_token(f, r.page_token), f.page_size(r.page_size)
        )
    )


def page_token(last_created_at: dt.datetime, last_id: str) -> str:
    return base64.urlsafe_b64encode(f"{last_created_at.isoformat()}|{last_id}".encode()).decode()


def _page_token(f: Fields, token: str) -> tuple[dt.datetime, str] | None:
    if not token:
        return None
    try:
        when, _, sid = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        return dt.datetime.fromisoformat(when), sid
    except (ValueError, UnicodeDecodeError):
        f.check(False, "page_token", "not a token this service returned")
        return None


def reconcile(r: pb.ReconcileRequest) -> cmd.Reconcile:
    f = Fields()
    period = _period(f, r.period_start, r.period_end)
    f.check(len(r.items) <= MAX_ITEMS, "items", f"at most {MAX_ITEMS} rows")
    f.check(len({i.pos_txn_id for i in r.items}) == len(r.items), "items", "each pos_txn_id at most once")
    items = tuple(cv.item(i) for i in r.items) if r.items else None
    return f.done(cmd.Reconcile(period, cv.totals(r.totals), items))
