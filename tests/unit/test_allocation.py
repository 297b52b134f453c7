"""How a payment is split over sources (rule 8) and how refunds go back (rule 9); pure functions."""

from __future__ import annotations

import pytest

from services.accounts.domain.allocation import Candidate, fill_in_order, refund_order, split
from services.accounts.domain.model import Source

OWN, POOL = Source.PERSONAL_ACCOUNT, Source.FAMILY_POOL


def test_own_account_covers_everything_pool_untouched() -> None:
    assert split(3_000, [Candidate(OWN, 10_000), Candidate(POOL, 60_000)]) == ([3_000, 0], ["", ""], 0)


def test_own_account_first_then_pool() -> None:
    assert split(25_000, [Candidate(OWN, 10_000), Candidate(POOL, 60_000)]) == (
        [10_000, 15_000],
        ["INSUFFICIENT_FUNDS", ""],
        0,
    )


def test_own_then_pool_then_cash() -> None:
    taken, reasons, cash = split(80_000, [Candidate(OWN, 10_000), Candidate(POOL, 60_000)])
    assert taken == [10_000, 60_000] and cash == 10_000
    assert reasons == ["INSUFFICIENT_FUNDS", "INSUFFICIENT_FUNDS"]
    assert sum(taken) + cash == 80_000


def test_exact_cover_leaves_no_shortfall() -> None:
    assert split(70_000, [Candidate(OWN, 10_000), Candidate(POOL, 60_000)]) == (
        [10_000, 60_000],
        ["INSUFFICIENT_FUNDS", ""],
        0,
    )


def test_the_callers_order_is_kept() -> None:
    assert split(25_000, [Candidate(POOL, 20_000), Candidate(OWN, 10_000)]) == (
        [20_000, 5_000],
        ["INSUFFICIENT_FUNDS", ""],
        0,
    )


def test_empty_sources_give_nothing_and_say_insufficient_funds() -> None:
    assert split(5_000, [Candidate(OWN, 0), Candidate(POOL, 0)]) == (
        [0, 0],
        ["INSUFFICIENT_FUNDS", "INSUFFICIENT_FUNDS"],
        5_000,
    )


def test_negative_availability_counts_as_nothing() -> None:
    assert split(5_000, [Candidate(OWN, -300), Candidate(POOL, 6_000)]) == ([0, 5_000], ["INSUFFICIENT_FUNDS", ""], 0)


def test_resident_member_has_no_own_account_so_the_pool_pays_from_the_first_fen() -> None:
    assert split(5_000, [Candidate(OWN, 0, "NO_PERSONAL_ACCOUNT"), Candidate(POOL, 60_000)]) == (
        [0, 5_000],
        ["NO_PERSONAL_ACCOUNT", ""],
        0,
    )


@pytest.mark.parametrize("reason", ["NOT_BOUND", "POOL_DISSOLVED"])
def test_unavailable_pool_gives_nothing_even_with_money_and_says_why(reason: str) -> None:
    assert split(15_000, [Candidate(OWN, 10_000), Candidate(POOL, 60_000, reason)]) == (
        [10_000, 0],
        ["INSUFFICIENT_FUNDS", reason],
        5_000,
    )


def test_an_unavailable_source_not_needed_reports_no_shortfall() -> None:
    assert split(5_000, [Candidate(OWN, 10_000), Candidate(POOL, 0, "NOT_BOUND")]) == ([5_000, 0], ["", ""], 0)


def test_nothing_available_at_all_is_all_cash() -> None:
    assert split(100, [Candidate(OWN, 0, "NO_PERSONAL_ACCOUNT"), Candidate(POOL, 0, "NOT_BOUND")]) == (
        [0, 0],
        ["NO_PERSONAL_ACCOUNT", "NOT_BOUND"],
        100,
    )
    assert split(100, []) == ([], [], 100)


@pytest.mark.parametrize(
    ("amount", "own", "pool"), [(1, 0, 0), (1, 1, 0), (99_999, 12_345, 54_321), (10_000, 10_000, 10_000), (7, 3, 3)]
)
def test_money_is_conserved_and_never_more_than_available(amount: int, own: int, pool: int) -> None:
    taken, _, cash = split(amount, [Candidate(OWN, own), Candidate(POOL, pool)])
    assert sum(taken) + cash == amount
    assert taken[0] <= own and taken[1] <= pool and cash >= 0
    assert taken[1] == 0 or taken[0] == own  # the pool is used only once the own account is empty


def test_fill_in_order_takes_first_capacities_first() -> None:
    assert fill_in_order(50_000, [10_000, 60_000]) == [10_000, 40_000]
    assert fill_in_order(5_000, [10_000, 60_000]) == [5_000, 0]
    assert fill_in_order(70_000, [10_000, 60_000]) == [10_000, 60_000]
    assert fill_in_order(0, [10_000, 60_000]) == [0, 0]
    assert fill_in_order(3, [0, 2, 5]) == [0, 2, 1]


def test_fill_in_order_refuses_more_than_the_capacities() -> None:
    with pytest.raises(ValueError):
        fill_in_order(70_001, [10_000, 60_000])
    with pytest.raises(ValueError):
        fill_in_order(1, [])


def test_refund_order_pool_first_then_personal_account() -> None:
    assert refund_order([OWN, POOL]) == [1, 0]
    assert refund_order([POOL, OWN]) == [0, 1]
    assert refund_order([OWN]) == [0]
    assert refund_order([POOL]) == [0]
    assert refund_order([]) == []


def test_refund_fills_the_pool_part_before_the_own_part() -> None:
    # paid 10,000 own + 40,000 pool; a 45,000 refund: 40,000 back to the pool, 5,000 to the own account
    legs, debited = [OWN, POOL], [10_000, 40_000]
    order = refund_order(legs)
    amounts = fill_in_order(45_000, [debited[i] for i in order])
    assert {legs[i]: a for i, a in zip(order, amounts, strict=True)} == {POOL: 40_000, OWN: 5_000}
