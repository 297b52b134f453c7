"""National ID numbers (GB 11643-1999) and names: validation, masking and keyed hashing.

Only the keyed hash and a masked form are stored, so neither the database nor the logs hold them in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: Python's \d also matches full-width and other Unicode digits, which int() accepts too.
_FORMAT = re.compile(r"^[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$", re.ASCII)


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def is_valid_id_number(value: str) -> bool:
    v = normalize_id_number(value)
    return bool(_FORMAT.match(v)) and _is_date(v[6:14]) and check_digit(v[:17]) == v[17]


def _is_date(yyyymmdd: str) -> bool:
    """The birth date must exist (the format alone lets 30 February or 31 April through)."""
    try:
        dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return True


def normalize_name(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def mask_id_number(value: str) -> str:
    v = normalize_id_number(value)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_name(value: str) -> str:
    v = normalize_name(value)
    return v[:1] + "*" * max(len(v) - 1, 1)


def keyed_hash(key: bytes, value: str) -> bytes:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()


def birth_date(id_number: str) -> dt.date:
    """The birth date an ID number carries (digits 7-14); the number must be valid."""
    v = normalize_id_number(id_number)
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def age_on(born: dt.date, day: dt.date) -> int:
    """Full years of age on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


ADULT_AGE = 18  # 完全民事行为能力: a member younger than this may be represented by a guardian
