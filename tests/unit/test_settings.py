"""What an operator sets in the environment is what each service runs with; what they leave out takes the documented
default; a mistake is named by its variable."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from services.accounts.config import Settings as AccountsSettings
from services.common.security import token_hash
from services.common.settings import EnvSettings
from services.settlement.config import Settings as SettlementSettings

ROOT = Path(__file__).resolve().parents[2]
URL = {"DATABASE_URL": "postgresql://u@h:1/d"}


def test_unset_variables_give_the_documented_defaults() -> None:
    accounts = AccountsSettings.from_env(URL)
    assert (accounts.port, accounts.host, accounts.metrics_port) == (50051, "0.0.0.0", 9101)
    assert (accounts.sweep_interval_s, accounts.shutdown_grace_s, accounts.db_pool_size) == (1.0, 10.0, 10)
    assert accounts.policy_file == ROOT / "config" / "policy.toml"
    settlement = SettlementSettings.from_env(URL)
    assert (settlement.port, settlement.metrics_port, settlement.accounts_addr) == (50052, 9102, "127.0.0.1:50051")
    assert (settlement.accounts_timeout_s, settlement.accounts_attempts) == (2.0, 3)
    assert (settlement.recovery_interval_s, settlement.recovery_grace_s) == (5.0, 30.0)
    assert settlement.tokens == {} and settlement.crash_at == ""


@pytest.mark.parametrize("cls", [AccountsSettings, SettlementSettings])
def test_every_default_is_the_field_default_unless_a_running_service_needs_another(cls: type[EnvSettings]) -> None:
    from_env = cls.from_env(URL)
    for field in dataclasses.fields(from_env):  # type: ignore[arg-type]
        spec = cls.ENV.get(field.name)
        if field.name == "database_url" or spec is None:
            continue
        expected = field.default_factory() if field.default is dataclasses.MISSING else field.default  # type: ignore[misc]
        if field.name == "metrics_port":  # in-process tests build Settings without /metrics; a service has it
            expected = {AccountsSettings: 9101, SettlementSettings: 9102}[cls]
        assert getattr(from_env, field.name) == expected, field.name


def test_set_variables_are_read_with_their_types() -> None:
    accounts = AccountsSettings.from_env(
        {
            **URL,
            "GONGJI_ACCOUNTS_PORT": "6001",
            "GONGJI_ACCOUNTS_METRICS_PORT": "0",
            "GONGJI_ID_HASH_KEY": "secret",
            "GONGJI_SWEEP_INTERVAL_S": "0.5",
            "GONGJI_POLICY_FILE": "/etc/policy.toml",
        }
    )
    assert (accounts.port, accounts.metrics_port, accounts.id_hash_key) == (6001, 0, b"secret")
    assert (accounts.sweep_interval_s, accounts.policy_file) == (0.5, Path("/etc/policy.toml"))
    digest = token_hash("t")
    settlement = SettlementSettings.from_env(
        {
            **URL,
            "GONGJI_SETTLEMENT_PORT": "6002",
            "GONGJI_INSTITUTION_TOKENS": f"H1:{digest}",
            "GONGJI_INSTITUTIONS": "H2, H3",
            "GONGJI_SETTLEMENT_TLS_CERT": "/etc/gongji/settlement.pem",
        }
    )
    assert settlement.port == 6002
    assert settlement.tokens == {digest: "H1"} and settlement.institutions == {"H2", "H3"}
    assert settlement.tls_cert == Path("/etc/gongji/settlement.pem")


def test_a_missing_database_or_an_unreadable_number_is_named_by_its_variable() -> None:
    with pytest.raises(SystemExit, match=r"^DATABASE_URL is not set \(make run sets it"):
        AccountsSettings.from_env({})
    with pytest.raises(SystemExit, match=r"^DATABASE_URL is not set"):
        SettlementSettings.from_env({"DATABASE_URL": ""})
    with pytest.raises(SystemExit, match=r"^GONGJI_ACCOUNTS_PORT='fifty': "):
        AccountsSettings.from_env({**URL, "GONGJI_ACCOUNTS_PORT": "fifty"})


def test_the_readme_configuration_table_names_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("Policy (`config/policy.toml`)")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    variables = {spec.var for cls in (AccountsSettings, SettlementSettings) for spec in cls.ENV.values()}
    assert variables - {"GONGJI_CRASH_AT"} <= documented  # GONGJI_CRASH_AT is the crash tests' hook
