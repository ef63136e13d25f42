"""initiatives report on several plan items

The primary item stays in initiatives.plan_item_id, so every existing initiative keeps its item as it
is; the new table holds only the further items an initiative names (厚木保健福祉事務所: 8 and 9 beside 1).

Revision ID: 43e71a25232c
Revises: acbce7e6cf6c
Create Date: 2026-11-25 18:01:37.122073

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '43e71a25232c'
down_revision = 'acbce7e6cf6c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('initiative_secondary_plan_items',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_secondary_plan_items_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_initiative_secondary_plan_items_plan_item_id_plan_items')),
    sa.PrimaryKeyConstraint('initiative_id', 'plan_item_id', name=op.f('pk_initiative_secondary_plan_items'))
    )
    with op.batch_alter_table('initiative_secondary_plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_secondary_plan_items_plan_item_id'), ['plan_item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('initiative_secondary_plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_secondary_plan_items_plan_item_id'))

    op.drop_table('initiative_secondary_plan_items')
