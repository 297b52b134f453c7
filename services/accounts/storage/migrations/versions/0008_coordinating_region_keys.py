"""Every hot row carries its coordinating region (统筹区), the key a distributed PostgreSQL would shard by (README,
"Scaling out"): rule 5 keeps a family in one region, so a payment's rows all share it.

`persons.coordinating_region` is the person's, from the policy's table of coordinating regions (computed by the
service when a person is registered or changes region; here, for the rows already there, the prefecture's code, the
table's default). The rows that belong to a person or a family copy it when written: a personal account's ledger
accounts its owner's (they move with her), a pool, its ledger account and its memberships the creator's when it was
created (rule 10 dissolves it if she moves region), a reservation and its legs the payer's, a journal
transaction and its postings its reservation's payer's, else its person's, else its pool's. History keeps the region
it was written in. Only the external accounts (the fund, clearing, payout and premium collection: one per region in
a sharded deployment) and a clearing payout, which is the institution's, have none.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE accounts.persons ADD COLUMN coordinating_region text;
UPDATE accounts.persons SET coordinating_region = left(region_code, 4) || '00';
ALTER TABLE accounts.persons ALTER COLUMN coordinating_region SET NOT NULL,
    ADD CHECK (coordinating_region ~ '^[0-9]{6}$');

ALTER TABLE accounts.pools ADD COLUMN coordinating_region text;
UPDATE accounts.pools po SET coordinating_region = pe.coordinating_region
    FROM accounts.persons pe WHERE pe.psn_no = po.creator_psn_no;
ALTER TABLE accounts.pools ALTER COLUMN coordinating_region SET NOT NULL;

ALTER TABLE accounts.memberships ADD COLUMN coordinating_region text;
UPDATE accounts.memberships m SET coordinating_region = po.coordinating_region
    FROM accounts.pools po WHERE po.id = m.pool_id;
ALTER TABLE accounts.memberships ALTER COLUMN coordinating_region SET NOT NULL;

ALTER TABLE accounts.ledger_accounts ADD COLUMN coordinating_region text;
UPDATE accounts.ledger_accounts la SET coordinating_region = pe.coordinating_region
    FROM accounts.persons pe WHERE pe.psn_no = la.psn_no;
UPDATE accounts.ledger_accounts la SET coordinating_region = po.coordinating_region
    FROM accounts.pools po WHERE po.account_id = la.id;
ALTER TABLE accounts.ledger_accounts ADD CONSTRAINT ledger_accounts_region_check
    CHECK ((kind IN ('PERSONAL', 'POOL')) = (coordinating_region IS NOT NULL));

ALTER TABLE accounts.reservations ADD COLUMN coordinating_region text;
UPDATE accounts.reservations r SET coordinating_region = pe.coordinating_region
    FROM accounts.persons pe WHERE pe.psn_no = r.payer_psn_no;
ALTER TABLE accounts.reservations ALTER COLUMN coordinating_region SET NOT NULL;

ALTER TABLE accounts.reservation_legs ADD COLUMN coordinating_region text;
UPDATE accounts.reservation_legs l SET coordinating_region = r.coordinating_region
    FROM accounts.reservations r WHERE r.id = l.reservation_id;
ALTER TABLE accounts.reservation_legs ALTER COLUMN coordinating_region SET NOT NULL;

ALTER TABLE accounts.journal_txns DISABLE TRIGGER journal_txns_append_only;
ALTER TABLE accounts.postings DISABLE TRIGGER postings_append_only;
ALTER TABLE accounts.journal_txns ADD COLUMN coordinating_region text;
UPDATE accounts.journal_txns t SET coordinating_region = coalesce(
    (SELECT r.coordinating_region FROM accounts.reservations r WHERE r.id = t.reservation_id),
    (SELECT pe.coordinating_region FROM accounts.persons pe WHERE pe.psn_no = t.psn_no),
    (SELECT po.coordinating_region FROM accounts.pools po WHERE po.id = t.pool_id));
ALTER TABLE accounts.journal_txns ADD CONSTRAINT journal_txns_region_check
    CHECK (kind = 'CLEARING_PAYOUT' OR coordinating_region IS NOT NULL);
ALTER TABLE accounts.postings ADD COLUMN coordinating_region text;
UPDATE accounts.postings p SET coordinating_region = t.coordinating_region
    FROM accounts.journal_txns t WHERE t.id = p.txn_id;
ALTER TABLE accounts.postings ADD CONSTRAINT postings_region_check
    CHECK (coordinating_region IS NOT NULL OR account_id IN (1, 2, 3, 4));
ALTER TABLE accounts.journal_txns ENABLE TRIGGER journal_txns_append_only;
ALTER TABLE accounts.postings ENABLE TRIGGER postings_append_only;
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
