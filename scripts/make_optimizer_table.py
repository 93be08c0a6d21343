"""Rewrite the generated optimizer table in docs/optimizers.md from the registry.

    python scripts/make_optimizer_table.py          # after adding a registry row

tests/optim/test_table.py fails while the docs' table and the registry disagree.
"""

from __future__ import annotations

from pathlib import Path

from adamlab.optim import table

DOC = Path(__file__).resolve().parents[1] / "docs" / "optimizers.md"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    a, b = text.index(table.MARK_BEGIN), text.index(table.MARK_END) + len(table.MARK_END)
    DOC.write_text(text[:a] + table.markdown() + text[b:], encoding="utf-8")
    print(f"wrote the table of {len(table.rows())} optimizers into {DOC}")


if __name__ == "__main__":
    main()
