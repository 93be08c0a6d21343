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
SHOWN = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", TEXT)
# The explorer's screenshots are made by its browser tests (tests/explore/test_browser.py), not
# by a command of the guide: they are checked below, apart.
FIGURES = [f for f in SHOWN if not f.startswith("figures/explore/")]
SCREENSHOTS = [f for f in SHOWN if f.startswith("figures/explore/")]


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


def test_the_explorer_screenshots_are_the_browser_tests_and_committed():
    tests = (GUIDE.parent.parent / "tests" / "explore" / "test_browser.py").read_text()
    assert len(SCREENSHOTS) >= 3
    for fig in SCREENSHOTS:
        assert (GUIDE.parent / fig).is_file(), f"{fig} is not committed next to the guide"
        assert f'"{Path(fig).name}"' in tests, f"no browser test saves {fig}"
