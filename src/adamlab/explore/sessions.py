"""Per-tab sessions: each browser tab asks ``POST /api/session`` for a token and keeps it in
page memory (no cookie), so a second tab gets its own training run.

At most ``LIMITS["sessions"]`` live at once: a new one pushes out the least recently used
(one that is training right now is never pushed out; when all are, the new one is refused).
A session idle for ``LIMITS["session_idle_seconds"]`` is forgotten.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from adamlab.explore.validate import LIMITS, BadRequest

__all__ = ["Session", "SessionStore"]


@dataclass
class Session:
    token: str
    used: float = field(default_factory=time.monotonic)
    playground: Any = None  # an adamlab.explore.playground.Playground once set up
    busy: int = 0  # requests working on it now


class SessionStore:
    """Tokens -> sessions, bounded, thread-safe."""

    def __init__(self, limit: int | None = None, idle_seconds: float | None = None) -> None:
        self.limit = LIMITS["sessions"] if limit is None else limit
        self.idle = LIMITS["session_idle_seconds"] if idle_seconds is None else idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self) -> Session:
        with self._lock:
            self._forget_idle()
            if len(self._sessions) >= self.limit:
                free = [s for s in self._sessions.values() if not s.busy]
                if not free:
                    raise BadRequest(f"all {self.limit} sessions are training; "
                                     "close a tab or pause one, then reload")
                del self._sessions[min(free, key=lambda s: s.used).token]
            session = Session(secrets.token_hex(16))
            self._sessions[session.token] = session
            return session

    def get(self, token: str) -> Session:
        with self._lock:
            self._forget_idle()
            session = self._sessions.get(token)
            if session is None:
                raise BadRequest("unknown or expired session; reload the page for a new one")
            session.used = time.monotonic()
            return session

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for token in [t for t, s in self._sessions.items()
                      if not s.busy and now - s.used > self.idle]:
            del self._sessions[token]
