"""Role checks for views: every staff page says which roles may open it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from maruf_reg.extensions import login_manager
from maruf_reg.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """Let in the given roles (and admins); anonymous users are sent to log in, others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset({Role.ADMIN, *roles})  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = role_required()


def takes_tokens(view: F) -> F:
    """A form route a bearer token may post to (the view copes with a user that is no staff
    user); other writes outside the JSON API refuse tokens with 403."""
    view.takes_tokens = True  # type: ignore[attr-defined]
    return view
