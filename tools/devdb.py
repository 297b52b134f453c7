"""Embedded PostgreSQL for `make run` and the tests: the system's PostgreSQL binaries on a local data folder.

Started only when no DATABASE_URL (or TEST_DATABASE_URL) is given. PostgreSQL refuses to run as root, so when we are
root the server runs as the `postgres` user and its folder is handed to that user.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

DB_NAME = "gongji"
RUN_AS = "postgres"


def _bindir() -> Path:
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).resolve().parent))
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    sys.exit("PostgreSQL server binaries not found: apt-get install postgresql, or set DATABASE_URL")


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", RUN_AS, "--", *cmd]
    return cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedPostgres:
    """One PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port` with trust auth (local use only)."""

    def __init__(self, data_dir: Path, port: int, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self.bindir = _bindir()

    @property
    def url(self) -> str:
        return f"postgresql://{RUN_AS}@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_as_server_user(list(cmd)), check=check, capture_output=True, text=True)

    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
            # The server user must be able to reach its folder through every parent.
            for parent in self.data_dir.parents:
                if parent.stat().st_mode & 0o001 == 0:
                    parent.chmod(parent.stat().st_mode | 0o001)
        self.data_dir.chmod(0o700)

    def start(self) -> str:
        pgdata = self.data_dir / "pgdata"
        self._prepare_dir()
        if not (pgdata / "PG_VERSION").exists():
            self._run(str(self.bindir / "initdb"), "-D", str(pgdata), "-U", RUN_AS, "--auth=trust",
                      "--encoding=UTF8", "--no-locale")
        opts = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.data_dir}",
                "-c max_connections=200"]
        if not self.durable:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        status = self._run(str(self.bindir / "pg_ctl"), "-D", str(pgdata), "status", check=False)
        if status.returncode != 0:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(self.data_dir / "postgres.log"),
                      "-o", " ".join(opts), "-w", "-t", "60", "start")
        self._create_database()
        return self.url

    def _create_database(self) -> None:
        psql = str(self.bindir / "psql") if (self.bindir / "psql").exists() else "psql"
        base = [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", RUN_AS, "-d", "postgres", "-tAc"]
        for _ in range(50):
            found = subprocess.run([*base, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
                                   capture_output=True, text=True)
            if found.returncode == 0:
                break
            time.sleep(0.2)
        if found.stdout.strip() != "1":
            subprocess.run([*base, f"CREATE DATABASE {DB_NAME}"], check=True, capture_output=True, text=True)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir / "pgdata"), "-m", "fast", "-w", "stop",
                  check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("--dir", default=".data/postgres")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GONGJI_DEV_PG_PORT", "55432")))
    args = parser.parse_args()
    pg = EmbeddedPostgres(Path(args.dir), args.port)
    if args.action == "start":
        print(pg.start())
    elif args.action == "stop":
        pg.stop()
    else:
        print(pg.url)


if __name__ == "__main__":
    main()
