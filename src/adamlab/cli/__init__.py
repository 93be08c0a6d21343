"""The ``adamlab`` command line: train, compare, sweep, lr-find, landscape, article, predict,
schedule, optimizers, explore.

Exit status: 0 on success, 2 for a usage error (argparse's own included), 1 for bad data or a
failed run, 130 when interrupted. No traceback reaches the user (set ``ADAMLAB_DEBUG=1`` to see
one for an internal error).

``--json``: stdout holds exactly one JSON document, whatever happens. The command's own output
is collected and checked to be one document; a failure (a usage error too) prints
``{"error": {"message", "kind", "exit_code"}}`` instead, with what the command had printed as
``"result"`` when it was JSON (e.g. a sweep whose runs failed), and the same exit status as
without ``--json``. ``--help`` under ``--json`` is ``{"help": TEXT}``. ``explore`` prints its
``{"url": ...}`` at once (a script waits for it) and is not collected.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence

from adamlab import __version__
from adamlab.cli.errors import describe
from adamlab.cli.interrupt import sigterm_as_interrupt

#: Commands whose stdout is a stream a script reads while they run: not collected.
STREAMING = {"explore"}


class ArgumentProblem(Exception):
    """argparse's usage error, raised instead of printed so ``main`` can say it (or as JSON)."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog, self.message = prog, message


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is raised (``ArgumentProblem``) for ``main`` to report."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ArgumentProblem(self.prog, message)


def build_parser() -> argparse.ArgumentParser:
    from adamlab.cli import (
        article_cmd,
        bench_cmd,
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
    flags = frozenset(o for a in common._actions for o in a.option_strings)
    parser.set_defaults(common_flags=flags)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (train_cmd, compare_cmd, sweep_cmd, lrfind_cmd, bench_cmd, landscape_cmd,
                   article_cmd, paper_cmd, predict_cmd, schedule_cmd, optimizers_cmd, explore_cmd):
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
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:  # stdout closed early (``| head``): nothing left to say to anyone
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: list[str]) -> int:
    as_json = _wants_json(argv)
    parser = build_parser()
    argv = _common_after_command(argv, parser.get_default("common_flags"))
    shown = io.StringIO() if as_json else None
    try:
        with _collected(shown):
            args, extra = parser.parse_known_args(argv)
        if extra:
            _unrecognized(parser, args, extra)
    except ArgumentProblem as e:
        return _fail(e.prog, "usage", 2, e.message, as_json, hint=True)
    except SystemExit as e:  # --help or --version, printed
        if shown is not None:
            print(json.dumps({"help": shown.getvalue()}))
        return int(e.code or 0)
    if not getattr(args, "func", None):
        if as_json:
            return _fail("adamlab", "usage", 2, "give a command", as_json, hint=True)
        parser.print_help()
        return 2
    args.json = as_json = as_json or bool(getattr(args, "json", False))
    prog = f"adamlab {args.command}"
    output = io.StringIO() if as_json and args.command not in STREAMING else None
    try:
        with _collected(output), sigterm_as_interrupt():
            code = int(args.func(args) or 0)
    except (Exception, KeyboardInterrupt) as e:
        kind, status, message = describe(e)
        if kind == "internal" and os.environ.get("ADAMLAB_DEBUG"):
            raise
        return _fail(prog, kind, status, message, as_json,
                     printed=None if output is None else output.getvalue())
    if output is not None:
        print(_one_document(output.getvalue()))
    return code


def _unrecognized(parser: argparse.ArgumentParser, args: argparse.Namespace,
                  extra: list[str]) -> None:
    """Raise the usage error for arguments no parser took, from the command's own parser, with
    the nearest option it has ("did you mean --lr?")."""
    import difflib

    command = getattr(args, "command", None)
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    own = sub.choices.get(command) if sub is not None and command else None
    prog = own.prog if own is not None else parser.prog
    message = f"unrecognized arguments: {' '.join(extra)}"
    options = [o for a in (own or parser)._actions for o in a.option_strings
               if a.help != argparse.SUPPRESS]
    close = difflib.get_close_matches(extra[0].split("=")[0], options, n=1, cutoff=0.75)
    if close:
        message += f"; did you mean {close[0]}?"
    raise ArgumentProblem(prog, message)


def _common_after_command(argv: list[str], flags: frozenset[str]) -> list[str]:
    """``adamlab -q train ...`` as ``adamlab train -q ...``: the options every command has
    (``--quiet``, ``--json``, or a prefix argparse would take for one, ``--js``) may come before
    the command's name too. Given alone, they leave no command (the usage error says so)."""
    def common(word: str) -> bool:
        return word in flags or (word.startswith("--") and len(word) > 2
                                 and sum(f.startswith(word) for f in flags) == 1)

    lead = 0
    while lead < len(argv) and common(argv[lead]):
        lead += 1
    if lead == len(argv):
        return []
    if lead == 0 or argv[lead].startswith("-"):
        return argv
    return [argv[lead], *argv[:lead], *argv[lead + 1:]]


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether ``--json`` (or an abbreviation argparse would take for it) is among the args."""
    words = argv[:argv.index("--")] if "--" in argv else argv
    return any(a.startswith("--js") and "--json".startswith(a) for a in words)


@contextlib.contextmanager
def _collected(buffer: io.StringIO | None) -> Iterator[None]:
    """stdout into ``buffer`` (None: left alone)."""
    if buffer is None:
        yield
        return
    with contextlib.redirect_stdout(buffer):
        yield


def _one_document(text: str) -> str:
    """``text`` if it is one JSON document, else ``{"stdout": text}``: one document either way,
    and strict JSON (NaN and ±Infinity, which Python writes, become null)."""
    try:
        doc = _strict(text)
    except ValueError:
        return json.dumps({"stdout": text})
    return json.dumps(doc, allow_nan=False, indent=2 if "\n" in text.strip() else None)


def _strict(text: str) -> object:
    """``json.loads(text)`` with NaN and ±Infinity read as None."""
    return json.loads(text, parse_constant=lambda _: None)


def _fail(prog: str, kind: str, status: int, message: str, as_json: bool, *,
          hint: bool = False, printed: str | None = None) -> int:
    """Say what went wrong on stderr, and under ``--json`` as an error object on stdout."""
    said = message if kind in ("internal", "interrupted") else f"error: {message}"
    print(f"{prog}: {said}" + (f"\n(see '{prog} --help')" if hint else ""), file=sys.stderr)
    if as_json:
        document: dict = {"error": {"message": message, "kind": kind, "exit_code": status,
                                    "command": prog}}
        if printed and printed.strip():
            try:
                document["result"] = _strict(printed)
            except ValueError:
                document["stdout"] = printed
        print(json.dumps(document, allow_nan=False))
    return status
