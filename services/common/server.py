"""Runs a grpc.aio server the way every gongji service runs: TLS, health on, reflection where configured, bounded
message sizes, graceful stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.observability import start_metrics_server
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
        self.serving = True
        self.metrics_port: int | None = None

    async def stop(self, grace_s: float) -> None:
        """Health goes NOT_SERVING first so balancers drain us, then in-flight calls get `grace_s` to finish."""
        self.serving = False
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.grpc_server.stop(grace_s)


# The largest message a service takes (a reconciliation of 10,000 rows is about 0.5 MiB) and sends.
MAX_RECEIVE_BYTES = 2 * 1024 * 1024
MAX_SEND_BYTES = 8 * 1024 * 1024


async def start_server(
    add_services: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    address: str,
    credentials: grpc.ServerCredentials | None,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    reflection_on: bool = False,
    metrics: tuple[str, int] | None = None,
    reuse_port: bool = False,
) -> Server:
    """Serves TLS with `credentials` (None: plaintext, a development switch checked by the settings), and
    `metrics` = (host, port) when given. Raises PortUnavailable when `address` cannot be listened on (checked first:
    gRPC would log its own error). `reuse_port`: one of several worker processes sharing the port (SO_REUSEPORT; the
    kernel spreads connections over them); their supervisor checked that the port was free."""
    host, _, port_text = address.rpartition(":")
    if not reuse_port:
        check_port_free(host, int(port_text))
    options = [
        # SO_REUSEPORT only for workers: with it (gRPC's default) a second server on a taken port binds silently and
        # shares calls.
        ("grpc.so_reuseport", int(reuse_port)),
        ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
        ("grpc.max_send_message_length", MAX_SEND_BYTES),
    ]
    server = grpc.aio.server(interceptors=list(interceptors), options=options)
    add_services(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if reflection_on:
        reflection.enable_server_reflection([*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    try:
        if credentials is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, credentials)
    except RuntimeError:  # taken between the check and the bind, or TLS material gRPC refused
        check_port_free(host, int(port_text))  # still taken: PortUnavailable
        if credentials is None:
            raise PortUnavailable(int(port_text), "is in use") from None
        raise SystemExit(
            "TLS: gRPC refused the server certificate or key (not PEM, or a key that is not the certificate's; "
            "its log line above says which)"
        ) from None
    await server.start()
    for name in ["", *service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = Server(server, health_servicer, service_names, port)
    if metrics is not None:
        try:
            running.metrics_port = start_metrics_server(metrics[1], metrics[0], healthy=lambda: running.serving)
        except OSError:  # its port was taken meanwhile: leave nothing running
            await running.stop(0)
            raise
    return running


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
