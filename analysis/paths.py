"""The project's folders, in one place (as cookiecutter-data-science's ``config.py``).

Every module that reads or writes a file takes its folder from here. Environment
variables, which the runner sets for the kernels it starts, move three of them:
``DSTC_DATA_DIR`` (the data folder), ``DSTC_FIGURES_DIR`` (where figures are saved) and
``DSTC_FIGURES_LINK`` (that folder as a notebook links to it).
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
#: The baseline report's figures as the site uses them (variants included); built, not committed.
BASELINE_FIGURES_DIR = REPORTS_DIR / "baseline" / "figures"
#: The baseline's citable figures, committed once at the top level (the design card's layout): each
#: figure's SVG, PNG and data CSV, ``figures.csv`` and ``README.md``, copied there by a baseline build.
FIGURES_DIR = REPO_ROOT / "figures"
#: Scratch output of notebooks run on their own (figures) and of ``make lock``.
BUILD_DIR = REPO_ROOT / "build"


def figures_dir() -> Path:
    """Where :func:`analysis.figures.save` writes: ``$DSTC_FIGURES_DIR`` or ``build/figures``."""
    env = os.environ.get("DSTC_FIGURES_DIR")
    return Path(env) if env else BUILD_DIR / "figures"


def figures_link() -> str:
    """The figures folder as a URL relative to the running notebook.

    ``$DSTC_FIGURES_LINK`` when the runner sets it (``../figures`` in a report, whose notebooks
    sit in ``notebooks/`` beside ``figures/``); otherwise :func:`figures_dir` relative to the
    working folder, which is the notebook's own when run on its own.
    """
    env = os.environ.get("DSTC_FIGURES_LINK")
    if env:
        return env
    return Path(os.path.relpath(figures_dir().resolve(), Path.cwd().resolve())).as_posix()
