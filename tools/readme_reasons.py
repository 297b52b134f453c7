"""Rewrites the reason table of README.md from the one reason table (run by `make docs`)."""

from __future__ import annotations

import re
from pathlib import Path

from services.common.errors import Reason
from services.common.rpc import STATUS

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    rows = [f"| `{r.name}` | `{STATUS[r].name}` | {r.message} | {r.message_zh} |" for r in Reason]
    table = "| reason | gRPC status | message shown to the clerk | 中文 (zh-CN) |\n|---|---|---|---|\n" + "\n".join(
        rows
    )
    text = README.read_text(encoding="utf-8")
    text = re.sub(
        r"(<!-- reasons:start -->\n).*?(\n<!-- reasons:end -->)",
        lambda m: m.group(1) + table + m.group(2),
        text,
        flags=re.S,
    )
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
