"""The bare chain `make bench` compares gongji against: a client → no-op service A → no-op service B, each service a
process of its own in the project's own stack (grpc.aio through services/common/server.py, asyncio.run as
services/common/cli.py runs it, mutual TLS on both hops with the development PKI's certificates, A's channel to B
with the options of settlement's channel to accounts). A passes the request's bytes to B and B's answer back; nothing
is parsed, nothing stored. What a settlement costs beyond this is the work gongji does.

    python -m tools.chain a --port P --next 127.0.0.1:Q --pki .data/pki
    python -m tools.chain b --port Q --pki .data/pki
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import grpc

from services.common import balancing
from services.common.security import Tls, client_credentials
from services.common.server import run_until_signalled, start_server

SERVICE = "gongji.bench.v1.Chain"
METHOD = f"/{SERVICE}/Hop"


def _identity(data: bytes) -> bytes:
    return data


def _handlers(behavior: object) -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Hop": grpc.unary_unary_rpc_method_handler(
                behavior, request_deserializer=_identity, response_serializer=_identity
            )
        },
    )


async def serve(role: str, port: int, next_address: str, pki: Path) -> None:
    ca = pki / "ca.pem"
    if role == "a":
        # As settlement: its server certificate, institutions present certificates of the CA; calls B as settlement
        # calls accounts (mutual TLS, round robin over instances that say SERVING).
        server_tls = Tls(pki / "settlement-server.pem", pki / "settlement-server.key", ca)
        options = balancing.channel_options("")
        channel = grpc.aio.secure_channel(
            next_address,
            client_credentials(ca, pki / "settlement.pem", pki / "settlement.key"),
            options=options,
        )
        hop = channel.unary_unary(METHOD, request_serializer=_identity, response_deserializer=_identity)

        async def forward(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            remaining = context.time_remaining()
            return await hop(request, timeout=remaining)  # type: ignore[no-any-return]

        behavior: object = forward
    else:
        server_tls = Tls(pki / "accounts-server.pem", pki / "accounts-server.key", ca)

        async def answer(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            return request

        behavior = answer
    server = await start_server(
        lambda s: s.add_generic_rpc_handlers((_handlers(behavior),)),
        [SERVICE],
        f"127.0.0.1:{port}",
        server_tls.server_credentials(),
    )
    await run_until_signalled(server, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=["a", "b"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--next", default="", help="A only: B's address")
    parser.add_argument("--pki", type=Path, default=Path(".data/pki"))
    args = parser.parse_args()
    asyncio.run(serve(args.role, args.port, args.next, args.pki))


if __name__ == "__main__":
    main()
