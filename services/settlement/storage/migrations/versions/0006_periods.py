"""Clearing periods (清算, 3203): each institution closes its periods one after another; a closed period keeps the
totals it froze (payments and refunds completed in it, and what the fund owes) and whether accounts booked its
payout (PAYING is the intent: written before accounts is asked, with a request id derived from the row)."""

from alembic import op

from services.common.migrate import execute_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE settlement.periods (
    id                     bigserial PRIMARY KEY,
    institution            text NOT NULL,
    period_start           timestamptz,
    period_end             timestamptz NOT NULL,
    acct_pay_fen           bigint NOT NULL,
    acct_mulaid_pay_fen    bigint NOT NULL,
    acct_refund_fen        bigint NOT NULL,
    acct_mulaid_refund_fen bigint NOT NULL,
    status                 text NOT NULL CHECK (status IN ('PAYING', 'PAID')),
    closed_at              timestamptz NOT NULL DEFAULT now(),
    closed_by              text NOT NULL,
    paid_at                timestamptz,
    UNIQUE (institution, period_end),
    CHECK (period_start IS NULL OR period_start < period_end)
);
CREATE INDEX periods_paying ON settlement.periods (closed_at) WHERE status = 'PAYING';
CREATE INDEX settlements_by_completed_any ON settlement.settlements (institution, completed_at)
    WHERE completed_at IS NOT NULL;
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
