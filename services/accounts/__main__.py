"""`python -m services.accounts migrate|serve`."""

from services.accounts import app
from services.accounts.config import Settings
from services.common import cli

if __name__ == "__main__":
    cli.main("accounts", Settings.from_env, app.run_migrations, app.start)
