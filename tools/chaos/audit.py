"""The chaos soak's global audit, after the drain: what the database of both services holds, held to itself and to
the book of what every POS and the counter were told.

    ledger            accounts' own VerifyLedger is clean
    conservation      Σ balances of persons' and pools' accounts = what the contribution fund put in (the credits
                      the registry was told succeeded, each once) − what left to institution clearing / payout and
                      premium collection; and what clearing holds = what settlement says was paid net of refunds
    no negative       no balance and no hold below zero, no hold above its balance
    holds             every hold final or within its lifetime, at accounts and at settlement; no intent and no
                      refund left unfinished
    one to one        each settlement's record equals accounts' reservation and journal: one reservation per
                      settlement and one settlement per reservation, the amounts by source (held, paid, refunded),
                      the status, one PAYMENT per paid reservation, one REFUND (and REFUND_REVERSAL) per refund
    exactly once      every request the POS was told succeeded is there once, as it was told (status and amounts by
                      source); every refused one moved nothing; nothing is there that nobody asked for
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from gongji.settlement.v1 import settlement_pb2 as pb
from tools.chaos.traffic import OK, REFUSED, Book
from tools.kit import Accounts
from tools.kit import accounts_v1 as apb

INSTITUTION_CLEARING, INSTITUTION_PAYOUT, PREMIUM_COLLECTION, CONTRIBUTION_FUND = 2, 4, 3, 1
INTENTS = ("PENDING", "CAPTURING", "VOIDING", "COMPENSATING", "REVERSING")
NOTHING_PAID = ("DECLINED", "VOIDED", "EXPIRED", "REVERSED")
HOLD_SLACK_S = 5  # the sweeper runs every 0.5 s, recovery every 1 s
LIMIT = 8  # problems shown per check


@dataclass
class Check:
    name: str
    problems: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, problem: str) -> None:
        self.problems.append(problem)


_UNFINISHED = f"""
SELECT (SELECT count(*) FROM settlement.settlements WHERE status IN {INTENTS}) AS intents,
       (SELECT count(*) FROM settlement.refunds WHERE status IN ('PENDING', 'REVERSING')) AS refunds,
       (SELECT count(*) FROM settlement.settlements WHERE status = 'AUTHORIZED'
            AND expires_at < now() - interval '{HOLD_SLACK_S} seconds') AS lapsed,
       (SELECT count(*) FROM accounts.reservations WHERE status = 'HELD'
            AND expires_at < now() - interval '{HOLD_SLACK_S} seconds') AS held
