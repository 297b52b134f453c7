"""Every completed settlement wrote an entry in two indexes of (institution, completed_at): one of the COMPLETED
ones, one of every settlement with a completed_at (a reversed sale keeps it). The reports' reads of completed
settlements in a period (status COMPLETED, completed_at in the period) use the second as well as the first; the first
is dropped: one index entry less per payment."""

from alembic import op

from services.common.migrate import execute_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SCHEMA = """
DROP INDEX settlement.settlements_by_completed;
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
