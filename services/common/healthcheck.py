"""`python -m services.common.healthcheck PORT`: exit 0 when the service's /healthz (plain HTTP on its metrics port,
loopback) says SERVING — for Docker and compose health checks, which hold no client certificate for the TLS port."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def main() -> None:
    port = sys.argv[1] if len(sys.argv) > 1 else "9101"
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - a fixed local http URL
            sys.exit(0 if reply.status == 200 else 1)
    except (urllib.error.URLError, OSError) as err:
        print(f"{url}: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
