"""The ``adamlab`` command line: train, compare, landscape, article, predict, schedule.

Exit status: 0 on success, 2 for a usage error, 1 for bad data or a failed run. No traceback
reaches the user (set ``ADAMLAB_DEBUG=1`` to see one for an internal error).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from adamlab import __version__
from adamlab.cli.errors import RunError, UsageError


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line plus a hint, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from adamlab.cli import (
        article_cmd,
        compare_cmd,
        explore_cmd,
        landscape_cmd,
        lrfind_cmd,
        optimizers_cmd,
        paper_cmd,
        predict_cmd,
        schedule_cmd,
        sweep_cmd,
        train_cmd,
    )

    parser = _Parser(prog="adamlab", description="Train and understand small neural networks "
                     "with Adam and its family, in NumPy.")
    parser.add_argument("--version", action="version", version=f"adamlab {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    common.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (train_cmd, compare_cmd, sweep_cmd, lrfind_cmd, landscape_cmd, article_cmd,
                   paper_cmd, predict_cmd, schedule_cmd, optimizers_cmd, explore_cmd):
        module.add_parser(_WithParents(sub, common))
    return parser


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, unless it is None or False ("not given": the help says what
    then happens) or the help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _WithParents:
    """Adds the common options to every sub-command parser."""

    def __init__(self, sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
        self.sub, self.common = sub, common

    def add_parser(self, name: str, **kwargs):  # noqa: ANN201
        kwargs.setdefault("parents", [self.common])
        kwargs.setdefault("formatter_class", _Formatter)
        return self.sub.add_parser(name, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return int(e.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    prog = f"adamlab {args.command}"
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except (RunError, ValueError, OSError) as e:  # DataError and CheckpointError are ValueErrors
        print(f"{prog}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: say so, briefly
        if os.environ.get("ADAMLAB_DEBUG"):
            raise
        print(f"{prog}: internal error: {type(e).__name__}: {_one_line(e)} "
              "(please report it; ADAMLAB_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _one_line(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    if isinstance(e, OSError) and e.filename:
        text = f"{e.filename}: {e.strerror}"
    return " ".join(text.split())
