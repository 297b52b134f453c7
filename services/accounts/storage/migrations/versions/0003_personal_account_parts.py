"""The personal account as the bureau keeps it: a current-year part (当年) and a prior-years part (历年).

Each employee-insured person has two PERSONAL ledger accounts, one per part. Contributions credit the current year;
at the first movement of a new year (or the registry's year-end call) a ROLLOVER journal transaction moves the
current year's money, held money included, to the prior years and re-points the reservation legs that drew on it.
What was one account becomes the CURRENT part of the year the migration runs in; every person gets an empty PRIOR
part beside it.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE accounts.ledger_accounts
    ADD COLUMN part text CHECK (part IN ('CURRENT', 'PRIOR')),
    ADD COLUMN current_year smallint;
UPDATE accounts.ledger_accounts
    SET part = 'CURRENT', current_year = extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')
    WHERE kind = 'PERSONAL';
INSERT INTO accounts.ledger_accounts (kind, psn_no, part)
    SELECT 'PERSONAL', psn_no, 'PRIOR' FROM accounts.ledger_accounts WHERE kind = 'PERSONAL' ORDER BY id;
ALTER TABLE accounts.ledger_accounts
    DROP CONSTRAINT ledger_accounts_psn_no_key,
    ADD CONSTRAINT one_account_per_part UNIQUE (psn_no, part),
    ADD CONSTRAINT personal_has_a_part CHECK ((kind = 'PERSONAL') = (part IS NOT NULL)),
    ADD CONSTRAINT current_part_has_a_year CHECK ((part = 'CURRENT') = (current_year IS NOT NULL));

ALTER TABLE accounts.reservation_legs ADD COLUMN part text CHECK (part IN ('CURRENT', 'PRIOR'));
UPDATE accounts.reservation_legs SET part = 'CURRENT' WHERE source = 'PERSONAL_ACCOUNT' AND account_id IS NOT NULL;

ALTER TABLE accounts.journal_txns DROP CONSTRAINT journal_txns_kind_check,
    ADD CONSTRAINT journal_txns_kind_check CHECK (kind IN ('CONTRIBUTION', 'POOL_TRANSFER', 'PAYMENT', 'REFUND',
        'POOL_RETURN', 'RESIDENT_PREMIUM', 'ROLLOVER'));
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
