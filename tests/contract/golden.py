"""Golden wire-contract files: what a client sends and receives, in protobuf's canonical JSON mapping.

A case's request is JSON with `{name}` placeholders filled per run; its outcome (the response as canonical JSON, or
the status code, ErrorInfo reason and BadRequest fields) is normalised (ids, timestamps, run-specific values) and
compared with the file. GONGJI_UPDATE_GOLDEN=1 rewrites the files: a deliberate, reviewed change of the contract.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from services.common.rpc import error_info
from tools.kit import bad_fields

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GONGJI_UPDATE_GOLDEN") == "1"

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def fill(template: Any, values: dict[str, str]) -> Any:
    """Replaces `{name}` in every string of a JSON template."""
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
    if isinstance(template, list):
        return [fill(t, values) for t in template]
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    return template


def normalise(value: Any, values: dict[str, str], key: str = "") -> Any:
    """Makes an outcome comparable across runs: run-specific strings back to `{name}`, ids and times to tokens."""
    if isinstance(value, dict):
        return {k: normalise(v, values, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, values, key) for v in value]
    if isinstance(value, str):
        if _TIMESTAMP.match(value):
            return "<timestamp>"
        if key.endswith("Checked"):
            return "<count>"  # VerifyLedger counts whatever else the database holds
        if key.endswith("Id") and (value.isdigit() or re.fullmatch(r"[0-9a-f]{32}", value)):
            return f"<{key}>"  # ids the server or the run made up
        for name, actual in sorted(values.items(), key=lambda kv: -len(kv[1])):
            if len(actual) >= 6 and actual in value:  # run-specific names
                value = value.replace(actual, "{" + name + "}")
    return value


def outcome_of_error(err: grpc.aio.AioRpcError) -> dict[str, Any]:
    out: dict[str, Any] = {"code": err.code().name}
    info = error_info(err)
    if info is not None:
        out.update(reason=info.reason, domain=info.domain)
    if fields := bad_fields(err):
        out["fieldViolations"] = sorted(fields)
    return out


async def call(
    stub: Any,
    service: ServiceDescriptor,
    method: str,
    request_json: dict[str, Any],
    metadata: list[tuple[str, str]] | None = None,
) -> tuple[dict[str, Any], Message | None]:
    """Calls `method` with a JSON request; returns the outcome as a JSON-able dict, and the response message."""
    request_type = message_factory.GetMessageClass(service.methods_by_name[method].input_type)
    request = json_format.ParseDict(request_json, request_type())
    rpc = getattr(stub, method)
    try:
        if service.methods_by_name[method].server_streaming:  # every message, in order
            stream = [m async for m in rpc(request, metadata=metadata)]
            return {"responses": [json_format.MessageToDict(m) for m in stream]}, None
        response = await rpc(request, metadata=metadata)
    except grpc.aio.AioRpcError as err:
        return {"error": outcome_of_error(err)}, None
    return {"response": json_format.MessageToDict(response)}, response


class GoldenFile:
    """One RPC's cases: compared at the end, or rewritten when GONGJI_UPDATE_GOLDEN=1."""

    def __init__(self, service: str, method: str) -> None:
        self.path = GOLDEN_DIR / service / f"{method}.json"
        self.method = method
        self.cases: dict[str, Any] = {}

    def record(self, case: str, request: dict[str, Any], outcome: dict[str, Any], values: dict[str, str]) -> None:
        self.cases[case] = {"request": normalise(request, values), **normalise(outcome, values)}

    def check(self) -> None:
        if UPDATE or not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(
                json.dumps(self.cases, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
            )
            if not UPDATE:
                raise AssertionError(f"{self.path} did not exist and was written: review and commit it")
            return
        expected = json.loads(self.path.read_text(encoding="utf-8"))
        assert self.cases == expected, f"the wire contract of {self.method} changed (see {self.path})"


def check(files: dict[str, GoldenFile], method: str) -> None:
    """The one test per RPC: it has cases, and they match its golden file."""
    golden = files[method]
    assert golden.cases, f"no golden case for {method}"
    golden.check()
