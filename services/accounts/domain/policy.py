"""Effective-dated policy (rules 2, 3, 5, 6 and hold limits): which numbers apply on a given day."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from services.accounts.domain.model import Relation

REGION_SCOPES = ("SAME_REGION", "PROVINCE", "NATIONAL")


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


class PolicyBook:
    """All policy periods, oldest first; `at(day)` is the policy in force that day."""

    def __init__(self, periods: list[Policy]) -> None:
        if not periods:
            raise ValueError("policy needs at least one period")
        self.periods = sorted(periods, key=lambda p: p.effective_from)

    def at(self, day: dt.date) -> Policy:
        current = self.periods[0]
        for p in self.periods:
            if p.effective_from <= day:
                current = p
        return current

    @classmethod
    def load(cls, path: Path) -> PolicyBook:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls.from_periods(raw["period"])

    @classmethod
    def from_periods(cls, raw_periods: list[dict[str, object]]) -> PolicyBook:
        names = {f.name for f in fields(Policy)}
        periods: list[Policy] = []
        previous: Policy | None = None
        for raw in sorted(raw_periods, key=lambda r: r["effective_from"]):  # type: ignore[arg-type, return-value]
            unknown = set(raw) - names
            if unknown:
                raise ValueError(f"unknown policy settings: {sorted(unknown)}")
            values = dict(raw)
            if "relations" in values:
                values["relations"] = frozenset(Relation[r] for r in values["relations"])  # type: ignore[attr-defined]
            if previous is None:
                policy = Policy(**values)  # type: ignore[arg-type]
            else:
                policy = replace(previous, **values)  # type: ignore[arg-type]
            if policy.region_scope not in REGION_SCOPES:
                raise ValueError(f"region_scope must be one of {REGION_SCOPES}")
            periods.append(policy)
            previous = policy
        return cls(periods)
