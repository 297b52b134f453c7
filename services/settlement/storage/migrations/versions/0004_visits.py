"""The links to the national platform's records (2206/2207), and the patient's choice of accounts (acct_used_flag).

Each settlement records the visit and bill it belongs to — mdtrt_id, setl_id (when known), insutype, med_type,
medfee_sumamt and fund_pay_sumamt, in fen — beside its personal part (amount_fen, the platform's psn_part_amt); the
schema refuses a personal part or a fund part larger than the bill. It also records which accounts the patient let pay
(OWN_THEN_POOL, OWN_ONLY, NONE) and, per account source that gave less than was still needed, why (a reason code).
Rows written before carry an empty visit and OWN_THEN_POOL.
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE settlement.settlements
    ADD COLUMN mdtrt_id text NOT NULL DEFAULT '',
    ADD COLUMN setl_id text NOT NULL DEFAULT '',
    ADD COLUMN insutype text NOT NULL DEFAULT '',
    ADD COLUMN med_type text NOT NULL DEFAULT '',
    ADD COLUMN medfee_sumamt_fen bigint NOT NULL DEFAULT 0 CHECK (medfee_sumamt_fen >= 0),
    ADD COLUMN fund_pay_sumamt_fen bigint NOT NULL DEFAULT 0 CHECK (fund_pay_sumamt_fen >= 0),
    ADD COLUMN account_use text NOT NULL DEFAULT 'OWN_THEN_POOL'
        CHECK (account_use IN ('OWN_THEN_POOL', 'OWN_ONLY', 'NONE')),
    ADD COLUMN acct_shortfall_reason text NOT NULL DEFAULT '',
    ADD COLUMN acct_mulaid_shortfall_reason text NOT NULL DEFAULT '';
-- A bill's parts never exceed it (rows without a visit have a total of 0 and are not checked).
ALTER TABLE settlement.settlements ADD CONSTRAINT settlements_bill_parts CHECK (
    medfee_sumamt_fen = 0 OR fund_pay_sumamt_fen + amount_fen <= medfee_sumamt_fen);
CREATE INDEX settlements_by_visit ON settlement.settlements (institution, mdtrt_id) WHERE mdtrt_id <> '';
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
