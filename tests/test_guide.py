"""Every command in docs/guide.md runs, and makes every figure the guide shows."""

import re
import shlex
from pathlib import Path

import pytest

from adamlab.cli import main

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide.md"
TEXT = GUIDE.read_text()
COMMANDS = [line.strip() for block in re.findall(r"```bash\n(.*?)```", TEXT, re.S)
            for line in block.splitlines() if line.strip().startswith("adamlab ")]
FIGURES = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", TEXT)


def test_the_guide_has_commands_and_figures():
    assert len(COMMANDS) >= 5 and len(FIGURES) >= 6


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = tmp_path_factory.mktemp("guide")
    import os

    cwd = os.getcwd()
    os.chdir(root)
    try:
        codes = {cmd: main(shlex.split(cmd)[1:] + ["--quiet"] * ("--quiet" not in cmd))
                 for cmd in COMMANDS}
    finally:
        os.chdir(cwd)
    return root, codes


def test_every_command_succeeds(ran):
    _, codes = ran
    assert codes and all(code == 0 for code in codes.values()), codes


def test_every_figure_is_made_by_a_command(ran):
    root, _ = ran
    for fig in FIGURES:
        made = root / "docs" / fig
        assert made.is_file() and made.stat().st_size > 10_000, fig
        assert (GUIDE.parent / fig).is_file(), f"{fig} is not committed next to the guide"