"""


async def quiet(dsn: str, timeout_s: float) -> dict[str, int]:
    """Waits until recovery and the sweepers have nothing left to do (or `timeout_s` passes); what is left."""
    deadline = time.monotonic() + timeout_s
    while True:
        conn = await asyncpg.connect(dsn)
        try:
            left = dict(await conn.fetchrow(_UNFINISHED))
        finally:
            await conn.close()
        if not any(left.values()) or time.monotonic() > deadline:
            return left
        await asyncio.sleep(1.0)


async def run(dsn: str, admin: Accounts, book: Book, institution: str) -> list[Check]:
    conn = await asyncpg.connect(dsn)
    try:
        data = await _load(conn, institution)
    finally:
        await conn.close()
    ledger = Check("ledger")
    report = await admin.VerifyLedger(apb.VerifyLedgerRequest(), timeout=30)
    ledger.checked = int(report.transactions_checked)
    ledger.problems.extend(report.problems)
    if not report.ok and not ledger.problems:
        ledger.fail("VerifyLedger says not ok")
    return [
        ledger,
        _conservation(data, book),
        _no_negative(data),
        _holds(data),
        _one_to_one(data),
        _exactly_once(data, book),
    ]


@dataclass
class Data:
    settlements: list[Any]
    refunds: dict[str, list[Any]]  # by settlement id
    reservations: dict[str, Any]  # by id (text)
    journal: dict[str, Counter[str]]  # reservation id: kind: count
    clearing_by_reservation: dict[str, int]
    accounts: list[Any]
    external: dict[int, int]  # account id: Σ postings
    journal_kinds: Counter[str]
    held_lapsed: int
    now_lapsed_authorizations: int


async def _load(conn: asyncpg.Connection, institution: str) -> Data:
    settlements = await conn.fetch(
        "SELECT id, pos_txn_id, kind, status, reservation_id, amount_fen, authorized_fen, acct_pay_fen, "
        "acct_mulaid_pay_fen, psn_cash_pay_fen, capture_pos_txn_id, expires_at, expires_at < now() AS lapsed "
        "FROM settlement.settlements WHERE institution = $1",
        institution,
    )
    refunds: dict[str, list[Any]] = defaultdict(list)
    for r in await conn.fetch(
        "SELECT settlement_id, refund_pos_txn_id, amount_fen, cash_fen, is_reversal, status, acct_refund_fen, "
        "acct_mulaid_refund_fen FROM settlement.refunds WHERE institution = $1",
        institution,
    ):
        refunds[r["settlement_id"]].append(r)
    reservations = {
        str(r["id"]): r
        for r in await conn.fetch(
            "SELECT r.id, r.status, r.expires_at < now() - make_interval(secs => $1) AS lapsed, "
            "coalesce(sum(l.reserved_fen) FILTER (WHERE l.source = 'PERSONAL_ACCOUNT'), 0) AS reserved_own, "
            "coalesce(sum(l.reserved_fen) FILTER (WHERE l.source = 'FAMILY_POOL'), 0) AS reserved_pool, "
            "coalesce(sum(l.debited_fen) FILTER (WHERE l.source = 'PERSONAL_ACCOUNT'), 0) AS debited_own, "
            "coalesce(sum(l.debited_fen) FILTER (WHERE l.source = 'FAMILY_POOL'), 0) AS debited_pool, "
            "coalesce(sum(l.refunded_fen) FILTER (WHERE l.source = 'PERSONAL_ACCOUNT'), 0) AS refunded_own, "
            "coalesce(sum(l.refunded_fen) FILTER (WHERE l.source = 'FAMILY_POOL'), 0) AS refunded_pool "
            "FROM accounts.reservations r LEFT JOIN accounts.reservation_legs l ON l.reservation_id = r.id "
            "GROUP BY r.id, r.status, r.expires_at",
            float(HOLD_SLACK_S),
        )
    }
    journal: dict[str, Counter[str]] = defaultdict(Counter)
    for r in await conn.fetch(
        "SELECT reservation_id, kind, count(*) AS n FROM accounts.journal_txns WHERE reservation_id IS NOT NULL "
        "GROUP BY reservation_id, kind"
    ):
        journal[str(r["reservation_id"])][r["kind"]] = int(r["n"])
    clearing = {
        str(r["reservation_id"]): int(r["total"])
        for r in await conn.fetch(
            "SELECT t.reservation_id, sum(p.amount_fen) AS total FROM accounts.postings p "
            "JOIN accounts.journal_txns t ON t.id = p.txn_id WHERE p.account_id = $1 AND t.reservation_id IS NOT NULL "
            "GROUP BY t.reservation_id",
            INSTITUTION_CLEARING,
        )
    }
    accounts = await conn.fetch(
        "SELECT id, kind, balance_fen, held_fen FROM accounts.ledger_accounts WHERE kind IN ('PERSONAL', 'POOL')"
    )
    external = {
        int(r["id"]): int(r["total"])
        for r in await conn.fetch(
            "SELECT a.id, coalesce(sum(p.amount_fen), 0) AS total FROM accounts.ledger_accounts a "
            "LEFT JOIN accounts.postings p ON p.account_id = a.id WHERE a.kind NOT IN ('PERSONAL', 'POOL') "
            "GROUP BY a.id"
        )
    }
    kinds = Counter(
        {
            r["kind"]: int(r["n"])
            for r in await conn.fetch("SELECT kind, count(*) AS n FROM accounts.journal_txns GROUP BY kind")
        }
    )
    held_lapsed = int(
        await conn.fetchval(
            "SELECT count(*) FROM accounts.reservations WHERE status = 'HELD' "
            "AND expires_at < now() - make_interval(secs => $1)",
            float(HOLD_SLACK_S),
        )
    )
    lapsed_auth = int(
        await conn.fetchval(
            "SELECT count(*) FROM settlement.settlements WHERE status = 'AUTHORIZED' "
            "AND expires_at < now() - make_interval(secs => $1)",
            float(HOLD_SLACK_S),
        )
    )
    return Data(
        list(settlements),
        refunds,
        reservations,
        journal,
        clearing,
        list(accounts),
        external,
        kinds,
        held_lapsed,
        lapsed_auth,
    )


def _active_refunds(rows: list[Any]) -> tuple[int, int]:
    """What a settlement's refunds gave back through the accounts and still stands: (own account, pool)."""
    standing = [r for r in rows if r["status"] == "COMPLETED"]
    return sum(r["acct_refund_fen"] for r in standing), sum(r["acct_mulaid_refund_fen"] for r in standing)


