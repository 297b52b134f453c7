"""Family pools and their memberships (bindings and invitations), and the one way to lock a family."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.model import Acceptor, Relation
from services.accounts.storage import journal, personal, persons, sql
from services.accounts.storage.personal import LockedPersonal, PersonalAccount
from services.accounts.views import BalanceView, MemberView, PoolView
from services.common.errors import DomainError, Reason


@dataclass(frozen=True)
class PoolRow:
    pool_id: int
    creator_psn_no: str
    account_id: int
    active: bool


@dataclass(frozen=True)
class LockedFamily:
    """A pool and its people, locked in the global order; with the pool's and the creator's accounts if asked."""

    pool: PoolRow
    creator: PersonalAccount
    pool_balance: BalanceView | None = None
    creator_funds: LockedPersonal | None = None

    @property
    def pool_available_fen(self) -> int:
        assert self.pool_balance is not None, "locked with_accounts"
        return self.pool_balance.available_fen

    @property
    def creator_available_fen(self) -> int:
        assert self.creator_funds is not None, "locked with_accounts"
        return self.creator_funds.available_fen

    def require_active(self) -> None:
        if not self.pool.active:
            raise DomainError(Reason.POOL_DISSOLVED, metadata={"pool_id": str(self.pool.pool_id)})


async def get_row(conn: AsyncConnection, pool_id: int, lock: bool = False) -> PoolRow:
    row = (
        await conn.execute(
            sql(
                "SELECT id, creator_psn_no, account_id, status FROM accounts.pools WHERE id = :id"
                + (" FOR NO KEY UPDATE" if lock else "")
            ),
            {"id": pool_id},
        )
    ).first()
    if row is None:
        raise DomainError(Reason.POOL_NOT_FOUND, metadata={"pool_id": str(pool_id)})
    return PoolRow(row.id, row.creator_psn_no, row.account_id, row.status == "ACTIVE")


async def created_by(conn: AsyncConnection, psn_no: str) -> list[PoolRow]:
    """Every pool this person created, active or dissolved."""
    rows = await conn.execute(
        sql("SELECT id, creator_psn_no, account_id, status FROM accounts.pools WHERE creator_psn_no = :psn_no"),
        {"psn_no": psn_no},
    )
    return [PoolRow(r.id, r.creator_psn_no, r.account_id, r.status == "ACTIVE") for r in rows]


async def of_person_at(conn: AsyncConnection, psn_no: str, at: dt.datetime) -> PoolRow | None:
    """The pool the person created or was an active member of at that moment, if any."""
    row = (
        await conn.execute(
            sql(
                "SELECT po.id, po.creator_psn_no, po.account_id, po.status FROM accounts.pools po "
                "WHERE po.created_at <= :at AND (po.dissolved_at IS NULL OR po.dissolved_at > :at) "
                "AND po.id IN (SELECT c.id FROM accounts.pools c WHERE c.creator_psn_no = :psn_no "
                "  UNION SELECT m.pool_id FROM accounts.memberships m WHERE m.psn_no = :psn_no AND m.joined_at <= :at "
                "  AND (m.ended_at IS NULL OR m.ended_at > :at)) "
                "ORDER BY po.created_at DESC LIMIT 1"
            ),
            {"psn_no": psn_no, "at": at},
        )
    ).first()
    return PoolRow(row.id, row.creator_psn_no, row.account_id, row.status == "ACTIVE") if row else None


async def lock_family(
    conn: AsyncConnection, pool_id: int, people: Iterable[str] = (), *, accounts_in_year: int | None = None
) -> LockedFamily:
    """Locks the pool's creator and `people` (persons), then the pool, then (when `accounts_in_year` says the year)
    the pool's account and both parts of the creator's, rolled over to that year: the global lock order, so no two
    families' operations can deadlock."""
    unlocked = await get_row(conn, pool_id)
    await persons.lock(conn, [unlocked.creator_psn_no, *people])
    pool = await get_row(conn, pool_id, lock=True)
    creator = await personal.of(conn, pool.creator_psn_no)
    assert creator is not None, "a creator is employee-insured and has a personal account"
    if accounts_in_year is None:
        return LockedFamily(pool, creator)
    locked = await journal.lock_accounts(conn, [pool.account_id], owners=[pool.creator_psn_no])
    await personal.roll_over(conn, accounts_in_year, [pool.creator_psn_no])
    return LockedFamily(pool, creator, locked[pool.account_id], await personal.read(conn, pool.creator_psn_no))


