"""The one place that knows both protobuf and domain types of the settlement service."""

from __future__ import annotations

from dataclasses import fields

from gongji.settlement.v1 import settlement_pb2 as pb
from services.common.credentials import CertType
from services.common.errors import Reason
from services.common.wire import ts
from services.settlement.domain.lifecycle import visible_status
from services.settlement.domain.model import (
    REFUNDED,
    AccountUse,
    Kind,
    Refund,
    RefundStatus,
    Settlement,
    Shortfall,
    Split,
    Status,
    Visit,
)
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.domain.reconcile import DetailRow, Item, Row, Totals, TypeTotals


def cert_type(v: int) -> CertType | None:
    """A wire mdtrt_cert_type; None for UNSPECIFIED or a value this build does not know."""
    if not v or v not in pb.MdtrtCertType.values():
        return None
    return CertType(pb.MdtrtCertType.Name(v).removeprefix("MDTRT_CERT_TYPE_"))


def account_use(v: int) -> AccountUse | None:
    """A wire acct_used_flag; UNSPECIFIED is the default (own account, then pool); None for an unknown value."""
    if v == pb.ACCT_USED_FLAG_UNSPECIFIED:
        return AccountUse.OWN_THEN_POOL
    if v not in pb.AcctUsedFlag.values():
        return None
    return AccountUse(pb.AcctUsedFlag.Name(v).removeprefix("ACCT_USED_FLAG_"))


def visit_pb(v: Visit) -> pb.Visit | None:
    if not v.mdtrt_id:
        return None
    return pb.Visit(
        mdtrt_id=v.mdtrt_id,
        setl_id=v.setl_id,
        insutype=v.insutype,
        med_type=v.med_type,
        medfee_sumamt_fen=v.medfee_sumamt_fen,
        fund_pay_sumamt_fen=v.fund_pay_sumamt_fen,
        insuplc_admdvs=v.insuplc_admdvs,
        mdtrtarea_admvs=v.mdtrtarea_admvs,
    )


def shortfall_pb(x: Shortfall) -> pb.Shortfall:
    """A source's shortfall with the clerk's message in both languages (empty for a reason this build does not
    know, e.g. one a newer accounts service added)."""
    reason = Reason.parse(x.reason)
    return pb.Shortfall(
        source="PAY_SOURCE_" + x.source.value,
        reason=x.reason,
        message=reason.message if reason else "",
        message_zh=reason.message_zh if reason else "",
    )


def split_pb(split: Split) -> pb.Split:
    return pb.Split(
        acct_pay_fen=split.acct_pay_fen,
        acct_mulaid_pay_fen=split.acct_mulaid_pay_fen,
        psn_cash_pay_fen=split.psn_cash_pay_fen,
        shortfalls=[shortfall_pb(x) for x in split.shortfalls],
    )


def refund_pb(r: Refund) -> pb.RefundRecord:
    return pb.RefundRecord(
        refund_pos_txn_id=r.refund_pos_txn_id,
        amount_fen=r.amount_fen,
        acct_refund_fen=r.acct_refund_fen,
        acct_mulaid_refund_fen=r.acct_mulaid_refund_fen,
        completed=r.status in REFUNDED,
        reversed=r.status is RefundStatus.REVERSED,
        created_at=ts(r.created_at),
        psn_cash_refund_fen=r.cash_fen,
        creator_acct_refund_fen=r.to_creator_fen,
        whole_bill=r.whole_bill,
    )


