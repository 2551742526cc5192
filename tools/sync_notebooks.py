"""Bring the step notebooks in line with the code: generated parameters cells, stable cell ids, no outputs.

Each notebook whose step is a function of :mod:`analysis.steps` gets, as its parameters cell, the
text :func:`analysis.notebooks.parameters_cell_source` generates from the register for that step's
``PARAMETERS`` (a test checks the committed cells equal it). Every cell gets an id ``c00``, ``c01``,
... in order, and code cells lose any outputs. Run after changing a step's parameters, the
register, or a notebook's cells::

    .venv/bin/python tools/sync_notebooks.py
"""

import json
import sys
from pathlib import Path

from analysis import notebooks, params, steps


def sync(path: Path) -> bool:
    """Rewrite ``path`` in place; True if it changed."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    module = steps.MODULES.get(path.stem)
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"c{i:02d}"
        if cell["cell_type"] != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        if module is not None and "parameters" in cell["metadata"].get("tags", []):
            source = notebooks.parameters_cell_source(
                module.PARAMETERS, params.load_register(), getattr(module, "RUN_SETTINGS", ())
            )
            cell["source"] = source.splitlines(keepends=True)
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    for p in [Path(a) for a in sys.argv[1:]] or notebooks.notebook_paths():
        if sync(p):
            print(f"updated {p.name}")
