"""`make run`: PostgreSQL (embedded unless DATABASE_URL is set), a development PKI, migrations, then accounts and
settlement over TLS.

Each service runs as its own process, exactly as in production; this launcher only starts, watches and stops them.
The development PKI (.data/pki, reused on the next run) gives both services their certificates and every caller a
client certificate; the printed grpcurl lines use them.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.ports import PortUnavailable, check_port_free, explain
from tools import devpki
from tools.devdb import EmbeddedPostgres, dev_port, start_or_exit

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["accounts", "settlement"]


def _settings(name: str, env: dict[str, str]) -> Any:
    """What the service will read from `env`, defaults included, by its own settings class. The ports do not depend
    on the database, which may not be started yet."""
    settings_class = importlib.import_module(f"services.{name}.config").Settings
    return settings_class.from_env({**env, "DATABASE_URL": env.get("DATABASE_URL") or "not-needed-for-the-ports"})


def _check_ports(names: list[str], env: dict[str, str]) -> None:
    """Before anything starts, a taken port is the line the service itself would say; and a health check cannot be
    answered by whatever holds the port."""
    for name in names:
        settings = _settings(name, env)
        for field, host, what in [("port", settings.host, "port"), ("metrics_port", "", "metrics port")]:
            try:
                check_port_free(host, getattr(settings, field) or 0)
            except PortUnavailable as exc:
                sys.exit(explain(name, exc, type(settings).env_var(field), what))


def _channel(port: int, pki: Path | None) -> grpc.Channel:
    if pki is None:
        return grpc.insecure_channel(f"127.0.0.1:{port}")
    credentials = grpc.ssl_channel_credentials(
        (pki / "ca.pem").read_bytes(), (pki / "grpcurl.key").read_bytes(), (pki / "grpcurl.pem").read_bytes()
    )
    return grpc.secure_channel(f"127.0.0.1:{port}", credentials)


def _grpcurl(pki: Path | None, identity: str) -> str:
    if pki is None:
        return "grpcurl -plaintext"
    folder = pki.relative_to(ROOT) if pki.is_relative_to(ROOT) else pki
    return f"grpcurl -cacert {folder}/ca.pem -cert {folder}/{identity}.pem -key {folder}/{identity}.key"


def _wait_serving(proc: subprocess.Popen[bytes], port: int, pki: Path | None, timeout_s: float = 30.0) -> bool:
    """True once the service says SERVING; False if it exits first or takes longer than `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    with _channel(port, pki) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return proc.poll() is None
            except grpc.RpcError:
                time.sleep(0.3)
    return False


def main() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "gen")])
    env.setdefault("GONGJI_ENVIRONMENT", "development")
    pki = None if env.get("GONGJI_PLAINTEXT") == "1" else devpki.ensure(ROOT / ".data" / "pki")
    for name in SERVICES:
        for var, value in (devpki.service_env(name, pki) if pki else {}).items():
            env.setdefault(var, value)
    names = SERVICES
    _check_ports(names, env)
    pg = None
    if not env.get("DATABASE_URL"):
        pg = EmbeddedPostgres(ROOT / ".data" / "postgres", dev_port(env))
        env["DATABASE_URL"] = start_or_exit(pg)
        print(f"embedded PostgreSQL: {env['DATABASE_URL']} (data in .data/postgres)", flush=True)
    ports = {name: int(_settings(name, env).port) for name in names}
    env.setdefault("GONGJI_ACCOUNTS_ADDR", f"127.0.0.1:{ports['accounts']}")  # settlement finds this accounts
    for name in names:
        subprocess.run([sys.executable, "-m", f"services.{name}", "migrate"], env=env, check=True, cwd=ROOT)
    procs = []
    for name in names:
        proc = subprocess.Popen([sys.executable, "-m", f"services.{name}", "serve"], env=env, cwd=ROOT)
        procs.append(proc)
        port = ports[name]
        if not _wait_serving(proc, port, pki):
            code = proc.poll()
            if code is None:
                print(f"{name} did not become healthy on port {port}", file=sys.stderr)
            # else it said why itself (a taken port: one line naming the variable to change)
            for p in procs:
                p.terminate()
                p.wait(timeout=30)
            if pg is not None and pg.started:
                pg.stop()
            sys.exit(code or 1)
        identity = "grpcurl" if name == "accounts" else devpki.DEV_INSTITUTION
        print(
            f"{name} service: 127.0.0.1:{port} (TLS; caller {identity})\n"
            f"  try: {_grpcurl(pki, identity)} 127.0.0.1:{port} list",
            flush=True,
        )
    print(f"accounts' callers by role: {devpki.ACCOUNTS_CALLERS} (certificates in .data/pki)", flush=True)
    print("serving; Ctrl-C stops", flush=True)

    def stop(*_: object) -> None:
        for p in procs:
            p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        stop()
        for p in procs:
            p.wait(timeout=30)
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
