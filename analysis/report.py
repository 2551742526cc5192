"""The runner: validate every input, execute the notebooks in parallel, publish the report.

``python -m analysis report`` calls :func:`plan_report` then :func:`run_report`.

1. :func:`plan_report` loads and checks every data file, the assumptions register,
   the scenario and the ``-p`` overrides, and parses every notebook's parameters
   cell. Any problem raises a one-line :class:`~analysis.params.ParameterError` or
   :class:`~analysis.data.DataError` before anything is written.
2. :func:`run_report` executes each notebook with papermill in a fresh kernel, in
   parallel worker processes, passing each notebook only the parameters it declares;
   the worker then normalises the executed notebook (no timestamps or random ids) and
   renders its two HTML pages. Everything is built in a temporary folder beside the
   destination.
3. When every notebook succeeded, it collects ``results.json``, ``results.csv``,
   ``claims.csv`` (verdicts computed from the results) and ``figures/figures.csv``,
   writes ``index.html`` and swaps the folder into place. A failure names the
   notebook and the cell, keeps the failed notebook in ``<out>.failed/`` and leaves
   the previous output untouched.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__
from . import data as _data
from . import params as _params
from . import results as _results

REPORTS_DIR = _data.REPO_ROOT / "reports"
FIGURES_DIR = _data.REPO_ROOT / "figures"
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 900
FIGURE_FIELDS = ("id", "title", "caption", "sources", "notebook")


class ReportError(RuntimeError):
    """A notebook failed while the report was being built. The message is one line."""


@dataclass
class Plan:
    """Everything a run needs, checked before anything runs."""

    scenario: _params.Scenario
    cli_overrides: dict[str, Any]
    values: dict[str, Any]
    differs: dict[str, tuple[Any, Any]]
    out_dir: Path
    notebooks: list[Path]
    notebook_params: dict[str, dict[str, Any]]
    register: dict[str, _params.Parameter] = field(repr=False)
    refresh_figures: bool = False
    data_dir: Path | None = None

    @property
    def label(self) -> str:
        return self.scenario.name + "".join(f"+{k}={v}" for k, v in sorted(self.cli_overrides.items()))

    def rerun_command(self) -> str:
        parts = ["python -m analysis report"]
        if self.scenario.name != "baseline":
            parts.append(f"--scenario {self.scenario.name}")
        parts += [f"-p {k} {v}" for k, v in sorted(self.cli_overrides.items())]
        return " ".join(parts)


def default_out_dir(scenario: str, cli_overrides: dict[str, Any]) -> Path:
    """``reports/<scenario>/``, or ``reports/<scenario>+name=value/`` when ``-p`` is used.

    A run with overrides never overwrites the scenario's own report.
    """
    name = scenario + "".join(f"+{k}={v}" for k, v in sorted(cli_overrides.items()))
    return REPORTS_DIR / name


def plan_report(scenario: str | Path = "baseline", overrides: Iterable[tuple[str, str]] = (),
                out: Path | str | None = None, notebooks_dir: Path | None = None,
                data_dir: Path | str | None = None) -> Plan:
    """Validate everything a run needs; raise before anything is written."""
    _data.validate_all(data_dir)
    register = _params.load_register(data_dir)
    scen = _params.load_scenario(scenario, data_dir=data_dir, register=register)
    cli = _params.parse_cli_overrides(overrides, register)
    values = _params.resolve_parameters(register, scen.overrides, cli)
    notebooks = _params.notebook_paths(notebooks_dir)
    if not notebooks:
        raise ReportError("no notebooks found in notebooks/")
    per_notebook = {}
    for path in notebooks:
        declared = _params.notebook_parameters(path)
        unknown = [n for n in declared if n not in register]
        if unknown:
            raise _params.ParameterError(
                f"{path.name} declares {unknown[0]!r}, which is not in data/assumptions.csv; register it there first")
        per_notebook[path.stem] = {n: values[n] for n in declared}
    default_out = default_out_dir(scen.name, cli)
    out_dir = Path(out).resolve() if out is not None else default_out
    refresh = scen.name == "baseline" and not cli and not scen.overrides and out_dir == REPORTS_DIR / "baseline"
    return Plan(scen, cli, values, _params.differs_from_baseline(register, values), out_dir, notebooks,
                per_notebook, register, refresh and data_dir is None,
                Path(data_dir).resolve() if data_dir is not None else None)


# --------------------------------------------------------------------------- execution
def _execute(nb_path: str, out_path: str, parameters: dict, figures_dir: str, cwd: str, data_dir: str | None) -> dict:
    """Run one notebook in a fresh kernel (in a worker process)."""
    os.environ["DSTC_FIGURES_DIR"] = figures_dir
    # Kernels inherit this worker's stderr; silence their start-up chatter. Cell errors come
    # back through papermill instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    if data_dir:
        os.environ["DSTC_DATA_DIR"] = data_dir
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import logging

    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    import papermill as pm

    start = time.perf_counter()
    for attempt in range(3):
        try:
            with tempfile.TemporaryDirectory(prefix=KERNEL_SOCKETS_PREFIX) as sockets:
                pm.execute_notebook(nb_path, out_path, parameters=parameters, kernel_name=KERNEL_NAME, cwd=cwd,
                                    progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT_S,
                                    **KERNEL_OPTIONS, config=_kernel_config(sockets))
            _render_pages(Path(out_path))  # in the worker, so pages render while other notebooks run
            return {"ok": True, "seconds": time.perf_counter() - start}
        except pm.PapermillExecutionError as err:
            first_line = next((line for line in (err.source or "").splitlines() if line.strip()), "")
            return {"ok": False, "seconds": time.perf_counter() - start, "exec_count": err.exec_count,
                    "cell_source": first_line[:70], "error": f"{err.ename}: {err.evalue}".strip()}
        except Exception as err:  # a kernel that did not start is tried again, twice
            if any(m in str(err) for m in KERNEL_START_ERRORS) and attempt < 2:
                time.sleep(0.5 * (attempt + 1))
                continue
            return {"ok": False, "seconds": time.perf_counter() - start, "exec_count": None,
                    "error": f"{type(err).__name__}: {err}".splitlines()[0]}
    raise AssertionError("unreachable")  # pragma: no cover


#: How each notebook runs, beyond papermill's defaults:
#: - request_save_on_cell_execute=False: write the notebook once at the end (papermill still writes it
#:   on a failure), not twice per cell, which re-serialised every embedded figure each time;
#: - shutdown_kernel="immediate": stop the kernel as soon as the last cell has replied. Its outputs and
#:   figure files are complete by then; a graceful shutdown now and then waited 2.5 s for a kernel that
#:   did not exit (jupyter_client: "Kernel is taking too long to finish, terminating").
KERNEL_OPTIONS = {"request_save_on_cell_execute": False, "shutdown_kernel": "immediate"}
#: Name prefix of the private folder that holds one kernel's Unix sockets.
KERNEL_SOCKETS_PREFIX = "dstc-kernel-"
#: Kernel start failures worth a second try (anything else is reported at once).
KERNEL_START_ERRORS = ("Address already in use", "Kernel died before replying to kernel_info")


def _kernel_config(sockets: str):
    """Talk to the kernel over Unix sockets in a private folder, not TCP ports.

    With TCP, two workers starting kernels at the same moment can pick the same free port, and one
    kernel dies ("Kernel died before replying to kernel_info"); sockets in a folder of one's own
    cannot collide, and ipykernel no longer warns about unencrypted TCP.
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}})


