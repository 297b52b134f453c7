"""Client-side load balancing over several instances of a service: the gRPC target a list of addresses becomes, and
the channel options that spread calls round robin over the instances that say SERVING on grpc.health.v1.

An address setting takes one address (`host:port`), a comma-separated list of IP addresses
(`10.0.0.5:50051,10.0.0.6:50051`, `[fd00::5]:50051,…`), or any gRPC target (`dns:///accounts:50051`, which gRPC
re-resolves, one instance per address the name has). gRPC resolves a list only of IP addresses; several instances
behind host names are one DNS name with an address each (as a compose service with replicas, or a headless
Kubernetes service, is).

TLS: gRPC checks every instance's certificate against one name, the channel's authority. For one address that is its
host; for a list it is the service's name (`tls_name`, e.g. "accounts"), which each instance's certificate carries
beside its own addresses.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any


def split(addresses: str) -> list[str]:
    return [part.strip() for part in addresses.split(",") if part.strip()]


def _ip_of(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"{address!r} is not host:port")
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def check_addresses(addresses: str) -> str:
    """Checks an address setting (see the module's text); returns it unchanged. A ValueError says what is wrong."""
    parts = split(addresses)
    if not parts:
        raise ValueError("no address")
    if len(parts) == 1:
        if "://" not in parts[0] and ":" in parts[0] and not parts[0].startswith(("ipv4:", "ipv6:", "unix:")):
            _ip_of(parts[0])  # host:port
        return addresses
    ips = [_ip_of(p) for p in parts]
    if any(ip is None for ip in ips):
        raise ValueError(
            "a list must be of IP addresses (ip:port,ip:port); for instances behind host names give one DNS name "
            "with an address per instance, e.g. dns:///accounts:50051"
        )
    if len({ip.version for ip in ips if ip is not None}) > 1:
        raise ValueError("a list must be all IPv4 or all IPv6 addresses")
    return addresses


def target(addresses: str) -> str:
    """The gRPC target of an address setting: a list becomes `ipv4:a:p,b:p` (or `ipv6:`); anything else is as is."""
    parts = split(check_addresses(addresses))
    if len(parts) == 1:
        return parts[0]
    first = _ip_of(parts[0])
    return ("ipv6:" if first is not None and first.version == 6 else "ipv4:") + ",".join(parts)


def is_list(addresses: str) -> bool:
    return len(split(addresses)) > 1


# How soon a channel tries again to connect to an instance that was gone: from 100 ms, never more than 500 ms apart
# (gRPC's own default grows to 120 s, so an instance back after a long outage would be found only minutes later).
RECONNECT_BACKOFF_MS = (100, 500)


def channel_options(
    health_service: str, tls_name: str | None = None, wait_for_ready: bool = False
) -> list[tuple[str, Any]]:
    """Round robin over the instances whose health (grpc.health.v1 Watch of `health_service`) is SERVING: an
    instance that is stopping says NOT_SERVING first and gets no new calls; one that is gone is skipped until it
    is back, and tried again at least every half second. `tls_name`: the name every instance's certificate is
    checked against (a list's). `wait_for_ready`: a call made while no instance is ready waits (within its deadline)
    for one to be, instead of failing at once: a restarted service is used as soon as it is up."""
    config: dict[str, Any] = {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": health_service},
    }
    if wait_for_ready:
        config["methodConfig"] = [{"name": [{}], "waitForReady": True}]
    first, most = RECONNECT_BACKOFF_MS
    options: list[tuple[str, Any]] = [
        ("grpc.service_config", json.dumps(config)),
        ("grpc.initial_reconnect_backoff_ms", first),
        ("grpc.min_reconnect_backoff_ms", first),
        ("grpc.max_reconnect_backoff_ms", most),
    ]
    if tls_name:
        options += [("grpc.ssl_target_name_override", tls_name), ("grpc.default_authority", tls_name)]
    return options
