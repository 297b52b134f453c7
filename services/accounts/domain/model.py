"""The nouns of family mutual aid, free of gRPC and SQL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InsuranceType(StrEnum):
    EMPLOYEE = "EMPLOYEE"
    RESIDENT = "RESIDENT"


class PersonStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    EXITED = "EXITED"
    DECEASED = "DECEASED"


class Relation(StrEnum):
    SPOUSE = "SPOUSE"
    PARENT = "PARENT"
    CHILD = "CHILD"
    SIBLING = "SIBLING"
    GRANDPARENT_PATERNAL = "GRANDPARENT_PATERNAL"
    GRANDPARENT_MATERNAL = "GRANDPARENT_MATERNAL"
    GRANDCHILD_PATERNAL = "GRANDCHILD_PATERNAL"
    GRANDCHILD_MATERNAL = "GRANDCHILD_MATERNAL"


class Part(StrEnum):
    """The two parts of a personal account (rule 8): this year's contributions (当年), and what is left of earlier
    years (历年). Which the own-account leg of a payment draws first is policy."""

    CURRENT = "CURRENT"
    PRIOR = "PRIOR"


class Acceptor(StrEnum):
    """Who accepted an invitation: the member in person, or a guardian for a member under 18."""

    MEMBER = "MEMBER"
    GUARDIAN = "GUARDIAN"


class Source(StrEnum):
    """Where money for a payment comes from, in the order rule 8 uses them."""

    PERSONAL_ACCOUNT = "PERSONAL_ACCOUNT"
    FAMILY_POOL = "FAMILY_POOL"


class LifeEvent(StrEnum):
    CHRONIC_DISEASE_BENEFIT_GRANTED = "CHRONIC_DISEASE_BENEFIT_GRANTED"
    INSURANCE_ENDED = "INSURANCE_ENDED"
    REGION_CHANGED = "REGION_CHANGED"
    RETIRED_CADRE_GRANTED = "RETIRED_CADRE_GRANTED"
    DISABLED_VETERAN_GRANTED = "DISABLED_VETERAN_GRANTED"
    DIED = "DIED"


@dataclass
class Person:
    psn_no: str
    insurance_type: InsuranceType
    region_code: str
    status: PersonStatus
    chronic_disease_benefit: bool = False
    retired_cadre: bool = False
    disabled_veteran_level: int = 0

    @property
    def has_personal_account(self) -> bool:
        return self.insurance_type is InsuranceType.EMPLOYEE

    @property
    def insured(self) -> bool:
        return self.status is PersonStatus.ACTIVE


def apply_life_event(person: Person, event: LifeEvent, new_region_code: str = "", veteran_level: int = 0) -> None:
    """Updates the person's registry attributes for a life event (rule 10)."""
    if event is LifeEvent.CHRONIC_DISEASE_BENEFIT_GRANTED:
        person.chronic_disease_benefit = True
    elif event is LifeEvent.INSURANCE_ENDED:
        person.status = PersonStatus.EXITED
    elif event is LifeEvent.REGION_CHANGED:
        person.region_code = new_region_code
    elif event is LifeEvent.RETIRED_CADRE_GRANTED:
        person.retired_cadre = True
    elif event is LifeEvent.DISABLED_VETERAN_GRANTED:
        person.disabled_veteran_level = veteran_level
    elif event is LifeEvent.DIED:
        person.status = PersonStatus.DECEASED


# Why a creator's pool dissolves by itself, per life event (rule 10), as recorded on the pool.
AUTO_DISSOLUTION_REASONS = {
    LifeEvent.CHRONIC_DISEASE_BENEFIT_GRANTED: "CREATOR_GRANTED_CHRONIC_DISEASE_BENEFIT",
    LifeEvent.INSURANCE_ENDED: "CREATOR_LEFT_EMPLOYEE_INSURANCE",
    LifeEvent.REGION_CHANGED: "CREATOR_CHANGED_REGION",
    LifeEvent.RETIRED_CADRE_GRANTED: "CREATOR_GRANTED_RETIRED_CADRE_BENEFIT",
    LifeEvent.DISABLED_VETERAN_GRANTED: "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT",
    LifeEvent.DIED: "CREATOR_DIED",
}

# Life events after which a member leaves their pool automatically (rule 10).
MEMBER_LEAVING_EVENTS = frozenset({LifeEvent.INSURANCE_ENDED, LifeEvent.DIED})
