"""Runs a grpc.aio server the way every gongji service runs: health and reflection on, graceful stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.ports import PortUnavailable, check_port_free

log = logging.getLogger(__name__)


class Server:
    """A started gRPC server; `port` is the bound port (useful with port 0 in tests)."""

    def __init__(
        self,
        server: grpc.aio.Server,
        health_servicer: health.aio.HealthServicer,
        service_names: Sequence[str],
        port: int,
    ) -> None:
        self.grpc_server = server
        self.health = health_servicer
        self.service_names = list(service_names)
        self.port = port

    async def stop(self, grace_s: float) -> None:
        """Health goes NOT_SERVING first so balancers drain us, then in-flight calls get `grace_s` to finish."""
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.grpc_server.stop(grace_s)


async def start_server(
    add_services: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    address: str,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> Server:
    """Raises PortUnavailable when `address` cannot be listened on (checked first: gRPC would log its own error)."""
    host, _, port_text = address.rpartition(":")
    check_port_free(host, int(port_text))
    # No SO_REUSEPORT: with it (gRPC's default) a second server on a taken port binds silently and shares its calls.
    server = grpc.aio.server(interceptors=list(interceptors), options=[("grpc.so_reuseport", 0)])
    add_services(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:  # taken between the check and the bind
        raise PortUnavailable(int(port_text), "is in use") from None
    await server.start()
    for name in ["", *service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return Server(server, health_servicer, service_names, port)


async def run_until_signalled(
    server: Server, grace_s: float, on_stop: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Serves until SIGTERM or SIGINT, then stops gracefully and runs `on_stop` (close pools, workers)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: draining in-flight calls", extra={"grace_s": grace_s})
    await server.stop(grace_s)
    if on_stop is not None:
        await on_stop()
