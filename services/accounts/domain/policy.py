"""Effective-dated policy (rules 1-3, 5, 6, 8, 11 and hold limits): which numbers apply on a given day, and the table
of coordinating regions (统筹区) that "same region" compares."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from services.accounts.domain.model import Part, Relation

REGION_SCOPES = ("SAME_REGION", "PROVINCE", "NATIONAL")


@dataclass(frozen=True)
class Regions:
    """统筹区: which coordinating region each administrative division code belongs to (rule 5). A code the table does
    not name belongs to its prefecture's region when that (its first four digits and "00") is a region, else is a
    region of its own: 630102 (城东区) is in 630100 (西宁市)."""

    of_code: Mapping[str, str] = field(default_factory=dict)  # administrative code -> coordinating region

    def region(self, code: str) -> str:
        if code in self.of_code:
            return self.of_code[code]
        prefecture = code[:4] + "00"
        return self.of_code.get(prefecture, prefecture if prefecture in self.of_code.values() else code)

    @classmethod
    def from_table(cls, table: Mapping[str, list[str]]) -> Regions:
        """{region: [member codes]} as configured; each region also belongs to itself."""
        of_code = {region: region for region in table}
        for region, codes in table.items():
            of_code.update({code: region for code in codes})
        return cls(of_code)


@dataclass(frozen=True)
class Policy:
    effective_from: dt.date
    province_code: str
    min_transfer_fen: int
    min_creator_balance_fen: int
    max_members: int
    relations: frozenset[Relation]
    region_scope: str
    invitation_ttl_seconds: int
    default_hold_ttl_seconds: int
    max_hold_ttl_seconds: int
    # Rules 1 and 10: disabled veterans of levels 1 to this one (一至六级) may not run a pool.
    max_barred_veteran_level: int
    # Rule 11: whose resident premium an employee may pay (近亲属), the standard premium of an insurance year (the
    # period in force on its 1 January says), per coordinating region where one differs, and how many years ahead
    # of the current one a premium may be paid.
    premium_relations: frozenset[Relation]
    resident_premium_fen: int
    resident_premium_years_ahead: int
    # Rule 8: which part of the own account a payment, a transfer or a premium draws first (先历年后当年 by default).
    own_account_order: tuple[Part, ...] = (Part.PRIOR, Part.CURRENT)
    resident_premium_fen_by_region: Mapping[str, int] = field(default_factory=dict)  # coordinating region -> fen
    regions: Regions = field(default_factory=Regions)  # from the file's [coordinating_regions], not per period

    def resident_premium_for(self, region_code: str) -> int:
        """Rule 11: the resident premium standard (fen) of this period for a person insured in `region_code`."""
        return self.resident_premium_fen_by_region.get(self.regions.region(region_code), self.resident_premium_fen)


class PolicyBook:
    """All policy periods, oldest first; `at(day)` is the policy in force that day."""

    def __init__(self, periods: list[Policy]) -> None:
        if not periods:
            raise ValueError("policy needs at least one period")
        self.periods = sorted(periods, key=lambda p: p.effective_from)

    def for_insurance_year(self, year: int) -> Policy:
        """The policy of an insurance year (its premium standard, rule 11): the one in force on its 1 January."""
        return self.at(dt.date(year, 1, 1))

    def at(self, day: dt.date) -> Policy:
        current = self.periods[0]
        for p in self.periods:
            if p.effective_from <= day:
                current = p
        return current

    @classmethod
    def load(cls, path: Path) -> PolicyBook:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls.from_periods(raw["period"], Regions.from_table(raw.get("coordinating_regions", {})))

    @classmethod
    def from_periods(cls, raw_periods: list[dict[str, object]], regions: Regions | None = None) -> PolicyBook:
        names = {f.name for f in fields(Policy)} - {"regions"}
        periods: list[Policy] = []
        previous: Policy | None = None
        for raw in sorted(raw_periods, key=lambda r: r["effective_from"]):  # type: ignore[arg-type, return-value]
            unknown = set(raw) - names
            if unknown:
                raise ValueError(f"unknown policy settings: {sorted(unknown)}")
            values = dict(raw)
            for relations in ("relations", "premium_relations"):
                if relations in values:
                    values[relations] = frozenset(Relation[r] for r in values[relations])  # type: ignore[attr-defined]
            if "resident_premium_fen_by_region" in values:
                by_region = dict(values["resident_premium_fen_by_region"])  # type: ignore[call-overload]
                if not all(isinstance(fen, int) and fen > 0 for fen in by_region.values()):
                    raise ValueError("resident_premium_fen_by_region: each standard is a positive amount in fen")
                values["resident_premium_fen_by_region"] = by_region
            if "own_account_order" in values:
                order = tuple(Part[p] for p in values["own_account_order"])  # type: ignore[attr-defined]
                if sorted(order) != sorted(Part):
                    raise ValueError("own_account_order must name each part once")
                values["own_account_order"] = order
            if previous is None:
                policy = Policy(**values, regions=regions or Regions())  # type: ignore[arg-type]
            else:
                policy = replace(previous, **values)  # type: ignore[arg-type]
            if policy.region_scope not in REGION_SCOPES:
                raise ValueError(f"region_scope must be one of {REGION_SCOPES}")
            periods.append(policy)
            previous = policy
        return cls(periods)
