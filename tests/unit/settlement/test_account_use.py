"""The patient's choice of accounts (acct_used_flag) on the fakes: only the allowed sources are asked; with none,
accounts is not called at all; every split says why each source gave less than was still needed."""

from __future__ import annotations

from services.settlement.domain.model import AccountUse, Shortfall, Source, Status
from tests.unit.settlement.world import World, split

OWN, POOL = Source.PERSONAL_ACCOUNT, Source.FAMILY_POOL
NOT_REQUESTED = "ACCOUNT_USE_NOT_REQUESTED"


async def test_own_then_pool_says_why_the_own_account_gave_less(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=5_000)
    s = await w.settle(payer, 8_000)
    assert split(s) == (1_000, 5_000, 2_000)
    assert s.split.shortfalls == (Shortfall(OWN, "INSUFFICIENT_FUNDS"), Shortfall(POOL, "INSUFFICIENT_FUNDS"))
    assert (await w.get(s)).split.shortfalls == s.split.shortfalls


async def test_own_only_never_asks_the_pool(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=5_000)
    quote = await w.pre_settle(payer, 3_000, use=AccountUse.OWN_ONLY)
    assert (quote.split.acct_pay_fen, quote.split.acct_mulaid_pay_fen, quote.split.psn_cash_pay_fen) == (
        1_000,
        0,
        2_000,
    )
    s = await w.settle(payer, 3_000, use=AccountUse.OWN_ONLY)
    assert split(s) == (1_000, 0, 2_000) and w.pool(payer).balance_fen == 5_000
    assert s.split.shortfalls == (Shortfall(OWN, "INSUFFICIENT_FUNDS"), Shortfall(POOL, NOT_REQUESTED))
    # Covered by the own account alone: the pool was not needed, so it did not fall short.
    covered = await w.settle(w.payer(own_fen=9_000), 3_000, use=AccountUse.OWN_ONLY)
    assert split(covered) == (3_000, 0, 0) and covered.split.shortfalls == ()


async def test_none_is_all_cash_without_a_call_to_accounts(w: World) -> None:
    payer = w.payer(own_fen=9_000, pool_fen=5_000)
    quote = await w.pre_settle(payer, 3_000, use=AccountUse.NONE)
    sale = await w.settle(payer, 3_000, use=AccountUse.NONE)
    auth = await w.authorize(payer, 2_000, use=AccountUse.NONE)
    assert w.accounts.calls == []
    assert quote.split.psn_cash_pay_fen == 3_000 and split(sale) == (0, 0, 3_000)
    assert sale.status is Status.COMPLETED and not sale.reservation_id
    assert sale.split.shortfalls == (Shortfall(OWN, NOT_REQUESTED), Shortfall(POOL, NOT_REQUESTED))
    assert auth.status is Status.AUTHORIZED and (auth.authorized_fen, auth.split.psn_cash_pay_fen) == (0, 2_000)
    assert w.own(payer).balance_fen == 9_000 and w.own(payer).held_fen == 0


async def test_a_resident_payer_has_no_own_account_and_says_so(w: World) -> None:
    payer = w.payer(own_fen=None, pool_fen=None)
    s = await w.settle(payer, 1_000)
    assert split(s) == (0, 0, 1_000)
    assert s.split.shortfalls == (Shortfall(OWN, "NO_PERSONAL_ACCOUNT"), Shortfall(POOL, "NOT_BOUND"))
