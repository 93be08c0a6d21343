"""docs/scaling.md: its commands are valid ``adamlab sweep`` command lines, its figures exist."""

import re
import shlex
from pathlib import Path

import pytest

from adamlab.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"
TEXT = (DOCS / "scaling.md").read_text()
COMMANDS = [line.strip() for block in re.findall(r"```bash\n(.*?)```", TEXT, re.S)
            for line in block.splitlines() if line.strip().startswith("adamlab ")]
FIGURES = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", TEXT)


def test_the_page_has_commands_and_figures():
    assert len(COMMANDS) >= 2 and FIGURES
    for figure in FIGURES:
        assert (DOCS / figure).is_file(), figure


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_parses(command):
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert args.command == "sweep"
