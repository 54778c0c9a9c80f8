"""Extensions, created once here and bound to an app in `create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DDL, MetaData, event
from sqlalchemy.orm import DeclarativeBase

from maruf_reg.jobs import huey

# Named constraints so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The people search's trigram index needs PostgreSQL's pg_trgm (a trusted extension: the database's
# owner may create it). The migrations create it too.
event.listen(
    Base.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(  # type: ignore[no-untyped-call]
        dialect="postgresql"
    ),
)


db = SQLAlchemy(model_class=Base)

# Models subclass `Model`: Flask-SQLAlchemy's db.Model at run time; for mypy, the typed Base it wraps.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["babel", "csrf", "db", "huey", "limiter", "login_manager"]
