"""The programme's rules: forums, themes, rooms, sessions and their speakers."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Forum


def current_forum() -> Forum | None:
    """The forum the public pages serve: `FORUM_SLUG`, else the one that starts last."""
    if "forum" not in g:
        slug = current_app.config["FORUM_SLUG"]
        query = select(Forum)
        query = (
            query.where(Forum.slug == slug)
            if slug
            else query.order_by(Forum.starts_on.desc(), Forum.id.desc())
        )
        g.forum = db.session.scalars(query.limit(1)).first()
    forum: Forum | None = g.forum
    return forum
