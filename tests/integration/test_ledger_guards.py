"""The database itself refuses what must never happen, and VerifyLedger notices what slipped past anyway."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tools.kit import Family
from tools.kit import accounts_v1 as pb


async def _account_of(engine: AsyncEngine, psn_no: str) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT id FROM accounts.ledger_accounts WHERE psn_no = :p AND part = 'CURRENT'"), {"p": psn_no}
            )
        ).scalar_one()


async def test_unbalanced_journal_and_overdraft_are_refused(accounts, engine) -> None:
    who = await Family(accounts).person(credit_fen=1_000)
    account = await _account_of(engine, who.psn_no)
    with pytest.raises(DBAPIError, match="does not balance"):
        async with engine.begin() as conn:
            await conn.execute(text("SELECT set_config('gongji.actor', 'TEST:ledger-guards', true)"))
            txn = (
                await conn.execute(
                    text(
                        "INSERT INTO accounts.journal_txns (kind, coordinating_region) "
                        "VALUES ('CONTRIBUTION', '630100') RETURNING id"
                    )
                )
            ).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO accounts.postings (txn_id, account_id, amount_fen, coordinating_region) "
                    "VALUES (:t, :a, 500, '630100')"
                ),
                {"t": txn, "a": account},
            )
    with pytest.raises(DBAPIError, match="internal_balance_covers_holds"):
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE accounts.ledger_accounts SET balance_fen = -1 WHERE id = :a"), {"a": account}
            )
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE accounts.postings SET amount_fen = amount_fen * 2 WHERE account_id = :a"), {"a": account}
            )
    assert (await accounts.VerifyLedger(pb.VerifyLedgerRequest())).ok


async def test_verify_ledger_reports_a_cached_balance_that_drifted(accounts, engine) -> None:
    who = await Family(accounts).person(credit_fen=1_000)
    account = await _account_of(engine, who.psn_no)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE accounts.ledger_accounts SET balance_fen = balance_fen + 1 WHERE id = :a"), {"a": account}
        )
    try:
        report = await accounts.VerifyLedger(pb.VerifyLedgerRequest())
        assert not report.ok
        assert any(
            f"account {account} (PERSONAL): cached balance 1001 fen, journal says 1000" in p for p in report.problems
        )
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE accounts.ledger_accounts SET balance_fen = balance_fen - 1 WHERE id = :a"), {"a": account}
            )
    assert (await accounts.VerifyLedger(pb.VerifyLedgerRequest())).ok


async def test_verify_ledger_reports_a_row_naming_a_payer_that_does_not_exist(accounts, engine) -> None:
    """What the foreign keys dropped by migration 0007 guarded, the audit checks."""
    async with engine.begin() as conn:
        reservation = (
            await conn.execute(
                text(
                    "INSERT INTO accounts.reservations (payer_psn_no, status, requested_fen, expires_at, "
                    "coordinating_region) VALUES ('GHOST', 'RELEASED', 1, now(), '630100') RETURNING id"
                )
            )
        ).scalar_one()
    try:
        report = await accounts.VerifyLedger(pb.VerifyLedgerRequest())
        assert f"reservation {reservation}: payer GHOST is not registered" in report.problems
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM accounts.reservations WHERE id = :r"), {"r": reservation})
    assert (await accounts.VerifyLedger(pb.VerifyLedgerRequest())).ok


async def test_postings_that_do_not_balance_are_refused_even_among_balanced_ones(accounts, engine) -> None:
    """The check runs once per statement, over every transaction the statement booked."""
    who = await Family(accounts).person(credit_fen=1_000)
    account = await _account_of(engine, who.psn_no)
    with pytest.raises(DBAPIError, match="does not balance"):
        async with engine.begin() as conn:
            await conn.execute(text("SELECT set_config('gongji.actor', 'TEST:ledger-guards', true)"))
            txns = (
                (
                    await conn.execute(
                        text(
                            "INSERT INTO accounts.journal_txns (kind, coordinating_region) "
                            "VALUES ('CONTRIBUTION', '630100'), ('CONTRIBUTION', '630100') RETURNING id"
                        )
                    )
                )
                .scalars()
                .all()
            )
            await conn.execute(
                text(
                    "INSERT INTO accounts.postings (txn_id, account_id, amount_fen, coordinating_region) VALUES "
                    "(:t1, 1, -500, '630100'), (:t1, :a, 500, '630100'), (:t2, 1, -500, '630100'), "
                    "(:t2, :a, 499, '630100'), (:t2, 1, 2, '630100')"
                ),
                {"t1": txns[0], "t2": txns[1], "a": account},
            )
    assert (await accounts.VerifyLedger(pb.VerifyLedgerRequest())).ok


async def test_nothing_is_booked_without_an_actor(accounts, engine) -> None:
    """Who did it is not optional: a journal entry written by nobody in particular is refused."""
    with pytest.raises(DBAPIError, match="booked_by"):
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO accounts.journal_txns (kind, coordinating_region) VALUES ('CONTRIBUTION', '630100')")
            )
