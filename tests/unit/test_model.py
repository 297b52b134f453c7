"""Rule 10 as pure data: what each life event changes, which dissolve a creator's pool, which make a member leave."""

from __future__ import annotations

from services.accounts.domain.model import (
    AUTO_DISSOLUTION_REASONS,
    MEMBER_LEAVING_EVENTS,
    InsuranceType,
    LifeEvent,
    Person,
    PersonStatus,
    apply_life_event,
)


def test_rule_10_life_events() -> None:
    p = Person("P", InsuranceType.EMPLOYEE, "630100", PersonStatus.ACTIVE)
    apply_life_event(p, LifeEvent.DISABLED_VETERAN_GRANTED, veteran_level=3)
    apply_life_event(p, LifeEvent.REGION_CHANGED, new_region_code="630200")
    assert (p.disabled_veteran_level, p.region_code) == (3, "630200")
    apply_life_event(p, LifeEvent.DIED)
    assert p.status is PersonStatus.DECEASED and not p.insured
    assert set(AUTO_DISSOLUTION_REASONS) == set(LifeEvent)  # every creator event dissolves the pool
    assert MEMBER_LEAVING_EVENTS == {LifeEvent.DIED, LifeEvent.INSURANCE_ENDED}
