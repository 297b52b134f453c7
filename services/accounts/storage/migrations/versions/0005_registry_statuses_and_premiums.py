"""What the registry feed can say, and resident premiums once per year.

- Disabled veterans are graded 1 to 10 (一级至十级残疾军人): the registry records every level; only 1 to 6 bar a
  creator (rule 1, policy).
- A resident premium (rule 11) is paid at most once per beneficiary and insurance year, whoever pays: one row per
  payment, unique on (beneficiary, year), so that of two payers at the same moment exactly one commits. The row
  ties the payment's journal transaction to the beneficiary, whose records show it.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE accounts.persons DROP CONSTRAINT persons_disabled_veteran_level_check,
    ADD CONSTRAINT persons_disabled_veteran_level_check CHECK (disabled_veteran_level BETWEEN 0 AND 10);

CREATE TABLE accounts.resident_premiums (
    id                  bigserial PRIMARY KEY,
    beneficiary_psn_no  text NOT NULL REFERENCES accounts.persons (psn_no),
    premium_year        smallint NOT NULL CHECK (premium_year BETWEEN 2000 AND 2100),
    payer_psn_no        text NOT NULL REFERENCES accounts.persons (psn_no),
    amount_fen          bigint NOT NULL CHECK (amount_fen > 0),
    journal_txn_id      bigint NOT NULL UNIQUE REFERENCES accounts.journal_txns (id),
    paid_at             timestamptz NOT NULL DEFAULT now(),
    paid_by             text NOT NULL DEFAULT accounts.actor(),
    CONSTRAINT one_premium_per_beneficiary_and_year UNIQUE (beneficiary_psn_no, premium_year)
);
CREATE INDEX resident_premiums_by_payer ON accounts.resident_premiums (payer_psn_no);
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
