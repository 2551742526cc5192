"""Run a plan: lock the output folder, execute the notebooks into a temporary folder, publish it."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .. import paths as _paths
from .errors import Interrupted, OutputRefused, ReportError, shown_path
from .execute import Interrupts, make_kernel_folder, remove_sockets, remove_stale_kernel_folders, run_notebooks
from .outdir import OutputLock, check_out_dir, make_building_folder, recover_leftovers
from .plan import Plan
from .publish import keep_failed, publish, publish_citable_figures, swap


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_report(plan: Plan, jobs: int | None = None, progress: Callable[[str], None] = _say) -> Path:
    """Execute the plan; return the output folder.

    Raises
    ------
    ReportError
        A notebook failed (it is kept in ``<out>.failed/``); the previous output is untouched.
    OutputRefused
        The output folder is not the runner's to replace, another build is writing it, it
        cannot be written, or something the runner did not write appeared in it during the
        build (it is left as it is; the new report is kept in ``<out>.new-XXXXXXXX/``).
    Interrupted
        SIGINT, SIGTERM or SIGHUP: workers and kernels are stopped, the temporary folder and the
        kernels' files removed and the previous output left as it was (or put back, if it had
        been moved aside).
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plan.notebooks)))
    out_dir = plan.out_dir
    with Interrupts() as interrupts:
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputRefused(
                f"cannot create {shown_path(out_dir.parent)} ({err.strerror}); choose a folder you can write to"
            ) from None
        lock = OutputLock(out_dir).acquire()
        try:
            recover_leftovers(out_dir)
            remove_stale_kernel_folders()
            check_out_dir(out_dir, plan.data_dir)  # again, under the lock: the folder may have changed since the plan
            return _build(plan, jobs, progress, interrupts)
        finally:
            with interrupts.deferred():
                lock.release()


def _build(plan: Plan, jobs: int, progress: Callable[[str], None], interrupts: Interrupts) -> Path:
    """Run the notebooks into a temporary folder of this build's own, then publish it (lock held)."""
    out_dir = plan.out_dir
    tmp: Path | None = None
    sockets: str | None = None
    try:
        try:
            tmp = make_building_folder(out_dir, plan)
            (tmp / "notebooks").mkdir()
            (tmp / "figures").mkdir()
            sockets = make_kernel_folder()
        except OSError as err:
            raise OutputRefused(
                f"cannot write in {shown_path(out_dir.parent)} ({err.strerror}); choose a folder you can write to"
            ) from None
        progress(
            f"Building report '{plan.label}' -> {shown_path(out_dir, 200)} "
            f"({len(plan.notebooks)} notebooks, {jobs} at a time)"
        )
        started = time.perf_counter()
        outcomes = run_notebooks(plan, tmp, sockets, jobs, progress)
        failed = {stem: o for stem, o in outcomes.items() if not o["ok"]}
        if failed:
            keep = keep_failed(tmp, plan)
            tmp = None
            stem, o = sorted(failed.items())[0]
            cell = (
                f"In [{o['exec_count']}] `{o.get('cell_source', '')}`"
                if o["exec_count"] is not None
                else o.get("stage", "kernel start")
            )
            more = f" (and {len(failed) - 1} more notebook(s))" if len(failed) > 1 else ""
            kept_nb = keep / "notebooks" / f"{stem}.ipynb"
            kept = (
                f"the failed notebook is kept in {shown_path(kept_nb)}"
                if kept_nb.is_file()
                else f"what was built is kept in {shown_path(keep)}"
            )
            raise ReportError(
                f"notebook {stem}.ipynb failed at {cell}: {o['error']}{more}; {kept}; "
                f"{shown_path(out_dir)} was left as it was"
            )
        try:
            publish(tmp, plan)
        except Exception as err:  # a full disk, or a bug after the notebooks ran: keep the build, leave the old output
            reason = f"{type(err).__name__}: {err}".splitlines()[0]
            if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
                reason = f"no space left on the device ({err.strerror})"
            try:
                keep = keep_failed(tmp, plan)
                tmp = None
                where = f"the partial build is kept in {shown_path(keep, 200)}"
            except OSError:
                where = "the partial build was removed"
            raise ReportError(
                f"building the report pages failed: {reason}; {where}; {shown_path(out_dir, 200)} was left as it was"
            ) from err
        swap(tmp, plan, interrupts, progress)
        tmp = None
        if publish_citable_figures(plan) is not None:
            progress(f"The baseline's citable figures copied to {shown_path(_paths.FIGURES_DIR, 200)}")
        progress(f"Done in {time.perf_counter() - started:.1f} s: {shown_path(out_dir / 'index.html', 200)}")
        if interrupts.pending is not None:  # arrived after the new report was in place
            raise Interrupted(interrupts.pending, published=out_dir)
        return out_dir
    finally:
        with interrupts.deferred():
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if sockets is not None:
                remove_sockets(sockets)


def clean(parent: Path | str = "reports", say: Callable[[str], None] = print) -> list[str]:
    """``make clean``: remove the runner's leftovers, and nothing else.

    In ``parent``: what killed builds left beside their output folders and the failed builds kept
    for inspection, if they carry the runner's marker (:func:`~analysis.runner.outdir.clean`); in
    the system's temporary folder: the marked kernel folders of builds that are gone
    (:func:`~analysis.runner.execute.remove_stale_kernel_folders`). Each name is said as it goes.
    """
    from .outdir import clean as _clean_outputs

    done = [os.path.join(str(parent), name) for name in _clean_outputs(parent)] + remove_stale_kernel_folders()
    for path in done:
        say(f"removed or put back: {path}")
    return done
