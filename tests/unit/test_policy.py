"""Effective-dated policy (config/policy.toml): which numbers and relations apply on a given day."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from services.accounts.domain.model import Relation
from services.accounts.domain.policy import Policy, PolicyBook

POLICY_FILE = Path(__file__).resolve().parents[2] / "config" / "policy.toml"
ORIGINAL = {Relation.SPOUSE, Relation.PARENT, Relation.CHILD}
WIDENED = ORIGINAL | {
    Relation.SIBLING,
    Relation.GRANDPARENT_PATERNAL,
    Relation.GRANDPARENT_MATERNAL,
    Relation.GRANDCHILD_PATERNAL,
    Relation.GRANDCHILD_MATERNAL,
}


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return PolicyBook.load(POLICY_FILE)


def _first_period(book: PolicyBook) -> dict[str, object]:
    raw = {f.name: getattr(book.periods[0], f.name) for f in dataclasses.fields(Policy)}
    raw["relations"] = sorted(r.name for r in book.periods[0].relations)
    return raw


def test_the_shipped_policy_file_loads_with_qinghai_numbers(book: PolicyBook) -> None:
    assert [p.effective_from for p in book.periods] == [dt.date(2023, 1, 1), dt.date(2024, 12, 1)]
    first = book.periods[0]
    assert first.province_code == "63"
    assert (first.min_transfer_fen, first.min_creator_balance_fen, first.max_members) == (50_000, 50_000, 5)
    assert first.region_scope == "SAME_REGION"
    assert first.invitation_ttl_seconds == 7 * 24 * 3600
    assert (first.default_hold_ttl_seconds, first.max_hold_ttl_seconds) == (900, 5_184_000)


@pytest.mark.parametrize("day", [dt.date(2023, 1, 1), dt.date(2024, 6, 30), dt.date(2024, 11, 30)])
def test_before_december_2024_only_spouse_parent_child(book: PolicyBook, day: dt.date) -> None:
    assert book.at(day).relations == ORIGINAL


@pytest.mark.parametrize("day", [dt.date(2024, 12, 1), dt.date(2025, 7, 1), dt.date(2026, 11, 24)])
def test_from_december_2024_siblings_grandparents_and_grandchildren_too(book: PolicyBook, day: dt.date) -> None:
    assert book.at(day).relations == WIDENED == set(Relation)


def test_a_later_period_carries_over_what_it_does_not_repeat(book: PolicyBook) -> None:
    old, new = book.at(dt.date(2024, 11, 30)), book.at(dt.date(2024, 12, 1))
    assert (new.min_transfer_fen, new.min_creator_balance_fen, new.max_members) == (50_000, 50_000, 5)
    assert (new.province_code, new.region_scope) == ("63", "SAME_REGION")
    assert dataclasses.replace(old, effective_from=new.effective_from, relations=new.relations) == new


def test_a_period_changing_one_number_keeps_the_others() -> None:
    book = PolicyBook.from_periods(
        [
            {**_first_period(PolicyBook.load(POLICY_FILE)), "effective_from": dt.date(2023, 1, 1)},
            {"effective_from": dt.date(2027, 1, 1), "max_members": 8, "region_scope": "PROVINCE"},
        ]
    )
    before, after = book.at(dt.date(2026, 12, 31)), book.at(dt.date(2027, 1, 1))
    assert (before.max_members, before.region_scope) == (5, "SAME_REGION")
    assert (after.max_members, after.region_scope, after.min_transfer_fen) == (8, "PROVINCE", 50_000)
    assert after.relations == before.relations == ORIGINAL


def test_periods_are_ordered_by_date_whatever_the_file_order(book: PolicyBook) -> None:
    first = _first_period(book)
    shuffled = PolicyBook.from_periods([{"effective_from": dt.date(2024, 12, 1), "max_members": 6}, first])
    assert shuffled.at(dt.date(2024, 11, 30)).max_members == 5
    assert shuffled.at(dt.date(2025, 1, 1)).max_members == 6


def test_unknown_setting_is_rejected(book: PolicyBook) -> None:
    with pytest.raises(ValueError, match="max_memberz"):
        PolicyBook.from_periods([{**_first_period(book), "max_memberz": 6}])
    with pytest.raises(ValueError, match="unknown policy settings"):
        PolicyBook.from_periods([_first_period(book), {"effective_from": dt.date(2030, 1, 1), "min_transfer": 1}])


@pytest.mark.parametrize("scope", ["MOON", "same_region", ""])
def test_bad_region_scope_is_rejected(book: PolicyBook, scope: str) -> None:
    with pytest.raises(ValueError, match="region_scope"):
        PolicyBook.from_periods([{**_first_period(book), "region_scope": scope}])
    with pytest.raises(ValueError, match="region_scope"):  # also in a later period
        PolicyBook.from_periods([_first_period(book), {"effective_from": dt.date(2030, 1, 1), "region_scope": scope}])


@pytest.mark.parametrize("scope", ["SAME_REGION", "PROVINCE", "NATIONAL"])
def test_every_known_region_scope_is_accepted(book: PolicyBook, scope: str) -> None:
    assert PolicyBook.from_periods([{**_first_period(book), "region_scope": scope}]).periods[0].region_scope == scope


def test_unknown_relation_name_is_rejected(book: PolicyBook) -> None:
    with pytest.raises(KeyError):
        PolicyBook.from_periods([{**_first_period(book), "relations": ["SPOUSE", "COUSIN"]}])


def test_a_policy_book_needs_a_period() -> None:
    with pytest.raises(ValueError):
        PolicyBook([])


def test_the_file_on_disk_is_what_is_loaded(tmp_path: Path) -> None:
    widened = tmp_path / "policy.toml"
    widened.write_text(
        POLICY_FILE.read_text(encoding="utf-8")
        + ('\n[[period]]\neffective_from = 2028-01-01\nregion_scope = "NATIONAL"\nmin_transfer_fen = 30000\n'),
        encoding="utf-8",
    )
    book = PolicyBook.load(widened)
    assert book.at(dt.date(2027, 12, 31)).region_scope == "SAME_REGION"
    later = book.at(dt.date(2028, 1, 1))
    assert (later.region_scope, later.min_transfer_fen, later.min_creator_balance_fen) == ("NATIONAL", 30_000, 50_000)
    assert later.relations == WIDENED
