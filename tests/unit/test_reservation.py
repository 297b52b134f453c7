"""The reservation aggregate (rules 8 and 9) without a database: what each state change books and refuses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.accounts.domain.journal import INSTITUTION_CLEARING, JournalEntry, Posting, TxnKind
from services.accounts.domain.model import Part, Source
from services.accounts.domain.policy import PolicyBook
from services.accounts.domain.reservation import (
    Effects,
    OwnPart,
    PayerFunds,
    PayersPool,
    PoolState,
    RefundDestination,
    Reservation,
    ReservationStatus,
)
from services.common.errors import DomainError

OWN, POOL = Source.PERSONAL_ACCOUNT, Source.FAMILY_POOL
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=15)
OWN_ACCOUNT, POOL_ACCOUNT, CREATOR_ACCOUNT, PRIOR_ACCOUNT = 101, 102, 103, 104
POLICY = PolicyBook.load(Path(__file__).resolve().parents[2] / "config" / "policy.toml").at(NOW.date())
ACTIVE = {7: PoolState(7, "CREATOR", CREATOR_ACCOUNT, dissolved=False)}
DISSOLVED = {7: PoolState(7, "CREATOR", CREATOR_ACCOUNT, dissolved=True)}


def funds(
    own_fen: int | None = 10_000,
    pool_fen: int | None = 60_000,
    insured: bool = True,
    prior_fen: int = 0,
    **pool: object,
) -> PayerFunds:
    """A member of pool 7 in Xining, with this year's and prior years' money, whose creator can afford mutual aid."""
    own = (
        (OwnPart(Part.CURRENT, OWN_ACCOUNT, own_fen, NOW.year), OwnPart(Part.PRIOR, PRIOR_ACCOUNT, prior_fen))
        if own_fen is not None
        else ()
    )
    standing: dict[str, object] = {
        "creator_insured": True,
        "creator_available_fen": 100_000,
        "creator_region": "630100",
        **pool,
    }
    payers_pool = PayersPool(7, POOL_ACCOUNT, pool_fen, **standing) if pool_fen is not None else None  # type: ignore[arg-type]
    return PayerFunds("MEMBER", insured, "630102", own, payers_pool)


def held(amount_fen: int = 25_000, **kw: object) -> Reservation:
    r, _ = Reservation.open(
        funds(**kw),  # type: ignore[arg-type]
        amount_fen,
        (OWN, POOL),
        LATER,
        POLICY,
        fixmedins_code="H1",
        description="outpatient",
    )
    r.id = 42
    return r


def reason(call: object) -> str:
    assert isinstance(call, pytest.ExceptionInfo)
    return str(call.value.reason.name)


def postings(effects: Effects, kind: TxnKind) -> set[Posting]:
    return {p for e in effects.journal if e.kind is kind for p in e.postings}


# ---------------------------------------------------------------- opening (rule 8)


def test_a_hold_takes_own_account_first_then_the_pool_and_holds_it_there() -> None:
    r, effects = Reservation.open(funds(), 25_000, (OWN, POOL), LATER, POLICY)
    assert r.status is ReservationStatus.HELD
    assert [(g.source, g.reserved_fen, g.shortfall_reason) for g in r.legs] == [
        (OWN, 10_000, "INSUFFICIENT_FUNDS"),
        (POOL, 15_000, ""),
    ]
    assert effects == Effects(held={OWN_ACCOUNT: 10_000, POOL_ACCOUNT: 15_000})
    assert r.uncovered_fen == 0


def test_a_one_shot_payment_posts_to_clearing_at_once_and_holds_nothing() -> None:
    r, effects = Reservation.open(funds(), 80_000, (OWN, POOL), LATER, POLICY, debit_immediately=True, description="x")
    assert (r.status, r.debited_fen, r.uncovered_fen) == (ReservationStatus.DEBITED, 70_000, 10_000)
    assert effects.held == {}
    [payment] = effects.journal
    assert (payment.kind, payment.pool_id, payment.description) == (TxnKind.PAYMENT, 7, "x")
    assert set(payment.postings) == {
        Posting(OWN_ACCOUNT, -10_000, OWN),
        Posting(POOL_ACCOUNT, -60_000, POOL),
        Posting(INSTITUTION_CLEARING, 70_000),
    }


def test_nothing_to_pay_from_books_nothing() -> None:
    r, effects = Reservation.open(
        funds(own_fen=None, pool_fen=None), 5_000, (OWN, POOL), LATER, POLICY, debit_immediately=True
    )
    assert [g.shortfall_reason for g in r.legs] == ["NO_PERSONAL_ACCOUNT", "NOT_BOUND"]
    assert (r.uncovered_fen, effects) == (5_000, Effects())


def test_all_or_nothing_refuses_a_partial_cover() -> None:
    with pytest.raises(DomainError) as err:
        Reservation.open(funds(), 80_000, (OWN, POOL), LATER, POLICY, all_or_nothing=True)
    assert (reason(err), err.value.metadata) == ("INSUFFICIENT_FUNDS", {"available_fen": "70000"})


def test_a_payer_not_insured_cannot_reserve() -> None:
    with pytest.raises(DomainError) as err:
        Reservation.open(funds(insured=False), 1_000, (OWN,), LATER, POLICY)
    assert reason(err) == "PERSON_NOT_INSURED"


# ---------------------------------------------------------------- debit, release, expire


def test_debit_less_than_held_posts_first_legs_first_and_releases_the_rest() -> None:
    r = held()
    effects = r.debit(12_000, NOW, ACTIVE)
    assert r.status is ReservationStatus.DEBITED
    assert [g.debited_fen for g in r.legs] == [10_000, 2_000]
    assert effects.held == {OWN_ACCOUNT: -10_000, POOL_ACCOUNT: -15_000}
    assert postings(effects, TxnKind.PAYMENT) == {
        Posting(OWN_ACCOUNT, -10_000, OWN),
        Posting(POOL_ACCOUNT, -2_000, POOL),
        Posting(INSTITUTION_CLEARING, 12_000),
    }
    assert postings(effects, TxnKind.POOL_RETURN) == set()


def test_what_a_debit_releases_from_a_dissolved_pool_goes_to_its_creator() -> None:
    r = held()
    effects = r.debit(12_000, NOW, DISSOLVED)
    assert postings(effects, TxnKind.POOL_RETURN) == {
        Posting(POOL_ACCOUNT, -13_000, POOL),
        Posting(CREATOR_ACCOUNT, 13_000, OWN),
    }


@pytest.mark.parametrize(
    ("setup", "amount", "expected"),
    [
        (lambda r: None, 25_001, "AMOUNT_EXCEEDS_RESERVED"),
        (lambda r: r.debit(1, NOW, ACTIVE), 1, "RESERVATION_ALREADY_FINAL"),
        (lambda r: r.release(NOW, ACTIVE), 1, "RESERVATION_ALREADY_FINAL"),
        (lambda r: r.expire(LATER, ACTIVE), 1, "RESERVATION_EXPIRED"),
    ],
)
def test_a_debit_is_refused_when_it_cannot_be(setup, amount, expected) -> None:  # type: ignore[no-untyped-def]
    r = held()
    setup(r)
    before = (r.status, [g.debited_fen for g in r.legs])
    with pytest.raises(DomainError) as err:
        r.debit(amount, NOW, ACTIVE)
    assert reason(err) == expected
    assert (r.status, [g.debited_fen for g in r.legs]) == before


def test_a_lapsed_hold_can_never_be_debited_even_before_the_sweeper_ran() -> None:
    r = held()
    with pytest.raises(DomainError) as err:
        r.debit(1_000, LATER, ACTIVE)
    assert reason(err) == "RESERVATION_EXPIRED" and r.status is ReservationStatus.HELD


def test_release_drops_the_holds_and_a_lapsed_one_ends_expired() -> None:
    r = held()
    assert r.release(NOW, ACTIVE) == Effects(held={OWN_ACCOUNT: -10_000, POOL_ACCOUNT: -15_000})
    assert r.status is ReservationStatus.RELEASED
    lapsed = held()
    lapsed.release(LATER, ACTIVE)
    assert lapsed.status is ReservationStatus.EXPIRED


def test_releasing_an_expired_hold_answers_with_it_and_moves_nothing() -> None:
    r = held()
    r.expire(LATER, ACTIVE)
    assert r.release(LATER, ACTIVE) == Effects() and r.status is ReservationStatus.EXPIRED


def test_the_sweeper_expires_only_what_is_due() -> None:
    r = held()
    assert r.expire(NOW, ACTIVE) is None and r.status is ReservationStatus.HELD
    effects = r.expire(LATER, DISSOLVED)
    assert effects is not None and r.status is ReservationStatus.EXPIRED
    assert postings(effects, TxnKind.POOL_RETURN) == {
        Posting(POOL_ACCOUNT, -15_000, POOL),
        Posting(CREATOR_ACCOUNT, 15_000, OWN),
    }
    assert r.expire(LATER, ACTIVE) is None  # someone else finished it first


# ---------------------------------------------------------------- refunds (rule 9)


def test_a_refund_goes_back_pool_first_then_to_the_own_account() -> None:
    r = held()
    r.debit(25_000, NOW, ACTIVE)
    effects, parts = r.refund(18_000, ACTIVE)
    assert [(p.source, p.destination, p.amount_fen) for p in parts] == [
        (POOL, RefundDestination.FAMILY_POOL, 15_000),
        (OWN, RefundDestination.PERSONAL_ACCOUNT, 3_000),
    ]
    [entry] = effects.journal
    assert (entry.kind, entry.pool_id, entry.reservation_id) == (TxnKind.REFUND, 7, 42)
    assert set(entry.postings) == {
        Posting(INSTITUTION_CLEARING, -18_000),
        Posting(POOL_ACCOUNT, 15_000, POOL),
        Posting(OWN_ACCOUNT, 3_000, OWN),
    }
    assert (r.refunded_fen, [g.refunded_fen for g in r.legs]) == (18_000, [3_000, 15_000])


def test_a_dissolved_pools_part_of_a_refund_goes_to_its_creator() -> None:
    r = held()
    r.debit(25_000, NOW, ACTIVE)
    effects, parts = r.refund(20_000, DISSOLVED)
    assert parts[0].destination is RefundDestination.CREATOR_PERSONAL_ACCOUNT
    # it lands in the creator's own account, and is that account's money in every record
    assert Posting(CREATOR_ACCOUNT, 15_000, OWN) in effects.journal[0].postings


def test_refunds_never_exceed_what_was_paid() -> None:
    r = held()
    with pytest.raises(DomainError) as err:
        r.refund(1, ACTIVE)
    assert (reason(err), err.value.metadata) == ("REFUND_EXCEEDS_DEBITED", {"refundable_fen": "0"})
    r.debit(25_000, NOW, ACTIVE)
    r.refund(20_000, ACTIVE)
    with pytest.raises(DomainError) as err:
        r.refund(5_001, ACTIVE)
    assert err.value.metadata == {"refundable_fen": "5000"}
    r.refund(5_000, ACTIVE)
    assert r.refunded_fen == r.debited_fen == 25_000


def test_an_own_account_only_refund_does_not_show_in_the_pools_records() -> None:
    r = held(amount_fen=8_000)
    r.debit(8_000, NOW, ACTIVE)
    effects, _ = r.refund(8_000, ACTIVE)
    assert effects.journal[0].pool_id is None


def test_an_entry_that_does_not_balance_cannot_even_be_made() -> None:
    with pytest.raises(ValueError, match="does not balance"):
        JournalEntry(TxnKind.PAYMENT, (Posting(OWN_ACCOUNT, -5, OWN), Posting(INSTITUTION_CLEARING, 4)))


# ---------------------------------------------------------------- the two parts of the own account (rule 8)


def test_the_own_account_gives_prior_years_first_then_this_year_then_the_pool() -> None:
    r, effects = Reservation.open(funds(own_fen=10_000, prior_fen=3_000), 25_000, (OWN, POOL), LATER, POLICY)
    assert [(g.source, g.part, g.reserved_fen, g.shortfall_reason) for g in r.legs] == [
        (OWN, Part.PRIOR, 3_000, ""),
        (OWN, Part.CURRENT, 10_000, "INSUFFICIENT_FUNDS"),
        (POOL, None, 12_000, ""),
    ]
    assert effects.held == {PRIOR_ACCOUNT: 3_000, OWN_ACCOUNT: 10_000, POOL_ACCOUNT: 12_000}


def test_a_part_that_is_not_needed_gets_no_leg() -> None:
    r, _ = Reservation.open(funds(own_fen=10_000, prior_fen=3_000), 2_000, (OWN, POOL), LATER, POLICY)
    assert [(g.source, g.part, g.reserved_fen) for g in r.legs] == [(OWN, Part.PRIOR, 2_000), (POOL, None, 0)]


def test_a_refund_goes_back_to_the_part_it_came_from() -> None:
    r, _ = Reservation.open(funds(own_fen=10_000, prior_fen=3_000), 13_000, (OWN,), LATER, POLICY)
    r.id = 42
    r.debit(13_000, NOW, {})
    effects, _ = r.refund(13_000, {})
    assert {p for p in effects.journal[0].postings if p.account_id != INSTITUTION_CLEARING} == {
        Posting(PRIOR_ACCOUNT, 3_000, OWN),
        Posting(OWN_ACCOUNT, 10_000, OWN),
    }


# ---------------------------------------------------------------- why a source gave less (the seed page's FAQ)


@pytest.mark.parametrize(
    ("payer", "own", "pool"),
    [
        (funds(), "INSUFFICIENT_FUNDS", "INSUFFICIENT_FUNDS"),
        (funds(pool_fen=0), "INSUFFICIENT_FUNDS", "POOL_EMPTY"),
        (funds(own_fen=None, pool_fen=None), "NO_PERSONAL_ACCOUNT", "NOT_BOUND"),
        (funds(creator_available_fen=49_999), "INSUFFICIENT_FUNDS", "CREATOR_BALANCE_BELOW_MINIMUM"),
        (funds(creator_insured=False), "INSUFFICIENT_FUNDS", "PERSON_NOT_INSURED"),
        (funds(creator_region="630200"), "INSUFFICIENT_FUNDS", "DIFFERENT_REGION"),
        (
            PayerFunds("M", True, "630102", (), PayersPool(7, None, 0, True, 100_000, "630100")),
            "NO_PERSONAL_ACCOUNT",
            "POOL_DISSOLVED",
        ),
    ],
    ids=[
        "both-short",
        "pool-empty",
        "no-account-not-bound",
        "creator-below-minimum",
        "creator-suspended",
        "creator-elsewhere",
        "dissolved",
    ],
)
def test_each_source_that_gives_less_says_why(payer: PayerFunds, own: str, pool: str) -> None:
    r, _ = Reservation.open(payer, 1_000_000, (OWN, POOL), LATER, POLICY)
    assert [(g.source, g.shortfall_reason) for g in r.legs] == [(OWN, own), (POOL, pool)]
    gave = pool == "INSUFFICIENT_FUNDS"
    assert (r.legs[-1].reserved_fen > 0) == gave


def test_a_visit_outside_the_payers_region_is_not_paid_by_the_pool() -> None:
    """Rule 5 at the till: a Xining member treated in Golmud (Haixi) pays from their own account and in cash."""
    r, _ = Reservation.open(funds(), 20_000, (OWN, POOL), LATER, POLICY, visit_region="632801")
    assert [(g.source, g.reserved_fen, g.shortfall_reason) for g in r.legs] == [
        (OWN, 10_000, "INSUFFICIENT_FUNDS"),
        (POOL, 0, "VISIT_OUTSIDE_REGION"),
    ]
    same_city, _ = Reservation.open(funds(), 20_000, (OWN, POOL), LATER, POLICY, visit_region="630121")
    assert same_city.uncovered_fen == 0
