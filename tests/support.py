"""Test helpers: valid ID numbers, unique people, and reading gongji error details."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import uuid

import grpc

from services.accounts.domain.identity import check_digit
from services.common.grpc_errors import error_info

_seq = itertools.count(random.randrange(10_000_000))


def id_number(region: str = "630102") -> str:
    """A fresh, valid 18-character ID number, unique within the run (and very likely across runs)."""
    n = next(_seq)
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=(n // 1000) % 25_000)
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def psn_no(prefix: str = "P") -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def rid() -> str:
    return uuid.uuid4().hex


def reason_of(exc: grpc.aio.AioRpcError) -> str:
    info = error_info(exc)
    return info.reason if info else ""


def env_with_pythonpath() -> dict[str, str]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, os.path.join(root, "gen")])
    return env
