"""冲正 (2601) of every request: a Capture may carry the POS's own id (capture_pos_txn_id, unique per institution), by
which a Reverse undoes it; a refund can be reversed (REVERSING is the intent, REVERSED its end: what it gave back
was taken back)."""

from alembic import op

from services.common.migrate import execute_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE settlement.settlements ADD COLUMN capture_pos_txn_id text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX settlements_by_capture ON settlement.settlements (institution, capture_pos_txn_id)
    WHERE capture_pos_txn_id <> '';
ALTER TABLE settlement.refunds DROP CONSTRAINT refunds_status_check;
ALTER TABLE settlement.refunds ADD CONSTRAINT refunds_status_check
    CHECK (status IN ('PENDING', 'COMPLETED', 'DECLINED', 'REVERSING', 'REVERSED'));
ALTER TABLE settlement.refunds ADD COLUMN reversed_at timestamptz;
CREATE INDEX refunds_reversing ON settlement.refunds (created_at) WHERE status = 'REVERSING';
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
