"""The layering a newcomer relies on: the domain is pure, and settlement reaches accounts only over gRPC."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = ("grpc", "grpc_status", "sqlalchemy", "asyncpg", "google.protobuf", "gongji")


def _modules(folder: str) -> list[str]:
    """The importable modules under `folder` (migration scripts and entry points run only under their tools)."""
    paths = [p for p in sorted((ROOT / folder).rglob("*.py")) if "migrations" not in p.parts and p.stem != "__main__"]
    return [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in paths]


def _imported_by(modules: list[str]) -> set[str]:
    """Every module loaded, transitively, by importing `modules` in a fresh interpreter."""
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'gen'}", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_no_domain_imports_grpc_sql_or_protobuf_even_transitively() -> None:
    domains = _modules("services/accounts/domain") + _modules("services/settlement/domain")
    assert len(domains) > 5
    loaded = _imported_by(domains)
    offending = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN_IN_DOMAIN or m.startswith(FORBIDDEN_IN_DOMAIN))
    assert offending == [], f"the domain pulls in {offending[:10]}"


def test_settlement_never_imports_the_accounts_service_code() -> None:
    loaded = _imported_by(_modules("services/settlement"))
    assert not [m for m in loaded if m.startswith("services.accounts")]
