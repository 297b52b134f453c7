"""The command line every gongji service has: `python -m services.<name> migrate|serve`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from services.common.logs import setup_logging
from services.common.server import Server, run_until_signalled


class ServiceSettings(Protocol):
    database_url: str
    shutdown_grace_s: float


class RunningService(Protocol):
    server: Server

    async def stop(self, grace_s: float) -> None: ...


def main(name: str, settings_from_env: Callable[[], Any], run_migrations: Callable[[str], None],
         start: Callable[[Any], Awaitable[RunningService]]) -> None:
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

    async def serve() -> None:
        running = await start(settings)
        log.info("listening", extra={"service": name, "port": running.server.port})
        await run_until_signalled(running.server, settings.shutdown_grace_s,
                                  on_stop=lambda: running.stop(settings.shutdown_grace_s))

    asyncio.run(serve())
