"""Execute the notebooks: a pool of worker processes, one fresh kernel per notebook, interrupts,
and stopping every process the build started (and only those)."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import errno
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import notebooks as _notebooks
from .. import run_identity as _run_identity
from . import processes as _processes
from .errors import Interrupted, ReportError, shown_path

if TYPE_CHECKING:
    from .plan import Plan

KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 900


class Interrupts:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread, except inside
    :meth:`deferred`, where they are held until the section ends (the swap of the output folder
    must not be cut in half)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self):
        self.pending: int | None = None
        self._deferring = False
        self._previous: dict = {}

    def _handle(self, signum, frame):
        if self._deferring:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():  # a signal its caller ignores stays ignored
            self._previous = {
                s: signal.signal(s, self._handle) for s in self.SIGNALS if signal.getsignal(s) is not signal.SIG_IGN
            }
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)

    @contextlib.contextmanager
    def deferred(self):
        outer, self._deferring = self._deferring, True
        try:
            yield
        finally:
            self._deferring = outer


#: The notebook papermill is running in this worker (set by :class:`_TrackedEngine`): when a kernel
#: dies, papermill raises without writing the notebook, so the worker writes what ran so far.
_RUNNING: dict = {}


def _tracked_engine():
    """Papermill's nbclient engine, remembering the notebook it runs (registered as ``dstc``)."""
    from papermill.engines import NBClientEngine, papermill_engines

    class _TrackedEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            _RUNNING["nb"] = nb_man.nb
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("dstc", _TrackedEngine)
    return "dstc"


def _running_cell(nb) -> tuple[int | None, str]:
    """The cell a notebook was running when its kernel died: (its In [n], its first line).

    The last code cell papermill started is the one.
    """
    if nb is None:
        return None, ""
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    started = [i for i, c in enumerate(code) if (c.get("metadata", {}).get("papermill", {}) or {}).get("start_time")]
    if not started:
        return None, ""
    i = started[-1]
    source = _notebooks.cell_source(code[i])
    first_line = next((line for line in source.splitlines() if line.strip()), "")
    return code[i].get("execution_count") or i + 1, first_line[:70]


def _execute(
    nb_path: str,
    out_path: str,
    parameters: dict,
    figures_dir: str,
    cwd: str,
    data_dir: str | None,
    sockets_root: str | None = None,
    run_env: str | None = None,
) -> dict:
    """Run one notebook in a fresh kernel (in a worker process).

    Kernel sockets and connection files go in ``sockets_root``, a folder the runner removes
    however the build ends.
    """
    os.environ["DSTC_FIGURES_DIR"] = figures_dir
    # The executed notebook sits in notebooks/ beside figures/; it links its figures there.
    os.environ["DSTC_FIGURES_LINK"] = "../figures"
    # Kernels inherit this worker's stderr; silence their start-up chatter. Cell errors come
    # back through papermill instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    if data_dir:
        os.environ["DSTC_DATA_DIR"] = data_dir
    if run_env:  # what run this is: stamped on every figure and figure CSV (analysis.run_identity)
        os.environ[_run_identity.ENV_VAR] = run_env
    if sockets_root:
        os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(sockets_root, "runtime")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import logging

    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    import papermill as pm
    from nbclient.exceptions import DeadKernelError

    start = time.perf_counter()
    for attempt in range(3):
        try:
            _RUNNING.clear()
            _processes.KERNEL_PIDS.clear()  # the last notebook's kernel has been shut down
            with tempfile.TemporaryDirectory(prefix="k-", dir=sockets_root) as sockets:
                pm.execute_notebook(
                    nb_path,
                    out_path,
                    parameters=parameters,
                    kernel_name=KERNEL_NAME,
                    cwd=cwd,
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=CELL_TIMEOUT_S,
                    engine_name=_tracked_engine(),
                    kernel_manager_class=_processes.guarded_kernel_manager_class(),
                    **KERNEL_OPTIONS,
                    config=_kernel_config(sockets),
                )
            # In the worker, so pages render while other notebooks run.
            _render_pages(Path(out_path), [p.stem for p in _notebooks.notebook_paths(Path(nb_path).parent)], data_dir)
            return {"ok": True, "seconds": time.perf_counter() - start}
        except pm.PapermillExecutionError as err:
            first_line = next((line for line in (err.source or "").splitlines() if line.strip()), "")
            return {
                "ok": False,
                "seconds": time.perf_counter() - start,
                "exec_count": err.exec_count,
                "cell_source": first_line[:70],
                "error": f"{err.ename}: {err.evalue}".strip(),
            }
        except DeadKernelError as err:  # the kernel died while running a cell (killed, out of memory, a crash)
            if any(m in str(err) for m in KERNEL_START_ERRORS) and attempt < 2:
                time.sleep(0.5 * (attempt + 1))
                continue
            nb = _RUNNING.get("nb")
            exec_count, first_line = _running_cell(nb)
            if nb is not None:
                import nbformat

                nbformat.write(nb, out_path)  # what ran before the kernel died, for inspection
            elif not Path(out_path).exists():
                shutil.copyfile(nb_path, out_path)
            return {
                "ok": False,
                "seconds": time.perf_counter() - start,
                "exec_count": exec_count,
                "cell_source": first_line,
                "kernel_died": True,
                "error": f"the kernel died ({type(err).__name__}: {err})".splitlines()[0],
            }
        except Exception as err:  # a kernel that did not start is tried again, twice
            if any(m in str(err) for m in KERNEL_START_ERRORS) and attempt < 2:
                time.sleep(0.5 * (attempt + 1))
                continue
            stage = "kernel start"
            if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
                stage = "writing its files"
            return {
                "ok": False,
                "seconds": time.perf_counter() - start,
                "exec_count": None,
                "stage": stage,
                "error": f"{type(err).__name__}: {err}".splitlines()[0],
            }
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
    """Talk to the kernel over Unix sockets in a private folder, not TCP ports; its connection file there too.

    With TCP, two workers starting kernels at the same moment can pick the same free port, and one
    kernel dies ("Kernel died before replying to kernel_info"); sockets in a folder of one's own
    cannot collide, and ipykernel no longer warns about unencrypted TCP.
    """
    from traitlets.config import Config

    return Config(
        {
            "KernelManager": {
                "transport": "ipc",
                "ip": os.path.join(sockets, "k"),  # short: a Unix socket path has at most 107 bytes
                # The connection file holds the kernel's signing key: in the same folder, removed with it
                # (jupyter_client's default is a new file in the system's temporary folder).
                "connection_file": os.path.join(sockets, "kernel.json"),
            }
        }
    )


