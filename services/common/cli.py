"""The command line every gongji service has: `python -m services.<name> migrate|serve`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import errno
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from services.common.logs import setup_logging
from services.common.ports import PortUnavailable, check_port_free, explain
from services.common.server import Server, run_until_signalled
from services.common.tracing import from_env as tracing_from_env


class ServiceSettings(Protocol):
    database_url: str
    shutdown_grace_s: float
    host: str
    port: int
    metrics_port: int | None
    workers: int

    @classmethod
    def env_var(cls, field: str) -> str: ...


class RunningService(Protocol):
    server: Server

    async def stop(self, grace_s: float) -> None: ...


def main(
    name: str,
    settings_from_env: Callable[[], Any],
    run_migrations: Callable[[str], None],
    start: Callable[..., Awaitable[RunningService]],
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    parser.add_argument("command", choices=["migrate", "serve"])
    args = parser.parse_args()
    setup_logging()
    log = logging.getLogger(f"gongji.{name}")
    settings: ServiceSettings = settings_from_env()
    if args.command == "migrate":
        run_migrations(settings.database_url)
        log.info("schema migrated", extra={"service": name})
        return
    if settings.workers > 1:
        supervise(name, settings, start)
    else:
        asyncio.run(serve(name, settings, start))


def _port_error(name: str, settings: ServiceSettings, field: str, exc: PortUnavailable) -> SystemExit:
    """One line on stderr naming the variable to change, and no traceback."""
    what = "metrics port" if field == "metrics_port" else "port"
    return SystemExit(explain(name, exc, type(settings).env_var(field), what))


async def serve(name: str, settings: ServiceSettings, start: Callable[..., Awaitable[RunningService]]) -> None:
    """One serving process, until SIGTERM or SIGINT."""
    log = logging.getLogger(f"gongji.{name}")
    if settings.metrics_port:  # checked before anything starts, so that a failure leaves nothing running
        try:
            check_port_free("", settings.metrics_port)  # all addresses, as the metrics server listens
        except PortUnavailable as exc:
            raise _port_error(name, settings, "metrics_port", exc) from None
    tracing = tracing_from_env(name)  # None unless an OTLP endpoint is configured
    try:
        running = await start(settings, tracing=tracing)
    except PortUnavailable as exc:
        raise _port_error(name, settings, "port", exc) from None
    except OSError as exc:  # the metrics port, taken since the check (start() left nothing running)
        if exc.errno != errno.EADDRINUSE or not settings.metrics_port:
            raise
        raise _port_error(name, settings, "metrics_port", PortUnavailable(settings.metrics_port, "is in use")) from None
    log.info("listening", extra={"service": name, "port": running.server.port, "pid": os.getpid()})

    async def stop() -> None:
        await running.stop(settings.shutdown_grace_s)
        if tracing is not None:
            tracing.shutdown()

    await run_until_signalled(running.server, settings.shutdown_grace_s, on_stop=stop)


def _worker(name: str, settings: ServiceSettings, i: int, start: Callable[..., Awaitable[RunningService]]) -> None:
    """Worker `i` of `supervise`: its metrics on the metrics port + i (0: any free port; None: none)."""
    setup_logging()
    metrics_port = settings.metrics_port + i if settings.metrics_port else settings.metrics_port
    own: ServiceSettings = dataclasses.replace(settings, metrics_port=metrics_port)  # type: ignore[type-var]
    asyncio.run(serve(name, own, start))


def supervise(name: str, settings: ServiceSettings, start: Callable[..., Awaitable[RunningService]]) -> None:
    """GONGJI_WORKERS=N: N serving processes on the one port (SO_REUSEPORT: the kernel spreads the connections over
    them), worker i with its metrics on the metrics port + i. SIGTERM or SIGINT is passed on to each, and this process
    exits once they have drained; one that exits on its own stops the others, and this process fails."""
    if settings.port == 0:
        raise SystemExit(f"{name}: GONGJI_WORKERS needs a fixed port; set {type(settings).env_var('port')}")
    try:
        check_port_free(settings.host, settings.port)
    except PortUnavailable as exc:
        raise _port_error(name, settings, "port", exc) from None
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter each: gRPC's threads do not survive fork
    workers = [
        spawn.Process(
            target=_worker,
            args=(name, settings, i, start),
            name=f"{name}-worker-{i}",
        )
        for i in range(settings.workers)
    ]
    stopping = False

    def stop_all(*_: object) -> None:
        nonlocal stopping
        stopping = True
        for w in workers:
            if w.is_alive() and w.pid is not None:
                os.kill(w.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for w in workers:
        w.start()
    log = logging.getLogger(f"gongji.{name}")
    log.info("workers started", extra={"service": name, "port": settings.port, "workers": len(workers)})
    failed: list[str] = []
    while running := [w for w in workers if w.exitcode is None]:
        multiprocessing.connection.wait([w.sentinel for w in running])
        for w in running:
            if w.exitcode is not None and not stopping:
                failed.append(f"{w.name} exited with {w.exitcode}")
                stop_all()
    if failed:
        raise SystemExit(f"{name}: {'; '.join(failed)}; the other workers were stopped")
