"""The project's folders, in one place (as cookiecutter-data-science's ``config.py``).

Every module that reads or writes a file takes its folder from here. Two can be moved
by environment variables, which the runner sets for the kernels it starts:
``DSTC_DATA_DIR`` (the data folder) and ``DSTC_FIGURES_DIR`` (where figures are saved).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository's root folder.
REPO_ROOT = Path(__file__).resolve().parents[1]
#: The sourced inputs; ``DSTC_DATA_DIR`` points kernels at another copy.
DATA_DIR = Path(os.environ.get("DSTC_DATA_DIR") or REPO_ROOT / "data")
#: The step notebooks, committed without outputs.
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
#: What builds write: ``reports/<scenario>/``.
REPORTS_DIR = REPO_ROOT / "reports"
#: The committed baseline figures.
FIGURES_DIR = REPO_ROOT / "figures"
#: Scratch output of notebooks run on their own (figures) and of ``make lock``.
BUILD_DIR = REPO_ROOT / "build"


def figures_dir() -> Path:
    """Where :func:`analysis.figures.save` writes: ``$DSTC_FIGURES_DIR`` or ``build/figures``."""
    env = os.environ.get("DSTC_FIGURES_DIR")
    return Path(env) if env else BUILD_DIR / "figures"
