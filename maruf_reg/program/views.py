from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("program", __name__)


@bp.route("/")
def index() -> str:
    """The forum's front page."""
    return render_template("program/index.html")
