"""Staff session versions (log-out ends the session everywhere), who cancelled a registration

Revision ID: 7c3e2a9b41d5
Revises: 3c7d2e9a41b5
Create Date: 2026-12-06 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e2a9b41d5'
down_revision = '3c7d2e9a41b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_by', sa.String(length=10), nullable=True))
    # Who ended the registrations cancelled so far, from their last cancel or reject in the audit
    # log; with no trace it stays empty, and only an organiser may undo it.
    op.execute(
        """
        UPDATE registrations SET cancelled_by = (
            SELECT CASE WHEN a.actor = 'self' AND a.action = 'registration.cancel'
                        THEN 'self' ELSE 'staff' END
            FROM audit_log a
            WHERE a.object_type = 'registration' AND a.object_id = registrations.id
              AND a.action IN ('registration.cancel', 'registration.reject')
            ORDER BY a.id DESC LIMIT 1
        )
        WHERE status = 'cancelled'
        """
    )


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('cancelled_by')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
