"""Forums: a description for the front page, and frozen earlier editions

Revision ID: 5b1f0e7c2a90
Revises: 1ef5c28891e7
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1f0e7c2a90'
down_revision = '1ef5c28891e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_tr', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('description_en', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('frozen', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.drop_column('frozen')
        batch_op.drop_column('description_en')
        batch_op.drop_column('description_tr')
