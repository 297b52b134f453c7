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
# A ListSettlements page token: URL-safe base64 of "<created_at, ISO 8601 in UTC>|<settlement id>" (about 80 chars).
PAGE_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}={0,2}")
MAX_PERIOD = dt.timedelta(days=31)
MAX_ITEMS = 10_000
_TOTALS = tuple(field.name for field in pb.ReconcileTotals.DESCRIPTOR.fields)
# A placeholder period for a request whose period is unreadable (done() refuses it before anyone sees it).
_NO_PERIOD = cmd.Period(dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.min.replace(tzinfo=dt.UTC))


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
    s, e = f.timestamp(start, "period_start"), f.timestamp(end, "period_end")
    if s is None or e is None:
        return _NO_PERIOD
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
    """The (created_at, settlement id) a token of `page_token` holds; anything else is a violation, whatever it
    decodes to: a time that is not in UTC (an offset near year 1 or 9999 would leave datetime's range), or an id
    that is not a settlement id."""
    if not token:
        return None
    when: dt.datetime | None = None
    sid = ""
    if PAGE_TOKEN.fullmatch(token):
        try:
            text, _, sid = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii").partition("|")
            when = dt.datetime.fromisoformat(text)
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            when = None
    ok = when is not None and when.utcoffset() == dt.timedelta(0) and SETTLEMENT_ID.fullmatch(sid) is not None
    f.check(ok, "page_token", "not a token this service returned")
    return (when, sid) if ok and when is not None else None


def reconcile(r: pb.ReconcileRequest) -> cmd.Reconcile:
    f = Fields()
    period = _period(f, r.period_start, r.period_end)
    _totals(f, r.totals)
    if f.check(len(r.items) <= MAX_ITEMS, "items", f"at most {MAX_ITEMS} rows"):
        for n, i in enumerate(r.items):
            _pos(f, i.pos_txn_id, f"items[{n}].pos_txn_id")
            for name in ("acct_pay_fen", "acct_mulaid_pay_fen", "psn_cash_pay_fen"):
                f.fen(getattr(i, name), f"items[{n}].{name}", zero_ok=True)
    f.check(len({i.pos_txn_id for i in r.items}) == len(r.items), "items", "each pos_txn_id at most once")
    items = tuple(cv.item(i) for i in r.items) if r.items else None
    return f.done(cmd.Reconcile(period, cv.totals(r.totals), items))


def _totals(f: Fields, t: pb.ReconcileTotals) -> None:
    """The institution's totals: counts and sums, none of them negative."""
    for name in _TOTALS:
        f.check(getattr(t, name) >= 0, f"totals.{name}", "must not be negative")
