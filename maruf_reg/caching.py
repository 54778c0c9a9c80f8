"""Small in-process caches with a time to live, kept per app.

Used on the hot scan path for what changes rarely (API tokens, check-in point rules). Each app
has its own caches (tests make an app per test, on tables whose ids start again at 1).
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from cachetools import TTLCache
from flask import current_app

K = TypeVar("K")
V = TypeVar("V")
_creation_lock = threading.Lock()


class AppCache(Generic[K, V]):
    """A TTL cache per app, safe to use from several threads.

    `ttl` is seconds, or the name of a config key that holds them.
    """

    def __init__(self, name: str, *, maxsize: int, ttl: float | str) -> None:
        self.name = name
        self.maxsize = maxsize
        self.ttl = ttl

    def _store(self) -> tuple[TTLCache[K, V], threading.Lock]:
        caches: dict[str, Any] = current_app.extensions.setdefault("maruf_caches", {})
        store = caches.get(self.name)
        if store is None:
            ttl = current_app.config[self.ttl] if isinstance(self.ttl, str) else self.ttl
            with _creation_lock:
                store = caches.setdefault(
                    self.name, (TTLCache(maxsize=self.maxsize, ttl=float(ttl)), threading.Lock())
                )
        return store  # type: ignore[no-any-return]

    def get(self, key: K) -> V | None:
        cache, lock = self._store()
        with lock:
            return cache.get(key)

    def set(self, key: K, value: V) -> None:
        cache, lock = self._store()
        with lock:
            cache[key] = value

    def clear(self) -> None:
        cache, lock = self._store()
        with lock:
            cache.clear()
