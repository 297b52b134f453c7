"""The replay check of tests/integration/test_zz_replay.py catches what it is there to catch: a record left out, a
wrong balance after, a line on the wrong account."""

from __future__ import annotations

from gongji.accounts.v1 import records_pb2
from gongji.common.v1 import common_pb2 as cpb
from tests.replay import CURRENT, OWN, POOL, PRIOR, replay_person, replay_pool

ME = "P1"


def _record(txn: int, lines: list[tuple[int, int, int, str, str]], after: tuple[int, int] | None, pool: int | None):  # type: ignore[no-untyped-def]
    r = records_pb2.TransactionRecord(
        journal_txn_id=str(txn),
        split=[
            cpb.SourceAmount(source=s, amount_fen=a, part=p, psn_no=who, pool_id=pool_id)
            for s, a, p, who, pool_id in lines
        ],
    )
    if after is not None:
        r.personal_balance_after.CopyFrom(
            records_pb2.AccountBalance(current_year_fen=after[0], prior_years_fen=after[1], balance_fen=sum(after))
        )
    if pool is not None:
        r.pool_balance_after.balance_fen = pool
    return r


def _statement() -> list[records_pb2.TransactionRecord]:
    """Newest first: a contribution, a transfer of 50,000 into pool 7, a payment the pool made, a rollover."""
    return [
        _record(4, [(OWN, -20_000, CURRENT, ME, ""), (OWN, 20_000, PRIOR, ME, "")], (0, 20_000), None),
        _record(3, [(POOL, -5_000, 0, "", "7")], (20_000, 0), 45_000),
        _record(2, [(OWN, -50_000, CURRENT, ME, ""), (POOL, 50_000, 0, "", "7")], (20_000, 0), 50_000),
        _record(1, [(OWN, 70_000, CURRENT, ME, "")], (70_000, 0), None),
    ]


def _now(current: int, prior: int) -> records_pb2.AccountBalance:
    return records_pb2.AccountBalance(current_year_fen=current, prior_years_fen=prior, balance_fen=current + prior)


def test_a_complete_statement_replays_to_the_balances() -> None:
    assert replay_person(ME, _statement(), _now(0, 20_000), {"7": 45_000}) == []


def test_a_missing_record_is_caught() -> None:
    for missing in range(4):
        records = _statement()
        del records[missing]
        assert replay_person(ME, records, _now(0, 20_000), {"7": 45_000}), f"record {missing} left out"


def test_a_wrong_balance_after_is_caught() -> None:
    records = _statement()
    records[2].personal_balance_after.current_year_fen += 1
    assert replay_person(ME, records, _now(0, 20_000), {"7": 45_000})
    records = _statement()
    records[1].pool_balance_after.balance_fen -= 1
    assert replay_person(ME, records, _now(0, 20_000), {"7": 45_000})


def test_a_line_on_someone_elses_account_is_caught() -> None:
    records = _statement()
    records[3].split[0].psn_no = "P2"  # the contribution shown as another person's
    assert replay_person(ME, records, _now(0, 20_000), {"7": 45_000})


def test_the_parts_are_compared_too() -> None:
    assert replay_person(ME, _statement(), _now(20_000, 0), {"7": 45_000})  # right total, parts swapped


def test_a_pools_statement_replays_and_a_gap_is_caught() -> None:
    pool = [
        _record(3, [(POOL, -5_000, 0, "", "7")], None, 45_000),
        _record(2, [(POOL, 50_000, 0, "", "7")], None, 50_000),
    ]
    assert replay_pool("7", pool, 45_000) == []
    assert replay_pool("7", pool[:1], 45_000)
    assert replay_pool("7", pool, 44_000)
