"""The command line every gongji service has: `python -m services.<name> migrate|serve`."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from services.common.logs import setup_logging
from services.common.ports import PortUnavailable, check_port_free, explain
from services.common.server import Server, run_until_signalled
from services.common.tracing import from_env as tracing_from_env


class ServiceSettings(Protocol):
    database_url: str
    shutdown_grace_s: float
    port: int
    metrics_port: int | None

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

    def port_error(field: str, exc: PortUnavailable) -> SystemExit:
        """One line on stderr naming the variable to change, and no traceback."""
        what = "metrics port" if field == "metrics_port" else "port"
        return SystemExit(explain(name, exc, type(settings).env_var(field), what))

    async def serve() -> None:
        if settings.metrics_port:  # checked before anything starts, so that a failure leaves nothing running
            try:
                check_port_free("", settings.metrics_port)  # all addresses, as the metrics server listens
            except PortUnavailable as exc:
                raise port_error("metrics_port", exc) from None
        tracing = tracing_from_env(name)  # None unless an OTLP endpoint is configured
        try:
            running = await start(settings, tracing=tracing)
        except PortUnavailable as exc:
            raise port_error("port", exc) from None
        except OSError as exc:  # the metrics port, taken since the check (start() left nothing running)
            if exc.errno != errno.EADDRINUSE or not settings.metrics_port:
                raise
            raise port_error("metrics_port", PortUnavailable(settings.metrics_port, "is in use")) from None
        log.info("listening", extra={"service": name, "port": running.server.port})

        async def stop() -> None:
            await running.stop(settings.shutdown_grace_s)
            if tracing is not None:
                tracing.shutdown()

        await run_until_signalled(running.server, settings.shutdown_grace_s, on_stop=stop)

    asyncio.run(serve())
