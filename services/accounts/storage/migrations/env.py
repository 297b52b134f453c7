"""Alembic environment of the accounts schema."""

from alembic import context

from services.common.migrate import run_env

run_env(context)
