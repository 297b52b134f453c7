"""The short chaos soak (`make chaos` is the long one): one instance of each service on a fresh database, POS
traffic and the counter for a few seconds while one instance is killed and restarted and the link between the
services drops; every unanswered request is sent again until answered, and the global audit is clean."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests import processes
from tools.chaos import schedule
from tools.chaos.soak import Config, soak

SEED = 12


async def test_a_short_soak_with_a_kill_and_a_drop_audits_clean(database_url: str) -> None:
    url = await processes.fresh_database(database_url)  # the audit is global: this run's money only
    folder = Path(tempfile.mkdtemp(prefix="gongji-test-chaos-"))
    plan = schedule.short(SEED)
    result = await soak(Config(SEED, plan, folder, families=4, terminals=3, database_url=url), say=lambda _: None)
    report = "\n".join(result.report())
    assert result.passed, f"{report}\nthe services' logs: {folder}/logs"
    assert sum(result.faults.values()) == len(plan.faults), report
    assert result.book.outcomes()["ok"] > 20, report  # traffic went through the faults
    shutil.rmtree(folder, ignore_errors=True)  # kept when it fails: the services' logs are in it
