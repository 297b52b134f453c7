"""tools/contract.sh, the gate on the proto contract: today's protos pass against the released image, a change that
would break a released client fails it, and `baseline` releases an image the check then accepts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASED = ROOT / "protos" / "released.binpb"


def _contract(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "tools" / "contract.sh"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_current_protos_pass_lint_and_the_breaking_check() -> None:
    done = _contract("check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_renumbering_a_released_field_is_caught(tmp_path: Path) -> None:
    protos = tmp_path / "protos"
    shutil.copytree(ROOT / "protos", protos, ignore=shutil.ignore_patterns("*.binpb"))
    accounts = protos / "gongji" / "accounts" / "v1" / "payment_service.proto"
    text = accounts.read_text()
    start = text.index("message ReserveRequest {")
    assert "int64 amount_fen = 3;" in text[start : start + 600]
    accounts.write_text(text[:start] + text[start:].replace("int64 amount_fen = 3;", "int64 amount_fen = 30;", 1))

    done = _contract("breaking", PROTO_MODULE=str(protos), CONTRACT_BASELINE=str(RELEASED))
    assert done.returncode == 1
    assert "ReserveRequest" in done.stdout and "breaking change against the released contract" in done.stderr


def test_baseline_releases_an_image_the_check_accepts(tmp_path: Path) -> None:
    image = tmp_path / "released.binpb"
    assert _contract("breaking", CONTRACT_BASELINE=str(image)).returncode == 1  # nothing released yet
    released = _contract("baseline", CONTRACT_BASELINE=str(image))
    assert released.returncode == 0, released.stderr
    assert image.stat().st_size > 0
    assert _contract("breaking", CONTRACT_BASELINE=str(image)).returncode == 0


def test_the_committed_image_is_not_part_of_the_buf_module() -> None:
    listed = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "buf"), "ls-files", "protos"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0 and RELEASED.exists()
    assert all(line.endswith(".proto") for line in listed.stdout.split())
