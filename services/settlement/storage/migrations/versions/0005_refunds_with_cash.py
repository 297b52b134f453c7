"""Refunds like the national platform's 2208: a refund may give cash back too (the institution returns it; recorded,
not sent to accounts), or be the whole bill; it records what of the pool's part went to a dissolved pool's creator."""

from alembic import op

from services.common.migrate import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE settlement.refunds
    ADD COLUMN cash_fen bigint NOT NULL DEFAULT 0 CHECK (cash_fen >= 0),
    ADD COLUMN to_creator_fen bigint NOT NULL DEFAULT 0 CHECK (to_creator_fen >= 0),
    ADD COLUMN whole_bill boolean NOT NULL DEFAULT false;
-- amount_fen is what goes back through the accounts: 0 when only cash goes back.
ALTER TABLE settlement.refunds DROP CONSTRAINT refunds_amount_fen_check;
ALTER TABLE settlement.refunds ADD CONSTRAINT refunds_amount_fen_check
    CHECK (amount_fen >= 0 AND amount_fen + cash_fen > 0);
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
