"""Settlement schema: the durable record of every POS request, written before each call to accounts.

(institution, pos_txn_id) is unique: the idempotency key of a settlement, and of a refund.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE settlement.settlements (
    id                  text PRIMARY KEY,
    institution         text NOT NULL,
    pos_txn_id          text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('SALE', 'AUTHORIZATION', 'TOMBSTONE')),
    payer_psn_no        text NOT NULL DEFAULT '',
    amount_fen          bigint NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    description         text NOT NULL DEFAULT '',
    fingerprint         bytea,
    hold_ttl_seconds    integer NOT NULL DEFAULT 0,
    -- PENDING, CAPTURING, VOIDING, COMPENSATING and REVERSING are intents: a call to accounts may be under way.
    status              text NOT NULL CHECK (status IN ('PENDING', 'AUTHORIZED', 'CAPTURING', 'COMPLETED',
                            'DECLINED', 'VOIDING', 'VOIDED', 'EXPIRED', 'COMPENSATING', 'REVERSING', 'REVERSED')),
    reservation_id      text,
    authorized_fen      bigint NOT NULL DEFAULT 0 CHECK (authorized_fen >= 0),
    capture_fen         bigint CHECK (capture_fen >= 0),
    acct_pay_fen        bigint NOT NULL DEFAULT 0 CHECK (acct_pay_fen >= 0),
    acct_mulaid_pay_fen bigint NOT NULL DEFAULT 0 CHECK (acct_mulaid_pay_fen >= 0),
    psn_cash_pay_fen    bigint NOT NULL DEFAULT 0 CHECK (psn_cash_pay_fen >= 0),
    balc_fen            bigint NOT NULL DEFAULT 0,
    pool_balc_fen       bigint NOT NULL DEFAULT 0,
    decline_reason      text NOT NULL DEFAULT '',
    decline_message     text NOT NULL DEFAULT '',
    expires_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz,
    UNIQUE (institution, pos_txn_id),
    CHECK (acct_pay_fen + acct_mulaid_pay_fen + psn_cash_pay_fen <= amount_fen OR kind = 'TOMBSTONE')
);
CREATE INDEX settlements_unfinished ON settlement.settlements (updated_at)
    WHERE status IN ('PENDING', 'CAPTURING', 'VOIDING', 'COMPENSATING', 'REVERSING');
CREATE INDEX settlements_authorized ON settlement.settlements (expires_at) WHERE status = 'AUTHORIZED';
CREATE INDEX settlements_by_created ON settlement.settlements (institution, created_at, id);
CREATE INDEX settlements_by_completed ON settlement.settlements (institution, completed_at)
    WHERE status = 'COMPLETED';

CREATE TABLE settlement.refunds (
    id                     bigserial PRIMARY KEY,
    settlement_id          text NOT NULL REFERENCES settlement.settlements (id),
    institution            text NOT NULL,
    refund_pos_txn_id      text NOT NULL,
    amount_fen             bigint NOT NULL CHECK (amount_fen > 0),
    is_reversal            boolean NOT NULL DEFAULT false,
    status                 text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'DECLINED')),
    acct_refund_fen        bigint NOT NULL DEFAULT 0,
    acct_mulaid_refund_fen bigint NOT NULL DEFAULT 0,
    decline_reason         text NOT NULL DEFAULT '',
    decline_message        text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL DEFAULT now(),
    completed_at           timestamptz,
    UNIQUE (institution, refund_pos_txn_id)
);
CREATE INDEX refunds_by_settlement ON settlement.refunds (settlement_id);
CREATE INDEX refunds_pending ON settlement.refunds (created_at) WHERE status = 'PENDING';
CREATE INDEX refunds_by_completed ON settlement.refunds (institution, completed_at) WHERE status = 'COMPLETED';
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
