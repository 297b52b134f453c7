"""Rules 1-6 (services/accounts/domain/rules.py) with every reason each rule can give; pure domain, no I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import grpc
import pytest

from services.accounts.domain import rules
from services.accounts.domain.model import InsuranceType, Person, PersonStatus, Relation
from services.accounts.domain.policy import Policy, PolicyBook
from services.common.errors import DomainError
from services.common.rpc import STATUS

POLICY_FILE = Path(__file__).resolve().parents[2] / "config" / "policy.toml"
BOOK = PolicyBook.load(POLICY_FILE)
TODAY = BOOK.at(dt.date(2026, 11, 24))
BEFORE_2024_12 = BOOK.at(dt.date(2024, 11, 30))
FROM_2024_12 = BOOK.at(dt.date(2024, 12, 1))
NEW_RELATIONS = [
    Relation.SIBLING,
    Relation.GRANDPARENT_PATERNAL,
    Relation.GRANDPARENT_MATERNAL,
    Relation.GRANDCHILD_PATERNAL,
    Relation.GRANDCHILD_MATERNAL,
]


def person(psn: str = "P1", **kw: object) -> Person:
    values: dict[str, object] = dict(
        insurance_type=InsuranceType.EMPLOYEE, region_code="630100", status=PersonStatus.ACTIVE
    )
    values.update(kw)
    return Person(psn, **values)  # type: ignore[arg-type]


def reasons(errors: list[DomainError]) -> list[str]:
    return [e.reason.name for e in errors]


def ctx(bound: bool = False, members: int = 0) -> rules.BindingContext:
    return rules.BindingContext(member_already_bound=bound, active_member_count=members)


def scoped(scope: str) -> Policy:
    return dataclasses.replace(TODAY, region_scope=scope)


def bind(
    member: Person,
    relation: Relation = Relation.SPOUSE,
    policy: Policy = TODAY,
    context: rules.BindingContext | None = None,
    creator: Person | None = None,
) -> list[str]:
    return reasons(rules.member_violations(creator or person("C"), member, relation, policy, context or ctx()))


# ---------------------------------------------------------------- rule 1 (and 4) for the creator


def test_an_active_employee_of_the_province_may_create() -> None:
    assert rules.creator_violations(person(), TODAY, creator_already_bound=False) == []


@pytest.mark.parametrize("status", [PersonStatus.SUSPENDED, PersonStatus.EXITED, PersonStatus.DECEASED])
def test_creator_must_be_insured(status: PersonStatus) -> None:
    found = rules.creator_violations(person(status=status), TODAY, False)
    assert reasons(found) == ["PERSON_NOT_INSURED"]
    assert STATUS[found[0].reason] == grpc.StatusCode.FAILED_PRECONDITION and "creator" in found[0].message


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"insurance_type": InsuranceType.RESIDENT}, "not employee-insured"),
        ({"region_code": "110100"}, "not insured in this province"),
        ({"region_code": "610100"}, "not insured in this province"),  # Shaanxi: starts with 6 but not 63
        ({"chronic_disease_benefit": True}, "chronic/special disease"),
        ({"retired_cadre": True}, "retired-cadre"),
        ({"disabled_veteran_level": 1}, "disabled-veteran"),
        ({"disabled_veteran_level": 6}, "disabled-veteran"),
    ],
    ids=["resident", "other-province", "other-province-6x", "chronic", "retired-cadre", "veteran-1", "veteran-6"],
)
def test_creator_not_eligible(kw: dict[str, object], why: str) -> None:
    found = rules.creator_violations(person(**kw), TODAY, False)
    assert reasons(found) == ["CREATOR_NOT_ELIGIBLE"]
    assert why in found[0].message


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_every_veteran_level_from_1_to_6_is_not_eligible(level: int) -> None:
    assert reasons(rules.creator_violations(person(disabled_veteran_level=level), TODAY, False)) == [
        "CREATOR_NOT_ELIGIBLE"
    ]


def test_veteran_level_0_means_none_and_is_fine() -> None:
    assert rules.creator_violations(person(disabled_veteran_level=0), TODAY, False) == []


@pytest.mark.parametrize("level", [7, 8, 9, 10])
def test_veterans_of_levels_7_to_10_may_create(level: int) -> None:
    assert rules.creator_violations(person(disabled_veteran_level=level), TODAY, False) == []


def test_which_veteran_levels_bar_a_creator_is_policy() -> None:
    stricter = dataclasses.replace(TODAY, max_barred_veteran_level=8)
    assert reasons(rules.creator_violations(person(disabled_veteran_level=8), stricter, False)) == [
        "CREATOR_NOT_ELIGIBLE"
    ]


def test_several_creator_problems_give_one_not_eligible_naming_each() -> None:
    found = rules.creator_violations(
        person(chronic_disease_benefit=True, retired_cadre=True, disabled_veteran_level=2), TODAY, False
    )
    assert reasons(found) == ["CREATOR_NOT_ELIGIBLE"]
    for why in ("chronic/special disease", "retired-cadre", "disabled-veteran"):
        assert why in found[0].message


def test_a_creator_already_bound_cannot_create_another() -> None:
    found = rules.creator_violations(person(), TODAY, creator_already_bound=True)
    assert reasons(found) == ["ALREADY_BOUND"] and "creator" in found[0].message


def test_every_creator_violation_listed_together_in_rule_order() -> None:
    dead_resident = person(status=PersonStatus.DECEASED, insurance_type=InsuranceType.RESIDENT)
    assert reasons(rules.creator_violations(dead_resident, TODAY, creator_already_bound=True)) == [
        "PERSON_NOT_INSURED",
        "CREATOR_NOT_ELIGIBLE",
        "ALREADY_BOUND",
    ]


# ---------------------------------------------------------------- rules 2-5 for a member


def test_a_resident_insured_relative_may_join() -> None:
    assert bind(person("M", insurance_type=InsuranceType.RESIDENT), Relation.CHILD) == []


@pytest.mark.parametrize("status", [PersonStatus.SUSPENDED, PersonStatus.EXITED, PersonStatus.DECEASED])
def test_member_must_be_insured(status: PersonStatus) -> None:
    found = rules.member_violations(person("C"), person("M", status=status), Relation.CHILD, TODAY, ctx())
    assert reasons(found) == ["PERSON_NOT_INSURED"] and "relative" in found[0].message


def test_a_suspended_creators_pool_takes_no_one_in() -> None:
    found = rules.member_violations(
        person("C", status=PersonStatus.SUSPENDED), person("M"), Relation.CHILD, TODAY, ctx()
    )
    assert reasons(found) == ["PERSON_NOT_INSURED"] and "creator" in found[0].message


@pytest.mark.parametrize("relation", [Relation.SPOUSE, Relation.PARENT, Relation.CHILD])
def test_spouse_parent_child_always_allowed(relation: Relation) -> None:
    assert bind(person("M"), relation, BEFORE_2024_12) == []
    assert bind(person("M"), relation, TODAY) == []


@pytest.mark.parametrize("relation", NEW_RELATIONS)
def test_wider_relations_only_from_december_2024(relation: Relation) -> None:
    found = rules.member_violations(person("C"), person("M"), relation, BEFORE_2024_12, ctx())
    assert reasons(found) == ["RELATION_NOT_ALLOWED"]
    assert found[0].metadata == {"relation": relation.value}
    assert bind(person("M"), relation, FROM_2024_12) == []
    assert bind(person("M"), relation, TODAY) == []


def test_relation_checked_against_the_policy_given_not_today() -> None:
    narrow = dataclasses.replace(TODAY, relations=frozenset({Relation.SPOUSE}))
    assert bind(person("M"), Relation.CHILD, narrow) == ["RELATION_NOT_ALLOWED"]


def test_a_member_already_bound_cannot_join() -> None:
    found = rules.member_violations(person("C"), person("M"), Relation.SPOUSE, TODAY, ctx(bound=True))
    assert reasons(found) == ["ALREADY_BOUND"] and "relative" in found[0].message


def test_the_creator_cannot_be_a_member_of_their_own_pool() -> None:
    creator = person("C")
    assert bind(creator, creator=creator) == ["ALREADY_BOUND"]


@pytest.mark.parametrize("members", [0, 1, 4])
def test_below_five_members_another_may_join(members: int) -> None:
    assert bind(person("M"), context=ctx(members=members)) == []


@pytest.mark.parametrize("members", [5, 6])
def test_at_five_members_the_pool_is_full(members: int) -> None:
    found = rules.member_violations(person("C"), person("M"), Relation.SPOUSE, TODAY, ctx(members=members))
    assert reasons(found) == ["MEMBER_LIMIT_REACHED"]
    assert found[0].metadata == {"max_members": "5"} and "at most 5" in found[0].message


def test_member_limit_comes_from_policy() -> None:
    three = dataclasses.replace(TODAY, max_members=3)
    assert bind(person("M"), policy=three, context=ctx(members=3)) == ["MEMBER_LIMIT_REACHED"]
    assert bind(person("M"), policy=three, context=ctx(members=2)) == []


@pytest.mark.parametrize(
    ("scope", "member_region", "allowed"),
    [
        ("SAME_REGION", "630100", True),
        ("SAME_REGION", "630200", False),  # Haidong, same province
        ("SAME_REGION", "630102", True),  # 城东区 is in Xining's coordinating region (the policy's region table)
        ("SAME_REGION", "630121", True),  # so is 大通县
        ("SAME_REGION", "630202", False),  # 乐都区 is in Haidong's
        ("SAME_REGION", "110100", False),
        ("PROVINCE", "630100", True),
        ("PROVINCE", "630200", True),
        ("PROVINCE", "632800", True),
        ("PROVINCE", "110100", False),
        ("PROVINCE", "610100", False),
        ("NATIONAL", "630200", True),
        ("NATIONAL", "110100", True),
    ],
)
def test_region_scope(scope: str, member_region: str, allowed: bool) -> None:
    found = bind(person("M", region_code=member_region), policy=scoped(scope))
    assert found == ([] if allowed else ["DIFFERENT_REGION"])


def test_different_region_message_names_the_scope() -> None:
    found = rules.member_violations(person("C"), person("M", region_code="630200"), Relation.SPOUSE, TODAY, ctx())
    assert "SAME_REGION" in found[0].message


def test_every_member_violation_listed_together_in_rule_order() -> None:
    member = person("M", status=PersonStatus.SUSPENDED, region_code="630200")
    assert bind(member, Relation.SIBLING, BEFORE_2024_12, ctx(bound=True, members=5)) == [
        "PERSON_NOT_INSURED",
        "RELATION_NOT_ALLOWED",
        "ALREADY_BOUND",
        "MEMBER_LIMIT_REACHED",
        "DIFFERENT_REGION",
    ]


# ---------------------------------------------------------------- rule 6


def test_a_transfer_of_the_minimum_from_enough_money_is_fine() -> None:
    assert rules.transfer_violations(50_000, 50_000, TODAY) == []
    assert rules.transfer_violations(1_000_000, 50_000, TODAY) == []


def test_transfer_below_minimum() -> None:
    found = rules.transfer_violations(100_000, 49_999, TODAY)
    assert reasons(found) == ["TRANSFER_BELOW_MINIMUM"]
    assert found[0].metadata == {"min_transfer_fen": "50000"}
    assert STATUS[found[0].reason] == grpc.StatusCode.INVALID_ARGUMENT


def test_creator_balance_below_minimum() -> None:
    found = rules.funding_violations(49_999, TODAY)
    assert reasons(found) == ["CREATOR_BALANCE_BELOW_MINIMUM"]
    assert found[0].metadata == {"min_creator_balance_fen": "50000"}
    assert rules.funding_violations(50_000, TODAY) == []


def test_insufficient_funds_for_the_transfer() -> None:
    assert reasons(rules.transfer_violations(79_999, 80_000, TODAY)) == ["INSUFFICIENT_FUNDS"]
    assert rules.transfer_violations(80_000, 80_000, TODAY) == []


def test_every_transfer_violation_listed_together() -> None:
    assert reasons(rules.transfer_violations(10_000, 20_000, TODAY)) == [
        "TRANSFER_BELOW_MINIMUM",
        "CREATOR_BALANCE_BELOW_MINIMUM",
        "INSUFFICIENT_FUNDS",
    ]
    assert reasons(rules.transfer_violations(49_999, 60_000, TODAY)) == [
        "CREATOR_BALANCE_BELOW_MINIMUM",
        "INSUFFICIENT_FUNDS",
    ]


def test_a_suspended_creator_transfers_nothing() -> None:
    found = rules.transfer_violations(100_000, 50_000, TODAY, creator_insured=False)
    assert reasons(found) == ["PERSON_NOT_INSURED"] and "creator" in found[0].message


def test_transfer_minimums_come_from_policy() -> None:
    cheap = dataclasses.replace(TODAY, min_transfer_fen=10_000, min_creator_balance_fen=20_000)
    assert rules.transfer_violations(20_000, 10_000, cheap) == []
    assert reasons(rules.transfer_violations(19_999, 10_000, cheap)) == ["CREATOR_BALANCE_BELOW_MINIMUM"]


# ---------------------------------------------------------------- writes stop at the first


def test_first_raises_the_first_violation_and_nothing_when_none() -> None:
    rules.first([])
    found = rules.transfer_violations(10_000, 20_000, TODAY)
    with pytest.raises(DomainError) as err:
        rules.first(found)
    assert err.value.reason.name == "TRANSFER_BELOW_MINIMUM"


# ---------------------------------------------------------------- rule 11: a relative's resident premium


def premium(
    payer: Person | None = None,
    beneficiary: Person | None = None,
    relation: Relation = Relation.CHILD,
    policy: Policy = TODAY,
    *,
    year: int = 2027,
    amount: int = 0,
    standard: int = 40_000,
) -> list[str]:
    ask = rules.PremiumRequest(relation, year, amount, standard, current_year=2026)
    return reasons(
        rules.premium_violations(
            payer or person("P"), beneficiary or person("B", insurance_type=InsuranceType.RESIDENT), ask, policy
        )
    )


def test_an_employee_may_pay_a_resident_childs_standard_premium() -> None:
    assert premium() == []
    assert premium(amount=40_000) == []


def test_a_premium_is_paid_only_for_a_resident_insured_relative() -> None:
    assert premium(beneficiary=person("B")) == ["NOT_RESIDENT_INSURED"]


def test_a_premium_is_paid_by_an_insured_employee() -> None:
    assert premium(payer=person("P", status=PersonStatus.SUSPENDED)) == ["PERSON_NOT_INSURED"]
    assert premium(payer=person("P", insurance_type=InsuranceType.RESIDENT)) == ["NO_PERSONAL_ACCOUNT"]


def test_a_dead_relatives_premium_is_not_paid_but_a_suspended_ones_is() -> None:
    dead = person("B", insurance_type=InsuranceType.RESIDENT, status=PersonStatus.DECEASED)
    assert premium(beneficiary=dead) == ["PERSON_NOT_INSURED"]
    assert premium(beneficiary=person("B", insurance_type=InsuranceType.RESIDENT, status=PersonStatus.SUSPENDED)) == []


@pytest.mark.parametrize("relation", NEW_RELATIONS)
def test_the_premium_relation_set_is_the_policys_of_the_day(relation: Relation) -> None:
    assert premium(relation=relation, policy=BEFORE_2024_12) == ["RELATION_NOT_ALLOWED"]
    assert premium(relation=relation, policy=FROM_2024_12) == []


def test_a_premium_relation_set_of_its_own() -> None:
    narrow = dataclasses.replace(TODAY, premium_relations=frozenset({Relation.CHILD}))
    assert premium(relation=Relation.SPOUSE, policy=narrow) == ["RELATION_NOT_ALLOWED"]
    assert premium(relation=Relation.CHILD, policy=narrow) == []


def test_a_premium_is_paid_within_the_region_scope_of_a_binding() -> None:
    far = person("B", insurance_type=InsuranceType.RESIDENT, region_code="630202")
    assert premium(beneficiary=far) == ["DIFFERENT_REGION"]
    assert premium(beneficiary=far, policy=scoped("PROVINCE")) == []


@pytest.mark.parametrize(("year", "open_"), [(2025, False), (2026, True), (2027, True), (2028, False)])
def test_a_premium_is_paid_for_this_year_or_the_next(year: int, open_: bool) -> None:
    assert premium(year=year) == ([] if open_ else ["PREMIUM_YEAR_NOT_OPEN"])


def test_how_far_ahead_premiums_open_is_policy() -> None:
    two_ahead = dataclasses.replace(TODAY, resident_premium_years_ahead=2)
    assert premium(year=2028, policy=two_ahead) == []


@pytest.mark.parametrize("amount", [39_999, 40_001, 38_000])
def test_a_premium_other_than_the_standard_is_refused(amount: int) -> None:
    ask = rules.PremiumRequest(Relation.CHILD, 2027, amount, 40_000, current_year=2026)
    found = rules.premium_violations(person("P"), person("B", insurance_type=InsuranceType.RESIDENT), ask, TODAY)
    assert reasons(found) == ["PREMIUM_AMOUNT_NOT_STANDARD"]
    assert found[0].metadata == {"standard_fen": "40000"}
    assert STATUS[found[0].reason] == grpc.StatusCode.INVALID_ARGUMENT
