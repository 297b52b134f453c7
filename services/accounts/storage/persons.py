"""Insured persons: the registry entry (personal data only as HMAC and masked form), their personal account, and
the active pool each belongs to (rule 4: at most one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.model import InsuranceType, Person, PersonStatus
from services.accounts.storage import personal, sql
from services.accounts.views import PersonView, PoolRole
from services.common.errors import DomainError, Reason


@dataclass(frozen=True)
class NewPerson:
    person: Person
    id_number_hash: bytes
    id_number_masked: str
    name_hash: bytes
    name_masked: str
    birth_date: dt.date
    year: int  # the current year, which the personal account's current-year part starts in
    coordinating_region: str  # of region_code, by the policy's table (the key hot rows copy)


async def insert(conn: AsyncConnection, new: NewPerson) -> None:
    """Registers a person, with a personal account when employee-insured."""
    p = new.person
    inserted = (
        await conn.execute(
            sql(
                "INSERT INTO accounts.persons (psn_no, id_number_hash, id_number_masked, name_hash, name_masked, "
                "insurance_type, region_code, coordinating_region, status, chronic_disease_benefit, retired_cadre, "
                "disabled_veteran_level, birth_date) VALUES (:psn_no, :id_number_hash, :id_number_masked, :name_hash, "
                ":name_masked, :insurance_type, :region_code, :coordinating_region, :status, "
                ":chronic_disease_benefit, :retired_cadre, :disabled_veteran_level, :birth_date) "
                "ON CONFLICT DO NOTHING RETURNING psn_no"
            ),
            {
                "psn_no": p.psn_no,
                "id_number_hash": new.id_number_hash,
                "id_number_masked": new.id_number_masked,
                "name_hash": new.name_hash,
                "name_masked": new.name_masked,
                "insurance_type": p.insurance_type.value,
                "region_code": p.region_code,
                "coordinating_region": new.coordinating_region,
                "status": p.status.value,
                "chronic_disease_benefit": p.chronic_disease_benefit,
                "retired_cadre": p.retired_cadre,
                "disabled_veteran_level": p.disabled_veteran_level,
                "birth_date": new.birth_date,
            },
        )
    ).first()
    if inserted is None:
        raise DomainError(Reason.PERSON_ALREADY_REGISTERED)
    if p.has_personal_account:
        await personal.create(conn, p.psn_no, new.year)


# A person's active pool and role, as a lateral subquery over `pe` (rule 4: at most one).
_POOL_OF = (
    "LEFT JOIN LATERAL (SELECT id AS pool_id, 'CREATOR' AS pool_role FROM accounts.pools "
    "  WHERE creator_psn_no = pe.psn_no AND status = 'ACTIVE' "
    "  UNION ALL SELECT pool_id, 'MEMBER' FROM accounts.memberships WHERE psn_no = pe.psn_no AND status = 'ACTIVE' "
    "  LIMIT 1) active_pool ON true"
)
_PERSON = (
    "SELECT pe.psn_no, pe.insurance_type, pe.region_code, pe.status, pe.chronic_disease_benefit, pe.retired_cadre, "
    "pe.disabled_veteran_level, pe.name_masked, pe.id_number_masked, pe.name_hash, active_pool.pool_id, "
    f"active_pool.pool_role FROM accounts.persons pe {_POOL_OF}"
)


def _view(row: Row[Any]) -> PersonView:
    person = Person(
        psn_no=row.psn_no,
        insurance_type=InsuranceType(row.insurance_type),
        region_code=row.region_code,
        status=PersonStatus(row.status),
        chronic_disease_benefit=row.chronic_disease_benefit,
        retired_cadre=row.retired_cadre,
        disabled_veteran_level=row.disabled_veteran_level,
    )
    return PersonView(
        person, row.name_masked, row.id_number_masked, row.pool_id, PoolRole(row.pool_role) if row.pool_role else None
    )


async def get(conn: AsyncConnection, psn_no: str) -> PersonView:
    row = (await conn.execute(sql(f"{_PERSON} WHERE pe.psn_no = :psn_no"), {"psn_no": psn_no})).first()
    if row is None:
        raise DomainError(Reason.PERSON_NOT_FOUND, metadata={"psn_no": psn_no})
    return _view(row)


async def find_by_id_number_hash(conn: AsyncConnection, id_number_hash: bytes) -> tuple[PersonView, bytes] | None:
    """The person with this ID number (by its HMAC) and the HMAC of their registered name; None if unregistered."""
    row = (
        await conn.execute(
            sql(f"{_PERSON} WHERE pe.id_number_hash = :id_number_hash"), {"id_number_hash": id_number_hash}
        )
    ).first()
    return (_view(row), bytes(row.name_hash)) if row else None


@dataclass(frozen=True)
class Hashes:
    """What the registry keeps of a person's ID number and name: their HMACs, and the birth date (None for people
    registered before it was kept)."""

    id_number_hash: bytes
    name_hash: bytes
    birth_date: dt.date | None


async def hashes(conn: AsyncConnection, psn_no: str) -> Hashes:
    row = (
        await conn.execute(
            sql("SELECT id_number_hash, name_hash, birth_date FROM accounts.persons WHERE psn_no = :psn_no"),
            {"psn_no": psn_no},
        )
    ).one()
    return Hashes(bytes(row.id_number_hash), bytes(row.name_hash), row.birth_date)


async def lock(conn: AsyncConnection, psn_nos: Iterable[str]) -> None:
    """The first locks of the global order: persons, by psn_no."""
    await conn.execute(
        sql("SELECT 1 FROM accounts.persons WHERE psn_no = ANY(:psn_no) ORDER BY psn_no FOR NO KEY UPDATE"),
        {"psn_no": sorted(set(psn_nos))},
    )


async def update(conn: AsyncConnection, p: Person, coordinating_region: str) -> None:
    """Records the change. A person who moved to another coordinating region takes her personal account's ledger
    accounts along; history keeps the region it was written in, and so does a pool (rule 10 dissolves the pool of a
    creator who moves region)."""
    await conn.execute(
        sql(
            "WITH person AS (UPDATE accounts.persons SET insurance_type = :insurance_type, region_code = :region_code, "
            "coordinating_region = :coordinating_region, status = :status, "
            "chronic_disease_benefit = :chronic_disease_benefit, retired_cadre = :retired_cadre, "
            "disabled_veteran_level = :disabled_veteran_level, updated_at = now(), updated_by = accounts.actor() "
            "WHERE psn_no = :psn_no) "
            "UPDATE accounts.ledger_accounts SET coordinating_region = :coordinating_region "
            "WHERE psn_no = :psn_no AND coordinating_region <> :coordinating_region"
        ),
        {
            "psn_no": p.psn_no,
            "coordinating_region": coordinating_region,
            "insurance_type": p.insurance_type.value,
            "region_code": p.region_code,
            "status": p.status.value,
            "chronic_disease_benefit": p.chronic_disease_benefit,
            "retired_cadre": p.retired_cadre,
            "disabled_veteran_level": p.disabled_veteran_level,
        },
    )
