"""`make ha`: gongji beyond one process and one database server, on this machine.

- PostgreSQL's own replication: a primary and a synchronous streaming standby (`initdb`, `pg_basebackup -R`,
  `synchronous_standby_names`, `synchronous_commit=on`), each an EmbeddedPostgres (tools/devdb.py) in
  .data/ha/pg1 and .data/ha/pg2.
  The services connect with one multi-host URL (`…@127.0.0.1:P1,127.0.0.1:P2/gongji?target_session_attrs=read-write`)
  that finds whichever server is writable.
- Several instances of each service against that database: settlement reaches every accounts instance
  (GONGJI_ACCOUNTS_ADDR lists them) round robin, skipping any that is not SERVING.

    python -m tools.ha [serve] [--instances N] [--no-standby]   # start it all; Ctrl-C stops
    python -m tools.ha failover                                  # stop the primary hard, promote the standby
    python -m tools.ha rebuild                                   # the old primary becomes the new one's standby

Instance i (from 0) of accounts listens on 50051 + 10·i, of settlement on 50052 + 10·i (metrics 9101/9102 + 10·i;
GONGJI_ACCOUNTS_PORT and the like move the first, GONGJI_HA_PG_PORTS the two PostgreSQL servers, 55433,55434).
After a failover the old primary is behind the promoted standby's timeline: it is never started as a primary again;
`rebuild` (or the next `serve`) makes it the new primary's standby from a new base backup.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tools import devpki
from tools.devdb import RUN_AS, EmbeddedPostgres, start_or_exit
from tools.run import ROOT, _check_ports, _grpcurl, _wait_serving

PORTS_VAR = "GONGJI_HA_PG_PORTS"  # "PORT1,PORT2": the two servers (.data/ha/pg1 and pg2)
PORTS = (55433, 55434)
FOLDER = ROOT / ".data" / "ha"


class ReplicatedPostgres:
    """Two servers, one the primary and the other its synchronous streaming standby. A commit the primary
    acknowledges has been flushed by the standby too (synchronous_commit=on with the standby named in
    synchronous_standby_names), so a failover loses nothing anyone was told had happened. After a failover the old
    primary is stale (behind the new timeline) until `rebuild()` makes it the new primary's standby.

    `fast` (the tests): no fsync — both run on one machine that does not crash; a hard stop is still a real one."""

    def __init__(self, folder: Path, ports: tuple[int, int], fast: bool = False) -> None:
        tuning = ("-c fsync=off", "-c full_page_writes=off") if fast else ()
        replication = ("-c wal_level=replica", "-c max_wal_senders=5", "-c wal_keep_size=256MB", "-c hot_standby=on")
        self.servers = tuple(
            EmbeddedPostgres(folder / f"pg{n}", port, options=(*replication, *tuning, f"-c cluster_name=gongji_pg{n}"))
            for n, port in ((1, ports[0]), (2, ports[1]))
        )
        self.primary, self.standby = self._roles()

    @property
    def url(self) -> str:
        """Both servers, the writable one chosen when a connection is made."""
        hosts = ",".join(f"127.0.0.1:{pg.port}" for pg in self.servers)
        return f"postgresql://{RUN_AS}@{hosts}/gongji?target_session_attrs=read-write"

    @staticmethod
    def _pgdata(pg: EmbeddedPostgres) -> Path:
        return pg.data_dir / "pgdata"

    def _timeline(self, pg: EmbeddedPostgres) -> int:
        out = pg._run(str(pg.bindir / "pg_controldata"), "-D", str(self._pgdata(pg))).stdout
        found = re.search(r"Latest checkpoint's TimeLineID:\s*(\d+)", out)
        return int(found.group(1)) if found else 0

    def _roles(self) -> tuple[EmbeddedPostgres, EmbeddedPostgres]:
        """(primary, standby) as the folders say: a standby has standby.signal. Two without one means a failover
        happened: the primary is the promoted one, on the later timeline; the other is stale."""
        made = [pg for pg in self.servers if (self._pgdata(pg) / "PG_VERSION").exists()]
        primaries = [pg for pg in made if not (self._pgdata(pg) / "standby.signal").exists()]
        primary = max(primaries, key=self._timeline) if primaries else self.servers[0]
        return primary, next(pg for pg in self.servers if pg is not primary)

    def _psql(self, pg: EmbeddedPostgres, query: str) -> str:
        psql = str(pg.bindir / "psql")
        base = [psql, "-h", "127.0.0.1", "-p", str(pg.port), "-U", RUN_AS, "-d", "postgres", "-tAc", query]
        return subprocess.run(base, check=True, capture_output=True, text=True).stdout.strip()

    def start(self) -> str:
        """Starts (or, on a second run, restarts) both; returns the multi-host URL once the standby is in sync."""
        self.primary.start()
        stale = (self._pgdata(self.standby) / "PG_VERSION").exists() and not (
            self._pgdata(self.standby) / "standby.signal"
        ).exists()
        if stale or not (self._pgdata(self.standby) / "PG_VERSION").exists():
            self._base_backup()
        self.standby.start()
        self._synchronous()
        return self.url

    def _base_backup(self) -> None:
        """(Re)makes the standby from a base backup of the primary, set up to follow it (-R: standby.signal and
        primary_conninfo)."""
        shutil.rmtree(self._pgdata(self.standby), ignore_errors=True)
        self.standby._prepare_dir()
        self.standby._run(
            str(self.standby.bindir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", RUN_AS),
            *("-D", str(self._pgdata(self.standby)), "-R", "-X", "stream", "-c", "fast"),
        )

    def _synchronous(self) -> None:
        """Commits on the primary wait for the standby from now on (not before: the primary's first commits had no
        standby to wait for). Set on the primary only (postgresql.auto.conf is not replicated)."""
        name = f"gongji_pg{self.servers.index(self.standby) + 1}"
        self._psql(self.primary, f"ALTER SYSTEM SET synchronous_standby_names = '{name}'")
        self._psql(self.primary, "ALTER SYSTEM SET synchronous_commit = 'on'")
        self._psql(self.primary, "SELECT pg_reload_conf()")
        query = f"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{name}'"
        for _ in range(300):
            if self._psql(self.primary, query) == "sync":
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not become a synchronous standby within 30 s")

    def fail_over(self) -> None:
        """What an operator (or Patroni, or a managed database's failover) does when the primary's machine dies:
        the primary stops at once, as in a crash, and the standby is promoted to take writes. Nothing waits on
        the promoted server's commits until `rebuild()` gives it a standby again."""
        old = self.primary
        old._run(str(old.bindir / "pg_ctl"), "-D", str(self._pgdata(old)), "-m", "immediate", "-w", "stop")
        new = self.standby
        new._run(str(new.bindir / "pg_ctl"), "-D", str(self._pgdata(new)), "-w", "-t", "60", "promote")
        self._psql(new, "ALTER SYSTEM RESET synchronous_standby_names")
        self._psql(new, "SELECT pg_reload_conf()")
        self._psql(new, "CHECKPOINT")  # its control file names the new timeline: the promoted one, on disk too
        self.primary, self.standby = new, old

    def rebuild(self) -> None:
        """After a failover: the old primary, stale, becomes the new primary's synchronous standby (a new base
        backup; pg_rewind would copy less)."""
        self._base_backup()
        self.standby.start()
        self._synchronous()

    def stop(self) -> None:
        for pg in (self.standby, self.primary):
            if (self._pgdata(pg) / "PG_VERSION").exists():
                pg.stop()


def _ports(environ: dict[str, str]) -> tuple[int, int]:
    raw = environ.get(PORTS_VAR)
    if not raw:
        return PORTS
    primary, _, standby = raw.partition(",")
    return int(primary), int(standby)


def instance_env(service: str, i: int, environ: dict[str, str]) -> dict[str, str]:
    """Instance i's ports: the service's own settings (GONGJI_<SERVICE>_PORT, _METRICS_PORT, or their defaults)
    plus 10·i."""
    upper = service.upper()
    port = int(environ.get(f"GONGJI_{upper}_PORT", 50051 if service == "accounts" else 50052))
    metrics = int(environ.get(f"GONGJI_{upper}_METRICS_PORT", 9101 if service == "accounts" else 9102))
    return {f"GONGJI_{upper}_PORT": str(port + 10 * i), f"GONGJI_{upper}_METRICS_PORT": str(metrics + 10 * i)}


def serve(instances: int, standby: bool) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "gen")])
    env.setdefault("GONGJI_ENVIRONMENT", "development")
    pki = devpki.ensure(ROOT / ".data" / "pki")
    for service in ("accounts", "settlement"):
        for var, value in devpki.service_env(service, pki).items():
            env.setdefault(var, value)
    accounts_ports = [instance_env("accounts", i, env)["GONGJI_ACCOUNTS_PORT"] for i in range(instances)]
    env["GONGJI_ACCOUNTS_ADDR"] = ",".join(f"127.0.0.1:{port}" for port in accounts_ports)
    for i in range(instances):
        ports = {**instance_env("accounts", i, env), **instance_env("settlement", i, env)}
        _check_ports(["accounts", "settlement"], {**env, **ports})
    cluster: ReplicatedPostgres | None = None
    single: EmbeddedPostgres | None = None
    if standby:
        cluster = ReplicatedPostgres(FOLDER, _ports(env))
        env["DATABASE_URL"] = cluster.start()
        print(f"PostgreSQL primary + synchronous standby: {env['DATABASE_URL']} (data in .data/ha)", flush=True)
    else:
        single = EmbeddedPostgres(FOLDER / "single", _ports(env)[0])
        env["DATABASE_URL"] = start_or_exit(single)
        print(f"PostgreSQL: {env['DATABASE_URL']} (data in .data/ha/single)", flush=True)
    for name in ("accounts", "settlement"):
        subprocess.run([sys.executable, "-m", f"services.{name}", "migrate"], env=env, check=True, cwd=ROOT)
    procs: list[subprocess.Popen[bytes]] = []

    def stop_all(*_: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    try:
        for name in ("accounts", "settlement"):
            for i in range(instances):
                ports = instance_env(name, i, env)
                proc = subprocess.Popen(
                    [sys.executable, "-m", f"services.{name}", "serve"], env={**env, **ports}, cwd=ROOT
                )
                procs.append(proc)
                port = int(ports[f"GONGJI_{name.upper()}_PORT"])
                if not _wait_serving(proc, port, pki):
                    raise SystemExit(f"{name} instance {i} did not become healthy on port {port}")
                identity = "grpcurl" if name == "accounts" else devpki.DEV_INSTITUTION
                print(f"{name} instance {i}: 127.0.0.1:{port}  try: {_grpcurl(pki, identity)} 127.0.0.1:{port} list")
        print(f"settlement reaches accounts at {env['GONGJI_ACCOUNTS_ADDR']} (round robin, health-checked)")
        if standby:
            print("fail over: python -m tools.ha failover  (stops the primary hard, promotes the standby)")
        print("serving; Ctrl-C stops", flush=True)
        signal.signal(signal.SIGTERM, stop_all)
        signal.signal(signal.SIGINT, stop_all)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        stop_all()
        for p in procs:
            p.wait(timeout=30)
        if cluster is not None:
            cluster.stop()
        if single is not None:
            single.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", default="serve", choices=["serve", "failover", "rebuild"])
    parser.add_argument("--instances", type=int, default=2, help="instances of each service (default 2)")
    parser.add_argument("--no-standby", action="store_true", help="one PostgreSQL server, no replication")
    args = parser.parse_args()
    if args.action != "serve":
        cluster = ReplicatedPostgres(FOLDER, _ports(dict(os.environ)))
        if args.action == "failover":
            cluster.fail_over()
            print(f"primary stopped hard; standby promoted: writes go to 127.0.0.1:{cluster.primary.port}")
        else:
            cluster.rebuild()
            print(f"127.0.0.1:{cluster.standby.port} is the synchronous standby of 127.0.0.1:{cluster.primary.port}")
        return
    serve(args.instances, standby=not args.no_standby)


if __name__ == "__main__":
    main()
