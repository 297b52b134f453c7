"""Use cases of the accounts service: each takes the RPC's one open transaction and decides, rule by rule."""
