"""Who did it: every change is recorded with its actor, "CHANNEL:identity" — INSTITUTION:H63010000001,
REGISTRY_FEED:registry, COUNTER:clerk-0042, RECOVERY:settlement, SYSTEM:accounts-sweeper, ... A service acting for
someone else says so in the metadata ON_BEHALF_OF; the callee believes it only from roles allowed to act for that
channel (services/common/auth.py: actor)."""

from __future__ import annotations

import contextvars
import re

ON_BEHALF_OF = "x-gongji-on-behalf-of"
ACTOR = re.compile(r"([A-Z_]{1,32}):([A-Za-z0-9_.@-]{1,64})")

# Whom the current task works for; set where a piece of work starts (an RPC, a worker's round).
acting_as: contextvars.ContextVar[str] = contextvars.ContextVar("acting_as", default="")


def current_actor() -> str:
    """The actor a write records; nothing is written anonymously."""
    actor = acting_as.get()
    if not ACTOR.fullmatch(actor):
        raise RuntimeError("no actor: a write must say who does it (services/common/actors.py: acting_as)")
    return actor
