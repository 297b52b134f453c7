"""Every grpcurl example in README.md runs as written, with the real grpcurl, against the real services as `make run`
starts them (development environment, TLS everywhere, institutions with certificates)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import processes

README = Path(__file__).resolve().parents[2] / "README.md"
GRPCURL_DIR = Path(__file__).resolve().parents[2] / ".venv" / "bin"
DEFAULT_PORTS = {"accounts": "50051", "settlement": "50052"}


def blocks() -> list[str]:
    return [b for b in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S) if "grpcurl" in b]


@pytest.fixture(scope="module")
async def services(database_url: str) -> AsyncIterator[dict[str, processes.Process]]:
    url = await processes.fresh_database(database_url)
    names = list(DEFAULT_PORTS)
    for name in names:
        processes.migrate(name, url)
    running: dict[str, processes.Process] = {}
    try:
        for name in names:
            extra = {"GONGJI_ACCOUNTS_ADDR": running["accounts"].address} if name == "settlement" else {}
            running[name] = await processes.start(
                name, DATABASE_URL=url, GONGJI_ENVIRONMENT="development", institution_certificates=True, **extra
            )
        yield running
    finally:
        for p in running.values():
            p.stop()


def test_readme_has_grpcurl_examples() -> None:
    assert len(blocks()) >= 3


async def test_readme_examples_run_as_written(services: dict[str, processes.Process]) -> None:
    grpcurl = shutil.which("grpcurl") or str(GRPCURL_DIR / "grpcurl")
    env = processes.service_env(PATH=f"{Path(grpcurl).parent}:/usr/bin:/bin")
    for block in blocks():
        script = block.replace(".data/pki", str(processes.pki()))
        for name, port in DEFAULT_PORTS.items():
            if name in services:
                script = script.replace(f"127.0.0.1:{port}", services[name].address)
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-e", "-c", script], capture_output=True, text=True, env=env, timeout=60
        )
        output = done.stdout + done.stderr
        expected_error = re.search(r"# expect error: (\w+)", block)
        if expected_error:
            assert done.returncode != 0, output
            assert f'"reason":"{expected_error.group(1)}"' in output, output
        else:
            assert done.returncode == 0, f"README block failed:\n{block}\n---\n{output}"
            assert "ERROR" not in output, output
        for text in re.findall(r"# expect: (.+)", block):
            assert text in output, f"{text!r} not in output of:\n{block}\n---\n{output}"
