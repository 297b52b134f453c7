"""Hostile requests for any RPC, derived from its request type's protobuf descriptor (Hypothesis strategies), and
what a refused request must leave as it was.

Every field gets the worst a client can send: strings with NUL, line breaks, bidi controls, digits that are not
ASCII, very long ones and page tokens that decode to extreme dates; integers at their type's extremes; enums with
numbers the contract does not define; repeated fields; nested messages; Timestamps outside years 1..9999 or with
nanos out of range; and at most one member of each oneof (or none). `hints` gives plausible values by field name (a
person who exists, a fresh request id, an amount that can be paid): a fifth of the requests are hostile throughout,
a fifth plausible, the rest plausible but for one hostile field (most often a plausible string spoiled: NUL, a line
break, a digit int() refuses, an id too big for a bigint, too long), so that hostile values also reach the use cases
and the database behind a parser that lets the rest through.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from services.common.parsing import MAX_TIMESTAMP_S, MIN_TIMESTAMP_S
from tools.kit import bad_fields, reason_of

Strategy = st.SearchStrategy[Any]
Hints = Mapping[str, Strategy]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
UINT32 = (0, 2**32 - 1)
UINT64 = (0, 2**64 - 1)


def _token(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode()


SID = "0123456789abcdef0123456789abcdef"
# Page tokens this service never made (settlement's are base64 of "<created_at in UTC, ISO 8601>|<settlement id>",
# accounts' a decimal id): an offset that takes year 1 out of range in UTC, no offset (the time of whichever machine),
# an id that is no settlement id, NUL, base64 of nothing sensible, ids too big for a bigint or not positive.
BAD_TOKENS = (
    _token(f"0001-01-01T00:00:00-23:59|{SID}"),
    _token(f"9999-12-31T23:59:59+14:00|{SID}"),
    _token(f"2026-01-01T00:00:00|{SID}"),
    _token("2026-01-01T00:00:00+00:00|\x00"),
    _token("2026-01-01T00:00:00+00:00|x'; --"),
    _token("not a time|" + SID),
    _token("|"),
    _token(b"\xff\xfe\x00"),
    _token(f"2026-01-01T00:00:00+00:00|{SID}") + "\x00",
    "====",
    "9" * 19,
    "0",
    "-1",
)
# Well-formed tokens at the very ends of time: a page after them (or after everything) is simply empty.
EXTREME_TOKENS = (_token(f"0001-01-01T00:00:00+00:00|{SID}"), _token(f"9999-12-31T23:59:59.999999+00:00|{SID}"))
HOSTILE_TOKENS = BAD_TOKENS + EXTREME_TOKENS + ("9" * 18,)


def extreme_tokens() -> st.SearchStrategy[str]:
    """Settlement page tokens at either end of time, with or without an offset (of either sign), holding a
    settlement id or not."""
    times = st.sampled_from(("0001-01-01T00:00:00", "9999-12-31T23:59:59.999999"))
    offsets = st.sampled_from(("+00:00", "-23:59", "+23:59", ""))
    ids = st.sampled_from((SID, "\x00", "x'; --"))
    return st.builds(lambda t, o, i: _token(f"{t}{o}|{i}"), times, offsets, ids)


HOSTILE_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\n",
    "x\r\ny",
    "\t",
    "\u2028",
    "\u202e\u0635",
    "\ufeff",
    "😀",
    "张三",
    "１２３",
    "²",
    "٣",
    "𝟗",
    "1" * 40,
    " 1",
    "1 ",
    "+1",
    "1e3",
    "0x10",
    "%s%n%x",
    "'; DROP TABLE accounts.persons; --",
    "\\",
    "x" * 65,
    "y" * 201,
    "z" * 70_000,
    *HOSTILE_TOKENS,
)
# No lone surrogates: a string on the wire is UTF-8, which cannot carry them (protobuf refuses to serialise them).
_CHARS = st.characters(exclude_categories=("Cs",))
STRINGS: Strategy = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(_CHARS, max_size=40),
    st.text(st.sampled_from("0123456789abcdefXx-_.:|= \x00"), max_size=40),
)


def _ints(low: int, high: int) -> Strategy:
    edges = sorted({v for v in (0, 1, -1, low, high, low + 1, high - 1) if low <= v <= high})
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


NOW_S = int(time.time())
TIMESTAMPS: Strategy = st.builds(
    Timestamp,
    seconds=st.one_of(
        st.sampled_from((MIN_TIMESTAMP_S - 1, MIN_TIMESTAMP_S, 0, NOW_S, MAX_TIMESTAMP_S, MAX_TIMESTAMP_S + 1, *INT64)),
        st.integers(*INT64),
        st.integers(MIN_TIMESTAMP_S, MAX_TIMESTAMP_S),
    ),
    nanos=st.one_of(st.sampled_from((0, 999_999_999, 1_000_000_000, -1, *INT32)), st.integers(*INT32)),
)


def around_now(days_before: int, days_after: int) -> Strategy:
    """Valid Timestamps near now (a period a request can really ask for)."""
    return st.integers(-days_before * 86_400, days_after * 86_400).map(lambda d: Timestamp(seconds=NOW_S + d))


def _scalar(field: FieldDescriptor) -> Strategy:
    cpp = FieldDescriptor
    if field.cpp_type == cpp.CPPTYPE_STRING:
        return STRINGS if field.type == cpp.TYPE_STRING else st.binary(max_size=64)
    if field.cpp_type == cpp.CPPTYPE_BOOL:
        return st.booleans()
    if field.cpp_type == cpp.CPPTYPE_ENUM:
        defined = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(defined), _ints(*INT32))
    if field.cpp_type in (cpp.CPPTYPE_DOUBLE, cpp.CPPTYPE_FLOAT):
        return st.floats(width=32 if field.cpp_type == cpp.CPPTYPE_FLOAT else 64)
    ranges = {
        cpp.CPPTYPE_INT32: INT32,
        cpp.CPPTYPE_INT64: INT64,
        cpp.CPPTYPE_UINT32: UINT32,
        cpp.CPPTYPE_UINT64: UINT64,
    }
    return _ints(*ranges[field.cpp_type])


# What a plausible value is spoiled with: what has crashed a check written for good values — NUL (no PostgreSQL
# text can hold it) most often, a line break, a digit int() refuses, an id too big for a bigint, too many characters.
JUNK = ("\x00", "\x00", "\n", "²", "9" * 19, "x" * 201)


def weighted(*options: tuple[int, Strategy]) -> Strategy:
    """One of the strategies, each drawn `weight` times as often as a strategy of weight 1."""
    return st.one_of(*(strategy for weight, strategy in options for _ in range(weight)))


def _spoil(value: str, junk: str, where: int) -> str:
    """`value` with `junk` before it, after it, inside it, or instead of it."""
    middle = len(value) // 2
    return (junk + value, value + junk, value[:middle] + junk + value[middle:], junk)[where]


def _values(field: FieldDescriptor, hints: Hints) -> Strategy:
    """Any value of `field`, whatever its hint (a list, for a repeated field)."""
    one = messages(field.message_type, hints) if field.message_type is not None else _scalar(field)
    return st.lists(one, max_size=5) if field.is_repeated else one


def _spoiled(field: FieldDescriptor, hint: Strategy) -> Strategy | None:
    """Its plausible value, nearly: the kind of bad value that slips through a check written for good ones (for a
    single string field; None for any other)."""
    if field.is_repeated or field.type != FieldDescriptor.TYPE_STRING:
        return None
    return st.builds(_spoil, hint, st.sampled_from(JUNK), st.integers(0, 3))


def _anything(field: FieldDescriptor, hints: Hints) -> Strategy:
    """Any value of `field`, its hint and its hint spoiled among them."""
    hint = hints.get(field.name)
    if hint is None:
        return _values(field, hints)
    spoiled = _spoiled(field, hint)
    return st.one_of(hint, _values(field, hints), *([spoiled] if spoiled is not None else []))


def _bad(field: FieldDescriptor, hints: Hints) -> Strategy:
    """The one bad field of a plausible request: most often its hint spoiled, else anything."""
    hint = hints.get(field.name)
    spoiled = _spoiled(field, hint) if hint is not None else None
    return _values(field, hints) if spoiled is None else weighted((2, spoiled), (1, _values(field, hints)))


def _plausible(field: FieldDescriptor, hints: Hints) -> Strategy:
    """What a well-behaved client would send: the field's hint; a plausible message; else anything or nothing."""
    hint = hints.get(field.name)
    if hint is not None:
        return hint
    if field.message_type is not None and field.message_type.full_name != Timestamp.DESCRIPTOR.full_name:
        one = _build(field.message_type, hints, PLAUSIBLE)
        return st.lists(one, max_size=3) if field.is_repeated else one
    return st.one_of(st.none(), _anything(field, hints))


