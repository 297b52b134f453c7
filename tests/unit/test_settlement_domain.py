"""Settlement's pure parts: what is refundable, reconciliation totals and rows, and the state machine's rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest

from services.common.credentials import CertType, Credential
from services.common.errors import DomainError, Reason
from services.common.personal_data import keyed_hash
from services.settlement.domain import charges, lifecycle, refunds
from services.settlement.domain.accounts import (
    AccountsDeclined,
    Balances,
    FenceOutcome,
    Hold,
    HoldStatus,
    Parts,
    Payment,
    RefundOutcome,
)
from services.settlement.domain.commands import Pay, SettlementRef
from services.settlement.domain.commands import Refund as RefundCmd
from services.settlement.domain.lifecycle import Changes, Move
from services.settlement.domain.model import (
    NOTHING_PAID,
    Kind,
    Refund,
    RefundStatus,
    Settlement,
    Shortfall,
    Source,
    Split,
    Status,
)
from services.settlement.domain.reconcile import Item, Totals, compare_rows, differing_totals, reconcile_with

ID_P0001, ID_P0002 = "630102198001010019", "630102201001010013"
CARD = Credential(CertType.ID_CARD, ID_P0001)
KEY = b"test-credential-key"


def test_refundable_is_what_accounts_paid_less_refunds_taken_or_under_way() -> None:
    s = Settlement("s", "H1", "p", Kind.SALE, Status.COMPLETED, amount_fen=10_000, split=Split(3_000, 5_000, 2_000))
    assert s.refundable_fen == 8_000  # cash is the institution's to give back
    s.refunds = [
        Refund(1, "s", "r1", 1_000, False, RefundStatus.COMPLETED),
        Refund(2, "s", "r2", 2_000, False, RefundStatus.PENDING),
        Refund(3, "s", "r3", 4_000, False, RefundStatus.DECLINED),
    ]
    assert s.refundable_fen == 5_000 and s.refunded_fen == 1_000
    s.status = Status.REVERSED
    assert s.refundable_fen == 0


def test_totals_differences_are_named() -> None:
    ours = Totals(2, 300, 100, 150, 50, 1, 20)
    assert differing_totals(ours, ours) == []
    assert differing_totals(Totals(2, 300, 100, 151, 49, 1, 20), ours) == ["acct_mulaid_pay_fen", "psn_cash_pay_fen"]


def test_rows_match_differ_or_go_missing_on_either_side() -> None:
    ours = [Item("a", 1, 2, 3), Item("b", 1, 0, 0), Item("c", 5, 0, 0)]
    theirs = [Item("a", 1, 2, 3), Item("b", 2, 0, 0), Item("z", 9, 0, 0)]
    rows, matched = compare_rows(theirs, ours)
    assert matched == 1
    assert [(r.pos_txn_id, r.result) for r in rows] == [
        ("b", "AMOUNT_DIFFERS"),
        ("z", "MISSING_HERE"),
        ("c", "MISSING_THERE"),
    ]


# ---------------------------------------------------------------- the state machine (domain/lifecycle.py)


def _s(status: Status, kind: Kind = Kind.SALE, **values: object) -> Settlement:
    return Settlement("s1", "H1", "POS-1", kind, status, payer_psn_no="P1", amount_fen=10_000, **values)  # type: ignore[arg-type]


def _reason(call: Callable[[], object]) -> Reason:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.reason


def test_only_the_moves_of_the_table_can_be_made() -> None:
    assert Move.of(Status.PENDING, Status.COMPLETED).to is Status.COMPLETED
    for final in (Status.DECLINED, Status.VOIDED, Status.EXPIRED, Status.REVERSED):
        assert lifecycle.MOVES[final] == frozenset()
        with pytest.raises(ValueError):
            Move.of(final, Status.REVERSING)
    with pytest.raises(ValueError):
        Move.of(Status.COMPLETED, Status.VOIDED)  # a payment is reversed or refunded, never voided
    with pytest.raises(ValueError):
        Move.of({Status.AUTHORIZED, Status.COMPLETED}, Status.CAPTURING)  # every expected status must allow it
    with pytest.raises(ValueError):
        Move.of((), Status.COMPLETED)


def test_whatever_holds_or_paid_money_can_be_reversed_and_nothing_else_needs_to() -> None:
    for status in Status:
        reversal = lifecycle.reversal(_s(status))
        if status in NOTHING_PAID:
            assert reversal is None
        else:
            assert reversal is not None and reversal.expected == {status} and reversal.to is Status.REVERSING


def test_the_undo_intents_end_voided_or_reversed() -> None:
    assert lifecycle.undone(_s(Status.COMPENSATING)).to is Status.VOIDED
    assert lifecycle.undone(_s(Status.REVERSING)).to is Status.REVERSED
    assert lifecycle.abandon() == Move.of(Status.PENDING, Status.COMPENSATING)


def test_an_undo_learns_the_reservation_from_the_fence_or_waits_for_an_accounts_that_names_it() -> None:
    found = lifecycle.found_reservation(_s(Status.REVERSING), FenceOutcome(True, "R7"))
    assert found == Move.of(Status.REVERSING, Status.REVERSING, Changes(reservation_id="R7"))
    unnamed = FenceOutcome(True)  # an accounts service from before FenceResponse.reservation_id
    assert _reason(lambda: lifecycle.found_reservation(_s(Status.COMPENSATING), unnamed)) is Reason.ACCOUNTS_UNAVAILABLE


def test_a_sale_is_paid_at_once_and_an_authorization_holds() -> None:
    hold = Hold(
        "R1",
        reserved=Parts(3_000, 5_000),
        debited=Parts(3_000, 5_000),
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        payer=Balances(100, 200),
        shortfalls=(Shortfall(Source.FAMILY_POOL, "INSUFFICIENT_FUNDS"),),
    )
    sale = lifecycle.reserved(_s(Status.PENDING), hold)
    assert sale.to is Status.COMPLETED
    assert sale.changes.values() == {
        "reservation_id": "R1",
        "acct_pay_fen": 3_000,
        "acct_mulaid_pay_fen": 5_000,
        "psn_cash_pay_fen": 2_000,
        "balc_fen": 100,
        "pool_balc_fen": 200,
        "acct_shortfall_reason": "",
        "acct_mulaid_shortfall_reason": "INSUFFICIENT_FUNDS",
    }
    auth = lifecycle.reserved(_s(Status.PENDING, Kind.AUTHORIZATION), hold)
    assert auth.to is Status.AUTHORIZED
    assert (auth.changes.authorized_fen, auth.changes.expires_at) == (8_000, hold.expires_at)


def test_a_repeated_settle_answers_from_the_status() -> None:
    assert lifecycle.answer(_s(Status.COMPLETED)).status is Status.COMPLETED
    assert lifecycle.answer(_s(Status.VOIDED, Kind.AUTHORIZATION)).status is Status.VOIDED
    assert (
        _reason(lambda: lifecycle.answer(_s(Status.DECLINED, decline_reason="PERSON_NOT_INSURED")))
        is Reason.PERSON_NOT_INSURED
    )
    assert (
        _reason(lambda: lifecycle.answer(_s(Status.DECLINED, decline_reason="SOMETHING_NEW")))
        is Reason.PAYMENT_DECLINED
    )
    assert _reason(lambda: lifecycle.answer(_s(Status.REVERSED))) is Reason.SETTLEMENT_REVERSED
    assert _reason(lambda: lifecycle.answer(_s(Status.VOIDED))) is Reason.PAYMENT_ABANDONED
    for unfinished in (Status.PENDING, Status.COMPENSATING, Status.REVERSING):
        assert _reason(lambda: lifecycle.answer(_s(unfinished))) is Reason.ACCOUNTS_UNAVAILABLE  # noqa: B023


def test_the_same_pos_txn_id_with_other_content_is_refused_but_a_tombstone_answers_anything() -> None:
    first = charges.intent(Pay(Kind.SALE, "POS-1", "P1", 10_000, CARD, "pharmacy"), "H1", "s1", KEY)
    charges.require_same_request(
        first, charges.intent(Pay(Kind.SALE, "POS-1", "P1", 10_000, CARD, "pharmacy"), "H1", "s2", KEY)
    )
    for other in (
        Pay(Kind.SALE, "POS-1", "P1", 10_001, CARD, "pharmacy"),
        Pay(Kind.AUTHORIZATION, "POS-1", "P1", 10_000, CARD, "pharmacy"),
        Pay(Kind.SALE, "POS-1", "P1", 10_000, Credential(CertType.ID_CARD, ID_P0002), "pharmacy"),
        Pay(Kind.SALE, "POS-1", "P1", 10_000, Credential(CertType.SOCIAL_SECURITY_CARD, ID_P0001), "pharmacy"),
    ):
        again = charges.intent(other, "H1", "s2", KEY)
        assert _reason(lambda: charges.require_same_request(first, again)) is Reason.REQUEST_ID_REUSED  # noqa: B023
    tomb = lifecycle.tombstone("H1", "POS-1", "s3")
    assert tomb.status is Status.REVERSED
    charges.require_same_request(tomb, first)


def test_an_intent_keeps_the_credentials_type_keyed_hash_and_masked_number_never_the_number() -> None:
    s = charges.intent(Pay(Kind.SALE, "POS-1", "P1", 10_000, CARD), "H1", "s1", KEY)
    assert (s.cert_type, s.cert_no_masked) == (CertType.ID_CARD, "**************0019")
    assert s.cert_no_hash == keyed_hash(KEY, ID_P0001) != keyed_hash(b"another key", ID_P0001)
    assert ID_P0001 not in repr(s) and ID_P0001 not in str(dataclasses.asdict(s))
    assert s.fingerprint != charges.intent(Pay(Kind.SALE, "POS-1", "P1", 10_000, CARD), "H1", "s1", b"k2").fingerprint


def test_capture_rules() -> None:
    auth = _s(
        Status.AUTHORIZED, Kind.AUTHORIZATION, authorized_fen=8_000, expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )
    assert _reason(lambda: lifecycle.require_authorization(_s(Status.COMPLETED))) is Reason.NOT_AN_AUTHORIZATION
    # A capture is the final personal part: at most the authorization's amount (10000: 8000 held, 2000 cash).
    assert _reason(lambda: lifecycle.require_capturable(auth, 10_001)) is Reason.AMOUNT_EXCEEDS_RESERVED
    lifecycle.require_capturable(auth, 10_000)
    assert not lifecycle.lapsed(auth, dt.datetime(2029, 12, 31, tzinfo=dt.UTC))
    assert lifecycle.lapsed(auth, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    capturing = _s(Status.CAPTURING, Kind.AUTHORIZATION, capture_fen=5_000)
    lifecycle.require_same_capture(capturing, 5_000)
    assert _reason(lambda: lifecycle.require_same_capture(capturing, 4_000)) is Reason.SETTLEMENT_ALREADY_FINAL
    assert lifecycle.capture_declined(AccountsDeclined("RESERVATION_EXPIRED", "")).to is Status.EXPIRED
    declined = lifecycle.capture_declined(AccountsDeclined("RESERVATION_ALREADY_FINAL", "x" * 600))
    assert declined.to is Status.DECLINED and len(declined.changes.decline_message or "") == 500
    assert lifecycle.capture_debit_fen(capturing) == 0  # it holds nothing (authorized_fen 0): all cash
    held = _s(Status.CAPTURING, Kind.AUTHORIZATION, capture_fen=9_000, authorized_fen=8_000)
    assert lifecycle.capture_debit_fen(held) == 8_000
    done = lifecycle.captured(held, Payment(Parts(7_000, 1_000), Balances(6_000, 0)))
    assert done.changes.psn_cash_pay_fen == 1_000  # the cash part, recomputed: the final part less what was paid
    assert (
        _reason(lambda: lifecycle.capture_answer(_s(Status.EXPIRED, Kind.AUTHORIZATION))) is Reason.RESERVATION_EXPIRED
    )
    assert (
        _reason(lambda: lifecycle.capture_answer(_s(Status.VOIDED, Kind.AUTHORIZATION)))
        is Reason.SETTLEMENT_ALREADY_FINAL
    )


def test_void_rules() -> None:
    assert lifecycle.released(HoldStatus.RELEASED).to is Status.VOIDED
    assert lifecycle.released(HoldStatus.EXPIRED).to is Status.EXPIRED  # the hold had lapsed: free already
    lifecycle.void_answer(_s(Status.EXPIRED, Kind.AUTHORIZATION))
    assert (
        _reason(lambda: lifecycle.void_answer(_s(Status.COMPLETED, Kind.AUTHORIZATION)))
        is Reason.SETTLEMENT_ALREADY_FINAL
    )


def test_refund_rules() -> None:
    paid = _s(Status.COMPLETED, split=Split(3_000, 5_000, 2_000))
    refunds.require_new_or_same(paid, None, RefundCmd(SettlementRef("s1"), "R1", 8_000))
    too_much = RefundCmd(SettlementRef("s1"), "R1", 8_001)  # the cash part is the institution's to give back
    assert _reason(lambda: refunds.require_new_or_same(paid, None, too_much)) is Reason.REFUND_EXCEEDS_DEBITED
    made = Refund(1, "s1", "R1", 2_000, False, RefundStatus.COMPLETED)
    again = RefundCmd(SettlementRef("s1"), "R1", 2_000)
    refunds.require_new_or_same(paid, made, again)  # a replay: answered with the refund made
    for taken in (
        made,
        Refund(1, "s1", "R1", 2_000, True, RefundStatus.COMPLETED),  # a reversal's own refund
        Refund(1, "s9", "R1", 2_000, False, RefundStatus.COMPLETED),
    ):  # another settlement's
        other = RefundCmd(SettlementRef("s1"), "R1", 2_001 if taken is made else 2_000)
        assert _reason(lambda: refunds.require_new_or_same(paid, taken, other)) is Reason.REQUEST_ID_REUSED  # noqa: B023
    done = refunds.done(made, RefundOutcome(own_fen=500, pool_fen=1_500))
    assert (done.status, done.acct_refund_fen, done.acct_mulaid_refund_fen) == (RefundStatus.COMPLETED, 500, 1_500)
    declined = Refund(2, "s1", "R2", 100, False, RefundStatus.DECLINED, decline_reason="REFUND_EXCEEDS_DEBITED")
    assert _reason(lambda: refunds.answer(paid, declined)) is Reason.REFUND_EXCEEDS_DEBITED


def test_what_the_pos_sees_of_an_unfinished_step() -> None:
    seen = {status: lifecycle.visible_status(_s(status)) for status in Status}
    assert seen[Status.CAPTURING] is seen[Status.VOIDING] is Status.AUTHORIZED
    assert seen[Status.PENDING] is seen[Status.COMPENSATING] is seen[Status.REVERSING] is Status.PENDING
    assert all(
        seen[s] is s
        for s in (Status.COMPLETED, Status.DECLINED, Status.VOIDED, Status.EXPIRED, Status.REVERSED, Status.AUTHORIZED)
    )


def test_request_ids_derive_from_the_settlement() -> None:
    s = _s(Status.PENDING, hold_ttl_seconds=60, description="d")
    assert lifecycle.request_id(s, "capture") == "stl-s1-capture"
    assert refunds.request_id(s, Refund(7, "s1", "R", 1, False, RefundStatus.PENDING)) == "stl-s1-refund-7"
    call = charges.reserve_call(s, CARD)
    assert call.credential == CARD
    assert (call.request_id, call.debit_immediately, call.fixmedins_code, call.hold_ttl_seconds) == (
        "stl-s1-reserve",
        True,
        "H1",
        60,
    )


def test_a_reconciliation_balances_only_when_totals_and_rows_match() -> None:
    ours = Totals(1, 100, 100, 0, 0, 0, 0)
    assert reconcile_with(ours, ours, None, None).balanced
    rows = [Item("a", 100, 0, 0)]
    assert reconcile_with(ours, ours, rows, rows).matched == 1
    off = reconcile_with(ours, ours, [Item("a", 99, 0, 0)], rows)
    assert not off.balanced and off.rows[0].result == "AMOUNT_DIFFERS"
    assert reconcile_with(Totals(2), ours, None, None).differing == ["count", "amount_fen", "acct_pay_fen"]