def _conservation(d: Data, book: Book) -> Check:
    c = Check("conservation")
    credits = book.credits_fen()
    held = sum(int(a["balance_fen"]) for a in d.accounts)
    out = sum(d.external.get(k, 0) for k in (INSTITUTION_CLEARING, INSTITUTION_PAYOUT, PREMIUM_COLLECTION))
    put_in = -d.external.get(CONTRIBUTION_FUND, 0)
    c.checked = len(d.accounts)
    if put_in != credits:
        c.fail(f"the contribution fund put in {put_in} fen, the registry was told of {credits} fen of credits")
    ok_credits = sum(1 for r in book.requests if r.kind == "credit" and r.outcome == OK)
    if d.journal_kinds["CONTRIBUTION"] != ok_credits:
        c.fail(f"{d.journal_kinds['CONTRIBUTION']} contributions booked, {ok_credits} credits acknowledged")
    ok_transfers = sum(1 for r in book.requests if r.kind == "transfer" and r.outcome == OK)
    if d.journal_kinds["POOL_TRANSFER"] != ok_transfers:
        c.fail(f"{d.journal_kinds['POOL_TRANSFER']} pool transfers booked, {ok_transfers} acknowledged")
    if held != credits - out:
        c.fail(f"persons' and pools' accounts hold {held} fen; credits {credits} − paid out {out} = {credits - out}")
    paid_net = 0
    for s in d.settlements:
        if s["status"] == "COMPLETED":
            own, pool = _active_refunds(d.refunds.get(s["id"], []))
            paid_net += s["acct_pay_fen"] + s["acct_mulaid_pay_fen"] - own - pool
    clearing = d.external.get(INSTITUTION_CLEARING, 0) + d.external.get(INSTITUTION_PAYOUT, 0)
    if paid_net != clearing:
        c.fail(f"settlement says {paid_net} fen paid net of refunds; institution clearing and payout got {clearing}")
    return c


def _no_negative(d: Data) -> Check:
    c = Check("no negative", checked=len(d.accounts))
    for a in d.accounts:
        if a["balance_fen"] < 0 or a["held_fen"] < 0 or a["held_fen"] > a["balance_fen"]:
            c.fail(f"account {a['id']} ({a['kind']}): balance {a['balance_fen']}, held {a['held_fen']}")
    return c


def _holds(d: Data) -> Check:
    c = Check("holds", checked=len(d.reservations) + len(d.settlements))
    if d.held_lapsed:
        c.fail(f"{d.held_lapsed} accounts holds past their lifetime still HELD")
    if d.now_lapsed_authorizations:
        c.fail(f"{d.now_lapsed_authorizations} authorizations past their lifetime still AUTHORIZED")
    for s in d.settlements:
        if s["status"] in INTENTS:
            c.fail(f"settlement {s['pos_txn_id']} left {s['status']}")
    for rows in d.refunds.values():
        for r in rows:
            if r["status"] in ("PENDING", "REVERSING"):
                c.fail(f"refund {r['refund_pos_txn_id']} left {r['status']}")
    return c


