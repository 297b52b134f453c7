"""How long a POS's call may wait for accounts: its deadline less a margin, never more than the configured longest
wait; a deadline too short for even a quick round trip is refused before anything is written."""

from __future__ import annotations

import pytest

from services.common import auth
from services.common.errors import DomainError, Reason
from services.common.security import Caller
from services.settlement.transport.servicer import DEADLINE_MARGIN_S, SettlementServicer


class _Context:
    def __init__(self, remaining: float | None) -> None:
        self.remaining = remaining

    def time_remaining(self) -> float | None:
        return self.remaining


@pytest.fixture
def servicer() -> SettlementServicer:
    auth._caller.set(Caller("H63010000001", "institution"))
    return SettlementServicer(deps=None, max_wait_s=30.0, min_wait_s=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("remaining", "most"),
    [(None, 30.0), (600.0, 30.0), (10.0, 10.0 - DEADLINE_MARGIN_S), (0.31, 0.31 - DEADLINE_MARGIN_S)],
)
def test_the_pos_deadline_decides_up_to_the_longest_wait(servicer, remaining, most) -> None:  # type: ignore[no-untyped-def]
    budget = servicer._paying(_Context(remaining)).budget_s
    assert budget is not None and 0 < budget <= most


@pytest.mark.parametrize("remaining", [0.29, 0.05, 0.0])
def test_a_deadline_that_cannot_cover_a_round_trip_is_refused_at_once(servicer, remaining) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        servicer._paying(_Context(remaining))
    assert err.value.reason is Reason.DEADLINE_TOO_SHORT
