"""A gate per key (a payer, a reservation): at most a few requests for one key at a time go on to the database, the
others wait here, without holding a pooled connection, and give up after a while. One payer whose rows stay locked
(a slow transaction, an operator's session) then costs the service a few connections, not all of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.common.db import LOCK_TIMEOUT_MS
from services.common.errors import DomainError, Reason


class KeyedGate:
    def __init__(self, per_key: int = 2, wait_s: float = LOCK_TIMEOUT_MS / 1000) -> None:
        self.per_key = per_key
        self.wait_s = wait_s
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def enter(self, key: str) -> AsyncIterator[None]:
        """Waits for one of the key's slots, at most `wait_s` (then ACCOUNT_BUSY: nothing was done)."""
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = asyncio.Semaphore(self.per_key)
        self._users[key] = self._users.get(key, 0) + 1
        try:
            try:
                await asyncio.wait_for(slots.acquire(), self.wait_s)
            except TimeoutError:
                raise DomainError(Reason.ACCOUNT_BUSY) from None
            try:
                yield
            finally:
                slots.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._slots[key]
