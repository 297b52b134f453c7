"""The reservation aggregate: money held for one payment (rule 8), then debited, released or expired, and refunds of
what it debited (rule 9). TigerBeetle's pending transfer: HELD money stays on its source account until it is DEBITED
(posted to the institution clearing account) or RELEASED / EXPIRED (voided).

The aggregate decides; it never touches storage. Each method checks the state machine, changes the reservation and
returns its `Effects`: the journal entries to book and the holds to add or drop. A use case locks and loads the
reservation (storage/reservations.py), calls one method, and saves the reservation with its effects.

    HELD ──debit──▶ DEBITED ──refund──▶ DEBITED (refunded_fen grows, at most debited_fen)
      ├──release──▶ RELEASED
      └──expire───▶ EXPIRED  (release of a lapsed hold, or the sweeper)

Money a hold gives back to a pool dissolved meanwhile goes on to the pool's creator (rules 7 and 10), and so does
the pool's part of a refund.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from services.accounts.domain import rules
from services.accounts.domain.allocation import Candidate, fill_in_order, refund_order, split
from services.accounts.domain.journal import INSTITUTION_CLEARING, JournalEntry, Posting, TxnKind
from services.accounts.domain.model import Part, Source
from services.accounts.domain.policy import Policy
from services.common.errors import DomainError, Reason


class ReservationStatus(StrEnum):
    HELD = "HELD"
    DEBITED = "DEBITED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class RefundDestination(StrEnum):
    PERSONAL_ACCOUNT = "PERSONAL_ACCOUNT"
    FAMILY_POOL = "FAMILY_POOL"
    CREATOR_PERSONAL_ACCOUNT = "CREATOR_PERSONAL_ACCOUNT"  # the pool was dissolved


@dataclass(frozen=True)
class OwnPart:
    """One part of the payer's personal account (当年 or 历年) and what it can give now."""

    part: Part
    account_id: int
    available_fen: int
    year: int | None = None  # the current-year part: which year's money it holds (an earlier one until rolled over)


@dataclass(frozen=True)
class PayersPool:
    """The family pool a payer is bound to — or was, when it was dissolved — as a payment sees it."""

    pool_id: int
    account_id: int | None  # None once dissolved: its money went back to the creator
    available_fen: int
    creator_insured: bool
    creator_available_fen: int  # both parts of the creator's own account
    creator_region: str

    @property
    def dissolved(self) -> bool:
        return self.account_id is None


@dataclass(frozen=True)
class PayerFunds:
    """What a payer could pay from right now: the parts of their own account, and their pool, if any."""

    psn_no: str
    insured: bool
    region_code: str = ""
    own: tuple[OwnPart, ...] = ()  # none for a resident-insured payer
    pool: PayersPool | None = None
    id_number_hash: bytes = b""  # the payer's registered ID number, keyed-hashed: an ID card presented must match

    @property
    def own_available_fen(self) -> int:
        return sum(p.available_fen for p in self.own)

    @property
    def pool_account_id(self) -> int | None:
        return self.pool.account_id if self.pool else None

    @property
    def pool_available_fen(self) -> int:
        return self.pool.available_fen if self.pool and not self.pool.dissolved else 0

    def candidates(self, sources: tuple[Source, ...], policy: Policy, visit_region: str = "") -> list[Slot]:
        """Rule 8: what each requested source can give, in the caller's order: the own account part by part, in the
        order the policy draws them; the pool, unless a rule bars it at payment time (rules 5, 6, 10)."""
        out: list[Slot] = []
        for source in sources:
            if source is Source.PERSONAL_ACCOUNT:
                if not self.own:
                    out.append(Slot(Candidate(source, 0, Reason.NO_PERSONAL_ACCOUNT.name)))
                parts = {p.part: p for p in self.own}
                out += [
                    Slot(Candidate(source, parts[part].available_fen), parts[part].account_id, part=part)
                    for part in policy.own_account_order
                    if part in parts
                ]
            else:
                barred = self._pool_barred(policy, visit_region)
                pool = self.pool
                available = pool.available_fen if pool and not barred else 0
                short = Reason.INSUFFICIENT_FUNDS if available > 0 else Reason.POOL_EMPTY
                out.append(
                    Slot(
                        Candidate(source, available, barred, short.name),
                        None if barred or pool is None else pool.account_id,
                        pool.pool_id if pool else None,
                    )
                )
        return out

    def _pool_barred(self, policy: Policy, visit_region: str) -> str:
        """Why the pool cannot pay for this payer now, or "" (the seed page's FAQ, in rule order)."""
        if self.pool is None:
            return Reason.NOT_BOUND.name
        reason = rules.pool_payment_violation(
            policy,
            self.region_code,
            self.pool.dissolved,
            self.pool.creator_insured,
            self.pool.creator_available_fen,
            self.pool.creator_region,
            visit_region,
        )
        return reason.name if reason else ""


