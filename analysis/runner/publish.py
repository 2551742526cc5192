"""Publish a build: collect results, claims and the figure manifest, render the front page, and
swap the new report into place (or keep a failed build for inspection)."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from .. import results as _results
from .errors import Interrupted, OutputRefused, shown_path
from .execute import Interrupts
from .outdir import foreign_content, read_marker, write_marker

if TYPE_CHECKING:
    from .plan import Plan

FIGURE_FIELDS = ("id", "title", "caption", "sources", "notebook", "data_file")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def figures_csv(entries: list[dict], run: dict | None = None) -> str:
    """The figure manifest: one row per figure, with the run's scenario and id on every row (``run``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow((*FIGURE_FIELDS, "scenario", "run_id"))
    scenario, run_id = (run["scenario"], run["run_id"]) if run else ("", "")
    for e in sorted(entries, key=lambda e: e["id"]):
        writer.writerow(
            [
                e["id"],
                e["title"],
                e["caption"],
                ";".join(e["sources"]),
                e["notebook"],
                f"{e['id']}.csv",
                scenario,
                run_id,
            ]
        )
    return buf.getvalue()


LEDGER_FIELDS = (
    "claim_id",
    "claimant",
    "claim",
    "scope",
    "claim_date",
    "source_ids",
    "url",
    "result_id",
    "claimed_value",
    "claimed_as_written",
    "computed_value",
    "basis",
    "share_of_draws_holding",
    "verdict",
    "reason",
)


