"""Every session gets its door: sessions.no_checkin, and a door for each session that has none

Revision ID: d0025e55a1b2
Revises: e677115ecca5
Create Date: 2026-12-06 04:50:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd0025e55a1b2'
down_revision = 'e677115ecca5'
branch_labels = None
depends_on = None

_sessions = sa.table(
    'sessions',
    sa.column('id', sa.Integer),
    sa.column('forum_id', sa.Integer),
    sa.column('room_id', sa.Integer),
    sa.column('title_tr', sa.String),
    sa.column('no_checkin', sa.Boolean),
)
_rooms = sa.table('rooms', sa.column('id', sa.Integer), sa.column('name', sa.String))
_points = sa.table(
    'checkin_points',
    sa.column('forum_id', sa.Integer),
    sa.column('name', sa.String),
    sa.column('kind', sa.String),
    sa.column('session_id', sa.Integer),
    sa.column('categories', sa.JSON),
    sa.column('counts_exit', sa.Boolean),
    sa.column('active', sa.Boolean),
    sa.column('created_at', sa.DateTime),
)


def upgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('no_checkin', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # The sessions made before every session got its door (checkin/doors.py names them alike).
    has_door = sa.exists().where(
        _points.c.session_id == _sessions.c.id, _points.c.kind == 'session'
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_sessions.c.id, _sessions.c.forum_id, _sessions.c.title_tr, _rooms.c.name)
        .select_from(_sessions.outerjoin(_rooms, _rooms.c.id == _sessions.c.room_id))
        .where(~has_door)
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    doors = [
        {
            'forum_id': forum_id,
            'name': (f'{room} · {title}' if room else title)[:100],
            'kind': 'session',
            'session_id': session_id,
            'categories': [],
            'counts_exit': False,
            'active': True,
            'created_at': now,
        }
        for session_id, forum_id, title, room in rows
    ]
    if doors:
        op.bulk_insert(_points, doors)


def downgrade():
    # The doors stay: they may have scans by now.
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('no_checkin')