def _one_to_one(d: Data) -> Check:
    c = Check("one to one", checked=len(d.settlements))
    claimed: Counter[str] = Counter(s["reservation_id"] for s in d.settlements if s["reservation_id"])
    for rid, n in claimed.items():
        if n > 1:
            c.fail(f"reservation {rid} is claimed by {n} settlements")
        if rid not in d.reservations:
            c.fail(f"reservation {rid} of a settlement does not exist at accounts")
    for rid in d.reservations:
        if rid not in claimed:
            c.fail(f"reservation {rid} at accounts belongs to no settlement")
    for s in d.settlements:
        name, status, rows = s["pos_txn_id"], s["status"], d.refunds.get(s["id"], [])
        through = [r for r in rows if r["acct_refund_fen"] + r["acct_mulaid_refund_fen"] > 0]
        if not s["reservation_id"]:
            if status == "COMPLETED" and s["acct_pay_fen"] + s["acct_mulaid_pay_fen"]:
                c.fail(f"{name}: COMPLETED, paid through the accounts, without a reservation")
            if through:
                c.fail(f"{name}: refunds through the accounts without a reservation")
            continue
        r = d.reservations.get(s["reservation_id"])
        if r is None:
            continue
        paid = (s["acct_pay_fen"], s["acct_mulaid_pay_fen"])
        debited = (r["debited_own"], r["debited_pool"])
        net = (r["debited_own"] - r["refunded_own"], r["debited_pool"] - r["refunded_pool"])
        if r["status"] == "HELD":
            if status != "AUTHORIZED":
                c.fail(f"{name}: {status}, its reservation is still HELD")
            elif (r["reserved_own"], r["reserved_pool"]) != paid:
                c.fail(f"{name}: authorized {paid}, accounts holds {(r['reserved_own'], r['reserved_pool'])}")
        if status == "AUTHORIZED" and r["status"] != "HELD" and not (r["status"] == "EXPIRED" and s["lapsed"]):
            c.fail(f"{name}: AUTHORIZED, its reservation is {r['status']}")
        if r["status"] == "DEBITED" and debited != paid:
            c.fail(f"{name} ({status}): paid {paid} by source, accounts debited {debited}")
        if status == "COMPLETED":
            if r["status"] != "DEBITED":
                c.fail(f"{name}: COMPLETED, its reservation is {r['status']}")
            own, pool = _active_refunds(rows)
            if net != (paid[0] - own, paid[1] - pool):
                c.fail(f"{name}: paid {paid} less refunds {(own, pool)}, accounts net {net}")
        if status in NOTHING_PAID and (net != (0, 0) or r["status"] == "HELD"):
            c.fail(f"{name}: {status}, accounts still has {net} paid and status {r['status']}")
        kinds = d.journal.get(s["reservation_id"], Counter())
        if kinds["PAYMENT"] != (1 if sum(debited) else 0):
            c.fail(f"{name}: {kinds['PAYMENT']} PAYMENT journal transactions for {sum(debited)} fen debited")
        if kinds["REFUND"] != len(through):
            c.fail(f"{name}: {kinds['REFUND']} REFUND journal transactions for {len(through)} refunds")
        reversed_ = sum(1 for r2 in through if r2["status"] == "REVERSED")
        if kinds["REFUND_REVERSAL"] != reversed_:
            c.fail(f"{name}: {kinds['REFUND_REVERSAL']} REFUND_REVERSAL journal transactions, {reversed_} reversed")
        if d.clearing_by_reservation.get(s["reservation_id"], 0) != sum(net):
            c.fail(f"{name}: clearing got {d.clearing_by_reservation.get(s['reservation_id'], 0)}, net paid {net}")
    return c


