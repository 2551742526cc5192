"""`make bench`: how fast is the report? (A benchmark, not a test: it prints, it does not assert.)

1. The full baseline build, timed, against a floor: the same number of minimal notebooks (import
   `analysis`, save one figure) run by the same runner with the same settings. Prints build / floor,
   each the best of ``BENCH_REPEATS`` (default 3) runs, floor and build taking turns.
   It also times ``figures.save`` over the step notebooks' figures in-process, to show how much
   of the difference between build and floor is drawing publication figures.
2. Monte Carlo draws per second of the whole cost model (sampling every ranged parameter and
   computing the three named costs), best of several runs of 1,000,000 draws.

Targets: build <= 1.3 x floor; >= 1,000,000 draws per second.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from analysis import model, notebooks, params, report, uncertainty

FLOOR_CELL = """import matplotlib.pyplot as plt

from analysis import figures

figures.apply_style()
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1])
ax.set_xlabel("x (unit)")
ax.set_ylabel("y (unit)")
figures.save(
    fig, "fig9{i}_floor", "A floor figure", "The smallest notebook the runner can run.", ["assumption"], "9{i}_floor"
)"""


def floor_notebooks(folder: Path, count: int) -> None:
    param_line = notebooks.parameters_cell(notebooks.notebook_paths()[0]).strip().splitlines()
    declared = next(line for line in param_line if line and not line.startswith("#"))
    for i in range(count):
        nb = {
            "cells": [
                {"cell_type": "markdown", "id": "t", "metadata": {}, "source": f"# Floor notebook {i}"},
                {
                    "cell_type": "code",
                    "id": "p",
                    "metadata": {"tags": ["parameters"]},
                    "execution_count": None,
                    "outputs": [],
                    "source": declared,
                },
                {
                    "cell_type": "code",
                    "id": "f",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": FLOOR_CELL.format(i=i),
                },
            ],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (folder / f"9{i}_floor.ipynb").write_text(json.dumps(nb))


def time_build(notebooks_dir: Path | None, out: Path, jobs: int) -> float:
    plan = report.plan_report("baseline", out=out, notebooks_dir=notebooks_dir)
    start = time.perf_counter()
    report.run_report(plan, jobs=jobs, progress=lambda m: None)
    return time.perf_counter() - start


def draws_per_second(n: int = 1_000_000, repeats: int = 5) -> float:
    register = params.load_register()
    values = params.resolve_parameters(register)
    inputs = model.load_data()
    uncertainty.monte_carlo(register, values, inputs, n=10_000, rng=0)  # warm-up
    best = float("inf")
    for seed in range(repeats):
        start = time.perf_counter()
        draws = uncertainty.monte_carlo(register, values, inputs, n=n, rng=seed)
        best = min(best, time.perf_counter() - start)
        assert len(draws["cost_development_usd"]) == n
    return n / best


def figure_seconds(repeats: int = 2) -> tuple[int, float]:
    """(figures, seconds) spent in ``figures.save`` for the report's figures, best of ``repeats``.

    Runs each step notebook's code cells in this process (baseline parameters, output hidden) with
    a timer around ``figures.save``: layout, SVG and 300-dpi PNG, the work the floor does once per
    notebook for a one-line plot and the step notebooks do for each of their figures.
    """
    import contextlib
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("agg")
    from IPython.display import display

    from analysis import figures

    save, spent = figures.save, []

    def timed(fig, *args, **kwargs):
        start = time.perf_counter()
        try:
            return save(fig, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)
            plt.close(fig)

    best = float("inf")
    previous_dir = os.environ.get("DSTC_FIGURES_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DSTC_FIGURES_DIR"] = tmp
        figures.save = timed
        try:
            for _ in range(repeats):
                spent.clear()
                for nb_path in notebooks.notebook_paths():
                    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
                    namespace: dict = {"display": display}  # a builtin in a Jupyter kernel
                    with contextlib.redirect_stdout(io.StringIO()):
                        for cell in cells:
                            if cell["cell_type"] == "code":
                                exec(compile(notebooks.cell_source(cell), str(nb_path), "exec"), namespace)
                best = min(best, sum(spent))
        finally:
            figures.save = save
            if previous_dir is None:
                del os.environ["DSTC_FIGURES_DIR"]
            else:
                os.environ["DSTC_FIGURES_DIR"] = previous_dir
    return len(spent), best


def main() -> int:
    jobs = os.cpu_count() or 1
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    count = len(notebooks.notebook_paths())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "floor_nb").mkdir()
        floor_notebooks(tmp / "floor_nb", count)
        time_build(tmp / "floor_nb", tmp / "warmup", jobs)  # warm caches (fonts, imports) for both
        floors, builds = [], []
        for i in range(repeats):  # interleaved, so that a slow spell of a shared machine hits both alike
            floors.append(time_build(tmp / "floor_nb", tmp / f"floor{i}", jobs))
            builds.append(time_build(None, tmp / f"build{i}", jobs))
        floor, build = min(floors), min(builds)
    rate = draws_per_second()
    n_figures, fig_seconds = figure_seconds()
    print(f"cores: {jobs}")
    print(
        f"floor ({count} minimal notebooks through the runner): {floor:.1f} s "
        f"(best of {repeats}: {', '.join(f'{t:.1f}' for t in floors)})"
    )
    print(
        f"full baseline build ({count} notebooks): {build:.1f} s "
        f"(best of {repeats}: {', '.join(f'{t:.1f}' for t in builds)})"
    )
    print(f"build / floor: {build / floor:.2f} (target <= 1.3)")
    print(
        f"figures: the step notebooks save {n_figures} publication figures, "
        f"{fig_seconds / n_figures:.2f} s each in-process "
        f"({fig_seconds:.1f} s of CPU); the build runs {build - floor:.1f} s longer than the floor on {jobs} cores "
        f"(the floor saves {count} one-line figures)"
    )
    print(f"Monte Carlo: {rate:,.0f} draws per second of the whole cost model (target >= 1,000,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
