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
    raw = {f.name: getattr(book.periods[0], f.name) for f in dataclasses.fields(Policy) if f.name != "regions"}
    raw["relations"] = sorted(r.name for r in book.periods[0].relations)
    raw["premium_relations"] = sorted(r.name for r in book.periods[0].premium_relations)
    raw["own_account_order"] = [p.name for p in book.periods[0].own_account_order]
    return raw


def test_the_shipped_policy_file_loads_with_qinghai_numbers(book: PolicyBook) -> None:
    assert [p.effective_from for p in book.periods] == [
        dt.date(2023, 1, 1),
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
    ]
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
    assert new.premium_relations == new.relations == WIDENED and old.premium_relations == ORIGINAL
    same = dataclasses.replace(
        old, effective_from=new.effective_from, relations=new.relations, premium_relations=new.premium_relations
    )
    assert same == new


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


def test_same_region_compares_coordinating_regions_from_the_table(book: PolicyBook) -> None:
    regions = book.at(dt.date(2026, 12, 1)).regions
    assert regions.region("630102") == regions.region("630121") == regions.region("630100") == "630100"  # Xining
    assert regions.region("630202") == "630200" != regions.region("630102")  # Haidong is another
    assert regions.region("632899") == "632800"  # a code the table does not list: its prefecture's region
    assert regions.region("110105") == "110105"  # outside the table and its prefectures: a region of its own


# ---------------------------------------------------------------- rule 11: resident premium standards


@pytest.mark.parametrize(
    ("year", "fen"), [(2023, 35_000), (2024, 38_000), (2025, 40_000), (2026, 40_000), (2027, 40_000)]
)
def test_the_resident_premium_of_an_insurance_year_is_the_one_in_force_on_its_first_day(
    book: PolicyBook, year: int, fen: int
) -> None:
    assert book.for_insurance_year(year).resident_premium_for("630102") == fen
    assert book.for_insurance_year(year) == book.at(dt.date(year, 1, 1))


def test_a_coordinating_region_may_have_its_own_premium_standard(book: PolicyBook) -> None:
    first = _first_period(book)
    regional = PolicyBook.from_periods(
        [first, {"effective_from": dt.date(2027, 1, 1), "resident_premium_fen_by_region": {"632700": 33_000}}],
        book.periods[0].regions,
    ).for_insurance_year(2027)
    assert regional.resident_premium_for("632722") == regional.resident_premium_for("632700") == 33_000  # 玉树
    assert regional.resident_premium_for("630102") == regional.resident_premium_fen == 35_000  # the province's


@pytest.mark.parametrize("fen", [0, -1, "400"])
def test_a_regional_premium_must_be_a_positive_amount(book: PolicyBook, fen: object) -> None:
    with pytest.raises(ValueError, match="resident_premium_fen_by_region"):
        PolicyBook.from_periods([{**_first_period(book), "resident_premium_fen_by_region": {"630100": fen}}])


def test_premium_relations_widen_in_december_2024_like_the_binding_relations(book: PolicyBook) -> None:
    assert book.at(dt.date(2024, 11, 30)).premium_relations == ORIGINAL
    assert book.at(dt.date(2024, 12, 1)).premium_relations == WIDENED
