"""Settlement use cases: exactly-once payments through accounts, whatever fails.

Every step writes its intent (a status such as PENDING or CAPTURING) to our own record before calling accounts, and
every call to accounts carries a request id derived from that record, so repeating a step can never move money
twice. Whoever finds a settlement unfinished (a POS retry, a Reverse, or the recovery worker) can finish it; status
changes are compare-and-set, so only one of them moves it on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError, Reason
from services.common.observability import RECOVERY_ACTIONS, SETTLEMENT_OUTCOMES
from services.settlement.clients.accounts import AccountsClient
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus, ReserveCall
from services.settlement.domain.commands import Pay
from services.settlement.domain.model import FINAL, NOTHING_PAID, Kind, Refund, Settlement, Split, Status
from services.settlement.domain.reconcile import Item, Row, Totals, compare_rows, differing_totals
from services.settlement.storage import repository as repo

log = logging.getLogger(__name__)

UNDO_ROUNDS = 5


def _request_id(s: Settlement, step: str) -> str:
    """The accounts request id of one step of one settlement: the same every time the step is tried."""
    return f"stl-{s.id}-{step}"


def fingerprint(*parts: object) -> bytes:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()


@dataclass
class Reconciliation:
    balanced: bool
    ours: Totals
    differing: list[str]
    rows: list[Row]
    matched: int


class SettlementService:
    def __init__(self, engine: AsyncEngine, accounts: AccountsClient, crash_at: str = "") -> None:
        self.engine = engine
        # One statement is its own transaction: the hot path's intent and outcome are one round trip each.
        self.autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.accounts = accounts
        self.crash_at = crash_at

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[AsyncConnection]:
        async with self.autocommit.connect() as conn:
            yield conn

    def _crash_point(self, name: str) -> None:
        """Test hook (GONGJI_CRASH_AT): die here like kill -9, to prove recovery."""
        if self.crash_at == name:
            log.warning("crash point reached", extra={"crash_point": name})
            os.kill(os.getpid(), signal.SIGKILL)

    async def load(self, settlement_id: str) -> Settlement:
        async with self._tx() as conn:
            return await repo.get(conn, settlement_id)

    async def find(self, institution: str, settlement_id: str, pos_txn_id: str) -> Settlement:
        async with self._tx() as conn:
            s = await repo.find(conn, institution, settlement_id=settlement_id, pos_txn_id=pos_txn_id,
                                with_refunds=True)
        if s is None:
            raise DomainError(Reason.SETTLEMENT_NOT_FOUND)
        return s

    async def _move(self, s: Settlement, expected: set[Status], to: Status, **values: object) -> Settlement:
        """Moves `s` on if nobody else did; answers with the settlement as it now is."""
        async with self._statement() as conn:
            moved = await repo.move(conn, s.id, expected, to, **values)
        if moved is None:
            return await self.load(s.id)
        if to in FINAL:
            SETTLEMENT_OUTCOMES.labels(s.kind.value, to.value).inc()
        moved.refunds = s.refunds  # a status change never changes refunds
        return moved

    # ------------------------------------------------------------ quote

    async def pre_settle(self, payer: str, amount_fen: int,
                         budget_s: float | None) -> tuple[Split, int, int]:
        """The split a Settle would make now, and the payer's available own and pool balances; nothing moves."""
        try:
            quote = await self.accounts.quote(payer, amount_fen, budget_s=budget_s)
        except AccountsDeclined as d:
            raise _declined(d.reason) from d
        own, pool = quote.reserved.own_fen, quote.reserved.pool_fen
        return (Split(own, pool, amount_fen - own - pool), quote.payer.own_available_fen,
                quote.payer.pool_available_fen)

    # ------------------------------------------------------------ one-shot and authorization

    async def start(self, institution: str, c: Pay, budget_s: float | None) -> Settlement:
        """Settle (SALE) or Authorize: write the intent, reserve through accounts, record the outcome."""
        kind, pos_txn_id = c.kind, c.pos_txn_id
        fp = fingerprint(kind.value, c.payer_psn_no, c.amount_fen, c.description, c.hold_ttl_seconds)
        async with self._statement() as conn:
            s, created = await repo.create(conn, Settlement(
                id=uuid.uuid4().hex, institution=institution, pos_txn_id=pos_txn_id, kind=kind,
                status=Status.PENDING, payer_psn_no=c.payer_psn_no, amount_fen=c.amount_fen,
                description=c.description, fingerprint=fp, hold_ttl_seconds=c.hold_ttl_seconds))
        if not created and s.kind is not Kind.TOMBSTONE and (s.kind is not kind or s.fingerprint != fp):
            raise DomainError(Reason.REQUEST_ID_REUSED, "(pos_txn_id)", {"pos_txn_id": pos_txn_id})
        if s.status is Status.PENDING:
            s = await self._reserve(s, budget_s)
        if s.status in (Status.COMPENSATING, Status.REVERSING):
            s = await self._undo(s, budget_s)
        return self._answer(s)

    async def _reserve(self, s: Settlement, budget_s: float | None) -> Settlement:
        sale = s.kind is Kind.SALE
        try:
            r = await self.accounts.reserve(_reserve_call(s), budget_s=budget_s)
        except AccountsDeclined as d:
            return await self._move(s, {Status.PENDING}, Status.DECLINED, decline_reason=d.reason,
                                    decline_message=d.message[:500])
        self._crash_point("after_reserve")
        paid = r.debited if sale else r.reserved
        own, pool = paid.own_fen, paid.pool_fen
        values: dict[str, object] = dict(
            reservation_id=r.reservation_id, acct_pay_fen=own, acct_mulaid_pay_fen=pool,
            psn_cash_pay_fen=s.amount_fen - own - pool, balc_fen=r.payer.own_available_fen,
            pool_balc_fen=r.payer.pool_available_fen)
        if not sale:
            values.update(authorized_fen=own + pool, expires_at=r.expires_at)
        return await self._move(s, {Status.PENDING}, Status.COMPLETED if sale else Status.AUTHORIZED, **values)

    def _answer(self, s: Settlement) -> Settlement:
        """What a repeated Settle / Authorize answers, from the settlement's status."""
        if s.status is Status.DECLINED:
            raise _declined(s.decline_reason, s)
        if s.status is Status.REVERSED:
            raise DomainError(Reason.SETTLEMENT_REVERSED, metadata={"settlement_id": s.id})
        if s.kind is Kind.SALE and s.status is Status.VOIDED:
            raise DomainError(Reason.PAYMENT_ABANDONED, metadata={"settlement_id": s.id})
        if s.status in (Status.PENDING, Status.COMPENSATING, Status.REVERSING):
            raise DomainError(Reason.ACCOUNTS_UNAVAILABLE, metadata={"settlement_id": s.id})
        return s

    # ------------------------------------------------------------ capture and void

    async def capture(self, institution: str, settlement_id: str, pos_txn_id: str, amount_fen: int,
                      budget_s: float | None) -> Settlement:
        s = await self._authorization(institution, settlement_id, pos_txn_id)
        if amount_fen > s.authorized_fen:
            raise DomainError(Reason.AMOUNT_EXCEEDS_RESERVED, f"(authorized {s.authorized_fen} fen)",
                              {"authorized_fen": str(s.authorized_fen)})
        if s.status is Status.AUTHORIZED:
            if s.expires_at is not None and s.expires_at <= dt.datetime.now(dt.UTC):
                await self._move(s, {Status.AUTHORIZED}, Status.EXPIRED)
                raise DomainError(Reason.RESERVATION_EXPIRED)
            s = await self._move(s, {Status.AUTHORIZED}, Status.CAPTURING, capture_fen=amount_fen)
            self._crash_point("before_capture")
        if s.status in (Status.CAPTURING, Status.COMPLETED) and s.capture_fen != amount_fen:
            raise DomainError(Reason.SETTLEMENT_ALREADY_FINAL, "(a capture of another amount was made)")
        if s.status is Status.CAPTURING:
            s = await self._capture(s, budget_s)
        if s.status is Status.EXPIRED:
            raise DomainError(Reason.RESERVATION_EXPIRED)
        if s.status is not Status.COMPLETED:
            raise DomainError(Reason.SETTLEMENT_ALREADY_FINAL, f"(it is {s.status.value.lower()})")
        return s

    async def _capture(self, s: Settlement, budget_s: float | None) -> Settlement:
        assert s.capture_fen is not None
        try:
            r = await self.accounts.debit(_request_id(s, "capture"), s.reservation_id, s.capture_fen,
                                          budget_s=budget_s)
        except AccountsDeclined as d:
            if d.reason == "RESERVATION_EXPIRED":
                return await self._move(s, {Status.CAPTURING}, Status.EXPIRED)
            # The hold was finished by someone else (a reversal); if nobody recorded why, record the decline.
            return await self._move(s, {Status.CAPTURING}, Status.DECLINED, decline_reason=d.reason,
                                    decline_message=d.message[:500])
        self._crash_point("after_capture")
        return await self._move(s, {Status.CAPTURING}, Status.COMPLETED, acct_pay_fen=r.debited.own_fen,
                                acct_mulaid_pay_fen=r.debited.pool_fen, balc_fen=r.payer.own_available_fen,
                                pool_balc_fen=r.payer.pool_available_fen)

    async def void(self, institution: str, settlement_id: str, pos_txn_id: str,
                   budget_s: float | None) -> Settlement:
        s = await self._authorization(institution, settlement_id, pos_txn_id)
        if s.status is Status.AUTHORIZED:
            s = await self._move(s, {Status.AUTHORIZED}, Status.VOIDING)
        if s.status is Status.VOIDING:
            s = await self._void(s, budget_s)
        if s.status not in (Status.VOIDED, Status.EXPIRED):
            raise DomainError(Reason.SETTLEMENT_ALREADY_FINAL, f"(it is {s.status.value.lower()})")
        return s

    async def _void(self, s: Settlement, budget_s: float | None) -> Settlement:
        status = await self.accounts.release(_request_id(s, "void"), s.reservation_id, budget_s=budget_s)
        expired = status is HoldStatus.EXPIRED
        return await self._move(s, {Status.VOIDING}, Status.EXPIRED if expired else Status.VOIDED)

    async def _authorization(self, institution: str, settlement_id: str, pos_txn_id: str) -> Settlement:
        s = await self.find(institution, settlement_id, pos_txn_id)
        if s.kind is not Kind.AUTHORIZATION:
            raise DomainError(Reason.NOT_AN_AUTHORIZATION)
        return s

    # ------------------------------------------------------------ refunds

    async def refund(self, institution: str, settlement_id: str, pos_txn_id: str, refund_pos_txn_id: str,
                     amount_fen: int, budget_s: float | None) -> tuple[Settlement, Refund]:
        async with self._tx() as conn:
            s = await repo.find(conn, institution, settlement_id=settlement_id, pos_txn_id=pos_txn_id, lock=True,
                                with_refunds=True)
            if s is None:
                raise DomainError(Reason.SETTLEMENT_NOT_FOUND)
            existing = await repo.find_refund(conn, institution, refund_pos_txn_id)
            if existing is not None and (existing.settlement_id != s.id or existing.amount_fen != amount_fen
                                         or existing.is_reversal):
                raise DomainError(Reason.REQUEST_ID_REUSED, "(refund_pos_txn_id)")
            if existing is None:
                if amount_fen > s.refundable_fen:
                    raise DomainError(Reason.REFUND_EXCEEDS_DEBITED, f"(refundable now: {s.refundable_fen} fen)",
                                      {"refundable_fen": str(s.refundable_fen)})
                existing = await repo.insert_refund(conn, s.id, institution, refund_pos_txn_id, amount_fen)
                assert existing is not None  # the settlement row lock serialises refunds of one settlement
            row = existing
        if row.status == "PENDING":
            row = await self._refund(s, row, budget_s)
        if row.status == "DECLINED":
            raise _declined(row.decline_reason, s)
        return await self.load(s.id), row

    async def _refund(self, s: Settlement, row: Refund, budget_s: float | None) -> Refund:
        try:
            out = await self.accounts.refund(f"stl-{s.id}-refund-{row.id}", s.reservation_id, row.amount_fen,
                                             budget_s=budget_s)
        except AccountsDeclined as d:
            async with self._tx() as conn:
                await repo.finish_refund(conn, row.id, "DECLINED", reason=d.reason, message=d.message[:500])
                return await repo.get_refund(conn, row.id)
        own = out.own_fen
        async with self._tx() as conn:
            await repo.finish_refund(conn, row.id, "COMPLETED", acct_fen=own, mulaid_fen=row.amount_fen - own)
            return await repo.get_refund(conn, row.id)

    # ------------------------------------------------------------ reversal and compensation

    async def reverse(self, institution: str, pos_txn_id: str, budget_s: float | None) -> Settlement:
        """冲正: undo whatever the POS request did; bar it with a tombstone if it never arrived. Idempotent."""
        async with self._tx() as conn:
            s, created = await repo.create(conn, Settlement(
                id=uuid.uuid4().hex, institution=institution, pos_txn_id=pos_txn_id, kind=Kind.TOMBSTONE,
                status=Status.REVERSED))
            if created:
                return s
            locked = await repo.find(conn, institution, pos_txn_id=pos_txn_id, lock=True)
            assert locked is not None
            if locked.status in NOTHING_PAID:
                return await repo.get(conn, locked.id)
            await repo.move(conn, locked.id, {locked.status}, Status.REVERSING)
            s = await repo.get(conn, locked.id)
        return await self._undo(s, budget_s)

    async def _undo(self, s: Settlement, budget_s: float | None) -> Settlement:
        """Drives a COMPENSATING (to VOIDED) or REVERSING (to REVERSED) settlement until nothing is held or paid."""
        final = Status.REVERSED if s.status is Status.REVERSING else Status.VOIDED
        if not s.reservation_id:
            if s.kind is Kind.TOMBSTONE:
                return await self._move(s, {s.status}, final)
            # Bar the original reserve at accounts: if it never ran, it never will, and nothing is left to undo.
            fenced = await self.accounts.fence(_request_id(s, "reserve"), budget_s=budget_s)
            if not fenced.already_executed:
                await self._move(s, {s.status}, final)
                return await self.load(s.id)
            # It ran: asking it again with its own request id answers with what it did.
            try:
                r = await self.accounts.reserve(_reserve_call(s), budget_s=budget_s)
            except AccountsDeclined:
                return await self._move(s, {s.status}, final)
            s = await self._move(s, {s.status}, s.status, reservation_id=r.reservation_id)
        for _ in range(UNDO_ROUNDS):
            state = await self.accounts.get_reservation(s.reservation_id, budget_s=budget_s)
            if state.status is HoldStatus.HELD:
                try:
                    await self.accounts.release(_request_id(s, "undo-release"), s.reservation_id, budget_s=budget_s)
                except AccountsDeclined:
                    pass  # a capture won the race: the next round refunds it
                continue
            if state.status is not HoldStatus.DEBITED:
                break
            async with self._tx() as conn:
                pending = [x for x in await repo.refunds_of(conn, s.id) if x.status == "PENDING"]
            for waiting in pending:
                await self._refund(s, waiting, budget_s)
            state = await self.accounts.get_reservation(s.reservation_id, budget_s=budget_s)
            remaining = state.unrefunded_fen
            if remaining == 0:
                break
            async with self._tx() as conn:
                undo = await repo.insert_refund(conn, s.id, s.institution, f"undo-{s.id}-{state.refunded_fen}",
                                                remaining, is_reversal=True)
            if undo is not None:
                await self._refund(s, undo, budget_s)
        else:
            raise DomainError(Reason.ACCOUNTS_UNAVAILABLE, "(the reversal did not settle; it will be retried)")
        await self._move(s, {s.status}, final)
        return await self.load(s.id)

    # ------------------------------------------------------------ recovery

    async def recover_once(self, grace_s: float, budget_s: float, batch: int = 50) -> int:
        """Finishes what a crash, a lost answer or an unreachable accounts service left unfinished. Returns the
        number of settlements and refunds it moved on."""
        now = dt.datetime.now(dt.UTC)
        cutoff = now - dt.timedelta(seconds=grace_s)
        async with self._tx() as conn:
            stuck = await repo.unfinished(conn, cutoff, batch)
            refunds = await repo.pending_refunds(conn, cutoff, batch)
            lapsed = await repo.lapsed_authorizations(conn, now, batch)
        done = 0
        for sid in stuck:
            s = await self.load(sid)
            try:
                action = s.status.value.lower()
                if s.status is Status.PENDING:
                    # Nobody got an answer for it: it is undone rather than completed behind the POS's back.
                    s = await self._move(s, {Status.PENDING}, Status.COMPENSATING)
                if s.status in (Status.COMPENSATING, Status.REVERSING):
                    await self._undo(s, budget_s)
                elif s.status is Status.CAPTURING:
                    await self._capture(s, budget_s)
                elif s.status is Status.VOIDING:
                    await self._void(s, budget_s)
                RECOVERY_ACTIONS.labels(action).inc()
                done += 1
            except Exception:  # noqa: BLE001 - one stuck settlement must not stop the others
                log.warning("recovery of a settlement failed; will retry", extra={"settlement_id": sid},
                            exc_info=True)
        for refund_id in refunds:
            async with self._tx() as conn:
                row = await repo.get_refund(conn, refund_id)
                s = await repo.get(conn, row.settlement_id)
            try:
                await self._refund(s, row, budget_s)
                RECOVERY_ACTIONS.labels("refund").inc()
                done += 1
            except Exception:  # noqa: BLE001
                log.warning("recovery of a refund failed; will retry", extra={"refund_id": refund_id},
                            exc_info=True)
        for sid in lapsed:
            async with self._statement() as conn:
                if await repo.move(conn, sid, {Status.AUTHORIZED}, Status.EXPIRED) is not None:
                    RECOVERY_ACTIONS.labels("expire_authorization").inc()
                    SETTLEMENT_OUTCOMES.labels(Kind.AUTHORIZATION.value, Status.EXPIRED.value).inc()
                    done += 1
        return done

    # ------------------------------------------------------------ queries

    async def list_settlements(self, institution: str, start: dt.datetime, end: dt.datetime,
                   after: tuple[dt.datetime, str] | None, limit: int) -> list[Settlement]:
        async with self._tx() as conn:
            return await repo.list_created(conn, institution, start, end, after, limit)

    async def reconcile(self, institution: str, start: dt.datetime, end: dt.datetime, theirs: Totals,
                        items: list[Item] | None) -> Reconciliation:
        async with self._tx() as conn:
            ours = await repo.totals(conn, institution, start, end)
            our_items = await repo.completed_items(conn, institution, start, end) if items is not None else []
        differing = differing_totals(theirs, ours)
        rows: list[Row] = []
        matched = 0
        if items is not None:
            rows, matched = compare_rows(items, our_items)
        return Reconciliation(not differing and not rows, ours, differing, rows, matched)


def _reserve_call(s: Settlement) -> ReserveCall:
    """The reserve of a settlement's intent: the same call every time it is made, so accounts runs it once."""
    return ReserveCall(_request_id(s, "reserve"), s.payer_psn_no, s.amount_fen, debit_immediately=s.kind is Kind.SALE,
                       hold_ttl_seconds=s.hold_ttl_seconds, fixmedins_code=s.institution, description=s.description)


def _declined(reason: str, s: Settlement | None = None) -> DomainError:
    """A stored decline, as the error the POS gets every time it asks again."""
    metadata = {"settlement_id": s.id} if s else {}
    return DomainError(Reason.parse(reason) or Reason.PAYMENT_DECLINED, metadata=metadata)

