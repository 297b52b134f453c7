"""The chaos soak's schedule is a function of its seed: two builds of one seed are equal, two seeds differ, and every
fault is one the run can inject."""

from __future__ import annotations

from tools.chaos import schedule


def test_one_seed_builds_one_schedule() -> None:
    assert schedule.build(7, 180) == schedule.build(7, 180)
    assert schedule.build(7, 180).lines() == schedule.build(7, 180).lines()
    assert schedule.short(7) == schedule.short(7)


def test_two_seeds_build_two_schedules() -> None:
    assert schedule.build(7, 180).faults != schedule.build(8, 180).faults
    assert {schedule.short(seed).faults for seed in range(10)} != {schedule.short(0).faults}


def test_every_fault_is_injectable_and_ends_before_the_load_does() -> None:
    for seed in range(20):
        plan = schedule.build(seed, 180, accounts=2, settlements=3)
        assert plan.faults, seed
        for f in plan.faults:
            assert 0 < f.at_s < 180 - schedule.QUIET_END_S and f.duration_s > 0
            limit = plan.settlements if f.kind == schedule.KILL_SETTLEMENT else plan.accounts
            assert 0 <= f.target < limit
        assert set(plan.counts()) <= set(schedule.KINDS)
        failovers = [f.at_s for f in plan.faults if f.kind == schedule.FAILOVER]
        assert all(b - a >= schedule.FAILOVER_SPACING_S for a, b in zip(failovers, failovers[1:], strict=False))


def test_no_failover_when_the_run_has_no_standby() -> None:
    assert all(schedule.build(seed, 300, failover=False).counts()[schedule.FAILOVER] == 0 for seed in range(10))


def test_the_short_run_kills_once_and_drops_once() -> None:
    for seed in range(10):
        plan = schedule.short(seed)
        kinds = sorted(f.kind for f in plan.faults)
        assert kinds[0] == schedule.DROP and kinds[1] in (schedule.KILL_ACCOUNTS, schedule.KILL_SETTLEMENT)
        assert (plan.accounts, plan.settlements, plan.failover) == (1, 1, False)
