"""The nouns of family mutual aid, free of gRPC and SQL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.common.errors import DomainError, Reason


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
    """What the registry reports happened to a person (rule 10 says what each does to pools and bindings)."""

    CHRONIC_DISEASE_BENEFIT_GRANTED = "CHRONIC_DISEASE_BENEFIT_GRANTED"
    CHRONIC_DISEASE_BENEFIT_REVOKED = "CHRONIC_DISEASE_BENEFIT_REVOKED"
    INSURANCE_ENDED = "INSURANCE_ENDED"
    INSURANCE_SUSPENDED = "INSURANCE_SUSPENDED"  # 暂停参保
    INSURANCE_RESUMED = "INSURANCE_RESUMED"  # 恢复参保
    INSURANCE_TYPE_CHANGED = "INSURANCE_TYPE_CHANGED"  # employee <-> resident
    REGION_CHANGED = "REGION_CHANGED"
    RETIRED_CADRE_GRANTED = "RETIRED_CADRE_GRANTED"
    RETIRED_CADRE_REVOKED = "RETIRED_CADRE_REVOKED"
    DISABLED_VETERAN_GRANTED = "DISABLED_VETERAN_GRANTED"
    DISABLED_VETERAN_REVOKED = "DISABLED_VETERAN_REVOKED"
    DIED = "DIED"


# Disabled veterans are graded 1 (most severe) to 10 (一级至十级残疾军人); 0 in the registry means none.
VETERAN_LEVELS = range(1, 11)


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
        """Employee-insured people are credited a personal account (a resident who was an employee keeps the money
        of theirs, but nothing more is credited)."""
        return self.insurance_type is InsuranceType.EMPLOYEE

    @property
    def insured(self) -> bool:
        """Actively insured: a suspended (暂停), exited or deceased person is not, for every rule."""
        return self.status is PersonStatus.ACTIVE


@dataclass(frozen=True)
class Change:
    """A life event with what it carries: the new region, the new insurance type, the veteran level."""

    event: LifeEvent
    new_region_code: str = ""  # REGION_CHANGED
    veteran_level: int = 0  # DISABLED_VETERAN_GRANTED
    new_insurance_type: InsuranceType | None = None  # INSURANCE_TYPE_CHANGED


def apply_life_event(person: Person, change: Change) -> None:
    """Updates the person's registry attributes for a life event. Insurance that has ended (exited, deceased) can be
    neither suspended nor resumed; suspending a suspended person or resuming an active one changes nothing."""
    event = change.event
    if event in (LifeEvent.INSURANCE_SUSPENDED, LifeEvent.INSURANCE_RESUMED) and person.status in (
        PersonStatus.EXITED,
        PersonStatus.DECEASED,
    ):
        raise DomainError(Reason.STATUS_CHANGE_NOT_ALLOWED, f"(the person is {person.status.value.lower()})")
    if event is LifeEvent.CHRONIC_DISEASE_BENEFIT_GRANTED:
        person.chronic_disease_benefit = True
    elif event is LifeEvent.CHRONIC_DISEASE_BENEFIT_REVOKED:
        person.chronic_disease_benefit = False
    elif event is LifeEvent.INSURANCE_ENDED:
        person.status = PersonStatus.EXITED
    elif event is LifeEvent.INSURANCE_SUSPENDED:
        person.status = PersonStatus.SUSPENDED
    elif event is LifeEvent.INSURANCE_RESUMED:
        person.status = PersonStatus.ACTIVE
    elif event is LifeEvent.INSURANCE_TYPE_CHANGED:
        assert change.new_insurance_type is not None, "the parser requires it"
        person.insurance_type = change.new_insurance_type
    elif event is LifeEvent.REGION_CHANGED:
        person.region_code = change.new_region_code
    elif event is LifeEvent.RETIRED_CADRE_GRANTED:
        person.retired_cadre = True
    elif event is LifeEvent.RETIRED_CADRE_REVOKED:
        person.retired_cadre = False
    elif event is LifeEvent.DISABLED_VETERAN_GRANTED:
        person.disabled_veteran_level = change.veteran_level
    elif event is LifeEvent.DISABLED_VETERAN_REVOKED:
        person.disabled_veteran_level = 0
    elif event is LifeEvent.DIED:
        person.status = PersonStatus.DECEASED
