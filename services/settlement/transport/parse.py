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
from services.settlement.domain.model import AccountUse, Kind, Visit
from services.settlement.transport import convert as cv

POS_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
INSUTYPE = re.compile(r"^[0-9]{3}$")  # the platform's 险种类型, e.g. 310, 390
MED_TYPE = re.compile(r"^[0-9]{2,6}$")  # the platform's 医疗类别, e.g. 11, 14, 21, 41 (regions add longer codes)
REGION = re.compile(r"^[0-9]{6}$")  # an administrative division code (行政区划), e.g. 630102
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


def _visit(f: Fields, r: pb.PreSettleRequest | pb.SettleRequest | pb.AuthorizeRequest) -> Visit:
    """The visit and bill: the platform's ids and codes in their formats, and a bill whose parts fit in it: the
    pooled fund's part plus the personal part (amount_fen, psn_part_amt) at most the total."""
    v = r.visit
    setl_id = v.setl_id and f.matches(v.setl_id, POS_ID, "visit.setl_id", "1-64 letters, digits or - _ . :")
    total = f.fen(v.medfee_sumamt_fen, "visit.medfee_sumamt_fen")
    fund = f.fen(v.fund_pay_sumamt_fen, "visit.fund_pay_sumamt_fen", zero_ok=True)
    f.check(
        total <= 0 or 0 > fund or fund + r.amount_fen <= total,
        "visit.medfee_sumamt_fen",
        "must be at least fund_pay_sumamt_fen + amount_fen (the personal part)",
    )
    return Visit(
        mdtrt_id=f.matches(v.mdtrt_id, POS_ID, "visit.mdtrt_id", "required: 1-64 letters, digits or - _ . :"),
        setl_id=setl_id,
        insutype=f.matches(v.insutype, INSUTYPE, "visit.insutype", "required: 3 digits, e.g. 310 or 390"),
        med_type=f.matches(v.med_type, MED_TYPE, "visit.med_type", "required: 2-6 digits, e.g. 11, 14, 21 or 41"),
        medfee_sumamt_fen=total,
        fund_pay_sumamt_fen=fund,
        insuplc_admdvs=v.insuplc_admdvs
        and f.matches(v.insuplc_admdvs, REGION, "visit.insuplc_admdvs", "6 digits (an administrative code), or empty"),
    )


def _account_use(f: Fields, value: int) -> AccountUse:
    use = cv.account_use(value)
    f.check(use is not None, "acct_used_flag", "one of OWN_THEN_POOL, OWN_ONLY, NONE (or unset)")
    return use or AccountUse.OWN_THEN_POOL


def pre_settle(r: pb.PreSettleRequest) -> cmd.PreSettle:
    f = Fields()
    return f.done(
        cmd.PreSettle(
            f.psn_no(r.payer_psn_no, "payer_psn_no"),
            f.fen(r.amount_fen),
            _credential(f, r),
            _visit(f, r),
            _account_use(f, r.acct_used_flag),
        )
    )


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
            visit=_visit(f, r),
            account_use=_account_use(f, r.acct_used_flag),
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
            visit=_visit(f, r),
            account_use=_account_use(f, r.acct_used_flag),
        )
    )


def capture(r: pb.CaptureRequest) -> cmd.Capture:
    """A capture pays a positive final personal part: capturing nothing is a Void."""
    f = Fields()
    f.check(r.amount_fen != 0, "amount_fen", "a capture of 0 is a Void: call Void")
    capture_id = r.capture_pos_txn_id and _pos(f, r.capture_pos_txn_id, "capture_pos_txn_id")
    return f.done(
        cmd.Capture(
            _ref(f, r.WhichOneof("settlement"), r.settlement_id, r.pos_txn_id),
            f.fen(r.amount_fen, zero_ok=True),
            capture_id,
        )
    )


def settlement_ref(r: pb.VoidRequest | pb.GetSettlementRequest) -> cmd.SettlementRef:
    f = Fields()
    return f.done(_ref(f, r.WhichOneof("settlement"), r.settlement_id, r.pos_txn_id))


def refund(r: pb.RefundRequest) -> cmd.Refund:
    """Through the accounts and/or in cash, or the whole bill (then neither amount is given)."""
    f = Fields()
    amount = f.fen(r.amount_fen, zero_ok=True)
    cash = f.fen(r.psn_cash_refund_fen, "psn_cash_refund_fen", zero_ok=True)
    if r.whole_bill:
        f.check(amount == 0 and cash == 0, "whole_bill", "the whole bill is what is left: give no amounts with it")
    else:
        f.check(amount + cash > 0, "amount_fen", "required: amount_fen and/or psn_cash_refund_fen positive")
    return f.done(
        cmd.Refund(
            _ref(f, r.WhichOneof("settlement"), r.settlement_id, r.pos_txn_id),
            _pos(f, r.refund_pos_txn_id, "refund_pos_txn_id"),
            amount,
            cash,
            r.whole_bill,
        )
    )


def reverse(r: pb.ReverseRequest) -> cmd.Reverse:
    f = Fields()
    return f.done(cmd.Reverse(_pos(f, r.pos_txn_id)))


# All of time, for a visit's settlements listed without a period.
_ALL_TIME = cmd.Period(dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC))


def list_settlements(r: pb.ListSettlementsRequest) -> cmd.ListSettlements:
    f = Fields()
    mdtrt_id = r.mdtrt_id and f.matches(r.mdtrt_id, POS_ID, "mdtrt_id", "1-64 letters, digits or - _ . :")
    no_period = not r.HasField("period_start") and not r.HasField("period_end")
    period = _ALL_TIME if mdtrt_id and no_period else _period(f, r.period_start, r.period_end)
    return f.done(
        cmd.ListSettlements(period, _page_token(f, r.page_token), f.page_size(r.page_size), mdtrt_id=mdtrt_id)
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
            f.check(cv.item_kind(i.kind) is not None, f"items[{n}].kind", "PAYMENT, REFUND or REVERSAL")
    keys = {(cv.item_kind(i.kind), i.pos_txn_id) for i in r.items}
    f.check(len(keys) == len(r.items), "items", "each kind and pos_txn_id at most once")
    f.check(not r.insutype or INSUTYPE.fullmatch(r.insutype) is not None, "insutype", "3 digits, e.g. 310")
    f.check(r.clr_type in ("", "11", "21", "41"), "clr_type", "11, 21 or 41 (or empty: all)")
    items = tuple(cv.item(i) for i in r.items) if r.items else None
    return f.done(cmd.Reconcile(period, cv.totals(r.totals), items, r.insutype, r.clr_type))


def detail_file(r: pb.DetailFileRequest) -> cmd.Period:
    f = Fields()
    return f.done(_period(f, r.period_start, r.period_end))


def _totals(f: Fields, t: pb.ReconcileTotals) -> None:
    """The institution's totals: counts and sums, none of them negative."""
    for name in _TOTALS:
        f.check(getattr(t, name) >= 0, f"totals.{name}", "must not be negative")


def close_period(r: pb.ClosePeriodRequest) -> dt.datetime:
    """The end of the period to close: required."""
    f = Fields()
    end = f.timestamp(r.period_end, "period_end")
    f.check(r.HasField("period_end"), "period_end", "required: the end of the period (exclusive)")
    return f.done(end or _NO_PERIOD.end)