async def insert(conn: AsyncConnection, creator_psn_no: str, agreement_version: str) -> int:
    account_id = (
        await conn.execute(
            sql(
                "INSERT INTO accounts.ledger_accounts (kind, coordinating_region) "
                "SELECT 'POOL', coordinating_region FROM accounts.persons WHERE psn_no = :creator_psn_no RETURNING id"
            ),
            {"creator_psn_no": creator_psn_no},
        )
    ).scalar_one()
    pool_id = (
        await conn.execute(
            sql(
                "INSERT INTO accounts.pools (creator_psn_no, account_id, status, agreement_version, "
                "coordinating_region) SELECT :creator_psn_no, :account_id, 'ACTIVE', :agreement_version, "
                "coordinating_region FROM accounts.ledger_accounts WHERE id = :account_id ON CONFLICT DO NOTHING "
                "RETURNING id"
            ),
            {"creator_psn_no": creator_psn_no, "account_id": account_id, "agreement_version": agreement_version},
        )
    ).scalar()
    if pool_id is None:
        raise DomainError(Reason.ALREADY_BOUND, "(creator)")
    return int(pool_id)


async def mark_dissolved(conn: AsyncConnection, pool_id: int, dissolution_reason: str) -> None:
    await conn.execute(
        sql(
            "UPDATE accounts.pools SET status = 'DISSOLVED', dissolved_at = now(), dissolved_by = accounts.actor(), "
            "dissolution_reason = :dissolution_reason WHERE id = :id"
        ),
        {"id": pool_id, "dissolution_reason": dissolution_reason},
    )
    await conn.execute(
        sql(
            "UPDATE accounts.memberships SET status = 'REMOVED', ended_at = now(), ended_by = accounts.actor() "
            "WHERE pool_id = :pool_id AND status IN ('INVITED', 'ACTIVE')"
        ),
        {"pool_id": pool_id},
    )


async def load(conn: AsyncConnection, pool_id: int) -> PoolView:
    """The pool as people see it: balances, active members and invitations still open."""
    row = (
        await conn.execute(
            sql(
                "SELECT p.id, p.creator_psn_no, p.status, p.agreement_version, p.created_at, p.dissolved_at, "
                "p.dissolution_reason, a.balance_fen, a.held_fen, cr.status AS creator_status FROM accounts.pools p "
                "JOIN accounts.ledger_accounts a ON a.id = p.account_id "
                "JOIN accounts.persons cr ON cr.psn_no = p.creator_psn_no WHERE p.id = :id"
            ),
            {"id": pool_id},
        )
    ).first()
    if row is None:
        raise DomainError(Reason.POOL_NOT_FOUND, metadata={"pool_id": str(pool_id)})
    members = await conn.execute(
        sql(
            f"{_MEMBER} WHERE m.pool_id = :pool_id AND (m.status = 'ACTIVE' OR (m.status = 'INVITED' "
            "AND m.invitation_expires_at > now())) ORDER BY m.id"
        ),
        {"pool_id": pool_id},
    )
    return PoolView(
        row.id,
        row.creator_psn_no,
        row.status,
        row.agreement_version,
        row.balance_fen,
        row.held_fen,
        row.created_at,
        row.dissolved_at,
        row.dissolution_reason or "",
        tuple(_member(m) for m in members),
        paused=row.status == "ACTIVE" and row.creator_status == "SUSPENDED",
    )


# ---------------------------------------------------------------- memberships

_MEMBER = (
    "SELECT m.id, m.invitation_token, m.pool_id, m.psn_no, pe.name_masked, m.relation, m.status, m.invited_at, "
    "m.invitation_expires_at, m.joined_at, m.accepted_by, m.guardian_name_masked "
    "FROM accounts.memberships m JOIN accounts.persons pe ON pe.psn_no = m.psn_no"
)


def _member(m: Row[Any]) -> MemberView:
    return MemberView(
        membership_id=m.id,
        invitation_id=m.invitation_token,
        pool_id=m.pool_id,
        psn_no=m.psn_no,
        name_masked=m.name_masked,
        relation=Relation(m.relation),
        status=m.status,
        invited_at=m.invited_at,
        invitation_expires_at=m.invitation_expires_at,
        joined_at=m.joined_at,
        accepted_by=Acceptor(m.accepted_by) if m.accepted_by else None,
        guardian_name_masked=m.guardian_name_masked or "",
    )


