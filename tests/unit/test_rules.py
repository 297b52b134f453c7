"""Rules 1-6 with every reason they can give (pure domain: no database, no gRPC)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.accounts.domain import rules
from services.accounts.domain.model import InsuranceType, Person, PersonStatus, Relation
from services.accounts.domain.policy import Policy, PolicyBook

POLICY_FILE = Path(__file__).resolve().parents[2] / "config" / "policy.toml"
BOOK = PolicyBook.load(POLICY_FILE)
TODAY = BOOK.at(dt.date(2026, 11, 24))
BEFORE_2024_12 = BOOK.at(dt.date(2024, 11, 30))


def person(psn: str = "P1", **kw: object) -> Person:
    values: dict[str, object] = dict(insurance_type=InsuranceType.EMPLOYEE, region_code="630100",
                                     status=PersonStatus.ACTIVE)
    values.update(kw)
    return Person(psn, **values)  # type: ignore[arg-type]


def reasons(errors: list) -> list[str]:  # type: ignore[type-arg]
    return [e.reason for e in errors]


def ctx(bound: bool = False, members: int = 0) -> rules.BindingContext:
    return rules.BindingContext(member_already_bound=bound, active_member_count=members)


def test_an_active_employee_of_the_province_may_create() -> None:
    assert rules.creator_violations(person(), TODAY, creator_already_bound=False) == []


@pytest.mark.parametrize("kw", [
    {"insurance_type": InsuranceType.RESIDENT},
    {"region_code": "110100"},
    {"chronic_disease_benefit": True},
    {"retired_cadre": True},
    {"disabled_veteran_level": 1},
    {"disabled_veteran_level": 6},
])
def test_rule_1_creator_not_eligible(kw: dict[str, object]) -> None:
    assert reasons(rules.creator_violations(person(**kw), TODAY, False)) == ["CREATOR_NOT_ELIGIBLE"]


def test_rule_1_creator_must_be_insured_and_rule_4_not_bound() -> None:
    assert reasons(rules.creator_violations(person(status=PersonStatus.DECEASED), TODAY, False)) == [
        "PERSON_NOT_INSURED"]
    assert reasons(rules.creator_violations(person(), TODAY, creator_already_bound=True)) == ["ALREADY_BOUND"]


def test_rule_2_relations_are_effective_dated() -> None:
    creator, member = person("C"), person("M")
    for relation in (Relation.SPOUSE, Relation.PARENT, Relation.CHILD):
        assert rules.member_violations(creator, member, relation, BEFORE_2024_12, ctx()) == []
    for relation in (Relation.SIBLING, Relation.GRANDPARENT_PATERNAL, Relation.GRANDPARENT_MATERNAL,
                     Relation.GRANDCHILD_PATERNAL, Relation.GRANDCHILD_MATERNAL):
        assert reasons(rules.member_violations(creator, member, relation, BEFORE_2024_12, ctx())) == [
            "RELATION_NOT_ALLOWED"]
        assert rules.member_violations(creator, member, relation, TODAY, ctx()) == []


def test_rule_2_a_member_may_be_resident_insured_but_must_be_insured() -> None:
    creator = person("C")
    assert rules.member_violations(creator, person("M", insurance_type=InsuranceType.RESIDENT), Relation.CHILD,
                                   TODAY, ctx()) == []
    assert reasons(rules.member_violations(creator, person("M", status=PersonStatus.EXITED), Relation.CHILD,
                                           TODAY, ctx())) == ["PERSON_NOT_INSURED"]


def test_rule_3_at_most_five_members() -> None:
    creator, member = person("C"), person("M")
    assert rules.member_violations(creator, member, Relation.CHILD, TODAY, ctx(members=4)) == []
    found = rules.member_violations(creator, member, Relation.CHILD, TODAY, ctx(members=5))
    assert reasons(found) == ["MEMBER_LIMIT_REACHED"] and found[0].metadata == {"max_members": "5"}


def test_rule_4_one_binding_at_a_time_and_not_oneself() -> None:
    creator = person("C")
    assert reasons(rules.member_violations(creator, person("M"), Relation.SPOUSE, TODAY, ctx(bound=True))) == [
        "ALREADY_BOUND"]
    assert reasons(rules.member_violations(creator, creator, Relation.SPOUSE, TODAY, ctx())) == ["ALREADY_BOUND"]


@pytest.mark.parametrize(("scope", "member_region", "allowed"), [
    ("SAME_REGION", "630100", True), ("SAME_REGION", "630200", False),
    ("PROVINCE", "630200", True), ("PROVINCE", "110100", False),
    ("NATIONAL", "110100", True),
])
def test_rule_5_region_scope_is_a_policy_switch(scope: str, member_region: str, allowed: bool) -> None:
    policy = Policy(**{**TODAY.__dict__, "region_scope": scope})
    found = rules.member_violations(person("C"), person("M", region_code=member_region), Relation.SPOUSE, policy,
                                    ctx())
    assert (found == []) is allowed
    assert allowed or reasons(found) == ["DIFFERENT_REGION"]


def test_rule_6_transfer_minimum_creator_minimum_and_funds() -> None:
    assert rules.transfer_violations(60_000, 50_000, TODAY) == []
    assert reasons(rules.transfer_violations(60_000, 49_999, TODAY)) == ["TRANSFER_BELOW_MINIMUM"]
    assert reasons(rules.transfer_violations(49_999, 60_000, TODAY)) == [
        "CREATOR_BALANCE_BELOW_MINIMUM", "INSUFFICIENT_FUNDS"]
    assert reasons(rules.transfer_violations(55_000, 60_000, TODAY)) == ["INSUFFICIENT_FUNDS"]
    assert reasons(rules.funding_violations(49_999, TODAY)) == ["CREATOR_BALANCE_BELOW_MINIMUM"]


def test_every_broken_rule_is_listed_not_only_the_first() -> None:
    member = person("M", status=PersonStatus.SUSPENDED, region_code="630200")
    found = rules.member_violations(person("C"), member, Relation.SIBLING, BEFORE_2024_12, ctx(bound=True,
                                                                                               members=5))
    assert reasons(found) == ["PERSON_NOT_INSURED", "RELATION_NOT_ALLOWED", "ALREADY_BOUND", "MEMBER_LIMIT_REACHED",
                              "DIFFERENT_REGION"]
    with pytest.raises(Exception) as err:
        rules.first(found)
    assert getattr(err.value, "reason", "") == "PERSON_NOT_INSURED"
