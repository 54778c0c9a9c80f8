"""The door's rules: session windows and full rooms per point, a scan's clock skew and fingerprint,
the outcomes NOT NOW, ROOM FULL and POINT INACTIVE

Revision ID: 3c7d2e9a41b5
Revises: 8e25e5a0e9c2
Create Date: 2026-12-06 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c7d2e9a41b5'
down_revision = '8e25e5a0e9c2'
branch_labels = None
depends_on = None

OLD_OUTCOMES = ('admitted', 'already_in', 'not_allowed', 'revoked', 'unknown', 'invalid', 'exited')
NEW_OUTCOMES = OLD_OUTCOMES + ('not_now', 'room_full', 'point_inactive')


def _outcome(values):
    return sa.Enum(*values, name='outcome', native_enum=False, create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table('checkin_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closes_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('full_policy', sa.Enum('refuse', 'warn', name='fullpolicy', native_enum=False, create_constraint=True, length=20), nullable=True))

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_skew', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=32), nullable=True))
        batch_op.alter_column('outcome', existing_type=_outcome(OLD_OUTCOMES), type_=_outcome(NEW_OUTCOMES), existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM scans WHERE outcome IN ('not_now', 'room_full', 'point_inactive')")
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=_outcome(NEW_OUTCOMES), type_=_outcome(OLD_OUTCOMES), existing_nullable=False)
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('clock_skew')

    with op.batch_alter_table('checkin_points', schema=None) as batch_op:
        batch_op.drop_column('full_policy')
        batch_op.drop_column('closes_minutes')
        batch_op.drop_column('opens_minutes')