async def membership(conn: AsyncConnection, invitation_id: str, lock: bool = False) -> MemberView:
    """An invitation (or the binding it became) by its unguessable id."""
    row = (
        await conn.execute(
            sql(
                f"{_MEMBER} WHERE m.invitation_token = :invitation_token" + (" FOR NO KEY UPDATE OF m" if lock else "")
            ),
            {"invitation_token": invitation_id},
        )
    ).first()
    if row is None:
        raise DomainError(Reason.INVITATION_NOT_FOUND)
    return _member(row)


async def open_membership(conn: AsyncConnection, pool_id: int, psn_no: str) -> MemberView | None:
    """The person's invitation to or binding with this pool, locked; None when there is none."""
    row = (
        await conn.execute(
            sql(
                f"{_MEMBER} WHERE m.pool_id = :pool_id AND m.psn_no = :psn_no AND m.status IN ('INVITED', 'ACTIVE') "
                "FOR NO KEY UPDATE OF m"
            ),
            {"pool_id": pool_id, "psn_no": psn_no},
        )
    ).first()
    return _member(row) if row else None


async def active_member_count(conn: AsyncConnection, pool_id: int) -> int:
    return int(
        (
            await conn.execute(
                sql("SELECT count(*) FROM accounts.memberships WHERE pool_id = :pool_id AND status = 'ACTIVE'"),
                {"pool_id": pool_id},
            )
        ).scalar_one()
    )


async def expire_lapsed_invitation(conn: AsyncConnection, pool_id: int, psn_no: str, now: dt.datetime) -> None:
    """An unanswered invitation past its date is no longer open: the creator may invite the person again."""
    await conn.execute(
        sql(
            "UPDATE accounts.memberships SET status = 'EXPIRED', ended_at = :now, ended_by = accounts.actor() "
            "WHERE pool_id = :pool_id "
            "AND psn_no = :psn_no AND status = 'INVITED' AND invitation_expires_at <= :now"
        ),
        {"pool_id": pool_id, "psn_no": psn_no, "now": now},
    )


async def insert_invitation(
    conn: AsyncConnection, pool_id: int, psn_no: str, relation: Relation, invitation_expires_at: dt.datetime
) -> MemberView:
    row = (
        await conn.execute(
            sql(
                "INSERT INTO accounts.memberships (invitation_token, pool_id, psn_no, relation, status, "
                "invitation_expires_at, coordinating_region) SELECT :invitation_token, :pool_id, :psn_no, :relation, "
                "'INVITED', :invitation_expires_at, coordinating_region FROM accounts.pools WHERE id = :pool_id "
                "ON CONFLICT DO NOTHING RETURNING invitation_token"
            ),
            {
                "invitation_token": secrets.token_hex(16),  # unguessable: 128 random bits
                "pool_id": pool_id,
                "psn_no": psn_no,
                "relation": relation.value,
                "invitation_expires_at": invitation_expires_at,
            },
        )
    ).first()
    if row is None:
        raise DomainError(Reason.ALREADY_BOUND, "(already invited to or member of this pool)")
    return await membership(conn, row.invitation_token)


async def set_membership_status(conn: AsyncConnection, membership_id: int, status: str) -> None:
    """Ends a binding or invitation (REMOVED, LEFT, DECLINED), recording who ended it."""
    await conn.execute(
        sql(
            "UPDATE accounts.memberships SET status = :status, ended_at = now(), ended_by = accounts.actor(), "
            "answered_by = CASE WHEN :status = 'DECLINED' THEN accounts.actor() ELSE answered_by END WHERE id = :id"
        ),
        {"id": membership_id, "status": status},
    )


@dataclass(frozen=True)
class Acceptance:
    """Who accepted an invitation: the member, or a guardian (with what is kept of the guardian's identity)."""

    by: Acceptor
    guardian_id_hash: bytes | None = None
    guardian_name_masked: str | None = None


async def accept(conn: AsyncConnection, membership_id: int, acceptance: Acceptance) -> None:
    await conn.execute(
        sql(
            "UPDATE accounts.memberships SET status = 'ACTIVE', joined_at = now(), ended_at = NULL, "
            "accepted_by = :accepted_by, guardian_id_hash = :guardian_id_hash, "
            "guardian_name_masked = :guardian_name_masked, answered_by = accounts.actor() WHERE id = :id"
        ),
        {
            "id": membership_id,
            "accepted_by": acceptance.by.value,
            "guardian_id_hash": acceptance.guardian_id_hash,
            "guardian_name_masked": acceptance.guardian_name_masked,
        },
    )
