"""Identity (GB 11643), policy periods, the split of a payment (rule 8), refund order (rule 9), life events (rule
10): pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.accounts.domain import identity
from services.accounts.domain.allocation import Candidate, fill_in_order, refund_order, split
from services.accounts.domain.model import (
    AUTO_DISSOLUTION_REASONS,
    MEMBER_LEAVING_EVENTS,
    InsuranceType,
    LifeEvent,
    Person,
    PersonStatus,
    Relation,
    Source,
    apply_life_event,
)
from services.accounts.domain.policy import PolicyBook

POLICY_FILE = Path(__file__).resolve().parents[2] / "config" / "policy.toml"


def test_gb11643_check_digit_and_format() -> None:
    assert identity.is_valid_id_number("11010519491231002X")  # the standard's published example
    assert identity.is_valid_id_number("11010519491231002x")  # lower-case x accepted
    assert not identity.is_valid_id_number("110105194912310021")  # wrong check digit
    assert not identity.is_valid_id_number("11010519491331002X")  # month 13
    assert not identity.is_valid_id_number("1101051949123100")  # too short
    assert identity.check_digit("63010219800101001") == "9"


def test_personal_data_is_masked_and_hashed_with_a_key() -> None:
    assert identity.mask_id_number("11010519491231002X") == "110105********002X"
    assert identity.mask_name("王小明") == "王**" and identity.mask_name("王") == "王*"
    assert identity.keyed_hash(b"k1", "x") != identity.keyed_hash(b"k2", "x")
    assert identity.keyed_hash(b"k1", "x") == identity.keyed_hash(b"k1", "x")


def test_policy_periods_carry_over_and_switch_on_their_date() -> None:
    book = PolicyBook.load(POLICY_FILE)
    old, new = book.at(dt.date(2024, 11, 30)), book.at(dt.date(2024, 12, 1))
    assert old.relations == {Relation.SPOUSE, Relation.PARENT, Relation.CHILD}
    assert Relation.SIBLING in new.relations and len(new.relations) == 8
    assert (new.min_transfer_fen, new.max_members, new.region_scope) == (50_000, 5, "SAME_REGION")
    with pytest.raises(ValueError, match="unknown policy settings"):
        PolicyBook.from_periods([{**book.periods[0].__dict__, "max_memberz": 6}])
    with pytest.raises(ValueError, match="region_scope"):
        PolicyBook.from_periods([{"effective_from": dt.date(2030, 1, 1), **{
            k: v for k, v in book.periods[0].__dict__.items() if k != "effective_from"}, "region_scope": "MOON"}])


def test_rule_8_own_account_first_then_pool_then_cash() -> None:
    taken, reasons, cash = split(80_000, [Candidate(Source.PERSONAL_ACCOUNT, 10_000),
                                          Candidate(Source.FAMILY_POOL, 60_000)])
    assert (taken, reasons, cash) == ([10_000, 60_000], ["INSUFFICIENT_FUNDS", "INSUFFICIENT_FUNDS"], 10_000)
    taken, reasons, cash = split(5_000, [Candidate(Source.PERSONAL_ACCOUNT, 0, "NO_PERSONAL_ACCOUNT"),
                                         Candidate(Source.FAMILY_POOL, 60_000)])
    assert (taken, reasons, cash) == ([0, 5_000], ["NO_PERSONAL_ACCOUNT", ""], 0)
    assert split(100, [Candidate(Source.FAMILY_POOL, 0, "NOT_BOUND")]) == ([0], ["NOT_BOUND"], 100)


def test_debits_fill_in_order_and_refunds_go_pool_first() -> None:
    assert fill_in_order(50_000, [10_000, 60_000]) == [10_000, 40_000]
    with pytest.raises(ValueError):
        fill_in_order(5, [1, 2])
    assert refund_order([Source.PERSONAL_ACCOUNT, Source.FAMILY_POOL]) == [1, 0]


def test_rule_10_life_events() -> None:
    p = Person("P", InsuranceType.EMPLOYEE, "630100", PersonStatus.ACTIVE)
    apply_life_event(p, LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=3)
    apply_life_event(p, LifeEvent.REGION_CHANGED, new_region_code="630200")
    assert (p.disabled_veteran_level, p.region_code) == (3, "630200")
    apply_life_event(p, LifeEvent.DIED)
    assert p.status is PersonStatus.DECEASED and not p.insured
    assert set(AUTO_DISSOLUTION_REASONS) == set(LifeEvent)  # every creator event dissolves the pool
    assert MEMBER_LEAVING_EVENTS == {LifeEvent.DIED, LifeEvent.INSURANCE_ENDED}
