"""The two ways a command fails, and the exit status each gives.

``UsageError`` is the command line's own (exit 2); ``RunError`` (exit 1) belongs to the run layer
(``adamlab.rundir``), which raises it for runs and run directories, and is re-exported here.
"""

from adamlab.rundir.errors import RunError

__all__ = ["RunError", "UsageError"]


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""
