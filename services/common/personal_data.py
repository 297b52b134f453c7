"""Personal data both services handle: national ID numbers (GB 11643-1999) and the keyed hash under which ID numbers,
names and credential numbers are stored, so that neither a database nor a log holds them in clear.

Shared because settlement checks an ID-card credential's format (services/common/credentials.py) and never imports
accounts' code; accounts' domain/identity.py re-exports these beside its name and masking rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

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


def keyed_hash(key: bytes, value: str) -> bytes:
    """HMAC-SHA256: without the key, a hash of a value with few possibilities (an ID number) cannot be reversed by
    trying them all."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()