@dataclass(frozen=True)
class Slot:
    """A candidate and where it draws from: the ledger account, the pool, the part of the own account."""

    candidate: Candidate
    account_id: int | None = None
    pool_id: int | None = None
    part: Part | None = None


@dataclass(frozen=True)
class PoolState:
    """What a reservation needs to know of a pool one of its legs drew from, read under the reservation's locks."""

    pool_id: int
    creator_psn_no: str
    creator_account_id: int
    dissolved: bool


@dataclass
class Leg:
    seq: int
    source: Source
    account_id: int | None
    pool_id: int | None
    reserved_fen: int
    debited_fen: int = 0
    refunded_fen: int = 0
    shortfall_reason: str = ""  # why the source gave less than was still needed (a Reason's name)
    part: Part | None = None  # for the own account: which part


@dataclass(frozen=True)
class RefundPart:
    """Where one part of a refund went: the pool, or whose personal account (and which part)."""

    source: Source
    destination: RefundDestination
    amount_fen: int
    pool_id: int | None = None  # the pool it went back to
    psn_no: str = ""  # the personal account it went to: the payer's, or a dissolved pool's creator's
    part: Part | None = None


@dataclass
class Effects:
    """What a state change books: journal entries, and changes to what accounts hold (account -> delta fen)."""

    journal: list[JournalEntry] = field(default_factory=list)
    held: dict[int, int] = field(default_factory=dict)


class FundsBook:
    """The funds of a batch of payments (a group commit), read once under the batch's locks: each payment sees what
    the payments before it in the batch took — the same payer's, a relative's from the same pool, or the pool's
    creator's own (rule 6 asks whether the creator still has the minimum). Pure: the use case opens each reservation
    with `funds_of`, then tells the book what it took with `took`."""

    def __init__(self, payers: Mapping[str, PayerFunds], creators: Mapping[int, str]) -> None:
        self._payers = payers  # as read, before the batch
        self._creators = creators  # pool id -> its creator's psn_no
        self._spent: dict[int, int] = {}  # ledger account -> what the batch took from it so far

    def funds_of(self, psn_no: str) -> PayerFunds | None:
        """The payer's funds after what the batch took so far; None for a payer not found."""
        read = self._payers.get(psn_no)
        if read is None:
            return None
        own = tuple(
            dataclasses.replace(p, available_fen=p.available_fen - self._spent.get(p.account_id, 0)) for p in read.own
        )
        pool = read.pool
        if pool is not None:
            creator = self._payers.get(self._creators.get(pool.pool_id, ""))
            creator_spent = sum(self._spent.get(p.account_id, 0) for p in creator.own) if creator else 0
            pool_spent = self._spent.get(pool.account_id, 0) if pool.account_id is not None else 0
            pool = dataclasses.replace(
                pool,
                available_fen=pool.available_fen - pool_spent,
                creator_available_fen=pool.creator_available_fen - creator_spent,
            )
        return dataclasses.replace(read, own=own, pool=pool)

    def took(self, r: Reservation) -> None:
        """What a new reservation holds or paid leaves its accounts' available money."""
        for leg in r.legs:
            if leg.account_id is not None and leg.reserved_fen:
                self._spent[leg.account_id] = self._spent.get(leg.account_id, 0) + leg.reserved_fen