def _assign(message: Message, field: FieldDescriptor, value: Any) -> None:
    if value is None:
        return
    if field.is_repeated:
        getattr(message, field.name).extend(value)
    elif field.message_type is not None:
        sub = getattr(message, field.name)
        sub.SetInParent()  # an empty message still chooses its oneof member
        sub.MergeFrom(value)
    else:
        setattr(message, field.name, value)


HOSTILE, PLAUSIBLE, ONE_BAD_FIELD = "hostile", "plausible", "one bad field"


def _build(descriptor: Descriptor, hints: Hints, modes: tuple[str, ...]) -> Strategy:
    if descriptor.full_name == Timestamp.DESCRIPTOR.full_name:
        return TIMESTAMPS
    cls = message_factory.GetMessageClass(descriptor)
    fields = list(descriptor.fields)
    anything = {f.name: st.one_of(st.none(), _anything(f, hints)) for f in fields}
    plausible = {f.name: _plausible(f, hints) for f in fields}
    bad_values = {f.name: _bad(f, hints) for f in fields}
    # The bad field of a plausible request: a string field twice as often as another (strings are where NUL hides).
    bad_names = [f.name for f in fields for _ in range(2 if f.type == FieldDescriptor.TYPE_STRING else 1)]

    @st.composite
    def build(draw: Callable[[Strategy], Any]) -> Message:
        mode = draw(st.sampled_from(modes))
        bad = draw(st.sampled_from(bad_names)) if mode == ONE_BAD_FIELD and bad_names else None

        def value(field: FieldDescriptor) -> Any:
            if field.name == bad:
                return draw(bad_values[field.name])
            return draw(anything[field.name] if mode == HOSTILE else plausible[field.name])

        message = cls()
        for field in fields:
            if field.containing_oneof is None:
                _assign(message, field, value(field))
        for oneof in descriptor.oneofs:
            members = list(oneof.fields)
            chosen = draw(st.sampled_from([None, *members] if mode == HOSTILE else members))
            if chosen is not None:
                _assign(message, chosen, value(chosen))
        return message

    return build()