def expected_work(nb_path: Path) -> tuple[int, int]:
    """How much a notebook is expected to do: (figures it saves, characters of code).

    Saving a publication figure (SVG and 300-dpi PNG, about 0.2 s) is most of what a step
    notebook does beyond starting its kernel (a figure is saved by ``figures.save(`` or, in a
    notebook that calls its step, ``plots.show(``); the amount of code breaks ties.
    """
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    code = "".join(_notebooks.cell_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    return code.count("figures.save(") + code.count("plots.show("), len(code)


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


def _render_pages(executed: Path, steps: list[str], data_dir: str | None) -> None:
    """Normalise an executed notebook and write its report view and full view next to it.

    ``steps`` are the stems of every step notebook, in order (for previous and next links).
    """
    import nbformat

    from .. import site

    _normalise_notebook(executed)
    nb = nbformat.read(executed, as_version=4)
    for code, suffix in ((False, ".html"), (True, ".code.html")):
        page = site.render_notebook(
            nb, code=code, stem=executed.stem, steps=steps, data_dir=data_dir, run=_run_identity.current()
        )
        executed.with_suffix(suffix).write_text(page, encoding="utf-8")


#: The file that marks a kernels' folder as this runner's, naming the build process that made it.
KERNEL_FOLDER_OWNER = "owner.json"


def _process_identity(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), or None if there is no such process.

    With the pid it identifies a process: a pid used again later belongs to a process that started later.
    """
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def make_kernel_folder() -> str:
    """A new private folder in the system's temporary folder for this build's kernels' sockets and
    connection files, marked with this process's identity (:data:`KERNEL_FOLDER_OWNER`).

    It is there rather than beside the report because a Unix socket's path must be short.
    """
    from .outdir import BUILT_BY

    sockets = tempfile.mkdtemp(prefix=KERNEL_SOCKETS_PREFIX)
    owner = {"built_by": BUILT_BY, "pid": os.getpid(), "started": _process_identity(os.getpid())}
    with open(os.path.join(sockets, KERNEL_FOLDER_OWNER), "w", encoding="utf-8") as fh:
        json.dump(owner, fh)
    return sockets


def remove_stale_kernel_folders(tmpdir: str | None = None) -> list[str]:
    """Remove the kernels' folders that builds killed outright (SIGKILL, the out-of-memory killer) left.

    Only folders of this user named ``dstc-kernel-*`` that carry the runner's mark, and whose
    build process is gone, are removed; they hold the kernels' connection files and signing keys.

    Returns
    -------
    list of str
        The folders removed.
    """
    from .outdir import BUILT_BY

    tmpdir = tmpdir if tmpdir is not None else tempfile.gettempdir()
    removed = []
    with contextlib.suppress(OSError), os.scandir(tmpdir) as entries:
        for entry in entries:
            if not entry.name.startswith(KERNEL_SOCKETS_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_uid != os.geteuid():
                    continue
                with open(os.path.join(entry.path, KERNEL_FOLDER_OWNER), encoding="utf-8") as fh:
                    owner = json.load(fh)
            except (OSError, ValueError):
                continue
            if (
                not isinstance(owner, dict)
                or owner.get("built_by") != BUILT_BY
                or not isinstance(owner.get("pid"), int)
            ):
                continue
            if _process_identity(owner["pid"]) != owner.get("started"):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.path)
    return removed


def remove_sockets(sockets: str, rounds: int = 20) -> None:
    """Remove the kernels' folder (their sockets and connection files, which hold signing keys).

    Called once every worker has been stopped, so every kernel has had SIGKILL (see
    :mod:`analysis.runner.processes`); one still inside a system call as it got the signal can
    finish creating a socket file after a first removal, so the folder is removed until it stays gone.
    """
    for _ in range(rounds):
        shutil.rmtree(sockets, ignore_errors=True)
        time.sleep(0.02)
        if not os.path.exists(sockets):
            return


def run_notebooks(plan: Plan, tmp: Path, sockets: str, jobs: int, progress: Callable[[str], None]) -> dict[str, dict]:
    """Execute every notebook in worker processes; on any exception (an interrupt too) stop them all."""
    ctx = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_processes.worker_init, initargs=(os.getpid(),)
    )
    outcomes: dict[str, dict] = {}
    try:
        # Workers start with SIGINT, SIGTERM and SIGHUP blocked, so a Ctrl-C typed now waits here (and
        # is then raised in this thread) rather than hitting a worker before it can ignore it. The signal
        # is also held from this thread until every worker is started (_held_signals): raised while one
        # starts, it would cut the start-up data the worker is reading ("EOFError: Ran out of input").
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set(Interrupts.SIGNALS))
        try:
            with _held_signals():
                futures = {
                    pool.submit(
                        _execute,
                        str(nb),
                        str(tmp / "notebooks" / nb.name),
                        plan.notebook_params[nb.stem],
                        str(tmp / "figures"),
                        str(nb.parent),
                        str(plan.data_dir) if plan.data_dir else None,
                        sockets,
                        plan.run.to_env() if plan.run is not None else None,
                    ): nb
                    for nb in longest_first(plan.notebooks)
                }
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        progress(f"  {jobs} workers started")
        for done, fut in enumerate(cf.as_completed(futures), start=1):
            nb = futures[fut]
            outcome = fut.result()
            outcomes[nb.stem] = outcome
            status = "ok" if outcome["ok"] else ("KERNEL DIED" if outcome.get("kernel_died") else "FAILED")
            progress(f"  [{done}/{len(futures)}] {nb.stem}: {status} ({outcome['seconds']:.1f} s)")
    except BaseException as err:
        _stop_pool(pool)
        if isinstance(err, (cf.process.BrokenProcessPool, OSError)):
            raise ReportError(
                f"the notebook workers could not run ({type(err).__name__}: {err}); "
                f"{shown_path(plan.out_dir, 200)} was left as it was"
            ) from err
        raise
    pool.shutdown(wait=True)
    return outcomes


@contextlib.contextmanager
def _held_signals():
    """Hold SIGINT, SIGTERM and SIGHUP in this (the main) thread for the section, then raise the first.

    A signal's Python handler runs in the main thread even while the signal is blocked there, when the
    operating system delivered it to another thread; inside this section it is noted instead, and sent
    again when the section ends, to whatever handler was installed before (the build's
    :class:`Interrupts`). A signal its caller ignores stays ignored. Outside the main thread, nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {
        s: signal.signal(s, lambda signum, frame: pending.append(signum))
        for s in Interrupts.SIGNALS
        if signal.getsignal(s) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop the pool's workers and their kernels at once, without waiting for any notebook.

    Each worker's process group is killed (:func:`~analysis.runner.processes.kill_group`); its
    kernel gets SIGKILL as the worker dies (:mod:`analysis.runner.processes`). The pool is then
    shut down, and a worker it started meanwhile is killed too.
    """
    killed: dict = {}
    for _ in range(2):
        processes = dict(getattr(pool, "_processes", None) or {})  # pid -> multiprocessing.Process
        for pid, process in processes.items():
            if pid not in killed:
                _processes.kill_group(pid)
                killed[pid] = process
        pool.shutdown(wait=False, cancel_futures=True)
    for process in killed.values():
        process.join(timeout=10)
