"""`make bench`: how fast is the report? (A benchmark, not a test: it prints, it does not assert.)

1. The full baseline build, timed, against a floor: one minimal notebook per step notebook, run by
   the same runner (:func:`analysis.report.plan_report` and :func:`~analysis.report.run_report`,
   the code behind ``python -m analysis report``) with the same settings. Each floor notebook has
   its step notebook's parameters cell (so the runner injects the same parameters) and saves, with
   ``figures.save``, as many figures as its step notebook does, each of the same size (the
   ``figsize`` of the step's call), as SVG, 300-dpi PNG and a CSV of a two-row data frame, and its
   dark, narrow and narrow-dark SVG variants, as the steps' figures have, with
   trivial content: one line, two labelled axes. So the floor saves as many figures as the build,
   of the same sizes and formats, and the only difference between them is what the notebooks
   compute and draw. The step notebooks are only read (their ``figures.save`` calls counted and their
   sizes read from the source), never run, to make the floor. Prints build / floor, each the best of
   ``BENCH_REPEATS`` (default 3) runs, floor and build taking turns.
   It also times ``figures.save`` in-process over the step notebooks' figures and over the floor's,
   to show how much of the difference between build and floor is drawing the figures' content.
2. Monte Carlo draws per second of the whole cost model (sampling every ranged parameter and
   computing the three named costs), best of several runs of 1,000,000 draws.
3. ``python -m analysis compare`` of two of the timed baseline builds (every result), start to end in a fresh
   process, best of three; and what a what-if run's front page adds to its build: step 6 at the baseline's
   values and the baseline's bridge figure (:func:`analysis.runner.publish.baseline_beside`), in-process.
4. The what-if app (:class:`analysis.whatif_app.WhatIfApp`, 100,000 draws as step 6): one update after a
   moved value (the Monte Carlo, the results and the bridge figure redrawn as PNG) and after a moved range
   (the bridge's numbers unchanged, so not redrawn), in-process without a browser, best and median of
   ``BENCH_REPEATS`` * 3 updates each. ``--whatif-only`` measures this alone.
5. Step 6 with ``BENCH_MC_DRAWS`` (default 10,000,000) Monte Carlo draws in a fresh process: its
   time and peak memory (the draws are made and summarised chunk by chunk).

Targets: build <= 1.3 x floor; >= 1,000,000 draws per second; compare of two runs < 1 s; a what-if update
< 0.5 s on 2 cores; step 6 under 1 GiB at any draws.

``--floor-only`` times the floor alone (and checks it saved the figures it should): it runs no step
notebook and skips the Monte Carlo.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from multiprocessing import resource_tracker
from pathlib import Path

from analysis import figures, model, notebooks, params, report, uncertainty

IMPORT_CELL = """import matplotlib.pyplot as plt
import pandas as pd

from analysis import figures

figures.apply_style()"""

FIGURE_CELL = """def floor_figure(theme="light", narrow=False):
    with figures.drawing_for(theme, narrow):
        fig, ax = plt.subplots(figsize={figsize!r})
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x (unit)")
        ax.set_ylabel("y (unit)")
    return fig


