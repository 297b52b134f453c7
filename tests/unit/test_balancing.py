"""Address settings for several instances: what becomes a gRPC target, and what is refused at startup."""

from __future__ import annotations

import json

import pytest

from services.common import balancing
from services.settlement.config import Settings


def test_one_address_or_a_grpc_target_is_kept() -> None:
    assert balancing.target("127.0.0.1:50051") == "127.0.0.1:50051"
    assert balancing.target("accounts:50051") == "accounts:50051"
    assert balancing.target("dns:///accounts:50051") == "dns:///accounts:50051"
    assert not balancing.is_list("accounts:50051")


def test_a_list_of_ip_addresses_is_one_target() -> None:
    assert balancing.target("10.0.0.5:50051, 10.0.0.6:50051") == "ipv4:10.0.0.5:50051,10.0.0.6:50051"
    assert balancing.target("[fd00::5]:50051,[fd00::6]:50051") == "ipv6:[fd00::5]:50051,[fd00::6]:50051"
    assert balancing.is_list("10.0.0.5:50051,10.0.0.6:50051")


@pytest.mark.parametrize(
    "bad",
    ["accounts-1:50051,accounts-2:50051", "10.0.0.5:50051,[fd00::6]:50051", "10.0.0.5,10.0.0.6:50051", ","],
)
def test_a_list_gRPC_cannot_resolve_is_refused_naming_the_variable(bad: str) -> None:
    with pytest.raises(SystemExit, match="GONGJI_ACCOUNTS_ADDR"):
        Settings.from_env({"DATABASE_URL": "postgresql://x/y", "GONGJI_ACCOUNTS_ADDR": bad})


def test_round_robin_over_the_healthy_and_one_name_for_tls() -> None:
    options = dict(balancing.channel_options("gongji.accounts.v1.PaymentService", "accounts"))
    config = json.loads(options["grpc.service_config"])
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["healthCheckConfig"] == {"serviceName": "gongji.accounts.v1.PaymentService"}
    assert options["grpc.ssl_target_name_override"] == "accounts"
    assert "grpc.ssl_target_name_override" not in dict(balancing.channel_options("x"))


def test_a_database_url_with_several_hosts_becomes_asyncpgs_list() -> None:
    from services.common.db import async_url

    assert async_url("postgresql://u@db:5432/gongji") == "postgresql+asyncpg://u@db:5432/gongji"
    assert (
        async_url("postgresql://u:p@pg1:5432,pg2:5432/gongji?target_session_attrs=read-write")
        == "postgresql+asyncpg://u:p@/gongji?host=pg1:5432&host=pg2:5432&target_session_attrs=read-write"
    )
    with pytest.raises(ValueError, match="every host needs its port"):
        async_url("postgresql://u@pg1,pg2:5432/gongji")
