"""`python -m services.settlement migrate|serve`."""

from services.common import cli
from services.settlement import app
from services.settlement.config import Settings

if __name__ == "__main__":
    cli.main("settlement", Settings.from_env, app.run_migrations, app.start)
