"""followups: index for the pre-meeting review's done follow-ups (council, done_at)

Revision ID: 57035e76fc1b
Revises: 653a28df8dea
Create Date: 2026-11-25 21:43:25.621029

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '57035e76fc1b'
down_revision = '653a28df8dea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index('ix_followups_council_done_at', ['council_id', 'done_at'], unique=False)


def downgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_council_done_at')