figures.save(
    floor_figure(),
    {figure_id!r},
    "A floor figure",
    "The smallest figure of this size.",
    ["assumption"],
    {notebook!r},
    data=pd.DataFrame({{"x_unit": [0, 1], "y_unit": [0, 1]}}),
    variants={{name: floor_figure(*how) for name, how in figures.VARIANTS.items()}},
)"""

#: What creates a figure (``plt.subplots(...)``, ``plt.figure(...)``, ...): its ``figsize`` is the figure's size.
FIGURE_MAKERS = {"subplots", "figure", "subplot_mosaic"}


def _parse_cell(source: str) -> ast.Module:
    """A code cell's source as Python, IPython magics and shell lines (``%``, ``!``) left out."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def figure_sizes(nb_path: Path) -> list[tuple[float, float]]:
    """The size (inches) of each figure a step notebook saves, in order.

    A step notebook saves its step's figures (``plots.show``), drawn by :mod:`analysis.plots` from
    the step's result; they are drawn here at the baseline and measured. A notebook that is not a
    step's saves the figures its ``figures.save(`` calls make, read statically: each takes the
    ``figsize`` of the figure made last before it, or the house style's default size.
    """
    from analysis import plots, steps

    module = steps.MODULES.get(Path(nb_path).stem)
    if module is not None:
        import matplotlib.pyplot as plt

        result = steps.STEPS[int(Path(nb_path).stem[:2])](steps.run_values())
        sizes = []
        for figure_id in result.figures:
            fig, _ = plots.draw(result, figure_id)
            sizes.append(tuple(float(v) for v in fig.get_size_inches()))
            plt.close(fig)
        return sizes
    default = tuple(figures.STYLE["figure.figsize"])
    cells = json.loads(Path(nb_path).read_text(encoding="utf-8"))["cells"]
    sizes, current = [], default
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        calls = [node for node in ast.walk(_parse_cell(notebooks.cell_source(cell))) if isinstance(node, ast.Call)]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in FIGURE_MAKERS:
                current = default
                for keyword in call.keywords:
                    if keyword.arg == "figsize":
                        try:
                            current = tuple(float(v) for v in ast.literal_eval(keyword.value))
                        except (ValueError, TypeError):
                            current = default
            elif name == "save" and isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "figures":
                sizes.append(current)
    return sizes


def floor_notebooks(folder: Path, sources: list[Path] | None = None) -> dict[str, list[tuple[float, float]]]:
    """Write one floor notebook per step notebook into ``folder``; return each one's figure sizes.

    The floor notebook ``NN_floor.ipynb`` of step notebook ``NN_name.ipynb`` has the same
    parameters cell, one cell of imports and one cell per figure the step saves, of the same size.
    """
    import nbformat

    written = {}
    for path in sources if sources is not None else notebooks.notebook_paths():
        stem = f"{path.stem[:2]}_floor"
        sizes = figure_sizes(path)
        parameters = nbformat.v4.new_code_cell(notebooks.parameters_cell(path), id="parameters")
        parameters.metadata["tags"] = ["parameters"]
        cells = [
            nbformat.v4.new_markdown_cell(f"# Floor notebook for {path.name}", id="title"),
            parameters,
            nbformat.v4.new_code_cell(IMPORT_CELL, id="imports"),
        ]
        for k, size in enumerate(sizes, start=1):
            figure_id = f"fig{path.stem[:2]}_floor_{k}"
            source = FIGURE_CELL.format(figsize=size, figure_id=figure_id, notebook=stem)
            cells.append(nbformat.v4.new_code_cell(source, id=f"figure-{k}"))
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nbformat.write(nb, folder / f"{stem}.ipynb")
        written[stem] = sizes
    return written


def time_build(notebooks_dir: Path | None, out: Path, jobs: int) -> tuple[float, int]:
    """(seconds, figures saved) of one build through the runner into ``out``."""
    plan = report.plan_report("baseline", out=out, notebooks_dir=notebooks_dir)
    start = time.perf_counter()
    report.run_report(plan, jobs=jobs, progress=lambda m: None)
    seconds = time.perf_counter() - start
    return seconds, len(list((out / "figures").glob("fig*.png")))


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


