"""people without an e-mail address (walk-ins, erased)

Revision ID: 1be6a23527e8
Revises: 76e82d6a47c6
Create Date: 2026-12-06 01:51:58.132491

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1be6a23527e8'
down_revision = '76e82d6a47c6'
branch_labels = None
depends_on = None


# SQLite changes a column's NULL rule by copying the table into a new one (foreign keys are off
# meanwhile: migrations/env.py). The people search's triggers go with the old table: they are made
# again on the new one.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS people_search_insert AFTER INSERT ON people BEGIN "
    "INSERT INTO people_search(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER IF NOT EXISTS people_search_delete AFTER DELETE ON people BEGIN "
    "INSERT INTO people_search(people_search, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER IF NOT EXISTS people_search_update AFTER UPDATE OF search_key ON people BEGIN "
    "INSERT INTO people_search(people_search, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); "
    "INSERT INTO people_search(rowid, search_key) VALUES (new.id, new.search_key); END",
    "INSERT INTO people_search(people_search) VALUES ('rebuild')",
]


def _alter_email(nullable):
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=nullable)
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade():
    _alter_email(True)


def downgrade():
    _alter_email(False)