class AvailableBook:
    """What each payer of a batch of state changes (a group commit) has available after each change, for the
    balances its answer carries: read once under the batch's locks, then moved by each change's postings and holds.
    Pure, as FundsBook."""

    def __init__(self, available: Mapping[int, int], own: Mapping[str, list[int]], pool: Mapping[str, int]) -> None:
        self._fen = dict(available)  # ledger account -> balance less held
        self._own = own  # payer -> the parts of their own account
        self._pool = pool  # payer -> their active pool's account

    def moved(self, effects: Effects) -> None:
        for entry in effects.journal:
            for p in entry.postings:
                if p.account_id in self._fen:
                    self._fen[p.account_id] += p.amount_fen
        for account_id, delta in effects.held.items():
            if account_id in self._fen:
                self._fen[account_id] -= delta

    def of(self, psn_no: str) -> tuple[int, int]:
        """The payer's available money: their own account's (both parts), their active pool's."""
        pool = self._pool.get(psn_no)
        own = sum(self._fen[account_id] for account_id in self._own.get(psn_no, []))
        return own, self._fen[pool] if pool is not None else 0


def split_legs(
    funds: PayerFunds, amount_fen: int, sources: tuple[Source, ...], policy: Policy, visit_region: str = ""
) -> list[Leg]:
    """Rule 8: as much as each source can give, in the order asked; what none covers is cash. The own account gives
    part by part, a leg for each part that gave something; a source that gave nothing keeps one leg, to say why. A
    source's shortfall reason (said at its last candidate) stands on its last leg."""
    slots = funds.candidates(sources, policy, visit_region)
    taken, reasons, _ = split(amount_fen, [slot.candidate for slot in slots])
    legs: list[Leg] = []
    drawn = zip(slots, taken, reasons, strict=True)
    for _, group in itertools.groupby(drawn, key=lambda d: d[0].candidate.source):
        tried = list(group)
        for slot, took, _ in [d for d in tried if d[1]] or tried[-1:]:
            legs.append(Leg(len(legs), slot.candidate.source, slot.account_id, slot.pool_id, took, part=slot.part))
        legs[-1].shortfall_reason = tried[-1][2]
    return legs