STEP6_AT = """
import resource, sys, time
from analysis import steps
values = {**steps.run_values(), "monte_carlo_draws": int(sys.argv[1])}
start = time.perf_counter()
steps.step6(values)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def step6_peak_memory(n: int) -> tuple[float, int]:
    """(seconds, peak resident bytes) of step 6 with ``n`` Monte Carlo draws, in a fresh Python process.

    The draws are made and summarised a chunk at a time (:class:`analysis.uncertainty.MonteCarlo`),
    so the peak should not grow with ``n``; the process's peak includes Python, numpy and pandas.
    """
    import subprocess

    out = subprocess.run([sys.executable, "-c", STEP6_AT, str(n)], capture_output=True, text=True, check=True)
    seconds, peak = out.stdout.split()
    return float(seconds), int(peak)


def whatif_update_seconds(repeats: int = 9) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds per update of the what-if app at 100,000 draws: after a moved value and a moved range.

    A moved value (the price of a GPU-hour, a new one each time) recomputes the Monte Carlo and redraws
    the bridge (in a second thread, while the Monte Carlo runs); a moved range (the experiments' multiple)
    recomputes the Monte Carlo only, the bridge's numbers being unchanged. CPU seconds are this process's,
    both threads: on a machine shared with other work the wall time grows, the CPU time much less.
    """
    from analysis.whatif_app import WhatIfApp

    app = WhatIfApp(draws=100_000)
    times = {"value": [], "range": []}

    def timed(what, move):
        wall, cpu = time.perf_counter(), time.process_time()
        move()
        times[what].append((time.perf_counter() - wall, time.process_time() - cpu))

    for i in range(repeats):
        price, multiple = round(2.1 + 0.1 * i, 3), round(9.0 - 0.5 * i, 3)
        timed("value", lambda: app.set_value("gpu_hour_price_usd", price))  # noqa: B023 (called at once)
        timed("range", lambda: app.set_range("experiment_compute_multiple", 1.2, multiple))  # noqa: B023
    return times


def _print_whatif(repeats: int) -> None:
    for what, pairs in whatif_update_seconds(repeats).items():
        wall, cpu = ([p[k] for p in pairs] for k in (0, 1))
        print(
            f"what-if app, one update after a moved {what} at 100,000 draws: wall best {min(wall):.2f} s, median "
            f"{sorted(wall)[len(wall) // 2]:.2f} s; CPU best {min(cpu):.2f} s, "
            f"median {sorted(cpu)[len(cpu) // 2]:.2f} s "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) (target < 0.5 s)"
        )


def figure_seconds(notebooks_dir: Path | None = None, repeats: int = 2) -> tuple[int, float]:
    """(figures, seconds) spent in ``figures.save`` for a folder's notebooks' figures, best of ``repeats``.

    Runs each notebook's code cells in this process (baseline parameters, output hidden) with
    a timer around ``figures.save``: layout, SVG, 300-dpi PNG and CSV, for the step notebooks'
    figures (``notebooks_dir`` None) or the floor's.
    """
    import contextlib
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("agg")
    from IPython.display import display

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
                for nb_path in notebooks.notebook_paths(notebooks_dir):
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


def _times(seconds: list[float]) -> str:
    return f"best of {len(seconds)}: {', '.join(f'{t:.1f}' for t in seconds)}"


def compare_seconds(run_a: Path, run_b: Path, csv_path: Path, repeats: int = 3) -> float:
    """``python -m analysis compare RUN_A RUN_B --all --csv CSV`` in a fresh process, best of ``repeats`` [s]."""
    import subprocess

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "analysis", "compare", str(run_a), str(run_b), "--all", "--csv", str(csv_path)],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return min(times)


