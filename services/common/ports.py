"""Whether a server can listen on a port, asked before it tries, so that a taken port is one clear line, not a trace."""

from __future__ import annotations

import errno
import socket


class PortUnavailable(Exception):
    """`port` cannot be listened on: another process holds it, or it is not allowed here."""

    def __init__(self, port: int, why: str) -> None:
        super().__init__(f"port {port} {why}")
        self.port = port
        self.why = why


def explain(who: str, exc: PortUnavailable, variable: str, what: str = "port") -> str:
    """The one line a person needs: whose port, which one, and the variable that moves it."""
    return f"{who}: {what} {exc.port} {exc.why}; set {variable} to another port"


def check_port_free(host: str, port: int) -> None:
    """Raises PortUnavailable unless `host:port` can be listened on now (port 0, any free port, always can).

    It binds the way servers do, with SO_REUSEADDR, so a port whose last connections are still closing (TIME_WAIT,
    just after a restart) counts as free, while one another process listens on does not."""
    if port == 0:
        return
    host = host.strip("[]") or "0.0.0.0"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortUnavailable(port, f"cannot be used on host {host!r} ({exc.strerror})") from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
                raise PortUnavailable(port, why) from None
