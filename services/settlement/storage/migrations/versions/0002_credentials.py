"""Settlement: the credential the payer presented (就诊凭证) on every settlement, never its number in clear.

A settlement keeps the credential's type (mdtrt_cert_type), the keyed hash (HMAC-SHA256, key GONGJI_CREDENTIAL_HASH_KEY)
of its number, and a masked form that shows at most its last four characters (for GetSettlement). The schema itself
refuses anything else in the masked column. Rows written before this migration carry no credential; every payment
written after it must (a tombstone never has one).
"""

from alembic import op

from services.common.migrate import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = r"""
ALTER TABLE settlement.settlements
    ADD COLUMN mdtrt_cert_type text
        CHECK (mdtrt_cert_type IN ('ELECTRONIC_CREDENTIAL', 'ID_CARD', 'SOCIAL_SECURITY_CARD')),
    ADD COLUMN mdtrt_cert_no_hash bytea CHECK (octet_length(mdtrt_cert_no_hash) = 32),
    ADD COLUMN mdtrt_cert_no_masked text NOT NULL DEFAULT '' CHECK (mdtrt_cert_no_masked ~ '^\*{0,14}[!-~]{0,4}$');
-- NOT VALID: checked for every row written from now on, not for the rows written before credentials existed.
ALTER TABLE settlement.settlements ADD CONSTRAINT settlements_payment_has_credential
    CHECK (kind = 'TOMBSTONE' OR (mdtrt_cert_type IS NOT NULL AND mdtrt_cert_no_hash IS NOT NULL)) NOT VALID;
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