def messages(descriptor: Descriptor, hints: Hints | None = None) -> Strategy:
    """Messages of this type: a fifth hostile (each field unset or anything, each oneof unset or one member), a fifth
    plausible (every hinted field its hint, nested messages plausible), the rest plausible but for one field."""
    return _build(descriptor, hints or {}, (HOSTILE, PLAUSIBLE, ONE_BAD_FIELD, ONE_BAD_FIELD, ONE_BAD_FIELD))


def rpcs(*services: ServiceDescriptor) -> list[tuple[str, str, Descriptor]]:
    """(service name, method name, request type) of every RPC of these services."""
    return [(s.name, m.name, m.input_type) for s in services for m in s.methods]


def fuzz_settings(examples: int) -> settings:
    """A bounded, reproducible run: a fixed number of examples, derandomized, no deadline (real servers), and no
    database of past failures (each run is the same run)."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


# ---------------------------------------------------------------- what a refused request must leave as it was

# What no error may change, whatever the reason: people, pools, bindings, holds and money.
STATE = {
    "persons": "SELECT count(*) FROM accounts.persons",
    "pools": "SELECT count(*) FROM accounts.pools",
    "memberships": "SELECT count(*) FROM accounts.memberships",
    "reservations": "SELECT count(*) FROM accounts.reservations",
    "journal_txns": "SELECT count(*) FROM accounts.journal_txns",
    "postings": "SELECT count(*) FROM accounts.postings",
    "balances": "SELECT coalesce(sum(balance_fen), 0) FROM accounts.ledger_accounts",
}
# Outcomes the services store: a decline is stored so that it stays declined (an accounts idempotency key, a
# DECLINED settlement or refund), but a request refused before it ran (bad input, no caller) leaves none.
RECORDS = {
    "idempotency_keys": "SELECT count(*) FROM accounts.idempotency_keys",
    "settlements": "SELECT count(*) FROM settlement.settlements",
    "refunds": "SELECT count(*) FROM settlement.refunds",
}
_FINGERPRINT = "SELECT " + ", ".join(f"({sql}) AS {name}" for name, sql in {**STATE, **RECORDS}.items())
REFUSED_BEFORE_RUNNING = {"INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED"}
# A business rule answered with INVALID_ARGUMENT (the amount is below the policy minimum): ErrorInfo, no BadRequest.
RULES_AS_INVALID_ARGUMENT = {"TRANSFER_BELOW_MINIMUM"}


async def fingerprint(conn: asyncpg.Connection) -> dict[str, int]:
    """Cheap: row counts (and the sum of cached balances) of every table a call could write."""
    row = await conn.fetchrow(_FINGERPRINT)
    return {k: int(v) for k, v in row.items()}


async def call_and_check(call: Awaitable[Any], conn: asyncpg.Connection) -> grpc.StatusCode:
    """Runs one call and checks its answer: never INTERNAL or UNKNOWN; an error changed nothing (a request refused
    before it ran left not even a record); INVALID_ARGUMENT carries a BadRequest naming the bad fields."""
    before = await fingerprint(conn)
    try:
        await call
    except grpc.aio.AioRpcError as err:
        code, reason = err.code(), reason_of(err)
        assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), f"{code.name}: {err.details()}"
        after = await fingerprint(conn)
        changed = sorted(k for k in before if before[k] != after[k])
        kept = changed if reason in REFUSED_BEFORE_RUNNING else [k for k in changed if k in STATE]
        assert kept == [], f"{code.name} {reason} changed {kept}: {err.details()}"
        if code is grpc.StatusCode.INVALID_ARGUMENT and reason not in RULES_AS_INVALID_ARGUMENT:
            assert reason == "INVALID_ARGUMENT" and bad_fields(err), f"{reason}: {err.details()}"
        return code  # type: ignore[no-any-return]
    return grpc.StatusCode.OK
