"""A port that is already taken stops a service, `make run` or the embedded PostgreSQL with one line on stderr that
names the variable to change, never a traceback; and a second server never silently shares a running one's port."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests import processes
from tools import devpki, kit
from tools.devdb import free_port

ROOT = processes.ROOT


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs a module as the developer would; a service gets the session PKI's TLS settings, as in production."""
    tls = {
        k: v for service in ("accounts", "settlement") for k, v in devpki.service_env(service, processes.pki()).items()
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=processes.service_env(**{**tls, **env}),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _said_only(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [line]


def test_a_service_whose_port_is_taken_says_which_variable_to_change(database_url: str, taken_port: int) -> None:
    done = _run(
        "-m",
        "services.accounts",
        "serve",
        DATABASE_URL=database_url,
        GONGJI_ACCOUNTS_PORT=str(taken_port),
        GONGJI_ACCOUNTS_METRICS_PORT="0",
    )
    _said_only(done, f"accounts: port {taken_port} is in use; set GONGJI_ACCOUNTS_PORT to another port")


def test_a_taken_metrics_port_is_named_too(database_url: str, taken_port: int) -> None:
    done = _run(
        "-m",
        "services.settlement",
        "serve",
        DATABASE_URL=database_url,
        GONGJI_SETTLEMENT_PORT=str(free_port()),
        GONGJI_SETTLEMENT_METRICS_PORT=str(taken_port),
    )
    _said_only(
        done, f"settlement: metrics port {taken_port} is in use; set GONGJI_SETTLEMENT_METRICS_PORT to another port"
    )


async def test_a_second_service_on_a_running_ones_port_is_refused(database_url: str) -> None:
    first = await processes.start("accounts", DATABASE_URL=database_url)
    try:
        second = _run(
            "-m",
            "services.accounts",
            "serve",
            DATABASE_URL=database_url,
            GONGJI_ACCOUNTS_PORT=str(first.port),
            GONGJI_ACCOUNTS_HOST="127.0.0.1",
            GONGJI_ACCOUNTS_METRICS_PORT="0",
        )
        _said_only(second, f"accounts: port {first.port} is in use; set GONGJI_ACCOUNTS_PORT to another port")
        async with kit.channel(first.address, processes.pki(), "grpcurl") as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        first.stop()


@pytest.mark.parametrize(
    ("variable", "what"), [("GONGJI_SETTLEMENT_PORT", "port"), ("GONGJI_ACCOUNTS_METRICS_PORT", "metrics port")]
)
def test_make_run_says_the_same_line_before_starting_anything(
    database_url: str, taken_port: int, variable: str, what: str
) -> None:
    service = variable.split("_")[1].lower()
    done = _run(
        "-m",
        "tools.run",
        **{
            "DATABASE_URL": database_url,
            "GONGJI_ACCOUNTS_METRICS_PORT": "0",
            "GONGJI_SETTLEMENT_METRICS_PORT": "0",
            "GONGJI_ACCOUNTS_PORT": str(free_port()),
            "GONGJI_SETTLEMENT_PORT": str(free_port()),
            variable: str(taken_port),
        },
    )
    _said_only(done, f"{service}: {what} {taken_port} is in use; set {variable} to another port")
    assert "serving" not in done.stdout


def test_a_taken_postgresql_port_names_its_variable_and_leaves_the_folder_alone(
    tmp_path: Path, taken_port: int
) -> None:
    folder = tmp_path / "pg"
    done = _run("-m", "tools.devdb", "start", "--dir", str(folder), "--port", str(taken_port))
    _said_only(done, f"embedded PostgreSQL: port {taken_port} is in use; set GONGJI_DEV_PG_PORT to another port")
    assert not folder.exists()
