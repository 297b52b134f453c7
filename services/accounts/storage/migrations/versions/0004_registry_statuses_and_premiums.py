"""What the registry feed can say, and resident premiums once per year.

- Disabled veterans are graded 1 to 10 (一级至十级残疾军人): the registry records every level; only 1 to 6 bar a
  creator (rule 1, policy).
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE accounts.persons DROP CONSTRAINT persons_disabled_veteran_level_check,
    ADD CONSTRAINT persons_disabled_veteran_level_check CHECK (disabled_veteran_level BETWEEN 0 AND 10);
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
