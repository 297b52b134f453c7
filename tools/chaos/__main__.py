"""`python -m tools.chaos --seed N [--minutes M]`: the seeded chaos soak (see tools/chaos/soak.py). Exit status 0
when the audit is clean; the last line printed is the verdict with its counts. `--print-schedule` prints the
seed's schedule and stops."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tools.chaos import schedule
from tools.chaos.soak import Config, soak
from tools.run import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--minutes", type=float, default=3.0, help="minutes of load (default 3)")
    parser.add_argument("--instances", type=int, default=2, help="instances of each service (default 2)")
    parser.add_argument("--families", type=int, default=12)
    parser.add_argument("--terminals", type=int, default=6, help="POS terminals sending at once (default 6)")
    parser.add_argument("--no-failover", action="store_true", help="one PostgreSQL server, no failovers")
    parser.add_argument("--short", action="store_true", help="the short run of `make test` (seconds, one of each)")
    parser.add_argument("--print-schedule", action="store_true", help="print the schedule and stop")
    parser.add_argument("--folder", type=Path, help="where the run's databases and logs go (.data/chaos/seed-N)")
    args = parser.parse_args()
    plan = schedule.build(args.seed, args.minutes * 60, args.instances, args.instances, failover=not args.no_failover)
    if args.short:
        plan = schedule.short(args.seed)
        args.families, args.terminals = min(args.families, 4), min(args.terminals, 3)
    if args.print_schedule:
        print("\n".join(plan.lines()))
        return
    folder = args.folder or ROOT / ".data" / "chaos" / f"seed-{args.seed}"
    config = Config(args.seed, plan, folder, families=args.families, terminals=args.terminals)
    result = asyncio.run(soak(config))
    print("\n".join(result.report()), flush=True)
    sys.exit(0 if result.passed else 1)


if __name__ == "__main__":
    main()
