"""Alembic environment of the settlement schema."""

from alembic import context

from services.common.migrate import run_env

run_env(context)
