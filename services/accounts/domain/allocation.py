"""How a payment's amount is split over funding sources (rule 8) and how refunds go back (rule 9)."""

from __future__ import annotations

from dataclasses import dataclass

from services.accounts.domain.model import Source


@dataclass
class Candidate:
    """A source the payer could use, with what it can give now (or why it cannot give)."""

    source: Source
    available_fen: int
    unavailable_reason: str = ""
    short_reason: str = "INSUFFICIENT_FUNDS"  # said when the source could give something, but not enough


def split(amount_fen: int, candidates: list[Candidate]) -> tuple[list[int], list[str], int]:
    """Takes as much as each source can give, in order. Returns (taken per source, shortfall reasons, uncovered)."""
    remaining = amount_fen
    taken: list[int] = []
    reasons: list[str] = []
    for c in candidates:
        give = min(remaining, max(c.available_fen, 0)) if not c.unavailable_reason else 0
        taken.append(give)
        remaining -= give
        reasons.append((c.unavailable_reason or c.short_reason) if remaining > 0 else "")
    return taken, reasons, remaining


def fill_in_order(amount_fen: int, capacities: list[int]) -> list[int]:
    """Spreads `amount_fen` over capacities, first ones first. Caller guarantees amount <= sum(capacities)."""
    out = []
    remaining = amount_fen
    for cap in capacities:
        take = min(cap, remaining)
        out.append(take)
        remaining -= take
    if remaining:
        raise ValueError("amount exceeds capacities")
    return out


def refund_order(sources: list[Source]) -> list[int]:
    """Indexes of legs in the order a refund fills them: the family pool first, then the personal account."""
    return sorted(range(len(sources)), key=lambda i: 0 if sources[i] is Source.FAMILY_POOL else 1)
