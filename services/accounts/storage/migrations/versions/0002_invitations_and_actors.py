"""Invitations that cannot be guessed or hijacked, and who did it.

- An invitation is answered by an unguessable token (not the membership's sequential id); an acceptance records
  whether the member or a guardian (for a minor: the birth date, from the ID number, is kept for that) accepted.
- Every journal transaction, registry entry, pool change and binding records its actor: "CHANNEL:identity", from the
  transaction's `gongji.actor` setting, which the transport sets for each write (and the sweeper for itself). A write
  without one fails: nothing is changed anonymously. Rows from before this migration say "BEFORE_AUDIT:unknown".
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE accounts.persons ADD COLUMN birth_date date;

ALTER TABLE accounts.memberships ADD COLUMN invitation_token text;
UPDATE accounts.memberships SET invitation_token = md5(random()::text || clock_timestamp()::text || id::text);
ALTER TABLE accounts.memberships ALTER COLUMN invitation_token SET NOT NULL;
CREATE UNIQUE INDEX memberships_by_invitation_token ON accounts.memberships (invitation_token);
ALTER TABLE accounts.memberships
    ADD COLUMN accepted_by text CHECK (accepted_by IN ('MEMBER', 'GUARDIAN')),
    ADD COLUMN guardian_id_hash bytea,
    ADD COLUMN guardian_name_masked text,
    ADD CONSTRAINT guardian_recorded CHECK ((accepted_by IS DISTINCT FROM 'GUARDIAN')
        OR (guardian_id_hash IS NOT NULL AND guardian_name_masked IS NOT NULL));

-- The acting identity of the current transaction; NULL (and so a failed write) when nobody said who acts.
CREATE FUNCTION accounts.actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('gongji.actor', true), '')
$$;

ALTER TABLE accounts.journal_txns ADD COLUMN booked_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown';
ALTER TABLE accounts.journal_txns ALTER COLUMN booked_by SET DEFAULT accounts.actor();
ALTER TABLE accounts.persons
    ADD COLUMN registered_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown',
    ADD COLUMN updated_by text;
ALTER TABLE accounts.persons ALTER COLUMN registered_by SET DEFAULT accounts.actor();
ALTER TABLE accounts.pools
    ADD COLUMN created_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown',
    ADD COLUMN dissolved_by text;
ALTER TABLE accounts.pools ALTER COLUMN created_by SET DEFAULT accounts.actor();
ALTER TABLE accounts.memberships
    ADD COLUMN invited_by text NOT NULL DEFAULT 'BEFORE_AUDIT:unknown',
    ADD COLUMN answered_by text,
    ADD COLUMN ended_by text;
ALTER TABLE accounts.memberships ALTER COLUMN invited_by SET DEFAULT accounts.actor();
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
