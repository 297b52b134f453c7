"""`make run`: PostgreSQL (embedded unless DATABASE_URL is set), migrations, then accounts and settlement.

Each service runs as its own process, exactly as in production; this launcher only starts, watches and stops them.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tools.devdb import dev_port

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["accounts", "settlement"]


def _available(name: str) -> bool:
    return (ROOT / "services" / name / "__main__.py").exists()


def _port(name: str, env: dict[str, str]) -> int:
    """The gRPC port the service will listen on: read by its own settings class, defaults included."""
    settings = importlib.import_module(f"services.{name}.config").Settings.from_env(env)
    return int(settings.port)


def _wait_serving(port: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                time.sleep(0.3)
    return False


def main() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "gen")])
    pg = None
    if not env.get("DATABASE_URL"):
        from tools.devdb import EmbeddedPostgres

        pg = EmbeddedPostgres(ROOT / ".data" / "postgres", dev_port(env))
        env["DATABASE_URL"] = pg.start()
        print(f"embedded PostgreSQL: {env['DATABASE_URL']} (data in .data/postgres)", flush=True)
    env.setdefault("GONGJI_DEV_MODE", "1")
    names = [name for name in SERVICES if _available(name)]
    ports = {name: _port(name, env) for name in names}
    for name in names:
        subprocess.run([sys.executable, "-m", f"services.{name}", "migrate"], env=env, check=True, cwd=ROOT)
    procs = []
    for name in names:
        procs.append(subprocess.Popen([sys.executable, "-m", f"services.{name}", "serve"], env=env, cwd=ROOT))
        port = ports[name]
        if not _wait_serving(port):
            print(f"{name} did not become healthy on port {port}", file=sys.stderr)
            for p in procs:
                p.terminate()
            sys.exit(1)
        print(f"{name} service: 127.0.0.1:{port}   try: grpcurl -plaintext 127.0.0.1:{port} list", flush=True)
    if _available("settlement"):
        from services.settlement.config import DEV_INSTITUTION_CODE, DEV_TOKEN  # type: ignore[import-not-found]

        print(f"dev institution {DEV_INSTITUTION_CODE}, token: {DEV_TOKEN}\n"
              f"  grpcurl -plaintext -H 'authorization: Bearer {DEV_TOKEN}' 127.0.0.1:{ports['settlement']} list",
              flush=True)
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
