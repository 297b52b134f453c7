"""Accounts schema: registry, ledger accounts, pools and bindings, reservations, double-entry journal.

The database refuses what must never happen: negative balances, more held than owned, unbalanced journal
transactions, edits of posted entries, two active pools for one creator, two active bindings for one member.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE accounts.persons (
    psn_no                  text PRIMARY KEY CHECK (psn_no ~ '^[A-Za-z0-9_-]{1,40}$'),
    id_number_hash          bytea NOT NULL UNIQUE,
    id_number_masked        text NOT NULL,
    name_hash               bytea NOT NULL,
    name_masked             text NOT NULL,
    insurance_type          text NOT NULL CHECK (insurance_type IN ('EMPLOYEE', 'RESIDENT')),
    region_code             text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    status                  text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'EXITED', 'DECEASED')),
    chronic_disease_benefit boolean NOT NULL DEFAULT false,
    retired_cadre           boolean NOT NULL DEFAULT false,
    disabled_veteran_level  smallint NOT NULL DEFAULT 0 CHECK (disabled_veteran_level BETWEEN 0 AND 6),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Internal accounts (PERSONAL, POOL) cache their balance; it is never negative and never less than what is held.
-- External accounts (the contribution fund, institution clearing, premium collection) are the other side of money
-- entering or leaving the system: their balance is only the sum of their postings and is not cached (kept 0).
CREATE TABLE accounts.ledger_accounts (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('PERSONAL', 'POOL', 'CONTRIBUTION_FUND', 'INSTITUTION_CLEARING',
                                              'PREMIUM_COLLECTION')),
    psn_no      text UNIQUE REFERENCES accounts.persons (psn_no),
    balance_fen bigint NOT NULL DEFAULT 0,
    held_fen    bigint NOT NULL DEFAULT 0,
    CONSTRAINT internal_balance_covers_holds CHECK (
        kind NOT IN ('PERSONAL', 'POOL') OR (balance_fen >= 0 AND held_fen >= 0 AND held_fen <= balance_fen)),
    CONSTRAINT external_balance_not_cached CHECK (
        kind IN ('PERSONAL', 'POOL') OR (balance_fen = 0 AND held_fen = 0)),
    CONSTRAINT personal_has_owner CHECK ((kind = 'PERSONAL') = (psn_no IS NOT NULL))
);
INSERT INTO accounts.ledger_accounts (id, kind) VALUES
    (1, 'CONTRIBUTION_FUND'), (2, 'INSTITUTION_CLEARING'), (3, 'PREMIUM_COLLECTION');
SELECT setval('accounts.ledger_accounts_id_seq', 100);

CREATE TABLE accounts.pools (
    id                 bigserial PRIMARY KEY,
    creator_psn_no     text NOT NULL REFERENCES accounts.persons (psn_no),
    account_id         bigint NOT NULL UNIQUE REFERENCES accounts.ledger_accounts (id),
    status             text NOT NULL CHECK (status IN ('ACTIVE', 'DISSOLVED')),
    agreement_version  text NOT NULL CHECK (agreement_version <> ''),
    created_at         timestamptz NOT NULL DEFAULT now(),
    dissolved_at       timestamptz,
    dissolution_reason text,
    CHECK ((status = 'DISSOLVED') = (dissolved_at IS NOT NULL))
);
CREATE UNIQUE INDEX pools_one_active_per_creator ON accounts.pools (creator_psn_no) WHERE status = 'ACTIVE';

CREATE TABLE accounts.memberships (
    id                    bigserial PRIMARY KEY,
    pool_id               bigint NOT NULL REFERENCES accounts.pools (id),
    psn_no                text NOT NULL REFERENCES accounts.persons (psn_no),
    relation              text NOT NULL,
    status                text NOT NULL CHECK (status IN ('INVITED', 'ACTIVE', 'DECLINED', 'REMOVED', 'LEFT',
                                                          'EXPIRED')),
    invited_at            timestamptz NOT NULL DEFAULT now(),
    invitation_expires_at timestamptz NOT NULL,
    joined_at             timestamptz,
    ended_at              timestamptz
);
CREATE UNIQUE INDEX memberships_one_active_per_person ON accounts.memberships (psn_no) WHERE status = 'ACTIVE';
CREATE UNIQUE INDEX memberships_one_open_per_pool ON accounts.memberships (pool_id, psn_no)
    WHERE status IN ('INVITED', 'ACTIVE');
CREATE INDEX memberships_by_pool ON accounts.memberships (pool_id);

CREATE TABLE accounts.reservations (
    id             bigserial PRIMARY KEY,
    payer_psn_no   text NOT NULL REFERENCES accounts.persons (psn_no),
    status         text NOT NULL CHECK (status IN ('HELD', 'DEBITED', 'RELEASED', 'EXPIRED')),
    requested_fen  bigint NOT NULL CHECK (requested_fen > 0),
    fixmedins_code text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finalized_at   timestamptz
);
CREATE INDEX reservations_held_by_expiry ON accounts.reservations (expires_at) WHERE status = 'HELD';

CREATE TABLE accounts.reservation_legs (
    reservation_id   bigint NOT NULL REFERENCES accounts.reservations (id),
    seq              smallint NOT NULL,
    source           text NOT NULL CHECK (source IN ('PERSONAL_ACCOUNT', 'FAMILY_POOL')),
    account_id       bigint REFERENCES accounts.ledger_accounts (id),
    pool_id          bigint REFERENCES accounts.pools (id),
    reserved_fen     bigint NOT NULL CHECK (reserved_fen >= 0),
    debited_fen      bigint NOT NULL DEFAULT 0 CHECK (debited_fen BETWEEN 0 AND reserved_fen),
    refunded_fen     bigint NOT NULL DEFAULT 0 CHECK (refunded_fen BETWEEN 0 AND debited_fen),
    shortfall_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (reservation_id, seq),
    CHECK (account_id IS NOT NULL OR reserved_fen = 0)
);

CREATE TABLE accounts.journal_txns (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('CONTRIBUTION', 'POOL_TRANSFER', 'PAYMENT', 'REFUND',
                                                 'POOL_RETURN', 'RESIDENT_PREMIUM')),
    booked_at      timestamptz NOT NULL DEFAULT now(),
    psn_no         text REFERENCES accounts.persons (psn_no),
    pool_id        bigint REFERENCES accounts.pools (id),
    reservation_id bigint REFERENCES accounts.reservations (id),
    fixmedins_code text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT ''
);
CREATE INDEX journal_txns_by_psn ON accounts.journal_txns (psn_no, id) WHERE psn_no IS NOT NULL;
CREATE INDEX journal_txns_by_pool ON accounts.journal_txns (pool_id, id) WHERE pool_id IS NOT NULL;

CREATE TABLE accounts.postings (
    id         bigserial PRIMARY KEY,
    txn_id     bigint NOT NULL REFERENCES accounts.journal_txns (id),
    account_id bigint NOT NULL REFERENCES accounts.ledger_accounts (id),
    amount_fen bigint NOT NULL CHECK (amount_fen <> 0),
    source     text CHECK (source IN ('PERSONAL_ACCOUNT', 'FAMILY_POOL'))
);
CREATE INDEX postings_by_txn ON accounts.postings (txn_id);
CREATE INDEX postings_by_account ON accounts.postings (account_id);

-- Every journal transaction sums to zero, checked when the DB transaction commits.
CREATE FUNCTION accounts.check_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT sum(amount_fen) FROM accounts.postings WHERE txn_id = NEW.txn_id) <> 0 THEN
        RAISE EXCEPTION 'journal transaction % does not balance', NEW.txn_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON accounts.postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION accounts.check_txn_balanced();

-- Posted entries are never changed or deleted: corrections are new entries.
CREATE FUNCTION accounts.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON accounts.postings
    FOR EACH ROW EXECUTE FUNCTION accounts.reject_change();
CREATE TRIGGER journal_txns_append_only BEFORE UPDATE OR DELETE ON accounts.journal_txns
    FOR EACH ROW EXECUTE FUNCTION accounts.reject_change();

CREATE TABLE accounts.idempotency_keys (
    request_id     text PRIMARY KEY,
    method         text NOT NULL,
    fingerprint    bytea NOT NULL,
    response       bytea,
    error_reason   text,
    error_detail   text,
    error_metadata jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((response IS NULL) <> (error_reason IS NULL))
);
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
