"""What app.py wires into the use cases: the kill -9 hook only when GONGJI_CRASH_AT is set, and the metrics
counters; and the layers: only clients/ knows accounts' protobuf, only storage/ SQL, only transport/ gRPC."""

from __future__ import annotations

import ast
import os
import signal
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from services.settlement import app
from services.settlement.domain.model import Kind, Status
from services.settlement.usecases.deps import CrashPoint, no_crash

ROOT = Path(__file__).resolve().parents[3] / "services" / "settlement"


def test_the_crash_hook_kills_only_at_its_point_and_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    killed: list[int] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append(sig))
    assert app.kill_at("") is no_crash
    hook = app.kill_at("before_capture")
    hook(CrashPoint.AFTER_RESERVE)
    hook(CrashPoint.AFTER_CAPTURE)
    assert killed == []
    hook(CrashPoint.BEFORE_CAPTURE)
    assert killed == [signal.SIGKILL]
    assert {p.value for p in CrashPoint} == {"after_reserve", "before_capture", "after_capture"}


def test_metrics_are_counted_under_their_names() -> None:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    outcomes = value("gongji_settlement_outcomes_total", kind="SALE", outcome="COMPLETED")
    recovered = value("gongji_recovery_actions_total", action="refund")
    metrics = app.PrometheusMetrics()
    metrics.outcome(Kind.SALE, Status.COMPLETED)
    metrics.recovered("refund")
    assert value("gongji_settlement_outcomes_total", kind="SALE", outcome="COMPLETED") == outcomes + 1
    assert value("gongji_recovery_actions_total", action="refund") == recovered + 1


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("folder", ["domain", "usecases"])
def test_domain_and_use_cases_know_neither_grpc_nor_sql(folder: str) -> None:
    for path in (ROOT / folder).glob("*.py"):
        bad = {
            n
            for n in _imports(path)
            if n.split(".")[0] in {"grpc", "sqlalchemy", "asyncpg", "gongji", "google"}
            or n.startswith(
                (
                    "services.settlement.storage",
                    "services.settlement.clients",
                    "services.settlement.transport",
                    "services.common.observability",
                )
            )
        }
        assert not bad, f"{path.name} imports {bad}"


def test_only_the_client_knows_accounts_protobuf() -> None:
    for path in ROOT.rglob("*.py"):
        if path.parent.name == "clients":
            continue
        bad = {n for n in _imports(path) if n.startswith(("gongji.accounts", "gongji.common"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_no_module_is_long() -> None:
    for path in ROOT.rglob("*.py"):
        lines = path.read_text().splitlines()
        assert len(lines) <= 350, f"{path.relative_to(ROOT)} has {len(lines)} lines"
        if path.name != "__init__.py" or lines:
            assert ast.get_docstring(ast.parse(path.read_text())), f"{path.relative_to(ROOT)} says not why"
