"""Every command in the guide's chapters runs, and makes every figure the chapters show.

The guide is docs/guide.md plus one file per later chapter (docs/guide-*.md); each chapter's
commands run in a fresh directory, from which its figures must come.
"""

import os
import re
import shlex
from pathlib import Path

import pytest

from adamlab.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHAPTERS = [DOCS / "guide.md", *sorted(DOCS.glob("guide-*.md"))]


def commands(text):
    return [line.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)
            for line in block.splitlines() if line.strip().startswith("adamlab ")]


def shown(text):
    return re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", text)


# The explorer's screenshots are made by its browser tests (tests/explore/test_browser.py), not
# by a command of the guide: they are checked below, apart.
def figures(text):
    return [f for f in shown(text) if not f.startswith("figures/explore/")]


def test_the_guide_has_commands_and_figures():
    text = CHAPTERS[0].read_text()
    assert len(commands(text)) >= 5 and len(figures(text)) >= 6
    for chapter in CHAPTERS[1:]:
        assert commands(chapter.read_text()) and figures(chapter.read_text()), chapter.name


@pytest.fixture(scope="module", params=CHAPTERS, ids=[c.name for c in CHAPTERS])
def ran(request, tmp_path_factory):
    chapter = request.param
    text = chapter.read_text()
    root = tmp_path_factory.mktemp(chapter.stem)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        codes = {cmd: main(shlex.split(cmd)[1:] + ["--quiet"] * ("--quiet" not in cmd))
                 for cmd in commands(text)}
    finally:
        os.chdir(cwd)
    return text, root, codes


def test_every_command_succeeds(ran):
    _, _, codes = ran
    assert codes and all(code == 0 for code in codes.values()), codes


def test_every_figure_is_made_by_a_command(ran):
    text, root, _ = ran
    for fig in figures(text):
        made = root / "docs" / fig
        assert made.is_file() and made.stat().st_size > 10_000, fig
        assert (DOCS / fig).is_file(), f"{fig} is not committed next to the guide"


def test_the_explorer_screenshots_are_the_browser_tests_and_committed():
    tests = (DOCS.parent / "tests" / "explore" / "test_browser.py").read_text()
    screenshots = [f for c in CHAPTERS for f in shown(c.read_text())
                   if f.startswith("figures/explore/")]
    assert len(screenshots) >= 3
    for fig in screenshots:
        assert (DOCS / fig).is_file(), f"{fig} is not committed next to the guide"
        assert f'"{Path(fig).name}"' in tests, f"no browser test saves {fig}"