def expected_work(nb_path: Path) -> tuple[int, int]:
    """How much a notebook is expected to do: (figures it saves, characters of code).

    Saving a publication figure (SVG and 300-dpi PNG, about 0.2 s) is most of what a step
    notebook does beyond starting its kernel; the amount of code breaks ties.
    """
    import json

    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    code = "".join(_params.cell_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    return code.count("figures.save("), len(code)


def longest_first(notebooks: Iterable[Path]) -> list[Path]:
    """The order to start notebooks in: the most work first (ties by name).

    With more notebooks than workers, starting the longest first keeps one worker from
    running the longest notebook alone at the end (LPT scheduling; Graham 1969).

    References
    ----------
    R. L. Graham, "Bounds on multiprocessing timing anomalies", SIAM J. Appl. Math. 17(2), 1969.
    """
    notebooks = sorted(notebooks)
    return sorted(notebooks, key=lambda nb: tuple(-n for n in expected_work(nb)))


def _normalise_notebook(path: Path) -> None:
    """Drop per-run noise (timestamps, durations, temp paths, random cell ids)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {k: meta[k] for k in ("parameters", "default_parameters", "version") if k in meta}
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, path)


def _render_pages(executed: Path) -> None:
    """Normalise an executed notebook and write its report view and full view next to it."""
    import nbformat

    from . import site

    _normalise_notebook(executed)
    nb = nbformat.read(executed, as_version=4)
    executed.with_suffix(".html").write_text(site.render_notebook(nb, code=False, stem=executed.stem), encoding="utf-8")
    executed.with_suffix(".code.html").write_text(site.render_notebook(nb, code=True, stem=executed.stem), encoding="utf-8")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def figures_csv(entries: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIGURE_FIELDS)
    for e in sorted(entries, key=lambda e: e["id"]):
        writer.writerow([e["id"], e["title"], e["caption"], ";".join(e["sources"]), e["notebook"]])
    return buf.getvalue()


LEDGER_FIELDS = ("claim_id", "claimant", "claim", "claim_date", "source_ids", "url", "result_id", "claimed_value", "computed_value", "basis",
                 "share_of_draws_holding", "verdict", "reason")


def ledger_csv(ledger) -> str:
    """The evaluated claims ledger as CSV (one row per claim, in file order)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LEDGER_FIELDS)
    for row in ledger.to_dict("records"):
        writer.writerow(["" if row[f] is None or (isinstance(row[f], float) and row[f] != row[f])
                         else (";".join(row[f]) if isinstance(row[f], tuple) else (repr(row[f]) if isinstance(row[f], float) else row[f]))
                         for f in LEDGER_FIELDS])
    return buf.getvalue()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_report(plan: Plan, jobs: int | None = None, progress: Callable[[str], None] = _say) -> Path:
    """Execute the plan; return the output folder. Raises ReportError on a failed notebook."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plan.notebooks)))
    out_dir = plan.out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.building"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "notebooks").mkdir(parents=True)
    (tmp / "figures").mkdir()
    progress(f"Building report '{plan.label}' -> {out_dir} ({len(plan.notebooks)} notebooks, {jobs} at a time)")
    started = time.perf_counter()
    outcomes: dict[str, dict] = {}
    ctx = multiprocessing.get_context("spawn")
    try:
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = {
                pool.submit(_execute, str(nb), str(tmp / "notebooks" / nb.name), plan.notebook_params[nb.stem],
                            str(tmp / "figures"), str(nb.parent), str(plan.data_dir) if plan.data_dir else None): nb
                for nb in longest_first(plan.notebooks)
            }
            for done, fut in enumerate(cf.as_completed(futures), start=1):
                nb = futures[fut]
                outcome = fut.result()
                outcomes[nb.stem] = outcome
                status = "ok" if outcome["ok"] else "FAILED"
                progress(f"  [{done}/{len(futures)}] {nb.stem}: {status} ({outcome['seconds']:.1f} s)")
    except (cf.process.BrokenProcessPool, OSError) as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReportError(f"the notebook workers could not run ({type(err).__name__}: {err}); {out_dir} was left as it was") from err
    failed = {stem: o for stem, o in outcomes.items() if not o["ok"]}
    if failed:
        keep = out_dir.parent / f"{out_dir.name}.failed"
        if keep.exists():
            shutil.rmtree(keep)
        tmp.rename(keep)
        stem, o = sorted(failed.items())[0]
        cell = f"In [{o['exec_count']}] `{o['cell_source']}`" if o["exec_count"] is not None else "kernel start"
        more = f" (and {len(failed) - 1} more notebook(s))" if len(failed) > 1 else ""
        raise ReportError(f"notebook {stem}.ipynb failed at {cell}: {o['error']}{more}; "
                          f"the failed notebook is kept in {keep / 'notebooks' / (stem + '.ipynb')}; "
                          f"{out_dir} was left as it was")
    try:
        _publish(tmp, plan)
    except Exception as err:  # a bug after the notebooks ran: keep the build for inspection, leave the old output
        keep = out_dir.parent / f"{out_dir.name}.failed"
        if keep.exists():
            shutil.rmtree(keep)
        tmp.rename(keep)
        raise ReportError(f"building the report pages failed: {type(err).__name__}: {err}; the partial build is kept in {keep}; "
                          f"{out_dir} was left as it was") from err
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old"
        if old.exists():
            shutil.rmtree(old)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(out_dir)
    stale = out_dir.parent / f"{out_dir.name}.failed"
    if stale.exists():
        shutil.rmtree(stale)
    if plan.refresh_figures:
        refresh_figures(out_dir / "figures")
        progress(f"  refreshed {FIGURES_DIR.relative_to(_data.REPO_ROOT)}/ from the baseline run")
    progress(f"Done in {time.perf_counter() - started:.1f} s: {out_dir / 'index.html'}")
    return out_dir


def _publish(tmp: Path, plan: Plan) -> None:
    """Collect results, claims and the figure manifest from the executed notebooks; write the front page.

    The executed notebooks were normalised and rendered by the workers; they are read here as plain
    JSON, so this step does not load nbformat.
    """
    import json

    from . import figures as _figures
    from . import site

    all_results, all_figures, all_answers, executed = [], [], [], {}
    for nb_path in plan.notebooks:
        nb = json.loads((tmp / "notebooks" / nb_path.name).read_text(encoding="utf-8"))
        executed[nb_path.stem] = nb
        all_results += _results.collect(nb)
        all_figures += _figures.collect(nb)
        all_answers += _results.collect_answers(nb)
    meta = {"scenario": plan.scenario.name, "report_version": __version__,
            "parameters": {k: plan.values[k] for k in sorted(plan.values)},
            "differs_from_baseline": sorted(plan.differs)}
    _write_text(tmp / "results.json", _results.to_json(all_results, meta))
    _write_text(tmp / "results.csv", _results.to_csv(all_results))
    _write_text(tmp / "figures" / "figures.csv", figures_csv(all_figures))
    from . import model as _model

    ledger = _model.claims_ledger(plan.values, {r["id"]: r for r in all_results}, plan.data_dir)
    _write_text(tmp / "claims.csv", ledger_csv(ledger))
    site.write_site(tmp, plan, executed, all_results, all_figures, ledger, all_answers)


def refresh_figures(source: Path, target: Path = FIGURES_DIR) -> None:
    """Replace the committed ``figures/`` with the baseline run's figures."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name for p in source.iterdir() if p.suffix in (".svg", ".png", ".csv", ".md")}
    for p in target.iterdir():
        if p.suffix in (".svg", ".png") and p.name not in wanted:
            p.unlink()
    for name in sorted(wanted):
        shutil.copyfile(source / name, target / name)
