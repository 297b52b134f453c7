"""Settlement's policy (config/settlement_policy.toml): hold lifetimes by medical type, within what accounts allows,
and the settlement day a reversal must fall in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.accounts.domain.policy import PolicyBook
from services.settlement.domain.model import Visit
from services.settlement.domain.policy import SettlementPolicy

CONFIG = Path(__file__).resolve().parents[3] / "config"


def test_outpatient_holds_last_hours_and_inpatient_deposits_weeks_within_what_accounts_allows() -> None:
    policy = SettlementPolicy.load(CONFIG / "settlement_policy.toml")
    outpatient, pharmacy, inpatient, maternity = (Visit(med_type=t) for t in ("11", "41", "21", "52"))
    assert policy.hold_ttl_seconds(outpatient, 0) == policy.hold_ttl_seconds(pharmacy, 0) == 2 * 3600
    assert policy.hold_ttl_seconds(inpatient, 0) == policy.hold_ttl_seconds(maternity, 0) == 21 * 86_400
    assert policy.hold_ttl_seconds(outpatient, 10 * 86_400) == 86_400  # capped
    assert policy.hold_ttl_seconds(inpatient, 40 * 86_400) == 40 * 86_400
    accounts = PolicyBook.load(CONFIG / "policy.toml")
    assert all(p.max_hold_ttl_seconds >= policy.inpatient_max_seconds for p in accounts.periods)


def test_the_settlement_day_is_the_calendar_day_in_china() -> None:
    policy = SettlementPolicy()
    assert policy.settlement_day(dt.datetime(2026, 12, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 12, 1)
    assert policy.settlement_day(dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)) == dt.date(2026, 12, 2)


def test_a_policy_file_with_a_default_beyond_its_maximum_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "settlement_policy.toml"
    bad.write_text("[holds]\noutpatient_default_seconds = 90000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="exceeds"):
        SettlementPolicy.load(bad)
