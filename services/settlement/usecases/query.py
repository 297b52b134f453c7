"""What a POS reads: a settlement, a page of its settlements, the day's reconciliation (对账), and the quote of a
pre-settlement (PreSettle), which moves nothing."""

from __future__ import annotations

from dataclasses import dataclass

from services.settlement.domain import charges, lifecycle
from services.settlement.domain import commands as cmd
from services.settlement.domain.accounts import AccountsDeclined
from services.settlement.domain.model import ALLOWED, Settlement, Split
from services.settlement.domain.reconcile import DetailRow, Reconciliation, reconcile_with, total
from services.settlement.usecases.deps import Call, Deps, find


@dataclass(frozen=True)
class Page:
    settlements: list[Settlement]
    more: bool  # there are more after the last one


@dataclass(frozen=True)
class PreSettlement:
    """The split a Settle would make now, and the payer's available own and pool balances."""

    split: Split
    balc_fen: int
    pool_balc_fen: int


async def get(deps: Deps, c: cmd.SettlementRef, call: Call) -> Settlement:
    return await find(deps, call.institution, c)


async def list_settlements(deps: Deps, c: cmd.ListSettlements, call: Call) -> Page:
    found = await deps.store.list_created(call.institution, c.period, c.after, c.page_size + 1, c.mdtrt_id)
    return Page(found[: c.page_size], len(found) > c.page_size)


async def reconcile(deps: Deps, c: cmd.Reconcile, call: Call) -> Reconciliation:
    """3201 (totals, by insurance type and clearing type) and, with the institution's rows, 3202."""
    by_type = await deps.store.totals(call.institution, c.period, c.insutype, c.clr_type)
    our_items = None
    if c.items is not None:
        our_items = [r.item for r in await deps.store.detail(call.institution, c.period, c.insutype, c.clr_type)]
    return reconcile_with(c.theirs, total(by_type), c.items, our_items, tuple(by_type))


async def detail_file(deps: Deps, period: cmd.Period, call: Call) -> list[DetailRow]:
    """The period's detail file: its rows (the transport sends them, then their count and checksum)."""
    return await deps.store.detail(call.institution, period)


async def pre_settle(deps: Deps, c: cmd.PreSettle, call: Call) -> PreSettlement:
    """The split a Settle would make now, from the sources the patient allows; with none, all cash and no call to
    accounts (then the balances are not known: 0)."""
    if not charges.uses_accounts(c.account_use):
        return PreSettlement(Split(0, 0, c.amount_fen, charges.shortfalls(c.account_use, (), c.amount_fen)), 0, 0)
    sources = ALLOWED[c.account_use]
    try:
        quote = await deps.accounts.quote(
            c.payer_psn_no,
            c.amount_fen,
            c.credential,
            sources,
            visit_region=deps.region_of(call.institution),
            budget_s=call.budget_s,
        )
    except AccountsDeclined as d:
        raise lifecycle.declined_error(d.reason) from d
    own, pool = quote.reserved.own_fen, quote.reserved.pool_fen
    cash = c.amount_fen - own - pool
    return PreSettlement(
        split=Split(own, pool, cash, charges.shortfalls(c.account_use, quote.shortfalls, cash)),
        balc_fen=quote.payer.own_available_fen,
        pool_balc_fen=quote.payer.pool_available_fen,
    )
