"""A world of fakes for settlement's use cases (fakes.py), with a POS that calls them as the servicer would: a
command and the caller in, a settlement out, or a DomainError for what the POS would get as an error status."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Awaitable

import pytest

from services.common.credentials import CertType, Credential
from services.common.errors import DomainError, Reason
from services.common.personal_data import check_digit
from services.settlement.domain import commands as cmd
from services.settlement.domain.model import AccountUse, Kind, Refund, Settlement, Visit
from services.settlement.usecases import authorization, pay, query, recover, refund, reverse
from services.settlement.usecases.deps import Call, CrashPoint, Deps
from services.settlement.usecases.query import PreSettlement
from tests.unit.settlement.fakes import Account, Clock, FakeAccounts, FakeStore, Metrics, crash_at

H1, H2 = "H63010000001", "H63010000002"
GRACE_S = 30
BUDGET_S = 6.0
CREDENTIAL_KEY = b"unit-test-credential-key"
VISIT = Visit("MDTRT-UNIT", "", "310", "11", 10**9, 0)  # an outpatient visit large enough for any test's charge


def id_number(n: int) -> str:
    """The n-th valid ID number (GB 11643) of a world."""
    first17 = f"630102198001{1 + n // 1000 % 28:02d}{n % 1000:03d}"
    return first17 + check_digit(first17)


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.store = FakeStore(self.clock)
        self.accounts = FakeAccounts(self.clock)
        self.metrics = Metrics()
        self.deps = Deps(self.store, self.accounts, CREDENTIAL_KEY, now=self.clock, metrics=self.metrics)
        self._seq = itertools.count(1)

    # ------------------------------------------------------------ people and money

    def payer(self, own_fen: int | None = 10_000, pool_fen: int | None = 60_000, insured: bool = True) -> str:
        """A payer with their own account (None: resident-insured, none) in a family pool (None: in none)."""
        n = next(self._seq)
        psn_no = f"P{n:04d}"
        pool = Account(pool_fen) if pool_fen is not None else None
        self.accounts.payer(psn_no, own_fen, pool, insured, id_number(n))
        return psn_no

    def card(self, psn_no: str) -> Credential:
        """The payer's own ID card (for someone accounts does not know, a well-formed one of nobody's)."""
        payer = self.accounts.payers.get(psn_no)
        return Credential(CertType.ID_CARD, payer.id_number if payer else id_number(0))

    def own(self, psn_no: str) -> Account:
        self.accounts.sweep()
        account = self.accounts.payers[psn_no].own
        assert account is not None
        return account

    def pool(self, psn_no: str) -> Account:
        self.accounts.sweep()
        account = self.accounts.payers[psn_no].pool
        assert account is not None
        return account

    def pos_id(self) -> str:
        return f"POS-{next(self._seq):04d}"

    def crashing(self, point: CrashPoint) -> Deps:
        """The settlement process with GONGJI_CRASH_AT=point; `self.deps` is the same process restarted."""
        return dataclasses.replace(self.deps, crash=crash_at(point))

    # ------------------------------------------------------------ what a POS calls

    async def settle(
        self,
        payer: str,
        amount_fen: int,
        pos_txn_id: str = "",
        *,
        institution: str = H1,
        description: str = "",
        budget_s: float | None = None,
        credential: Credential | None = None,
        deps: Deps | None = None,
        use: AccountUse = AccountUse.OWN_THEN_POOL,
        visit: Visit = VISIT,
    ) -> Settlement:
        """A sale; the payer presents their own ID card unless `credential` says otherwise."""
        card = credential or self.card(payer)
        c = cmd.Pay(
            Kind.SALE,
            pos_txn_id or self.pos_id(),
            payer,
            amount_fen,
            card,
            description,
            visit=visit,
            account_use=use,
        )
        return await pay.pay(deps or self.deps, c, Call(institution, budget_s))

    async def authorize(
        self,
        payer: str,
        amount_fen: int,
        pos_txn_id: str = "",
        *,
        ttl_s: int = 0,
        institution: str = H1,
        credential: Credential | None = None,
        deps: Deps | None = None,
        use: AccountUse = AccountUse.OWN_THEN_POOL,
        visit: Visit = VISIT,
    ) -> Settlement:
        card = credential or self.card(payer)
        c = cmd.Pay(
            Kind.AUTHORIZATION,
            pos_txn_id or self.pos_id(),
            payer,
            amount_fen,
            card,
            hold_ttl_seconds=ttl_s,
            visit=visit,
            account_use=use,
        )
        return await pay.pay(deps or self.deps, c, Call(institution))

    async def capture(
        self,
        s: Settlement,
        amount_fen: int,
        *,
        by_pos_txn_id: bool = False,
        deps: Deps | None = None,
        capture_pos_txn_id: str = "",
    ) -> Settlement:
        c = cmd.Capture(_ref(s, by_pos_txn_id), amount_fen, capture_pos_txn_id)
        return await authorization.capture(deps or self.deps, c, Call(s.institution))

    async def void(self, s: Settlement, *, deps: Deps | None = None) -> Settlement:
        return await authorization.void(deps or self.deps, _ref(s), Call(s.institution))

    async def refund(
        self,
        s: Settlement,
        amount_fen: int,
        refund_pos_txn_id: str = "",
        *,
        institution: str = "",
        deps: Deps | None = None,
        cash_fen: int = 0,
        whole_bill: bool = False,
    ) -> tuple[Settlement, Refund]:
        amount_fen = 0 if whole_bill else amount_fen
        c = cmd.Refund(_ref(s), refund_pos_txn_id or self.pos_id(), amount_fen, cash_fen, whole_bill)
        return await refund.refund(deps or self.deps, c, Call(institution or s.institution))

    async def reverse(self, pos_txn_id: str, *, institution: str = H1, deps: Deps | None = None) -> Settlement:
        return await reverse.reverse(deps or self.deps, cmd.Reverse(pos_txn_id), Call(institution))

    async def pre_settle(
        self,
        payer: str,
        amount_fen: int,
        *,
        credential: Credential | None = None,
        use: AccountUse = AccountUse.OWN_THEN_POOL,
    ) -> PreSettlement:
        c = cmd.PreSettle(payer, amount_fen, credential or self.card(payer), VISIT, use)
        return await query.pre_settle(self.deps, c, Call(H1, 2.0))

    async def get(self, s: Settlement | str, *, institution: str = H1) -> Settlement:
        ref = _ref(s) if isinstance(s, Settlement) else cmd.SettlementRef(pos_txn_id=s)
        return await query.get(self.deps, ref, Call(institution))

    # ------------------------------------------------------------ the recovery worker

    async def recover(
        self, *, after_s: float = GRACE_S + 1, deps: Deps | None = None, pending_grace_s: float = 0.0
    ) -> int:
        """One round of the recovery worker, `after_s` seconds on."""
        self.clock.advance(after_s)
        c = cmd.Recover(GRACE_S, pending_grace_s=pending_grace_s)
        return await recover.recover_once(deps or self.deps, c, BUDGET_S)


def _ref(s: Settlement, by_pos_txn_id: bool = False) -> cmd.SettlementRef:
    return cmd.SettlementRef(pos_txn_id=s.pos_txn_id) if by_pos_txn_id else cmd.SettlementRef(settlement_id=s.id)


async def fails(call: Awaitable[object]) -> Reason:
    """The reason the POS gets instead of an answer."""
    with pytest.raises(DomainError) as err:
        await call
    return err.value.reason


def split(s: Settlement) -> tuple[int, int, int]:
    """What the POS prints: own account, family pool, cash."""
    return s.split.acct_pay_fen, s.split.acct_mulaid_pay_fen, s.split.psn_cash_pay_fen
