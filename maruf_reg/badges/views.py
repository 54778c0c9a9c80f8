from __future__ import annotations

from flask import Blueprint

bp = Blueprint("badges", __name__)
