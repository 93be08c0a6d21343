"""The two ways a command fails, and the exit status each gives."""


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""


class RunError(Exception):
    """Bad data, a failed (e.g. diverged) run, an unreadable file (exit status 1)."""