def settlement_pb(s: Settlement) -> pb.Settlement:
    return pb.Settlement(
        settlement_id=s.id,
        pos_txn_id=s.pos_txn_id,
        fixmedins_code=s.institution,
        payer_psn_no=s.payer_psn_no,
        kind="SETTLEMENT_KIND_" + s.kind.value,
        status="SETTLEMENT_STATUS_" + visible_status(s).value,
        amount_fen=s.amount_fen,
        authorized_fen=s.authorized_fen,
        split=split_pb(s.split) if s.kind is not Kind.TOMBSTONE and s.status is not Status.PENDING else None,
        refunded_fen=s.refunded_fen,
        refunds=[refund_pb(r) for r in s.refunds if r.status is not RefundStatus.DECLINED],
        balc_fen=s.balc_fen,
        pool_balc_fen=s.pool_balc_fen,
        decline_reason=s.decline_reason,
        decline_message=s.decline_message,
        expires_at=ts(s.expires_at),
        created_at=ts(s.created_at),
        updated_at=ts(s.updated_at),
        description=s.description,
        mdtrt_cert_type="MDTRT_CERT_TYPE_" + (s.cert_type.value if s.cert_type else "UNSPECIFIED"),
        mdtrt_cert_no_masked=s.cert_no_masked,
        created_by=s.created_by,
        updated_by=s.updated_by,
        visit=visit_pb(s.visit),
        capture_pos_txn_id=s.capture_pos_txn_id,
        acct_used_flag="ACCT_USED_FLAG_" + s.account_use.value if s.kind is not Kind.TOMBSTONE else None,
    )


def totals(t: pb.ReconcileTotals) -> Totals:
    return Totals(**{f.name: getattr(t, f.name) for f in fields(Totals)})


def totals_pb(t: Totals) -> pb.ReconcileTotals:
    return pb.ReconcileTotals(**{f.name: getattr(t, f.name) for f in fields(Totals)})


def type_totals_pb(t: TypeTotals) -> pb.TypeTotals:
    return pb.TypeTotals(insutype=t.insutype, clr_type=t.clr_type, totals=totals_pb(t.totals))


def item_kind(v: int) -> str | None:
    """A wire ReconcileItemKind; UNSPECIFIED is a payment; None for a value this build does not know."""
    if v == pb.RECONCILE_ITEM_KIND_UNSPECIFIED:
        return "PAYMENT"
    if v not in pb.ReconcileItemKind.values():
        return None
    return pb.ReconcileItemKind.Name(v).removeprefix("RECONCILE_ITEM_KIND_")


def item(i: pb.ReconcileItem) -> Item:
    return Item(i.pos_txn_id, i.acct_pay_fen, i.acct_mulaid_pay_fen, i.psn_cash_pay_fen, item_kind(i.kind) or "PAYMENT")


def item_pb(i: Item | None) -> pb.ReconcileItem | None:
    if i is None:
        return None
    return pb.ReconcileItem(
        pos_txn_id=i.pos_txn_id,
        acct_pay_fen=i.acct_pay_fen,
        acct_mulaid_pay_fen=i.acct_mulaid_pay_fen,
        psn_cash_pay_fen=i.psn_cash_pay_fen,
        kind="RECONCILE_ITEM_KIND_" + i.kind,
    )


def detail_row_pb(r: DetailRow) -> pb.DetailRow:
    return pb.DetailRow(
        item=item_pb(r.item),
        settlement_id=r.settlement_id,
        mdtrt_id=r.mdtrt_id,
        setl_id=r.setl_id,
        insutype=r.insutype,
        clr_type=r.clr_type,
        completed_at=ts(r.completed_at),
        line=r.line,
    )


def row_pb(r: Row) -> pb.ReconcileRow:
    return pb.ReconcileRow(
        pos_txn_id=r.pos_txn_id,
        result="RECONCILE_ROW_RESULT_" + r.result,
        theirs=item_pb(r.theirs),
        ours=item_pb(r.ours),
    )


def period_pb(p: ClearingPeriod) -> pb.ClearingPeriod:
    return pb.ClearingPeriod(
        period_id=str(p.id),
        period_start=ts(p.start),
        period_end=ts(p.end),
        acct_pay_fen=p.acct_pay_fen,
        acct_mulaid_pay_fen=p.acct_mulaid_pay_fen,
        acct_refund_fen=p.acct_refund_fen,
        acct_mulaid_refund_fen=p.acct_mulaid_refund_fen,
        owed_fen=p.owed_fen,
        paid_out=p.paid_out,
        closed_at=ts(p.closed_at),
        closed_by=p.closed_by,
    )
