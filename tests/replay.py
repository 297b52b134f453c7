"""Replaying records from zero (rule 12): a person's or a pool's records, oldest first, summed line by line, must give
the balance after each record that the record itself states, and end at the balance the account has now. A record
left out, a line on the wrong account or a wrong balance after shows as a problem."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gongji.common.v1 import common_pb2 as cpb

OWN = cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT
POOL = cpb.FUNDING_SOURCE_FAMILY_POOL
CURRENT, PRIOR = cpb.ACCOUNT_PART_CURRENT_YEAR, cpb.ACCOUNT_PART_PRIOR_YEARS


def replay_person(
    psn_no: str, newest_first: Sequence[Any], personal: Any | None, created_pools: Mapping[str, int]
) -> list[str]:
    """`personal`: the personal account now as booked (its parts as the journal has them: GetBalances with as_of
    now; None without one); `created_pools`: each pool the person created, by id, with its balance now."""
    problems: list[str] = []
    own = {CURRENT: 0, PRIOR: 0}
    pools = dict.fromkeys(created_pools, 0)
    for r in reversed(newest_first):
        moved_pools: set[str] = set()
        for line in r.split:
            if line.source == OWN and line.psn_no == psn_no:
                if line.part not in own:
                    problems.append(f"{psn_no} record {r.journal_txn_id}: an own-account line without a part")
                    continue
                own[line.part] += line.amount_fen
            elif line.source == POOL and line.pool_id in pools:
                pools[line.pool_id] += line.amount_fen
                moved_pools.add(line.pool_id)
        stated = r.personal_balance_after
        if personal is None:
            if r.HasField("personal_balance_after"):
                problems.append(f"{psn_no} record {r.journal_txn_id}: a balance after, without a personal account")
        elif (stated.current_year_fen, stated.prior_years_fen, stated.balance_fen) != (
            own[CURRENT],
            own[PRIOR],
            own[CURRENT] + own[PRIOR],
        ):
            problems.append(
                f"{psn_no} record {r.journal_txn_id}: says {stated.current_year_fen}/{stated.prior_years_fen} "
                f"after it, the records before it add up to {own[CURRENT]}/{own[PRIOR]}"
            )
        if r.HasField("pool_balance_after") and len(moved_pools) == 1:
            (pool_id,) = moved_pools
            if r.pool_balance_after.balance_fen != pools[pool_id]:
                problems.append(
                    f"{psn_no} record {r.journal_txn_id}: pool {pool_id} {r.pool_balance_after.balance_fen} after it, "
                    f"the records add up to {pools[pool_id]}"
                )
    if personal is not None:
        replayed = (own[CURRENT], own[PRIOR], own[CURRENT] + own[PRIOR])
        now = (personal.current_year_fen, personal.prior_years_fen, personal.balance_fen)
        if replayed != now:
            problems.append(f"{psn_no}: the records add up to {replayed}, the balances are {now}")
    elif any(own.values()):
        problems.append(f"{psn_no}: own-account lines without a personal account")
    for pool_id, balance in created_pools.items():
        if pools[pool_id] != balance:
            problems.append(f"{psn_no}'s pool {pool_id}: the records add up to {pools[pool_id]}, its balance {balance}")
    return problems


def replay_pool(pool_id: str, newest_first: Sequence[Any], balance_fen: int) -> list[str]:
    problems: list[str] = []
    running = 0
    for r in reversed(newest_first):
        running += sum(line.amount_fen for line in r.split if line.source == POOL and line.pool_id == pool_id)
        if r.pool_balance_after.balance_fen != running:
            problems.append(
                f"pool {pool_id} record {r.journal_txn_id}: says {r.pool_balance_after.balance_fen} after it, "
                f"the records before it add up to {running}"
            )
    if running != balance_fen:
        problems.append(f"pool {pool_id}: the records add up to {running}, its balance is {balance_fen}")
    return problems
