"""`python -m services.settlement migrate|serve`."""

from __future__ import annotations

import argparse
import asyncio
import logging

from services.common.logs import setup_logging
from services.common.server import run_until_signalled
from services.settlement import app
from services.settlement.config import Settings

log = logging.getLogger("gongji.settlement")


async def serve(settings: Settings) -> None:
    running = await app.start(settings)
    log.info("settlement service listening", extra={"port": running.server.port,
                                                     "accounts": settings.accounts_addr,
                                                     "institutions": len(set(settings.tokens.values()))})
    await run_until_signalled(running.server, settings.shutdown_grace_s,
                              on_stop=lambda: running.stop(settings.shutdown_grace_s))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.settlement")
    parser.add_argument("command", choices=["migrate", "serve"])
    args = parser.parse_args()
    setup_logging()
    settings = Settings.from_env()
    if args.command == "migrate":
        app.run_migrations(settings.database_url)
        log.info("settlement schema migrated")
    else:
        asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
