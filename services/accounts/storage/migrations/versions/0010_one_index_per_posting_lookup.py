"""Every payment writes about three postings, and each posting an entry in every index of accounts.postings.
`postings_by_account` (account_id) answered nothing `postings_by_account_txn` (account_id, txn_id, with the amount)
does not: a lookup by account uses the longer index's first column. Dropped: one index entry less per posting."""

from alembic import op

from services.common.migrate import execute_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SCHEMA = """
DROP INDEX accounts.postings_by_account;
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
