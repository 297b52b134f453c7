"""Records that agree with balances (rule 12): statements read from the journal, quickly and in booking order.

- `postings_by_account_txn`: a person's or a pool's postings in journal order with their amounts (an index-only scan
  for the balance after each record, a balance as of a moment and the annual statement).
- A journal transaction's `booked_at` is the moment it is written (clock_timestamp), no longer the start of the
  database transaction: every booking holds its accounts' locks, so on each account the times follow the journal's
  order, and a balance "as of" a moment is the balance after a record of the statement. Rows from before keep theirs.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE INDEX postings_by_account_txn ON accounts.postings (account_id, txn_id) INCLUDE (amount_fen);
ALTER TABLE accounts.journal_txns ALTER COLUMN booked_at SET DEFAULT clock_timestamp();
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