STATUS = {v: k.removeprefix("SETTLEMENT_STATUS_") for k, v in pb.SettlementStatus.items()}


def _exactly_once(d: Data, book: Book) -> Check:
    c = Check("exactly once")
    by_pos = {s["pos_txn_id"]: s for s in d.settlements}
    by_capture = {s["capture_pos_txn_id"]: s for s in d.settlements if s["capture_pos_txn_id"]}
    refunds = {r["refund_pos_txn_id"]: r for rows in d.refunds.values() for r in rows}
    expected: dict[str, Any] = {}  # subject: the last settlement the POS was shown
    refused_first: set[str] = set()
    refund_told: dict[str, tuple[str, Any]] = {}
    asked: set[str] = set()
    for req in book.requests:
        if not req.subject:
            continue
        asked.add(req.subject)
        if req.kind in ("settle", "authorize") or (req.kind == "reverse" and req.key == req.subject):
            if req.outcome == REFUSED and req.subject not in expected:
                refused_first.add(req.subject)
        if req.outcome == OK and req.reply is not None and req.reply.HasField("settlement"):
            expected[req.subject] = req.reply.settlement
            refused_first.discard(req.subject)
        if req.kind == "refund" and req.outcome == OK:
            refund_told[req.key] = ("COMPLETED", req.reply.refund)
        if req.kind == "reverse" and req.outcome == OK and req.key in refund_told:
            refund_told[req.key] = ("REVERSED", refund_told[req.key][1])
        if req.kind == "capture" and req.outcome == OK:
            if req.key not in by_capture:
                c.fail(f"capture {req.key} acknowledged, no settlement carries it")
    for subject, told in expected.items():
        c.checked += 1
        s = by_pos.get(subject)
        if s is None:
            c.fail(f"{subject}: acknowledged, not there")
            continue
        want = STATUS[told.status]
        if s["status"] != want and not (want == "AUTHORIZED" and s["status"] == "EXPIRED"):
            c.fail(f"{subject}: the POS was told {want}, it is {s['status']}")
        elif s["status"] == want and want in ("COMPLETED", "AUTHORIZED", "REVERSED"):
            got = (s["acct_pay_fen"], s["acct_mulaid_pay_fen"], s["psn_cash_pay_fen"])
            split = (told.split.acct_pay_fen, told.split.acct_mulaid_pay_fen, told.split.psn_cash_pay_fen)
            if got != split:
                c.fail(f"{subject}: the POS was told {split} (own, pool, cash), it is {got}")
    for subject in refused_first:
        c.checked += 1
        s = by_pos.get(subject)
        if s is not None and s["status"] not in NOTHING_PAID:
            c.fail(f"{subject}: refused to the POS, it is {s['status']}")
    for key, (want, told) in refund_told.items():
        c.checked += 1
        r = refunds.get(key)
        if r is None:
            c.fail(f"refund {key}: acknowledged, not there")
            continue
        stored = (r["status"], r["amount_fen"], r["acct_refund_fen"], r["acct_mulaid_refund_fen"], r["cash_fen"])
        shown = (want, told.amount_fen, told.acct_refund_fen, told.acct_mulaid_refund_fen, told.psn_cash_refund_fen)
        if stored != shown:
            c.fail(f"refund {key}: the POS was told {shown}, it is {stored}")
    refund_keys = {r.key for r in book.requests if r.kind == "refund"}
    for s in d.settlements:
        if s["pos_txn_id"] not in asked:
            c.fail(f"{s['pos_txn_id']}: a settlement nobody asked for")
    for key, r in refunds.items():
        if not r["is_reversal"] and key not in refund_keys:
            c.fail(f"refund {key}: nobody asked for it")
    told_refused = {r.key for r in book.requests if r.kind == "refund" and r.outcome == REFUSED}
    for key in told_refused:
        r = refunds.get(key)
        if r is not None and r["status"] != "DECLINED":
            c.fail(f"refund {key}: refused to the POS, it is {r['status']}")
    return c
