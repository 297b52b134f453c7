"""What every use case needs besides the transaction: policy in force, the ID hashing key, the clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.accounts.domain.policy import Policy, PolicyBook

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Env:
    policies: PolicyBook
    id_hash_key: bytes

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def policy(self) -> Policy:
        """The policy in force today, by the calendar day in China."""
        return self.policies.at(self.now().astimezone(CHINA).date())
