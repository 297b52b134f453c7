"""The POS conformance kit passes against a real deployment (both services as processes), run as an integrator
would run it: as a command, reading its table."""

from __future__ import annotations

import subprocess
import sys

from tests import processes
from tests.settlement.conftest import TOKEN_A


async def test_conformance_kit_passes_against_the_running_services(stack) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.conformance",
            "--target",
            stack.settlement_process.address,
            "--accounts",
            stack.accounts_process.address,
            "--pki",
            str(processes.pki()),
            "--token",
            TOKEN_A,
            "--close-period",
        ],
        capture_output=True,
        text=True,
        env=processes.service_env(),
        cwd=processes.ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conformance: 16 passed, 0 failed" in done.stdout
    assert done.stdout.count("PASS") == 16


async def test_conformance_kit_fails_with_a_wrong_token(stack) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.conformance",
            "--target",
            stack.settlement_process.address,
            "--accounts",
            stack.accounts_process.address,
            "--pki",
            str(processes.pki()),
            "--token",
            "wrong",
        ],
        capture_output=True,
        text=True,
        env=processes.service_env(),
        cwd=processes.ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    assert "FAIL" in done.stdout
