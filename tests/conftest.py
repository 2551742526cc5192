"""Shared fixtures: a scratch copy of data/, the CLI, and one real baseline build per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import paths as _paths
from analysis import report as _report

REPO = _paths.REPO_ROOT


def random_register_point(register, seed: int) -> dict:
    """Every ranged parameter of ``register`` at a uniform draw in its range (the H800s and H100s at most half
    the Hopper total each, as the fleet's rule requires): a run no scenario names, for tests that must hold
    at any point of the register."""
    import numpy as np

    rng = np.random.default_rng(seed)
    point = {}
    for name, p in register.items():
        if p.low is None or p.distribution == "fixed" or name in ("h800_gpus", "h100_gpus"):
            continue
        value = rng.uniform(p.low, p.high)
        point[name] = int(round(value)) if p.type == "int" else float(value)
    for name in ("h800_gpus", "h100_gpus"):  # parts of the Hopper total: at most half of it each
        p = register[name]
        point[name] = int(min(rng.uniform(p.low, p.high), point["hopper_gpus"] / 2))
    return point


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(_paths.DATA_DIR, target)
    return target


def run_cli(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m analysis ARGS`` as a user would; capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


@pytest.fixture(scope="session")
def baseline_build(tmp_path_factory) -> Path:
    """The baseline report, built once by the real runner into a temporary folder."""
    out = tmp_path_factory.mktemp("baseline") / "baseline"
    plan = _report.plan_report("baseline", out=out)
    return _report.run_report(plan, jobs=2, progress=lambda message: None)
