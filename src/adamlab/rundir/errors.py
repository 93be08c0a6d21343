"""How a run fails: ``RunError`` (bad data, a failed or diverged run, a run directory that is
taken, missing or not adamlab's). The CLI maps it to exit status 1."""


class RunError(Exception):
    """Bad data, a failed (e.g. diverged) run, an unreadable file (exit status 1)."""