def baseline_beside_seconds(out: Path) -> float:
    """What a what-if run's front page adds to its build: the baseline's costs and bridge figure [s]."""
    from analysis.runner.publish import baseline_beside

    plan = report.plan_report("high", out=out / "high")
    (out / "beside").mkdir()
    started = time.perf_counter()
    baseline_beside(out / "beside", plan)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor-only", action="store_true", help="time the floor alone (no step notebook runs)")
    parser.add_argument("--whatif-only", action="store_true", help="time the what-if app's updates alone")
    args = parser.parse_args(argv)
    if args.whatif_only:
        _print_whatif(3 * int(os.environ.get("BENCH_REPEATS", "3")))
        return 0
    # Start multiprocessing's resource tracker now, before the runner tags its processes: a tracker
    # started during a build carries that build's tag and is killed with its kernels at the end,
    # and the next build would warn that it "died unexpectedly".
    resource_tracker.ensure_running()
    jobs = os.cpu_count() or 1
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    count = len(notebooks.notebook_paths())
    print(f"cores: {jobs}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_dir = tmp / "floor_nb"
        floor_dir.mkdir()
        plan = floor_notebooks(floor_dir)
        expected = sum(len(sizes) for sizes in plan.values())
        for stem, sizes in plan.items():
            shown = ", ".join(f"{w:g}x{h:g}" for w, h in sizes)
            print(f"  {stem}: {len(sizes)} figures ({shown} in)")
        time_build(floor_dir, tmp / "warmup", jobs)  # warm caches (fonts, imports) for both
        floors, builds, floor_figures, build_figures = [], [], set(), set()
        for i in range(repeats):  # interleaved, so that a slow spell of a shared machine hits both alike
            seconds, saved = time_build(floor_dir, tmp / f"floor{i}", jobs)
            floors.append(seconds)
            floor_figures.add(saved)
            if not args.floor_only:
                seconds, saved = time_build(None, tmp / f"build{i}", jobs)
                builds.append(seconds)
                build_figures.add(saved)
        floor = min(floors)
        print(
            f"floor ({count} minimal notebooks through the runner, {'/'.join(map(str, sorted(floor_figures)))} "
            f"figures saved, {expected} expected): {floor:.1f} s ({_times(floors)})"
        )
        if floor_figures != {expected}:
            print(f"WARNING: the floor saved {sorted(floor_figures)} figures, not the {expected} the notebooks save")
        if args.floor_only:
            return 0
        build = min(builds)
        compared = compare_seconds(tmp / "build0", tmp / f"build{repeats - 1}", tmp / "compare.csv")
        beside = baseline_beside_seconds(tmp)
    print(
        f"full baseline build ({count} notebooks, {'/'.join(map(str, sorted(build_figures)))} figures saved): "
        f"{build:.1f} s ({_times(builds)})"
    )
    if build_figures != floor_figures:
        print(
            f"WARNING: the build saved {sorted(build_figures)} figures and the floor {sorted(floor_figures)}: "
            "a figures.save call the static count missed (in a loop?) or one never reached"
        )
    print(f"build / floor: {build / floor:.2f} (target <= 1.3)")
    print(f"compare of two builds, every result, in a fresh process: {compared:.2f} s (target < 1 s)")
    print(f"a what-if run's front page beside the baseline (step 6 at the baseline, its bridge figure): {beside:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        floor_notebooks(Path(tmp))
        n_floor, floor_seconds = figure_seconds(Path(tmp))
    try:
        n_build, build_seconds = figure_seconds()
    except Exception as err:  # a step notebook that does not run in-process: say so, keep the other numbers
        print(f"figures.save in-process: not measured ({type(err).__name__}: {err})")
    else:
        print(
            f"figures.save in-process: the step notebooks' {n_build} figures {build_seconds:.1f} s "
            f"({build_seconds / n_build:.2f} s each), the floor's {n_floor} {floor_seconds:.1f} s "
            f"({floor_seconds / n_floor:.2f} s each); the build runs {build - floor:.1f} s longer than the floor "
            f"on {jobs} cores"
        )
    rate = draws_per_second()
    print(f"Monte Carlo: {rate:,.0f} draws per second of the whole cost model (target >= 1,000,000)")
    _print_whatif(3 * repeats)
    n = int(os.environ.get("BENCH_MC_DRAWS", "10000000"))
    seconds, peak = step6_peak_memory(n)
    print(f"step 6 at {n:,} Monte Carlo draws: {seconds:.1f} s, peak memory {peak / 2**20:,.0f} MiB (target < 1 GiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
