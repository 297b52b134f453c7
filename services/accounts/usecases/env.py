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

    def today(self) -> dt.date:
        """The calendar day in China: the day policies, ages and insurance years count by."""
        return self.now().astimezone(CHINA).date()

    def policy(self) -> Policy:
        """The policy in force today."""
        return self.policies.at(self.today())
