"""Rule 10 as pure data: what each life event changes in the registry, which changes dissolve a creator's pool and
which make a member leave (services/accounts/domain/model.py and rules.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from services.accounts.domain import rules
from services.accounts.domain.model import Change, InsuranceType, LifeEvent, Person, PersonStatus, apply_life_event
from services.accounts.domain.policy import PolicyBook
from services.common.errors import DomainError

POLICY = PolicyBook.load(Path(__file__).resolve().parents[2] / "config" / "policy.toml").at(dt.date(2026, 12, 1))


def person(**kw: object) -> Person:
    values: dict[str, object] = dict(
        insurance_type=InsuranceType.EMPLOYEE, region_code="630102", status=PersonStatus.ACTIVE
    )
    values.update(kw)
    return Person("P", **values)  # type: ignore[arg-type]


def after(before: Person, change: Change) -> Person:
    p = dataclasses.replace(before)
    apply_life_event(p, change)
    return p


def test_rule_10_life_events_update_the_registry() -> None:
    p = person()
    apply_life_event(p, Change(LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=3))
    apply_life_event(p, Change(LifeEvent.REGION_CHANGED, new_region_code="630200"))
    assert (p.disabled_veteran_level, p.region_code) == (3, "630200")
    apply_life_event(p, Change(LifeEvent.DISABLED_VETERAN_REVOKED))
    assert p.disabled_veteran_level == 0
    apply_life_event(p, Change(LifeEvent.INSURANCE_TYPE_CHANGED, new_insurance_type=InsuranceType.RESIDENT))
    assert p.insurance_type is InsuranceType.RESIDENT and not p.has_personal_account
    apply_life_event(p, Change(LifeEvent.DIED))
    assert p.status is PersonStatus.DECEASED and not p.insured


def test_suspension_makes_a_person_uninsured_and_resumption_insured_again() -> None:
    p = person()
    apply_life_event(p, Change(LifeEvent.INSURANCE_SUSPENDED))
    assert (p.status, p.insured) == (PersonStatus.SUSPENDED, False)
    apply_life_event(p, Change(LifeEvent.INSURANCE_SUSPENDED))  # again: no change
    apply_life_event(p, Change(LifeEvent.INSURANCE_RESUMED))
    assert (p.status, p.insured) == (PersonStatus.ACTIVE, True)


@pytest.mark.parametrize("status", [PersonStatus.EXITED, PersonStatus.DECEASED])
@pytest.mark.parametrize("event", [LifeEvent.INSURANCE_SUSPENDED, LifeEvent.INSURANCE_RESUMED])
def test_ended_insurance_is_neither_suspended_nor_resumed(status: PersonStatus, event: LifeEvent) -> None:
    p = person(status=status)
    with pytest.raises(DomainError) as err:
        apply_life_event(p, Change(event))
    assert err.value.reason.name == "STATUS_CHANGE_NOT_ALLOWED" and p.status is status


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (Change(LifeEvent.CHRONIC_DISEASE_BENEFIT_GRANTED), "CREATOR_GRANTED_CHRONIC_DISEASE_BENEFIT"),
        (Change(LifeEvent.INSURANCE_ENDED), "CREATOR_LEFT_EMPLOYEE_INSURANCE"),
        (
            Change(LifeEvent.INSURANCE_TYPE_CHANGED, new_insurance_type=InsuranceType.RESIDENT),
            "CREATOR_LEFT_EMPLOYEE_INSURANCE",
        ),
        (Change(LifeEvent.REGION_CHANGED, new_region_code="630202"), "CREATOR_CHANGED_REGION"),
        (Change(LifeEvent.REGION_CHANGED, new_region_code="110101"), "CREATOR_CHANGED_REGION"),
        (Change(LifeEvent.RETIRED_CADRE_GRANTED), "CREATOR_GRANTED_RETIRED_CADRE_BENEFIT"),
        (Change(LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=1), "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT"),
        (Change(LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=6), "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT"),
        (Change(LifeEvent.DIED), "CREATOR_DIED"),
    ],
    ids=lambda v: v.event.value if isinstance(v, Change) else "",
)
def test_what_dissolves_a_creators_pool(change: Change, reason: str) -> None:
    creator = person()
    assert rules.dissolution_reason(creator, after(creator, change), POLICY) == reason


@pytest.mark.parametrize(
    "change",
    [
        Change(LifeEvent.INSURANCE_SUSPENDED),
        Change(LifeEvent.REGION_CHANGED, new_region_code="630121"),  # 大通县: still 西宁 (630100)
        Change(LifeEvent.REGION_CHANGED, new_region_code="630100"),
        Change(LifeEvent.INSURANCE_TYPE_CHANGED, new_insurance_type=InsuranceType.EMPLOYEE),
        Change(LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=7),
        Change(LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=10),
        Change(LifeEvent.CHRONIC_DISEASE_BENEFIT_REVOKED),
        Change(LifeEvent.RETIRED_CADRE_REVOKED),
        Change(LifeEvent.DISABLED_VETERAN_REVOKED),
    ],
    ids=lambda c: f"{c.event.value}-{c.new_region_code or c.veteran_level or ''}",
)
def test_what_does_not_dissolve_a_creators_pool(change: Change) -> None:
    creator = person()
    assert rules.dissolution_reason(creator, after(creator, change), POLICY) is None


def test_a_suspended_creator_resuming_keeps_the_pool() -> None:
    suspended = person(status=PersonStatus.SUSPENDED)
    assert rules.dissolution_reason(suspended, after(suspended, Change(LifeEvent.INSURANCE_RESUMED)), POLICY) is None


@pytest.mark.parametrize(
    ("change", "leaves"),
    [
        (Change(LifeEvent.DIED), True),
        (Change(LifeEvent.INSURANCE_ENDED), True),
        (Change(LifeEvent.REGION_CHANGED, new_region_code="630202"), True),  # 海东: another coordinating region
        (Change(LifeEvent.REGION_CHANGED, new_region_code="110101"), True),
        (Change(LifeEvent.REGION_CHANGED, new_region_code="630123"), False),  # 湟源县: still 西宁
        (Change(LifeEvent.INSURANCE_SUSPENDED), False),
        (Change(LifeEvent.INSURANCE_TYPE_CHANGED, new_insurance_type=InsuranceType.RESIDENT), False),
        (Change(LifeEvent.CHRONIC_DISEASE_BENEFIT_GRANTED), False),
        (Change(LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=1), False),
    ],
    ids=lambda v: f"{v.event.value}-{v.new_region_code}" if isinstance(v, Change) else str(v),
)
def test_what_makes_a_member_leave(change: Change, leaves: bool) -> None:
    creator, member = person(), person()
    assert rules.member_leaves(after(member, change), creator, POLICY) is leaves


def test_a_member_moving_away_stays_under_a_province_wide_scope() -> None:
    province = dataclasses.replace(POLICY, region_scope="PROVINCE")
    moved = after(person(), Change(LifeEvent.REGION_CHANGED, new_region_code="632801"))
    assert rules.member_leaves(moved, person(), province) is False
    assert rules.member_leaves(moved, person(), POLICY) is True
