"""The chaos soak's audit finds what it is there to find: a settlement and accounts' reservation that disagree, a
payment booked twice, a reservation nobody claims, a POS told something that is not there — checked over records
made up here (the real run's records come from the database)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from gongji.settlement.v1 import settlement_pb2 as pb
from tools.chaos import audit
from tools.chaos.traffic import OK, Book, Request


def _settlement(**over: Any) -> dict[str, Any]:
    row = {
        "id": "s1",
        "pos_txn_id": "S-1",
        "kind": "SALE",
        "status": "COMPLETED",
        "reservation_id": "10",
        "amount_fen": 1000,
        "authorized_fen": 0,
        "acct_pay_fen": 600,
        "acct_mulaid_pay_fen": 300,
        "psn_cash_pay_fen": 100,
        "capture_pos_txn_id": "",
        "lapsed": False,
    }
    return {**row, **over}


def _reservation(**over: Any) -> dict[str, Any]:
    row = {
        "id": 10,
        "status": "DEBITED",
        "lapsed": False,
        "reserved_own": 600,
        "reserved_pool": 300,
        "debited_own": 600,
        "debited_pool": 300,
        "refunded_own": 0,
        "refunded_pool": 0,
    }
    return {**row, **over}


def _data(settlements: list[dict[str, Any]], reservations: list[dict[str, Any]], payments: int = 1) -> audit.Data:
    return audit.Data(
        settlements=settlements,
        refunds={},
        reservations={str(r["id"]): r for r in reservations},
        journal={"10": Counter({"PAYMENT": payments})},
        clearing_by_reservation={"10": 900 * payments},
        accounts=[],
        external={},
        journal_kinds=Counter(),
        held_lapsed=0,
        now_lapsed_authorizations=0,
    )


def test_a_settlement_that_agrees_with_its_reservation_passes() -> None:
    assert audit._one_to_one(_data([_settlement()], [_reservation()])).ok


def test_a_payment_booked_twice_is_found() -> None:
    problems = audit._one_to_one(_data([_settlement()], [_reservation()], payments=2)).problems
    assert any("2 PAYMENT" in p for p in problems), problems


def test_amounts_by_source_that_differ_are_found() -> None:
    swapped = _reservation(debited_own=300, debited_pool=600, reserved_own=300, reserved_pool=600)
    assert not audit._one_to_one(_data([_settlement()], [swapped])).ok


def test_a_completed_settlement_whose_hold_was_released_is_found() -> None:
    released = _reservation(status="RELEASED", debited_own=0, debited_pool=0)
    assert not audit._one_to_one(_data([_settlement()], [released], payments=0)).ok


def test_a_reservation_nobody_claims_and_one_claimed_twice_are_found() -> None:
    orphan = audit._one_to_one(_data([], [_reservation()])).problems
    assert any("belongs to no settlement" in p for p in orphan), orphan
    twice = audit._one_to_one(_data([_settlement(), _settlement(id="s2", pos_txn_id="S-2")], [_reservation()]))
    assert any("claimed by 2" in p for p in twice.problems), twice.problems


def test_a_reversed_settlement_with_money_still_paid_is_found() -> None:
    assert not audit._one_to_one(_data([_settlement(status="REVERSED")], [_reservation()])).ok


def _told(status: int, own: int, pool: int, cash: int) -> Book:
    reply = pb.SettleResponse(
        settlement=pb.Settlement(
            status=status, split=pb.Split(acct_pay_fen=own, acct_mulaid_pay_fen=pool, psn_cash_pay_fen=cash)
        )
    )
    request = Request("settle", "S-1", lambda _: None, subject="S-1", outcome=OK, reply=reply)  # type: ignore[arg-type,return-value]
    return Book(requests=[request])


def test_what_the_pos_was_told_must_be_there_as_told() -> None:
    data = _data([_settlement()], [_reservation()])
    assert audit._exactly_once(data, _told(pb.SETTLEMENT_STATUS_COMPLETED, 600, 300, 100)).ok
    assert not audit._exactly_once(data, _told(pb.SETTLEMENT_STATUS_COMPLETED, 900, 0, 100)).ok
    assert not audit._exactly_once(data, _told(pb.SETTLEMENT_STATUS_REVERSED, 600, 300, 100)).ok
    missing = audit._exactly_once(_data([], []), _told(pb.SETTLEMENT_STATUS_COMPLETED, 600, 300, 100))
    assert any("not there" in p for p in missing.problems), missing.problems


def test_a_settlement_nobody_asked_for_is_found() -> None:
    assert not audit._exactly_once(_data([_settlement()], [_reservation()]), Book()).ok
