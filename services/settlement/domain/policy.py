"""Settlement's own policy (config/settlement_policy.toml): how long an authorization holds money by medical type, and
the reversal window (the calendar day, in China, of the request reversed). Free of gRPC and SQL."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from services.settlement.domain.model import Visit


@dataclass(frozen=True)
class SettlementPolicy:
    outpatient_default_seconds: int = 7200
    outpatient_max_seconds: int = 86_400
    inpatient_default_seconds: int = 1_814_400
    inpatient_max_seconds: int = 5_184_000
    utc_offset_hours: int = 8

    def hold_ttl_seconds(self, visit: Visit, asked_s: int) -> int:
        """How long a hold lasts: what the POS asked (0: the default of the visit's kind), at most its maximum. An
        inpatient deposit is held for weeks, an outpatient or pharmacy hold for hours."""
        default, most = (
            (self.inpatient_default_seconds, self.inpatient_max_seconds)
            if visit.inpatient
            else (self.outpatient_default_seconds, self.outpatient_max_seconds)
        )
        return min(asked_s or default, most)

    @property
    def zone(self) -> dt.timezone:
        return dt.timezone(dt.timedelta(hours=self.utc_offset_hours))

    def settlement_day(self, at: dt.datetime) -> dt.date:
        """The calendar day (in China) a request belongs to: a reversal is possible until it ends."""
        return at.astimezone(self.zone).date()

    @classmethod
    def load(cls, path: Path) -> SettlementPolicy:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        holds, reversal = raw.get("holds", {}), raw.get("reversal", {})
        known = {"holds", "reversal"}
        if set(raw) - known:
            raise ValueError(f"unknown settlement policy sections: {sorted(set(raw) - known)}")
        values = {**holds, **reversal}
        policy = cls(**values)
        if min(policy.outpatient_default_seconds, policy.inpatient_default_seconds) <= 0:
            raise ValueError("hold lifetimes must be positive")
        if policy.outpatient_default_seconds > policy.outpatient_max_seconds or (
            policy.inpatient_default_seconds > policy.inpatient_max_seconds
        ):
            raise ValueError("a default hold lifetime exceeds its maximum")
        return policy
