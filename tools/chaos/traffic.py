"""The chaos soak's traffic and its book: POS terminals (settle, authorize → capture / void, refunds — partial, with
cash, the whole bill — reversals of every kind of request, a pre-settlement now and then) over many payers of many
families, and the counter and registry (contributions, transfers into pools, life events, dissolutions and new
pools) — each request retried with the same id whenever the answer is missing or says "try again", and written in
the book with how it ended. The book is what the audit holds the services to."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

from gongji.common.v1 import common_pb2
from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.rpc import retry_delay
from tools import kit
from tools.kit import Accounts, Insured
from tools.kit import accounts_v1 as apb

# What a careful POS (or counter) sends again with the same id: no answer, or an answer that says try again
# (RESOURCE_EXHAUSTED: after the delay of its RetryInfo).
RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNKNOWN,
}
CALL_TIMEOUT_S = 4.0
CREATOR_CREDIT_FEN = 600_000
MEMBER_CREDIT_FEN = 30_000
POOL_TRANSFER_FEN = 60_000  # rule 6: at least 500 yuan
BILL_FEN = 10_000_000

OK, REFUSED, UNANSWERED = "ok", "refused", "unanswered"


@dataclass
class Request:
    """One request as its sender made it: the same message every attempt."""

    kind: str
    key: str  # pos_txn_id, capture_pos_txn_id, refund_pos_txn_id or request_id
    send: Callable[[float], Awaitable[Any]]  # one attempt, with this timeout
    subject: str = ""  # the settlement's pos_txn_id it acts on (POS requests)
    outcome: str = UNANSWERED
    reason: str = ""
    reply: Any = None
    attempts: int = 0
    late: bool = False  # answered only in the drain, after the load
    amount_fen: int = 0  # a credit's amount


@dataclass
class Book:
    requests: list[Request] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)  # "CODE REASON" of each failure that was retried

    def outcomes(self) -> Counter[str]:
        return Counter(r.outcome for r in self.requests)

    def refusals(self) -> Counter[str]:
        return Counter(r.reason for r in self.requests if r.outcome == REFUSED)

    def credits_fen(self) -> int:
        return sum(r.amount_fen for r in self.requests if r.kind == "credit" and r.outcome == OK)

    def unanswered(self) -> list[Request]:
        return [r for r in self.requests if r.outcome == UNANSWERED]


async def attempt_until(book: Book, req: Request, until: float) -> None:
    """Sends `req` (again) until it is answered or `until` (monotonic) passes."""
    while time.monotonic() < until:
        req.attempts += 1
        try:
            req.reply = await req.send(CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as err:
            if err.code() in RETRYABLE:
                book.retried[f"{err.code().name} {kit.reason_of(err)}".strip()] += 1
                await asyncio.sleep(retry_delay(err) or 0.3)
                continue
            req.outcome, req.reason = REFUSED, kit.reason_of(err) or err.code().name
            return
        req.outcome = OK
        return


def _pos_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


@dataclass
class Person:
    insured: Insured
    employee: bool


@dataclass
class Household:
    creator: Person
    members: list[Person]
    pool_id: str | None = None
    blocked: bool = False  # a request about it went unanswered: the counter leaves it alone until the drain

    @property
    def people(self) -> list[Person]:
        return [self.creator, *self.members]


async def _retry_setup(call: Callable[[], Awaitable[Any]]) -> Any:
    """Setup happens before any fault; still, a call is tried again (same request) if the machine is slow."""
    for _ in range(20):
        try:
            return await call()
        except grpc.aio.AioRpcError as err:
            if err.code() not in RETRYABLE:
                raise
            await asyncio.sleep(0.5)
    raise RuntimeError("setup: accounts did not answer")


async def households(admin: Accounts, book: Book, rng: random.Random, count: int) -> list[Household]:
    """`count` families, each a creator (employee-insured, well funded) with a pool, an employee spouse and a
    resident adult child bound to it; their credits are in the book."""
    out: list[Household] = []
    for n in range(count):
        creator = Person(
            await _person(admin, book, kit.EMPLOYEE, dt.date(1960 + n % 20, 3, 1), CREATOR_CREDIT_FEN), True
        )
        spouse = Person(await _person(admin, book, kit.EMPLOYEE, dt.date(1962 + n % 20, 5, 1), MEMBER_CREDIT_FEN), True)
        child = Person(await _person(admin, book, kit.RESIDENT, dt.date(1990 + n % 10, 7, 1), 0), False)
        h = Household(creator, [spouse, child])
        out.append(h)
        await _new_pool(admin, book, h, rng, until=time.monotonic() + 60)
        if h.pool_id is None:
            raise RuntimeError("setup: a pool could not be made")
    return out


async def _person(admin: Accounts, book: Book, insurance: int, born: dt.date, credit_fen: int) -> Insured:
    who = Insured(kit.psn_no("X"), "张三", kit.id_number(born=born))
    request = apb.RegisterPersonRequest(
        request_id=kit.rid(),
        psn_no=who.psn_no,
        name=who.name,
        id_number=who.id_number,
        insurance_type=insurance,
        region_code="630100",
    )
    await _retry_setup(lambda: admin.RegisterPerson(request, timeout=CALL_TIMEOUT_S))
    if credit_fen:
        await _credit(admin, book, who, credit_fen, until=time.monotonic() + 60)
    return who


async def _counter(
    admin: Accounts, book: Book, kind: str, key: str, method: str, request: Any, until: float
) -> Request:
    req = Request(kind, key, lambda timeout: getattr(admin, method)(request, timeout=timeout))
    book.requests.append(req)
    await attempt_until(book, req, until)
    return req


async def _credit(admin: Accounts, book: Book, who: Insured, amount_fen: int, until: float) -> Request:
    rid = kit.rid()
    request = apb.CreditPersonalAccountRequest(request_id=rid, psn_no=who.psn_no, amount_fen=amount_fen, memo="chaos")
    req = Request(
        "credit", rid, lambda timeout: admin.CreditPersonalAccount(request, timeout=timeout), amount_fen=amount_fen
    )
    book.requests.append(req)
    await attempt_until(book, req, until)
    return req


async def _new_pool(admin: Accounts, book: Book, h: Household, rng: random.Random, until: float) -> None:
    """A pool for the creator, money in it, and the members bound (invited, accepting) — each step a request."""
    rid = kit.rid()
    made = await _counter(
        admin,
        book,
        "create-pool",
        rid,
        "CreatePool",
        apb.CreatePoolRequest(request_id=rid, creator_psn_no=h.creator.insured.psn_no, agreement_version="2024-12"),
        until,
    )
    if made.outcome == UNANSWERED:
        h.blocked = True
        return
    if made.outcome != OK:
        return
    h.pool_id = str(made.reply.pool.pool_id)
    await _transfer(admin, book, h, POOL_TRANSFER_FEN + rng.randrange(0, 40_000), until)
    relations = [common_pb2.RELATION_SPOUSE, common_pb2.RELATION_CHILD]
    for member, relation in zip(h.members, relations, strict=True):
        rid = kit.rid()
        invite = apb.InviteMemberRequest(
            request_id=rid,
            pool_id=h.pool_id,
            member_name=member.insured.name,
            member_id_number=member.insured.id_number,
            relation=relation,
        )
        invited = await _counter(admin, book, "invite", rid, "InviteMember", invite, until)
        if invited.outcome != OK:
            h.blocked = h.blocked or invited.outcome == UNANSWERED
            continue
        accept = kit.accept_request(invited.reply.invitation.invitation_id, member.insured)
        accepted = await _counter(admin, book, "accept", accept.request_id, "AcceptInvitation", accept, until)
        h.blocked = h.blocked or accepted.outcome == UNANSWERED


async def _transfer(admin: Accounts, book: Book, h: Household, amount_fen: int, until: float) -> Request:
    rid = kit.rid()
    request = apb.TransferToPoolRequest(request_id=rid, pool_id=h.pool_id, amount_fen=amount_fen)
    req = await _counter(admin, book, "transfer", rid, "TransferToPool", request, until)
    h.blocked = h.blocked or req.outcome == UNANSWERED
    return req


async def _life_event(admin: Accounts, book: Book, who: Insured, until: float, **event: Any) -> Request:
    rid = kit.rid()
    request = apb.RecordLifeEventRequest(request_id=rid, psn_no=who.psn_no, **event)
    return await _counter(admin, book, "life-event", rid, "RecordLifeEvent", request, until)


EMPTY: dict[str, Any] = {}


async def counter(admin: Accounts, book: Book, homes: list[Household], rng: random.Random, until: float) -> None:
    """The registry feed and the service counter, one request at a time: contributions, transfers, a member
    suspended and resumed, a creator's benefit that dissolves the pool (rule 10) and its revocation, a creator
    dissolving the pool, and a new pool with the family bound again."""
    suspended: set[str] = set()
    while time.monotonic() < until:
        ready = [h for h in homes if not h.blocked]
        if not ready:
            return
        h = rng.choice(ready)
        action = rng.choices(
            ["credit", "transfer", "suspend", "benefit", "dissolve", "renew"], weights=[5, 4, 2, 1, 1, 3]
        )[0]
        if action == "credit":
            who = rng.choice([p for p in h.people if p.employee])
            if (await _credit(admin, book, who.insured, rng.randrange(20_000, 200_000), until)).outcome == UNANSWERED:
                h.blocked = True
        elif action == "transfer" and h.pool_id is not None:
            await _transfer(admin, book, h, POOL_TRANSFER_FEN + rng.randrange(0, 30_000), until)
        elif action == "suspend":
            # one suspended at a time in a family, resumed the next time: a member is out for a while, not for good
            away = [p.insured for p in h.members if p.insured.psn_no in suspended]
            member = away[0] if away else rng.choice(h.members).insured
            event = "insurance_resumed" if away else "insurance_suspended"
            req = await _life_event(admin, book, member, until, **{event: EMPTY})
            if req.outcome == OK:
                suspended.symmetric_difference_update({member.psn_no})
            h.blocked = h.blocked or req.outcome == UNANSWERED
        elif action == "benefit" and h.pool_id is not None:
            # a chronic-disease benefit bars creating (rule 1): the pool is dissolved, its money back to the creator
            granted = {"chronic_disease_benefit_granted": EMPTY}
            req = await _life_event(admin, book, h.creator.insured, until, **granted)
            if req.outcome == OK:
                h.pool_id = None
                revoked = {"chronic_disease_benefit_revoked": EMPTY}
                req = await _life_event(admin, book, h.creator.insured, until, **revoked)
            h.blocked = h.blocked or req.outcome == UNANSWERED
        elif action == "dissolve" and h.pool_id is not None:
            rid = kit.rid()
            request = apb.DissolvePoolRequest(request_id=rid, pool_id=h.pool_id)
            req = await _counter(admin, book, "dissolve", rid, "DissolvePool", request, until)
            if req.outcome == OK:
                h.pool_id = None
            h.blocked = h.blocked or req.outcome == UNANSWERED
        elif action == "renew" and h.pool_id is None:
            await _new_pool(admin, book, h, rng, until)
        await asyncio.sleep(rng.uniform(0.05, 0.3))


@dataclass
class Open:
    """A settlement a terminal may still act on."""

    pos_txn_id: str
    kind: str  # "sale" or "authorization"
    amount_fen: int
    accounts_fen: int = 0  # paid through the accounts (after capture, for an authorization)
    cash_fen: int = 0
    refunded_fen: int = 0
    refunds: dict[str, int] = field(default_factory=dict)  # refund_pos_txn_id: through the accounts
    captured: str = ""  # capture_pos_txn_id


class Terminal:
    """One POS terminal of the development institution: one request at a time, each retried with the same id until
    answered (or the load ends: then it is left to the drain, and the settlement to nobody else)."""

    def __init__(self, channel: grpc.aio.Channel, book: Book, payers: list[Person], rng: random.Random) -> None:
        self.stub = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
        self.book = book
        self.payers = payers
        self.rng = rng
        self.authorized: list[Open] = []
        self.paid: list[Open] = []

    async def _pos(self, kind: str, key: str, method: str, request: Any, subject: str, until: float) -> Request:
        call = getattr(self.stub, method)
        req = Request(kind, key, lambda timeout: call(request, timeout=timeout), subject=subject)
        self.book.requests.append(req)
        await attempt_until(self.book, req, until)
        return req

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            action = self.rng.choices(
                ["settle", "authorize", "capture", "void", "refund", "reverse", "tombstone", "presettle"],
                weights=[10, 4, 4, 1, 4, 2, 0.3, 0.7],
            )[0]
            await getattr(self, action)(until)
            await asyncio.sleep(self.rng.uniform(0.0, 0.05))

    def _charge(self, payer: Person, amount_fen: int) -> dict[str, Any]:
        flag = self.rng.choices(
            [pb.ACCT_USED_FLAG_UNSPECIFIED, pb.ACCT_USED_FLAG_OWN_ONLY, pb.ACCT_USED_FLAG_NONE], weights=[8, 1, 1]
        )[0]
        visit = kit.visit(
            f"MDTRT-{uuid.uuid4().hex[:12]}",
            insutype="310" if payer.employee else "390",
            med_type=self.rng.choice(["11", "41", "14"]),
            medfee_sumamt_fen=BILL_FEN,
            fund_pay_sumamt_fen=self.rng.choice([0, amount_fen]),
        )
        return {
            "payer_psn_no": payer.insured.psn_no,
            "amount_fen": amount_fen,
            "acct_used_flag": flag,
            **payer.insured.cert(),
            **visit,
        }

    def _amount(self) -> int:
        return self.rng.choice([self.rng.randrange(100, 5_000), self.rng.randrange(5_000, 80_000)])

    async def presettle(self, until: float) -> None:
        payer = self.rng.choice(self.payers)
        request = pb.PreSettleRequest(**self._charge(payer, self._amount()))
        await self._pos("presettle", "", "PreSettle", request, "", until)

    async def settle(self, until: float) -> None:
        payer, amount = self.rng.choice(self.payers), self._amount()
        pos_txn_id = _pos_id("S")
        request = pb.SettleRequest(pos_txn_id=pos_txn_id, description="chaos", **self._charge(payer, amount))
        req = await self._pos("settle", pos_txn_id, "Settle", request, pos_txn_id, until)
        if req.outcome == OK:
            split = req.reply.settlement.split
            self.paid.append(
                Open(pos_txn_id, "sale", amount, split.acct_pay_fen + split.acct_mulaid_pay_fen, split.psn_cash_pay_fen)
            )

    async def authorize(self, until: float) -> None:
        payer, amount = self.rng.choice(self.payers), self._amount()
        pos_txn_id = _pos_id("A")
        ttl = self.rng.choice([self.rng.randrange(2, 8), 600])  # some lapse during the run, some outlive it
        request = pb.AuthorizeRequest(
            pos_txn_id=pos_txn_id, hold_ttl_seconds=ttl, description="chaos", **self._charge(payer, amount)
        )
        req = await self._pos("authorize", pos_txn_id, "Authorize", request, pos_txn_id, until)
        if req.outcome == OK:
            self.authorized.append(Open(pos_txn_id, "authorization", amount))

    def _take(self, pile: list[Open]) -> Open | None:
        return pile.pop(self.rng.randrange(len(pile))) if pile else None

    async def capture(self, until: float) -> None:
        auth = self._take(self.authorized)
        if auth is None:
            return
        amount = self.rng.randrange(1, auth.amount_fen + 1)
        capture_id = _pos_id("C")
        request = pb.CaptureRequest(pos_txn_id=auth.pos_txn_id, amount_fen=amount, capture_pos_txn_id=capture_id)
        req = await self._pos("capture", capture_id, "Capture", request, auth.pos_txn_id, until)
        if req.outcome == OK:
            split = req.reply.settlement.split
            auth.accounts_fen = split.acct_pay_fen + split.acct_mulaid_pay_fen
            auth.cash_fen = split.psn_cash_pay_fen
            auth.captured = capture_id
            self.paid.append(auth)

    async def void(self, until: float) -> None:
        auth = self._take(self.authorized)
        if auth is not None:
            request = pb.VoidRequest(pos_txn_id=auth.pos_txn_id)
            await self._pos("void", auth.pos_txn_id, "Void", request, auth.pos_txn_id, until)

    async def refund(self, until: float) -> None:
        paid = self._take(self.paid)
        if paid is None:
            return
        left = paid.accounts_fen - paid.refunded_fen
        if left <= 0 and paid.cash_fen <= 0:
            return  # nothing left to refund: it is done with
        refund_id = _pos_id("R")
        if self.rng.random() < 0.2:
            request = pb.RefundRequest(refund_pos_txn_id=refund_id, pos_txn_id=paid.pos_txn_id, whole_bill=True)
        else:
            amount = self.rng.randrange(0, left + 1) if left > 0 else 0
            cash = self.rng.randrange(0, paid.cash_fen + 1) if paid.cash_fen and self.rng.random() < 0.3 else 0
            if amount + cash == 0:
                amount, cash = (1, 0) if left > 0 else (0, 1)
            request = pb.RefundRequest(
                refund_pos_txn_id=refund_id, pos_txn_id=paid.pos_txn_id, amount_fen=amount, psn_cash_refund_fen=cash
            )
        req = await self._pos("refund", refund_id, "Refund", request, paid.pos_txn_id, until)
        if req.outcome == UNANSWERED:
            return  # left to the drain: nobody acts on this settlement again
        if req.outcome == OK:
            paid.refunded_fen += req.reply.refund.amount_fen
            paid.cash_fen -= req.reply.refund.psn_cash_refund_fen
            paid.refunds[refund_id] = req.reply.refund.amount_fen
        self.paid.append(paid)

    async def reverse(self, until: float) -> None:
        """冲正 by the POS id of a settlement (sale or authorization), of its capture, or of one of its refunds."""
        pile = self.paid if self.paid and (not self.authorized or self.rng.random() < 0.7) else self.authorized
        target = self._take(pile)
        if target is None:
            return
        ids = [target.pos_txn_id, *([target.captured] if target.captured else []), *target.refunds]
        which = self.rng.choice(ids)
        request = pb.ReverseRequest(pos_txn_id=which)
        req = await self._pos("reverse", which, "Reverse", request, target.pos_txn_id, until)
        if req.outcome == REFUSED or (req.outcome == OK and which in target.refunds):
            if which in target.refunds and req.outcome == OK:
                target.refunded_fen -= target.refunds.pop(which)  # taken back: refundable again
            pile.append(target)

    async def tombstone(self, until: float) -> None:
        """A reversal of a request the service never saw (its answer lost before it was sent): the id is barred."""
        pos_txn_id = _pos_id("T")
        request = pb.ReverseRequest(pos_txn_id=pos_txn_id)
        await self._pos("reverse", pos_txn_id, "Reverse", request, pos_txn_id, until)


async def drain(book: Book, until: float, in_flight: int = 8) -> None:
    """Every request left unanswered is sent again, with its id, until answered (or `until` passes)."""
    waiting = book.unanswered()
    gate = asyncio.Semaphore(in_flight)

    async def one(req: Request) -> None:
        async with gate:
            await attempt_until(book, req, until)
            req.late = req.outcome != UNANSWERED

    await asyncio.gather(*(one(r) for r in waiting))
