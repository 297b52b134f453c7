"""Cross-region visits (异地就医): each settlement records where the payer is insured as the platform told the POS
(insuplc_admdvs) and where the care happened (mdtrtarea_admvs, the institution's configured region), which decided
whether the family pool could pay."""

from alembic import op

from services.common.migrate import execute_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE settlement.settlements
    ADD COLUMN insuplc_admdvs text NOT NULL DEFAULT '' CHECK (insuplc_admdvs ~ '^([0-9]{6})?$'),
    ADD COLUMN mdtrtarea_admvs text NOT NULL DEFAULT '' CHECK (mdtrtarea_admvs ~ '^([0-9]{6})?$');
"""


def upgrade() -> None:
    execute_script(op, SCHEMA)
