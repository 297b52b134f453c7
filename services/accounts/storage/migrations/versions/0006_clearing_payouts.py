"""Clearing payouts (清算, 3203): the institution clearing account no longer only grows. When settlement closes an
institution's period, accounts pays it out — one journal transaction of the new kind CLEARING_PAYOUT from the
institution clearing account to the new external account INSTITUTION_PAYOUT (id 4), carrying the institution's code.
A refund settlement reverses (冲正) is taken back by a journal transaction of the new kind REFUND_REVERSAL.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE accounts.ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE accounts.ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN ('PERSONAL', 'POOL',
    'CONTRIBUTION_FUND', 'INSTITUTION_CLEARING', 'PREMIUM_COLLECTION', 'INSTITUTION_PAYOUT'));
INSERT INTO accounts.ledger_accounts (id, kind) VALUES (4, 'INSTITUTION_PAYOUT');

ALTER TABLE accounts.journal_txns DROP CONSTRAINT journal_txns_kind_check;
ALTER TABLE accounts.journal_txns ADD CONSTRAINT journal_txns_kind_check CHECK (kind IN ('CONTRIBUTION',
    'POOL_TRANSFER', 'PAYMENT', 'REFUND', 'POOL_RETURN', 'RESIDENT_PREMIUM', 'ROLLOVER', 'CLEARING_PAYOUT',
    'REFUND_REVERSAL'));
CREATE INDEX journal_txns_by_institution ON accounts.journal_txns (fixmedins_code) WHERE fixmedins_code <> '';
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
