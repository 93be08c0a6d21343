"""No layer calls back up (docs/architecture.md): every import inside ``src/adamlab``, at the
top of a module or inside a function, goes to a lower tier. The path of ``adamlab train`` is
cli -> rundir -> experiment -> data -> nn/optim -> train -> history/plots."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "adamlab"

#: Tiers from the bottom; a module may import only modules of lower tiers (and its own package).
TIERS = [
    {"atomic", "_jit", "__version__", "smoothing"},
    {"data", "optim", "nn"},
    {"landscape", "matrix_problem"},
    {"train", "plot"},
    {"lrfind"},
    {"experiment", "estimators", "article"},
    {"rundir", "population"},
    {"sweep", "papers"},
    {"bench"},
    {"explore"},
    {"cli"},
    {"__main__"},
]
TIER = {name: i for i, names in enumerate(TIERS) for name in names}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "adamlab" and len(parts) > 1 else None


def _imports(path: Path) -> set[str]:
    """The adamlab layers ``path`` imports (``from adamlab import x`` counts as layer x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = ([f"adamlab.{a.name}" for a in node.names] if node.module == "adamlab"
                       else [node.module])
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        found |= {layer for m in modules if (layer := _layer(m)) is not None}
    return found


def test_every_package_has_a_tier():
    packages = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
                if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert packages <= set(TIER), f"give {sorted(packages - set(TIER))} a tier in TIERS"


def test_no_layer_imports_one_above_it():
    upward = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        me = _layer(".".join(rel.parts))
        if me is None or me not in TIER:
            continue
        for other in _imports(path) - {me}:
            if TIER.get(other, -1) >= TIER[me]:
                upward.append(f"{rel} imports adamlab.{other}")
    assert not upward, upward
