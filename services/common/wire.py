"""Small conversions every service's transport needs, in one place."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp


def ts(value: dt.datetime | None) -> Timestamp | None:
    """A datetime as a protobuf Timestamp; None stays unset."""
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value)
    return out
