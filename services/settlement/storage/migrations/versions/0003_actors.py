"""Who did it: each settlement records who created it and who last moved it, each refund who asked for it and who
finished it — "CHANNEL:identity" (INSTITUTION:<code>, RECOVERY:settlement). Rows from before say
"BEFORE_AUDIT:unknown"; new rows must say."""

from alembic import op

from services.common.migrate import execute_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE settlement.settlements
    ADD COLUMN created_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown',
    ADD COLUMN updated_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown';
ALTER TABLE settlement.settlements ALTER COLUMN created_by DROP DEFAULT, ALTER COLUMN updated_by DROP DEFAULT;
ALTER TABLE settlement.refunds
    ADD COLUMN requested_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown',
    ADD COLUMN finished_by text;
ALTER TABLE settlement.refunds ALTER COLUMN requested_by DROP DEFAULT;
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