def ledger_csv(ledger) -> str:
    """The evaluated claims ledger as CSV (one row per claim, in file order)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LEDGER_FIELDS)
    for row in ledger.to_dict("records"):
        writer.writerow(
            [
                ""
                if row[f] is None or (isinstance(row[f], float) and row[f] != row[f])
                else (
                    ";".join(row[f])
                    if isinstance(row[f], tuple)
                    else (repr(row[f]) if isinstance(row[f], float) else row[f])
                )
                for f in LEDGER_FIELDS
            ]
        )
    return buf.getvalue()


def keep_failed(tmp: Path, plan: Plan) -> Path:
    """Move a failed build to ``<out>.failed/`` for inspection (a unique name if that is not a build of ours)."""
    out_dir = plan.out_dir
    with contextlib.suppress(OSError):
        write_marker(tmp, plan)
    keep = out_dir.parent / f"{out_dir.name}.failed"
    if os.path.lexists(keep):
        if keep.is_dir() and not keep.is_symlink() and read_marker(keep) is not None and foreign_content(keep) is None:
            shutil.rmtree(keep)
        else:
            keep = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f"{out_dir.name}.failed-"))
    tmp.rename(keep)  # onto an empty folder of the same file system: allowed
    return keep


def _keep_new(tmp: Path, plan: Plan) -> Path:
    """Move a finished build that could not be put in place to ``<out>.new-XXXXXXXX/``, a name of its own."""
    out_dir = plan.out_dir
    keep = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f"{out_dir.name}.new-"))
    keep.chmod(tmp.stat().st_mode & 0o777)
    tmp.rename(keep)  # onto an empty folder of the same file system: allowed
    return keep


def _not_replaceable(path: Path) -> str | None:
    """Why what is at ``path`` may not be replaced (see :func:`~analysis.runner.outdir.foreign_content`), or None."""
    if path.is_symlink():
        return "it is now a symbolic link"
    if not path.is_dir():
        return "it is now a file"
    return foreign_content(path)


def _refuse_changed(tmp: Path, plan: Plan, problem: str) -> OutputRefused:
    """The refusal when ``--out`` changed during the build; the new build is moved aside first."""
    keep = _keep_new(tmp, plan)
    return OutputRefused(
        f"--out {shown_path(plan.out_dir)} changed during the build ({problem}); it was left as it is, "
        f"and the new report is kept in {shown_path(keep)}"
    )


def swap(tmp: Path, plan: Plan, interrupts: Interrupts, progress: Callable[[str], None]) -> None:
    """Put the new build in place of the old output, with interrupts held until it is done.

    An interrupt that arrives while the old output is moved aside puts it back and discards
    the new build; one that arrives after is reported once the report is published.

    ``--out`` is checked again here: if anything the runner did not write appeared in it (or at
    its name) during the build, it is left as it is and the new build is kept aside
    (:class:`~analysis.runner.errors.OutputRefused`, one line saying where).
    """
    out_dir = plan.out_dir
    with interrupts.deferred():
        old = None
        if os.path.lexists(out_dir):
            old = tmp.parent / tmp.name.replace(".building-", ".old-", 1)
            out_dir.rename(old)  # checked once aside, so nothing can be added to it between the check and the swap
            problem = _not_replaceable(old)
            if problem is not None:
                old.rename(out_dir)
                raise _refuse_changed(tmp, plan, problem)
        try:
            tmp.rename(out_dir)
        except BaseException as err:
            if old is not None:
                with contextlib.suppress(OSError):
                    old.rename(out_dir)
            if isinstance(err, OSError) and err.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise _refuse_changed(tmp, plan, "something was put there") from None
            raise
        if interrupts.pending is not None:
            signum, interrupts.pending = interrupts.pending, None
            out_dir.rename(tmp)
            if old is not None:
                old.rename(out_dir)
            raise Interrupted(signum)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        stale = out_dir.parent / f"{out_dir.name}.failed"
        if (
            stale.is_dir()
            and not stale.is_symlink()
            and read_marker(stale) is not None
            and foreign_content(stale) is None
        ):
            shutil.rmtree(stale, ignore_errors=True)


#: Where a run that differs from the baseline gets the baseline's bridge figure, drawn for its front page.
BASELINE_FIGURES = "figures/baseline"


def baseline_beside(tmp: Path, plan: Plan) -> dict | None:
    """What a run's front page shows of the baseline beside its own results, or None for a baseline run.

    Step 6 at the baseline's values (the run's data folder, every parameter at its baseline), called now:
    its four named costs, and its bridge figure drawn into ``figures/baseline/`` of the build (SVG, PNG
    and data, as every figure; the same figure id, since it is the baseline's ``fig06_bridge``).

    Returns
    -------
    dict or None
        ``results`` (results id -> record, the four named costs), ``bridge`` (the figure's manifest
        entry) and ``folder`` (the figure's folder, relative to the report).
    """
    if not plan.differs:
        return None
    from .. import figures as _figures
    from .. import params as _params
    from .. import plots as _plots
    from .. import run_identity as _run_identity
    from .. import steps as _steps
    from ..site import HEADLINE_COSTS
    from .plan import run_identity_of

    inputs = _steps.Inputs.load(plan.data_dir)
    step = _steps.step6(_steps.run_values(data_dir=plan.data_dir), inputs)
    # Stamped as the baseline run's figure (its footer and CSV name the baseline's scenario and run id).
    scenario = _params.load_scenario("baseline", plan.data_dir, register=inputs.register)
    before = os.environ.get(_run_identity.ENV_VAR)
    os.environ[_run_identity.ENV_VAR] = run_identity_of(scenario, {}, plan.data_dir).to_env()
    try:
        entry = _plots.save(step, "fig06_bridge", out_dir=tmp / BASELINE_FIGURES, data_dir=plan.data_dir)
    finally:
        _figures.plt.close("all")
        if before is None:
            os.environ.pop(_run_identity.ENV_VAR, None)
        else:
            os.environ[_run_identity.ENV_VAR] = before
    results = {r["id"]: r for r in step.records() if r["id"] in HEADLINE_COSTS}
    return {"results": results, "bridge": entry, "folder": BASELINE_FIGURES}


def publish(tmp: Path, plan: Plan) -> None:
    """Collect results, claims and the figure manifest from the executed notebooks; write the front page.

    The executed notebooks were normalised and rendered by the workers; they are read here as plain
    JSON, so this step does not load nbformat.
    """
    from .. import figures as _figures
    from .. import site

    all_results, all_figures, all_answers, executed = [], [], [], {}
    for nb_path in plan.notebooks:
        nb = json.loads((tmp / "notebooks" / nb_path.name).read_text(encoding="utf-8"))
        executed[nb_path.stem] = nb
        all_results += _results.collect(nb)
        all_figures += _figures.collect(nb)
        all_answers += _results.collect_answers(nb)
    meta = {
        "scenario": plan.scenario.name,
        "report_version": __version__,
        "parameters": {k: plan.values[k] for k in sorted(plan.values)},
        "differs_from_baseline": sorted(plan.differs),
    }
    if plan.ranges:  # given by -p NAME LOW..HIGH or the scenario
        meta["monte_carlo_ranges"] = {k: list(r) for k, r in sorted(plan.ranges.items())}
    run = plan.run.as_dict() if plan.run is not None else None
    _write_text(tmp / "results.json", _results.to_json(all_results, meta, run))
    _write_text(tmp / "results.csv", _results.to_csv(all_results))
    _write_text(tmp / "figures" / "figures.csv", figures_csv(all_figures, run))
    from .. import model as _model

    ledger = _model.claims_ledger(plan.values, {r["id"]: r for r in all_results}, plan.data_dir, ranges=plan.ranges)
    _write_text(tmp / "claims.csv", ledger_csv(ledger))
    baseline = baseline_beside(tmp, plan)
    site.write_site(tmp, plan, executed, all_results, all_figures, ledger, all_answers, baseline=baseline)
    write_marker(tmp, plan)


#: The files of a report's ``figures/`` that are citable (a figure's SVG, PNG and CSV, the manifest and its
#: README); the dark and narrow variants (``<id>-dark.svg``, ...) are for the pages only.
CITABLE_FIGURE_FILE = re.compile(r"^(fig\d{2}_[a-z0-9_]+\.(svg|png|csv)|figures\.csv|README\.md)$")


def is_committed_baseline(plan: Plan) -> bool:
    """Whether a plan builds the committed baseline: the baseline scenario, no parameter changed, the
    repository's own data unmodified, into ``reports/baseline``."""
    from .. import paths as _paths

    return (
        plan.scenario.name == "baseline"
        and not plan.differs
        and not plan.ranges
        and Path(plan.out_dir).resolve() == (_paths.REPORTS_DIR / "baseline").resolve()
        and (plan.data_dir is None or Path(plan.data_dir).resolve() == _paths.DATA_DIR.resolve())
        and not (plan.run is not None and plan.run.modified_data)
    )


def copy_citable_figures(report: Path, dest: Path) -> list[str]:
    """Copy a report's citable figure files (:data:`CITABLE_FIGURE_FILE`) into ``dest`` and remove the
    citable files there that the report no longer has; other files in ``dest`` are left alone.

    Each file is written beside its name and renamed into place, so a reader never finds half a file.

    Returns
    -------
    list of str
        The names of the files ``dest`` now holds from the report, sorted.
    """
    source = Path(report) / "figures"
    names = sorted(p.name for p in source.iterdir() if p.is_file() and CITABLE_FIGURE_FILE.match(p.name))
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        part = dest / f".{name}.part"
        shutil.copyfile(source / name, part)
        os.replace(part, dest / name)
    for stale in dest.iterdir():
        if stale.is_file() and CITABLE_FIGURE_FILE.match(stale.name) and stale.name not in names:
            stale.unlink()
    return names


def publish_citable_figures(plan: Plan) -> Path | None:
    """After a build of the committed baseline (:func:`is_committed_baseline`), copy its citable figures to
    the repository's top-level ``figures/`` (:data:`analysis.paths.FIGURES_DIR`); any other run is left
    self-contained and ``figures/`` untouched. Returns the folder written, or None."""
    from .. import paths as _paths

    if not is_committed_baseline(plan):
        return None
    copy_citable_figures(plan.out_dir, _paths.FIGURES_DIR)
    return _paths.FIGURES_DIR
