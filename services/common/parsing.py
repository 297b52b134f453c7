"""Reading untrusted request fields: every violation of a request is collected, then raised together.

A parser reads each field through one `Fields`, builds its frozen command, and hands it to `done()`, which returns
it or raises InvalidArgument listing every bad field. A field that fails its check reads as a placeholder of the
right type; `done()` guarantees no command built from one ever leaves the parser.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

if TYPE_CHECKING:  # the parsers of both services, and the domain they build commands for, import no protobuf
    from google.protobuf.timestamp_pb2 import Timestamp

from services.common.errors import MAX_FEN, FieldViolation, InvalidArgument

T = TypeVar("T")

PSN_NO = re.compile(r"[A-Za-z0-9_-]{1,40}")
# Public ids: ASCII digits only (str.isdigit() also takes '²' and full-width digits, which int() refuses or reads),
# at most 18 of them, so that every id fits a bigint.
PUBLIC_ID = re.compile(r"[0-9]{1,18}")
# What a google.protobuf.Timestamp may hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
MIN_TIMESTAMP_S = -62_135_596_800
MAX_TIMESTAMP_S = 253_402_300_799
MAX_NANOS = 999_999_999
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class Fields:
    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, ok: bool, field: str, description: str) -> bool:
        if not ok:
            self.violations.append(FieldViolation(field, description))
        return ok

    def done(self, command: T) -> T:
        if self.violations:
            raise InvalidArgument(self.violations)
        return command

    def request_id(self, value: str, field: str = "request_id") -> str:
        self.check(0 < len(value) <= 128 and value.isprintable(), field, "required, 1 to 128 characters")
        return value

    def psn_no(self, value: str, field: str = "psn_no") -> str:
        return self.matches(value, PSN_NO, field, "required: 1-40 letters, digits, '-' or '_'")

    def matches(self, value: str, pattern: re.Pattern[str], field: str, description: str) -> str:
        self.check(pattern.fullmatch(value) is not None, field, description)
        return value

    def text(self, value: str, field: str, max_chars: int, required: bool = False) -> str:
        """Free text: printable characters only (no NUL, line breaks or other control characters)."""
        if required:
            ok = 0 < len(value.strip()) <= max_chars and value.isprintable()
            self.check(ok, field, f"required, at most {max_chars} printable characters")
        else:
            self.check(
                len(value) <= max_chars and value.isprintable(), field, f"at most {max_chars} printable characters"
            )
        return value

    def fen(self, value: int, field: str = "amount_fen", *, zero_ok: bool = False) -> int:
        if zero_ok:
            self.check(0 <= value <= MAX_FEN, field, f"must be an amount in fen, 0 to {MAX_FEN}")
        else:
            self.check(0 < value <= MAX_FEN, field, f"must be a positive amount in fen, at most {MAX_FEN}")
        return value

    def in_range(self, value: int, low: int, high: int, field: str, description: str = "") -> int:
        self.check(low <= value <= high, field, description or f"{low}..{high}")
        return value

    def id(self, value: str, field: str) -> int:
        """Public ids are decimal strings of positive integers."""
        ok = self.check(PUBLIC_ID.fullmatch(value) is not None and int(value) > 0, field, "required: a decimal id")
        return int(value) if ok else 0

    def timestamp(self, value: Timestamp, field: str) -> dt.datetime | None:
        """A Timestamp as an aware UTC datetime; None (and a violation) for one outside years 1..9999 or with nanos
        outside 0..999,999,999, which protobuf's own conversion would refuse with an exception."""
        ok = self.check(
            MIN_TIMESTAMP_S <= value.seconds <= MAX_TIMESTAMP_S and 0 <= value.nanos <= MAX_NANOS,
            field,
            "a time between the years 1 and 9999, nanos 0 to 999999999",
        )
        return value.ToDatetime(dt.UTC) if ok else None

    def page_size(self, value: int) -> int:
        self.in_range(value, 0, MAX_PAGE_SIZE, "page_size")
        return value or DEFAULT_PAGE_SIZE

    def required(self, value: T | None, field: str, description: str = "required") -> T:
        """A value a converter could not make sense of (None) is a violation; the placeholder never escapes."""
        self.check(value is not None, field, description)
        return cast(T, value)

    def each(self, values: list[T | None], field: str, description: str) -> list[T]:
        self.check(bool(values) and None not in values and len(set(values)) == len(values), field, description)
        return [v for v in values if v is not None]

    def which(self, chosen: str | None, field: str) -> str:
        """The name of the member set in a required oneof."""
        self.check(chosen is not None, field, "required: set one of its fields")
        return chosen or ""


def parse_with(build: Callable[[Fields], T]) -> T:
    """Runs one parser: `build` reads fields and returns the command; bad fields make InvalidArgument."""
    fields = Fields()
    return fields.done(build(fields))