@dataclass
class Reservation:
    id: int | None  # None until stored
    payer_psn_no: str
    status: ReservationStatus
    requested_fen: int
    expires_at: dt.datetime
    legs: list[Leg]
    fixmedins_code: str = ""
    description: str = ""

    def snapshot(self) -> Reservation:
        """A copy that later changes of this reservation leave as it is."""
        return dataclasses.replace(self, legs=[dataclasses.replace(leg) for leg in self.legs])

    @property
    def reserved_fen(self) -> int:
        return sum(leg.reserved_fen for leg in self.legs)

    @property
    def debited_fen(self) -> int:
        return sum(leg.debited_fen for leg in self.legs)

    @property
    def refunded_fen(self) -> int:
        return sum(leg.refunded_fen for leg in self.legs)

    @property
    def uncovered_fen(self) -> int:
        """What the payer pays in cash."""
        return self.requested_fen - self.reserved_fen

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        funds: PayerFunds,
        amount_fen: int,
        sources: tuple[Source, ...],
        expires_at: dt.datetime,
        policy: Policy,
        *,
        visit_region: str = "",
        all_or_nothing: bool = False,
        debit_immediately: bool = False,
        fixmedins_code: str = "",
        description: str = "",
    ) -> tuple[Reservation, Effects]:
        """Holds what the sources give (or, for a one-shot payment, debits it at once)."""
        if not funds.insured:
            raise DomainError(Reason.PERSON_NOT_INSURED, metadata={"psn_no": funds.psn_no})
        legs = split_legs(funds, amount_fen, sources, policy, visit_region)
        r = cls(None, funds.psn_no, ReservationStatus.HELD, amount_fen, expires_at, legs, fixmedins_code, description)
        if all_or_nothing and r.uncovered_fen:
            raise DomainError(
                Reason.INSUFFICIENT_FUNDS,
                f"(the sources cover {r.reserved_fen} of {amount_fen} fen)",
                {"available_fen": str(r.reserved_fen)},
            )
        if not debit_immediately:
            return r, Effects(held=r._holds(+1))
        for leg in legs:
            leg.debited_fen = leg.reserved_fen
        r.status = ReservationStatus.DEBITED
        return r, Effects(journal=r._payment())

    # ------------------------------------------------------------ state changes

    def debit(self, amount_fen: int, now: dt.datetime, pools: Mapping[int, PoolState]) -> Effects:
        """Posts at most what is held, first legs first; the rest is released."""
        self._require_live(now)
        if amount_fen > self.reserved_fen:
            raise DomainError(
                Reason.AMOUNT_EXCEEDS_RESERVED,
                f"(reserved {self.reserved_fen} fen)",
                {"reserved_fen": str(self.reserved_fen)},
            )
        for leg, amount in zip(self.legs, fill_in_order(amount_fen, [g.reserved_fen for g in self.legs]), strict=True):
            leg.debited_fen = amount
        self.status = ReservationStatus.DEBITED
        released = {leg.seq: leg.reserved_fen - leg.debited_fen for leg in self.legs}
        return Effects(journal=self._payment() + self._returns_to_creators(released, pools), held=self._holds(-1))

    def release(self, now: dt.datetime, pools: Mapping[int, PoolState]) -> Effects:
        """Voids the hold. A hold that already expired stays as it is: its money is free already."""
        if self.status is ReservationStatus.EXPIRED:
            return Effects()
        if self.status is not ReservationStatus.HELD:
            raise self._already_final()
        return self._void(ReservationStatus.EXPIRED if self.expires_at <= now else ReservationStatus.RELEASED, pools)

    def expire(self, now: dt.datetime, pools: Mapping[int, PoolState]) -> Effects | None:
        """The sweeper's step; None when the hold is not due (or someone else finished it first)."""
        if self.status is not ReservationStatus.HELD or self.expires_at > now:
            return None
        return self._void(ReservationStatus.EXPIRED, pools)

    def refund(self, amount_fen: int, pools: Mapping[int, PoolState]) -> tuple[Effects, list[RefundPart]]:
        """Rule 9: back to where the money came from, the pool's part first; a dissolved pool's part to its creator."""
        refundable = self.debited_fen - self.refunded_fen if self.status is ReservationStatus.DEBITED else 0
        if self.status is not ReservationStatus.DEBITED or amount_fen > refundable:
            raise DomainError(
                Reason.REFUND_EXCEEDS_DEBITED,
                f"(refundable now: {refundable} fen)",
                {"refundable_fen": str(refundable)},
            )
        order = refund_order([leg.source for leg in self.legs])
        amounts = fill_in_order(amount_fen, [self.legs[i].debited_fen - self.legs[i].refunded_fen for i in order])
        postings = [Posting(INSTITUTION_CLEARING, -amount_fen)]
        parts: list[RefundPart] = []
        records_pool: int | None = None
        for i, amount in zip(order, amounts, strict=True):
            leg = self.legs[i]
            if not amount:
                continue
            assert leg.account_id is not None, "a leg that paid has an account"
            leg.refunded_fen += amount
            destination, account = self.refund_destination(leg, pools)
            # A dissolved pool's part lands in its creator's own account, and is that account's money everywhere.
            to_own = destination is not RefundDestination.FAMILY_POOL
            postings.append(Posting(account, amount, Source.PERSONAL_ACCOUNT if to_own else leg.source))
            parts.append(self.refund_part(leg, destination, amount, pools))
            # The pool's records show the refund only if the pool (or, dissolved, its creator) got part of it.
            records_pool = records_pool or leg.pool_id
        entry = JournalEntry(
            TxnKind.REFUND,
            tuple(postings),
            psn_no=self.payer_psn_no,
            pool_id=records_pool,
            reservation_id=self.id,
            fixmedins_code=self.fixmedins_code,
        )
        return Effects(journal=[entry]), parts

    # ------------------------------------------------------------ helpers

    def _require_live(self, now: dt.datetime) -> None:
        lapsed = self.status is ReservationStatus.HELD and self.expires_at <= now
        if self.status is ReservationStatus.EXPIRED or lapsed:
            raise DomainError(Reason.RESERVATION_EXPIRED, metadata={"reservation_id": str(self.id)})
        if self.status is not ReservationStatus.HELD:
            raise self._already_final()

    def _already_final(self) -> DomainError:
        return DomainError(
            Reason.RESERVATION_ALREADY_FINAL,
            f"(it is {self.status.value.lower()})",
            {"status": self.status.value, "reservation_id": str(self.id)},
        )

    def _void(self, status: ReservationStatus, pools: Mapping[int, PoolState]) -> Effects:
        self.status = status
        returned = self._returns_to_creators({leg.seq: leg.reserved_fen for leg in self.legs}, pools)
        return Effects(journal=returned, held=self._holds(-1))

    def _holds(self, sign: int) -> dict[int, int]:
        held: dict[int, int] = {}
        for leg in self.legs:
            if leg.account_id is not None and leg.reserved_fen:
                held[leg.account_id] = held.get(leg.account_id, 0) + sign * leg.reserved_fen
        return held

    def _payment(self) -> list[JournalEntry]:
        """What the legs debited, paid to the institution clearing account; nothing when nothing was debited."""
        paid = [leg for leg in self.legs if leg.debited_fen and leg.account_id is not None]
        if not paid:
            return []
        postings = [Posting(leg.account_id, -leg.debited_fen, leg.source) for leg in paid if leg.account_id]
        postings.append(Posting(INSTITUTION_CLEARING, sum(leg.debited_fen for leg in paid)))
        return [
            JournalEntry(
                TxnKind.PAYMENT,
                tuple(postings),
                psn_no=self.payer_psn_no,
                pool_id=next((leg.pool_id for leg in paid if leg.pool_id), None),
                reservation_id=self.id,
                fixmedins_code=self.fixmedins_code,
                description=self.description,
            )
        ]

    def _returns_to_creators(self, released: Mapping[int, int], pools: Mapping[int, PoolState]) -> list[JournalEntry]:
        """What a hold gives back to a dissolved pool goes on to the pool's creator (rules 7 and 10)."""
        out: list[JournalEntry] = []
        for leg in self.legs:
            amount = released.get(leg.seq, 0)
            pool = pools.get(leg.pool_id) if leg.pool_id is not None else None
            if amount and pool is not None and pool.dissolved and leg.account_id is not None:
                out.append(
                    JournalEntry(
                        TxnKind.POOL_RETURN,
                        (
                            Posting(leg.account_id, -amount, Source.FAMILY_POOL),
                            Posting(pool.creator_account_id, amount, Source.PERSONAL_ACCOUNT),
                        ),
                        psn_no=pool.creator_psn_no,
                        pool_id=pool.pool_id,
                        reservation_id=self.id,
                        description="released hold of a dissolved pool",
                    )
                )
        return out

    def refund_part(
        self, leg: Leg, destination: RefundDestination, amount: int, pools: Mapping[int, PoolState]
    ) -> RefundPart:
        if destination is RefundDestination.FAMILY_POOL:
            return RefundPart(leg.source, destination, amount, pool_id=leg.pool_id)
        if destination is RefundDestination.CREATOR_PERSONAL_ACCOUNT:
            assert leg.pool_id is not None
            creator = pools[leg.pool_id].creator_psn_no
            return RefundPart(leg.source, destination, amount, psn_no=creator, part=Part.CURRENT)
        return RefundPart(leg.source, destination, amount, psn_no=self.payer_psn_no, part=leg.part)

    @staticmethod
    def refund_destination(leg: Leg, pools: Mapping[int, PoolState]) -> tuple[RefundDestination, int]:
        assert leg.account_id is not None
        if leg.source is Source.PERSONAL_ACCOUNT:
            return RefundDestination.PERSONAL_ACCOUNT, leg.account_id
        pool = pools.get(leg.pool_id) if leg.pool_id is not None else None
        if pool is not None and pool.dissolved:
            return RefundDestination.CREATOR_PERSONAL_ACCOUNT, pool.creator_account_id
        return RefundDestination.FAMILY_POOL, leg.account_id
