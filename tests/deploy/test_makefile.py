"""The Makefile is a newcomer's first page: `make` alone lists every target, and the everyday targets do only what
they say (`make run` serves the committed gen/, `make test-unit` needs neither PostgreSQL nor buf)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make(*args: str) -> str:
    done = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _phony_targets() -> list[str]:
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert phony is not None
    return phony.group(1).split()


def test_make_alone_lists_every_target_with_a_description() -> None:
    listed = {}
    for line in _make().splitlines():
        match = re.match(r"\s*make (\S+)\s+(\S.*)$", line)
        if match:
            listed[match.group(1)] = match.group(2)
    assert set(listed) == set(_phony_targets())
    assert "whole test suite" in listed["test"]


def test_make_run_uses_the_committed_generated_code() -> None:
    commands = _make("-n", "run")
    assert "tools.run" in commands
    assert "grpc_tools.protoc" not in commands and "rm -rf gen" not in commands


def test_make_test_unit_runs_only_the_unit_tests_without_buf() -> None:
    commands = _make("-n", "test-unit")
    assert "pytest -q tests/unit" in commands
    assert "contract.sh" not in commands and "protoc" not in commands
