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

What the runner may touch
-------------------------
It replaces an output folder only when that folder is empty or is a report it built itself:
every build writes a marker, :data:`MARKER_NAME`, listing the files it made; a folder with
any other file, a file, a device, ``/``, the home folder, the repository or anything inside
``data/``, ``notebooks/``, ``analysis/``, ``tests/`` or ``.git`` is refused
(:func:`check_out_dir`). One build writes into a folder at a time (:class:`OutputLock`, an
``flock`` the operating system releases when the process dies). Ctrl-C or SIGTERM stops the
workers and their kernels, removes the temporary folder, leaves (or puts back) the previous
output and exits 130 or 143 (:class:`Interrupted`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import errno
import hashlib
import io
import json
import multiprocessing
import os
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from . import data as _data
from . import notebooks as _notebooks
from . import params as _params
from . import paths as _paths
from . import results as _results

KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 900
FIGURE_FIELDS = ("id", "title", "caption", "sources", "notebook", "data_file")


#: Written into every report the runner builds: what built it, and every file it wrote.
MARKER_NAME = ".dstc-report.json"
BUILT_BY = "python -m analysis report"
#: A default output folder name longer than this (bytes) is shortened with a hash.
MAX_DEFAULT_NAME_BYTES = 100
#: The longest name the runner derives from an output folder's name: ``.NAME.building-XXXXXXXX``.
DERIVED_NAME_EXTRA_BYTES = len("..building-") + 8


class ReportError(RuntimeError):
    """A notebook failed while the report was being built. The message is one line."""


class OutputRefused(ValueError):
    """The output folder cannot be used (not ours, protected, locked, unwritable). The message is one line."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the build. ``exit_code`` is 128 + the signal number."""

    def __init__(self, signum: int = signal.SIGINT, published: Path | None = None):
        super().__init__(signum)
        self.signum = signum
        self.published = published

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)

    def __str__(self) -> str:
        name = signal.Signals(self.signum).name
        if self.published is not None:
            published = _shown_path(self.published)
            return f"interrupted ({name}) after the report was published; {published} holds the new report"
        return f"interrupted ({name}); the build was stopped and earlier outputs were left as they were"


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
    data_dir: Path | None = None
    #: ``--scenario`` and ``--out`` as the user gave them (None: not given), for the re-run command.
    scenario_arg: str | None = None
    out_arg: str | None = None

    @property
    def label(self) -> str:
        return self.scenario.name + "".join(f"+{k}={v}" for k, v in sorted(self.cli_overrides.items()))

    def rerun_command(self) -> str:
        """The command that rebuilds this report: the scenario and ``--out`` as given, shell-quoted.

        >>> from analysis import params
        >>> s = params.Scenario("baseline", Path("/x/baseline.yaml"), "d", ("assumption",), {}, external=True)
        >>> given = "my dir/baseline.yaml"
        >>> plan = Plan(s, {"gpu_hour_price_usd": 3.0}, {}, {}, Path("/o"), [], {}, {}, scenario_arg=given)
        >>> plan.rerun_command()
        "python -m analysis report --scenario 'my dir/baseline.yaml' -p gpu_hour_price_usd 3.0"
        """
        parts = ["python -m analysis report"]
        scenario = self.scenario_arg if self.scenario_arg is not None else self.scenario.name
        if scenario != "baseline":
            parts.append(f"--scenario {shlex.quote(scenario)}")
        parts += [f"-p {k} {shlex.quote(str(v))}" for k, v in sorted(self.cli_overrides.items())]
        if self.out_arg is not None:
            parts.append(f"--out {shlex.quote(self.out_arg)}")
        return " ".join(parts)


def default_out_dir(scenario: str, cli_overrides: dict[str, Any], sha256: str | None = None) -> Path:
    """``reports/<scenario>/``, or ``reports/<scenario>+name=value/`` when ``-p`` is used.

    A run with overrides never overwrites the scenario's own report. A scenario file given by
    path (``sha256`` of its bytes given) builds into ``reports/<name>-<8 hex of the hash>/``, never
    onto a registered scenario's folder. A name longer than :data:`MAX_DEFAULT_NAME_BYTES` keeps
    the overrides that fit and ends with a hash of the whole name, so it stays unique and
    within the file system's 255-byte limit.

    >>> default_out_dir("baseline", {}, sha256="0123456789abcdef").name
    'baseline-01234567'
    >>> len(default_out_dir("baseline", {f"p{i}": "x" * 30 for i in range(10)}).name.encode()) <= MAX_DEFAULT_NAME_BYTES
    True
    """
    base = scenario if sha256 is None else f"{scenario}-{sha256[:8]}"
    parts = [f"+{k}={v}" for k, v in sorted(cli_overrides.items())]
    name = _safe_name(base + "".join(parts))
    if len(name.encode()) > MAX_DEFAULT_NAME_BYTES:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        room = MAX_DEFAULT_NAME_BYTES - len(digest) - len("+...-")
        kept = _safe_name(base)
        while len(kept.encode()) > room:
            kept = kept[:-1]
        for part in parts:
            part = _safe_name(part)
            if len((kept + part).encode()) > room:
                break
            kept += part
        name = f"{kept}+...-{digest}"
    return _paths.REPORTS_DIR / name


def _safe_name(text: str) -> str:
    """A folder name from text: no path separators or control characters."""
    return "".join("_" if c in "/\\\0" or ord(c) < 32 else c for c in text)


def plan_report(
    scenario: str | Path = "baseline",
    overrides: Iterable[tuple[str, str]] = (),
    out: Path | str | None = None,
    notebooks_dir: Path | None = None,
    data_dir: Path | str | None = None,
) -> Plan:
    """Validate everything a run needs; raise before anything is written."""
    _data.validate_all(data_dir)
    register = _params.load_register(data_dir)
    scen = _params.load_scenario(scenario, data_dir=data_dir, register=register)
    cli = _params.parse_cli_overrides(overrides, register)
    values = _params.resolve_parameters(register, scen.overrides, cli)
    check_model_outputs(values, data_dir, register)
    notebooks = _notebooks.notebook_paths(notebooks_dir)
    if not notebooks:
        raise ReportError("no notebooks found in notebooks/")
    per_notebook = {}
    for path in notebooks:
        declared = _notebooks.notebook_parameters(path)
        unknown = [n for n in declared if n not in register]
        if unknown:
            raise _params.ParameterError(
                f"{path.name} declares {unknown[0]!r}, which is not in data/assumptions.csv; register it there first"
            )
        per_notebook[path.stem] = {n: values[n] for n in declared}
    default_out = default_out_dir(scen.name, cli, scen.sha256 if scen.external else None)
    out_dir = check_out_dir(out if out is not None else default_out, data_dir)
    return Plan(
        scen,
        cli,
        values,
        _params.differs_from_baseline(register, values),
        out_dir,
        notebooks,
        per_notebook,
        register,
        Path(data_dir).resolve() if data_dir is not None else None,
        scenario_arg=str(scenario),
        out_arg=None if out is None else os.fspath(out),
    )


def _model_evaluator(data_dir: Path | str | None) -> Callable[[dict], dict]:
    """The model's named point outputs as a function of the parameter values (:func:`analysis.model.point_outputs`)."""
    from .model import point_outputs

    return lambda values: point_outputs(values, data_dir=data_dir)


def _non_finite(outputs: dict, reference: dict | None = None) -> list[tuple[str, str]]:
    """``(output name, "inf" or "nan")`` for each numeric output with a non-finite value where the
    reference outputs (the baseline's) are finite."""
    import numpy as np

    bad = []
    for name, value in outputs.items():
        try:
            array = np.asarray(value, dtype=float)
        except OverflowError:  # an int too large for a float
            bad.append((name, "inf"))
            continue
        except (TypeError, ValueError):
            continue  # not a number (a table, a label): not checked
        broken = ~np.isfinite(array)
        if reference is not None and name in reference:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                broken = broken & np.broadcast_to(np.isfinite(np.asarray(reference[name], dtype=float)), broken.shape)
        if broken.any():
            bad.append((name, "nan" if np.isnan(array[broken]).all() else "inf"))
    return bad


_OVERFLOW = "(overflow)"


def check_model_outputs(
    values: dict, data_dir: Path | str | None = None, register: dict[str, _params.Parameter] | None = None
) -> None:
    """Refuse values that pass their type and bounds but make the model give inf or NaN.

    The model's point outputs at ``values`` are compared with those at the baseline: an output
    that is finite at the baseline must be finite here. If one is not, each parameter that
    differs from its baseline is put back, one at a time, to find the one to blame.

    Raises
    ------
    ParameterError
        One line naming the parameter, its value, the output it breaks and the register's range, e.g.
        ``gpu_hour_price_usd = 1e+308 makes the cost model overflow (cost_final_run_usd is inf); use a
        value nearer the register's range 1.3 to 3.42``.
    """
    import warnings

    import numpy as np

    register = register if register is not None else _params.load_register(data_dir)
    evaluate = _model_evaluator(data_dir)
    baseline = {name: p.baseline for name, p in register.items()}

    def run(trial: dict) -> dict | None:
        """The outputs at ``trial``; None when the values break one of the model's own rules (checked below)."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return evaluate(trial)
            except OverflowError:  # a whole number too large for floating point
                return {_OVERFLOW: float("inf")}
            except ValueError:
                return None

    try:  # the run's own values: a rule between parameters (e.g. the Hopper total) is refused in its own words
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = evaluate(values)
    except OverflowError:
        outputs = {_OVERFLOW: float("inf")}
    except ValueError as err:
        raise _params.ParameterError(str(err).splitlines()[0]) from None
    reference = run({**values, **baseline})
    bad = _non_finite(outputs, reference)
    if not bad:
        return
    output, kind = bad[0]
    changed = [n for n in sorted(values) if n in register and values[n] != register[n].baseline]
    culprits = [
        n
        for n in changed
        if (trial := run({**values, n: register[n].baseline})) is not None and not _non_finite(trial, reference)
    ]
    if not culprits:
        culprits = changed
    if not culprits:
        raise _data.DataError(
            f"the cost model gives {output} = {kind} at the baseline parameters; check the data files"
        )
    what = "overflow" if kind == "inf" else "give an undefined number"
    detail = "a number too large for floating point" if output == _OVERFLOW else f"{output} is {kind}"
    name = culprits[0]
    p = register[name]
    shown = f"{values[name]:g}" if isinstance(values[name], float) else _params.shown_value(values[name])
    others = (
        f" (with {', '.join(culprits[1:3])}{' and more' if len(culprits) > 3 else ''})" if len(culprits) > 1 else ""
    )
    hint = (
        f"use a value nearer the register's range {p.low:g} to {p.high:g}"
        if p.low is not None and p.high is not None
        else f"use a value nearer its baseline {p.baseline}"
    )
    raise _params.ParameterError(f"{name} = {shown}{others} makes the cost model {what} ({detail}); {hint}")


# --------------------------------------------------------------------------- output folders
def _shown_path(path: Path | str, limit: int = 200) -> str:
    """A path as messages show it: relative to the working folder when inside it, clipped."""
    path = Path(path)
    try:
        text = str(path.relative_to(Path.cwd()))
    except ValueError:
        text = str(path)
    return _params.shown_value(text or ".", limit)


def _protected_folders(data_dir: Path | str | None) -> dict[Path, str]:
    """Folders a report may never be written into (nor be): the project's own files."""
    folders = {
        Path(data_dir) if data_dir is not None else _paths.DATA_DIR: "the data folder",
        _paths.NOTEBOOKS_DIR: "the notebooks folder",
    }
    folders.update({_paths.REPO_ROOT / name: f"{name}/" for name in ("data", "notebooks", "analysis", "tests", ".git")})
    return {p.resolve(): what for p, what in folders.items()}


def read_marker(folder: Path) -> dict | None:
    """The marker of a report this runner built in ``folder``, or None."""
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("built_by") != BUILT_BY or not isinstance(marker.get("files"), list):
        return None
    return marker


def _iter_files(folder: Path) -> Iterable[str]:
    """Every file (and symbolic link, and special file) under ``folder``, as relative paths, lazily."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            yield Path(os.path.relpath(os.path.join(root, name), folder)).as_posix()


def _files_in(folder: Path) -> list[str]:
    return sorted(_iter_files(folder))


def foreign_content(folder: Path) -> str | None:
    """Why ``folder`` is not the runner's to replace, or None when it is empty or a report it built.

    A report it built holds :data:`MARKER_NAME` and no file the marker does not list (a reader's
    notes dropped into a report folder are not deleted either).
    """
    marker = read_marker(folder)
    if marker is None:  # the first file is enough to refuse (and the folder may be huge)
        first = next(iter(_iter_files(folder)), None)
        return (
            None
            if first is None
            else f"it holds {_params.shown_value(first, 50)} and no {MARKER_NAME} marker of a report"
        )
    extra = sorted(set(_files_in(folder)) - set(marker["files"]) - {MARKER_NAME})
    if extra:
        more = f" and {len(extra) - 1} more" if len(extra) > 1 else ""
        return f"it holds {_params.shown_value(extra[0], 50)}{more}, which the report there did not write"
    return None


def _name_max(path: Path) -> int:
    try:
        return os.pathconf(path, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_out_dir(out: Path | str, data_dir: Path | str | None = None) -> Path:
    """The output folder, absolute, if the runner may build into it; else a one-line OutputRefused.

    Refused: an empty path; a file, device or other non-folder; a symbolic link; ``/``, the home
    folder, the repository itself; anything inside ``data/``, ``notebooks/``, ``analysis/``,
    ``tests/``, ``.git`` or inside another report; a folder holding files this runner did not
    write (:func:`foreign_content`); a name too long for the file system; a destination the
    process cannot write to.
    """
    text = os.fspath(out)
    if not text.strip():
        raise OutputRefused("--out must name a folder, got an empty path; e.g. --out reports/my-run")
    if "\0" in text:
        raise OutputRefused("--out must not contain a NUL character")
    shown = _params.shown_value(text, 200)
    absolute = Path(os.path.abspath(text))
    if absolute.is_symlink():
        raise OutputRefused(
            f"--out {shown} is a symbolic link; give a real folder (the runner replaces the folder, "
            "which would replace the link)"
        )
    try:
        target = absolute.resolve()
    except (OSError, RuntimeError) as err:
        raise OutputRefused(f"--out {shown}: cannot be resolved ({err})") from None
    existing = target
    while not os.path.lexists(existing):
        existing = existing.parent
    name_max = _name_max(existing if existing.is_dir() else existing.parent)
    for part in target.parts[1:-1]:
        if len(part.encode()) > name_max:
            raise OutputRefused(
                f"--out {shown}: a folder name of {len(part.encode())} bytes is too long for the file system "
                f"(at most {name_max}); choose a shorter path"
            )
    if len(target.name.encode()) + DERIVED_NAME_EXTRA_BYTES > name_max:
        raise OutputRefused(
            f"--out {shown}: the folder name is {len(target.name.encode())} bytes, too long for the file system "
            f"(at most {name_max - DERIVED_NAME_EXTRA_BYTES} here); choose a shorter name"
        )
    if len(os.fsencode(target)) + 200 > 4096:
        raise OutputRefused(f"--out {shown}: the path is too long for the file system; choose a shorter path")
    for folder, what in (
        (Path("/"), "the file system root"),
        (Path.home().resolve(), "your home folder"),
        (_paths.REPO_ROOT.resolve(), "the repository itself"),
    ):
        if target == folder:
            raise OutputRefused(f"--out {shown} is {what}; choose a folder of its own, e.g. reports/my-run")
    for folder, what in _protected_folders(data_dir).items():
        if target == folder or folder in target.parents:
            raise OutputRefused(
                f"--out {shown} is inside {what}, which holds the project's own files; "
                "choose a folder of its own, e.g. reports/my-run"
            )
    for parent in target.parents:
        if read_marker(parent) is not None:
            raise OutputRefused(f"--out {shown} is inside the report {_shown_path(parent)}; choose a folder outside it")
    if os.path.lexists(target):
        mode = os.lstat(target).st_mode
        if not stat.S_ISDIR(mode):
            kind = "a file" if stat.S_ISREG(mode) else "a device or other special file"
            raise OutputRefused(f"--out {shown} is {kind}, not a folder; the runner never replaces it")
        problem = foreign_content(target)
        if problem:
            raise OutputRefused(
                f"--out {shown} is a folder the runner did not make ({problem}); "
                "choose a new or empty folder, or move its files away yourself"
            )
    elif not existing.is_dir():
        raise OutputRefused(f"--out {shown}: {_shown_path(existing)} is a file, not a folder")
    writable = target.parent if target.parent.exists() else existing
    if not os.access(writable, os.W_OK | os.X_OK):
        raise OutputRefused(
            f"--out {shown}: cannot write in {_shown_path(writable)} (no permission, or a read-only "
            "file system); choose a folder you can write to"
        )
    return target


def marker_json(plan: Plan, files: Iterable[str]) -> str:
    """The marker a build writes: what built it, for which scenario, and every file it wrote (no timestamps)."""
    marker = {
        "built_by": BUILT_BY,
        "report_version": __version__,
        "scenario": plan.scenario.name,
        "files": sorted(set(files) - {MARKER_NAME}),
    }
    return json.dumps(marker, indent=1, ensure_ascii=False) + "\n"


def _write_marker(folder: Path, plan: Plan) -> None:
    (folder / MARKER_NAME).write_text(marker_json(plan, _files_in(folder)), encoding="utf-8")


class OutputLock:
    """One build per output folder at a time: an ``flock`` on ``.<name>.lock`` beside the folder.

    The operating system releases the lock when the process ends, however it ends, so a crashed
    build never leaves the folder locked. A second build is refused at once with the holder's pid.
    The lock file is removed on release; a build that opened it just before checks, once it
    holds the lock, that the file it locked is still the one at that path.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir.parent / f".{out_dir.name}.lock"
        self.fd: int | None = None

    def acquire(self) -> OutputLock:
        import fcntl

        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as err:
                raise OutputRefused(
                    f"cannot write in {_shown_path(self.path.parent)} ({err.strerror}); "
                    "choose a folder you can write to"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise OutputRefused(f"cannot lock {_shown_path(self.path)} ({err.strerror})") from None
                pid = f" (pid {holder})" if holder.isdigit() else ""
                raise OutputRefused(
                    f"another build is writing {_shown_path(self.out_dir)}{pid}; wait for it or choose another --out"
                ) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed the file as we opened it: lock the new one
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


class _Interrupts:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread, except inside
    :meth:`deferred`, where they are held until the section ends (the swap of the output folder
    must not be cut in half)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.pending: int | None = None
        self._deferring = False
        self._previous: dict = {}

    def _handle(self, signum, frame):
        if self._deferring:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)

    def __enter__(self) -> _Interrupts:
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


def _recover_leftovers(out_dir: Path) -> None:
    """Tidy what a build of ``out_dir`` killed outright (SIGKILL, power cut) left beside it.

    Called with the folder's lock held, so no other build is using these names: temporary
    folders are removed; an old output moved aside and never put back is restored.
    """
    parent, name = out_dir.parent, out_dir.name
    for entry in sorted(parent.iterdir()):
        if entry.name.startswith(f".{name}.building-") and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
    olds = [
        e for e in sorted(parent.iterdir()) if e.name.startswith(f".{name}.old-") and e.is_dir() and not e.is_symlink()
    ]
    for old in olds:
        if not os.path.lexists(out_dir) and read_marker(old) is not None:
            old.rename(out_dir)
        elif read_marker(old) is not None:
            shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- execution
def _worker_init() -> None:
    """Set up a worker process: Ctrl-C is the runner's to handle, not the worker's.

    Workers start with SIGINT and SIGTERM blocked (see :func:`_run_notebooks`), so a Ctrl-C
    typed while they start cannot reach them before this ignores it; the runner stops them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


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
            with tempfile.TemporaryDirectory(prefix=KERNEL_SOCKETS_PREFIX, dir=sockets_root) as sockets:
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

    from . import site

    _normalise_notebook(executed)
    nb = nbformat.read(executed, as_version=4)
    for code, suffix in ((False, ".html"), (True, ".code.html")):
        page = site.render_notebook(nb, code=code, stem=executed.stem, steps=steps, data_dir=data_dir)
        executed.with_suffix(suffix).write_text(page, encoding="utf-8")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def figures_csv(entries: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIGURE_FIELDS)
    for e in sorted(entries, key=lambda e: e["id"]):
        writer.writerow([e["id"], e["title"], e["caption"], ";".join(e["sources"]), e["notebook"], f"{e['id']}.csv"])
    return buf.getvalue()


LEDGER_FIELDS = (
    "claim_id",
    "claimant",
    "claim",
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


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_report(plan: Plan, jobs: int | None = None, progress: Callable[[str], None] = _say) -> Path:
    """Execute the plan; return the output folder.

    Raises
    ------
    ReportError
        A notebook failed (it is kept in ``<out>.failed/``); the previous output is untouched.
    OutputRefused
        The output folder is not the runner's to replace, another build is writing it, or it
        cannot be written.
    Interrupted
        SIGINT or SIGTERM: workers and kernels are stopped, the temporary folder removed and the
        previous output left as it was (or put back, if it had been moved aside).
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plan.notebooks)))
    out_dir = plan.out_dir
    with _Interrupts() as interrupts:
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputRefused(
                f"cannot create {_shown_path(out_dir.parent)} ({err.strerror}); choose a folder you can write to"
            ) from None
        lock = OutputLock(out_dir).acquire()
        try:
            _recover_leftovers(out_dir)
            check_out_dir(out_dir, plan.data_dir)  # again, under the lock: the folder may have changed since the plan
            return _build(plan, jobs, progress, interrupts)
        finally:
            with interrupts.deferred():
                lock.release()


def _build(plan: Plan, jobs: int, progress: Callable[[str], None], interrupts: _Interrupts) -> Path:
    """Run the notebooks into a temporary folder of this build's own, then publish it (lock held)."""
    out_dir = plan.out_dir
    tmp: Path | None = None
    sockets: str | None = None
    try:
        try:
            tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.building-"))
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the report is an ordinary folder
            (tmp / "notebooks").mkdir()
            (tmp / "figures").mkdir()
            sockets = tempfile.mkdtemp(prefix=KERNEL_SOCKETS_PREFIX)
        except OSError as err:
            raise OutputRefused(
                f"cannot write in {_shown_path(out_dir.parent)} ({err.strerror}); choose a folder you can write to"
            ) from None
        progress(
            f"Building report '{plan.label}' -> {_shown_path(out_dir, 200)} "
            f"({len(plan.notebooks)} notebooks, {jobs} at a time)"
        )
        started = time.perf_counter()
        outcomes = _run_notebooks(plan, tmp, sockets, jobs, progress)
        failed = {stem: o for stem, o in outcomes.items() if not o["ok"]}
        if failed:
            keep = _keep(tmp, plan)
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
                f"the failed notebook is kept in {_shown_path(kept_nb)}"
                if kept_nb.is_file()
                else f"what was built is kept in {_shown_path(keep)}"
            )
            raise ReportError(
                f"notebook {stem}.ipynb failed at {cell}: {o['error']}{more}; {kept}; "
                f"{_shown_path(out_dir)} was left as it was"
            )
        try:
            _publish(tmp, plan)
        except Exception as err:  # a full disk, or a bug after the notebooks ran: keep the build, leave the old output
            reason = f"{type(err).__name__}: {err}".splitlines()[0]
            if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
                reason = f"no space left on the device ({err.strerror})"
            try:
                keep = _keep(tmp, plan)
                tmp = None
                where = f"the partial build is kept in {_shown_path(keep, 200)}"
            except OSError:
                where = "the partial build was removed"
            raise ReportError(
                f"building the report pages failed: {reason}; {where}; {_shown_path(out_dir, 200)} was left as it was"
            ) from err
        _swap(tmp, plan, interrupts, progress)
        tmp = None
        progress(f"Done in {time.perf_counter() - started:.1f} s: {_shown_path(out_dir / 'index.html', 200)}")
        if interrupts.pending is not None:  # arrived after the new report was in place
            raise Interrupted(interrupts.pending, published=out_dir)
        return out_dir
    finally:
        with interrupts.deferred():
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if sockets is not None:
                _remove_sockets(sockets)


def _remove_sockets(sockets: str, rounds: int = 20) -> None:
    """Remove the kernels' socket folder once no process of this build can write into it again.

    A kernel still starting when the build was stopped can create its socket files after a first
    removal; each round kills what carries the build's tag and removes the folder, until it stays gone.
    """
    for _ in range(rounds):
        _kill_tagged()
        shutil.rmtree(sockets, ignore_errors=True)
        time.sleep(0.05)
        if not os.path.exists(sockets):
            return


def _run_notebooks(plan: Plan, tmp: Path, sockets: str, jobs: int, progress: Callable[[str], None]) -> dict[str, dict]:
    """Execute every notebook in worker processes; on any exception (an interrupt too) stop them all."""
    ctx = multiprocessing.get_context("spawn")
    os.environ[BUILD_TAG] = f"{os.getpid()}-{time.monotonic_ns()}"  # inherited by the workers and their kernels
    pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init)
    outcomes: dict[str, dict] = {}
    try:
        # Workers start with SIGINT and SIGTERM blocked, so a Ctrl-C typed now waits here (and is
        # then raised in this thread) rather than hitting a worker before it can ignore it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
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
                ): nb
                for nb in longest_first(plan.notebooks)
            }
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
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
                f"{_shown_path(plan.out_dir, 200)} was left as it was"
            ) from err
        raise
    pool.shutdown(wait=True)
    return outcomes


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop the pool's workers and every process they started (their kernels), without waiting for any notebook.

    Kernels run in sessions of their own (jupyter_client starts them so), so they are found as the
    workers' children: the workers are first suspended, so they cannot start another kernel
    between the listing and the kill.
    """
    import psutil

    processes = dict(getattr(pool, "_processes", None) or {})  # pid -> multiprocessing.Process
    workers = []
    for pid in processes:
        with contextlib.suppress(psutil.Error):
            workers.append(psutil.Process(pid))
    for w in workers:
        with contextlib.suppress(psutil.Error):
            w.suspend()
    deadline = time.monotonic() + 1.0
    for w in workers:
        with contextlib.suppress(psutil.Error):
            while (
                w.status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
                and time.monotonic() < deadline
            ):
                time.sleep(0.005)
    kernels = []
    for w in workers:
        with contextlib.suppress(psutil.Error):
            kernels += w.children(recursive=True)
    for p in kernels + workers:
        with contextlib.suppress(psutil.Error):
            p.kill()
    # Workers are reaped by multiprocessing (psutil must not reap them: multiprocessing would then
    # think them alive for ever); kernels are the workers' children, gone once killed.
    for process in processes.values():
        process.join(timeout=5)
    psutil.wait_procs(kernels, timeout=5)
    pool.shutdown(wait=False, cancel_futures=True)
    _kill_tagged()


#: An environment variable every worker and kernel of this build inherits, so that a process the
#: pool listing missed (a worker spawned by the pool's own thread, or a kernel whose worker died
#: first and left it to init) is still found and stopped before the temporary folders are removed.
BUILD_TAG = "DSTC_BUILD_TAG"


def _kill_tagged(rounds: int = 20) -> None:
    """Kill every process that carries this build's tag (:data:`BUILD_TAG`), until none is left."""
    import psutil

    tag = os.environ.get(BUILD_TAG)
    if not tag:
        return
    # This process, and multiprocessing's resource tracker, which it may have started during the build and
    # which serves every later pool in this process too (killing it makes Python warn and relaunch it).
    from multiprocessing import resource_tracker

    spared = {os.getpid(), getattr(resource_tracker._resource_tracker, "_pid", None)}
    for _ in range(rounds):
        found = []
        for proc in psutil.process_iter():
            if proc.pid in spared:
                continue
            with contextlib.suppress(psutil.Error):
                if proc.environ().get(BUILD_TAG) == tag:
                    found.append(proc)
        if not found:
            return
        for proc in found:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(found, timeout=1)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _keep(tmp: Path, plan: Plan) -> Path:
    """Move a failed build to ``<out>.failed/`` for inspection (a unique name if that is not a build of ours)."""
    out_dir = plan.out_dir
    with contextlib.suppress(OSError):
        _write_marker(tmp, plan)
    keep = out_dir.parent / f"{out_dir.name}.failed"
    if os.path.lexists(keep):
        if keep.is_dir() and not keep.is_symlink() and read_marker(keep) is not None and foreign_content(keep) is None:
            shutil.rmtree(keep)
        else:
            keep = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f"{out_dir.name}.failed-"))
    tmp.rename(keep)  # onto an empty folder of the same file system: allowed
    return keep


def _swap(tmp: Path, plan: Plan, interrupts: _Interrupts, progress: Callable[[str], None]) -> None:
    """Put the new build in place of the old output, with interrupts held until it is done.

    An interrupt that arrives while the old output is moved aside puts it back and discards
    the new build; one that arrives after is reported once the report is published.
    """
    out_dir = plan.out_dir
    with interrupts.deferred():
        old = None
        if os.path.lexists(out_dir):
            old = tmp.parent / tmp.name.replace(".building-", ".old-", 1)
            out_dir.rename(old)
        try:
            tmp.rename(out_dir)
        except BaseException:
            if old is not None:
                old.rename(out_dir)
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


def _publish(tmp: Path, plan: Plan) -> None:
    """Collect results, claims and the figure manifest from the executed notebooks; write the front page.

    The executed notebooks were normalised and rendered by the workers; they are read here as plain
    JSON, so this step does not load nbformat.
    """
    from . import figures as _figures
    from . import site

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
    _write_text(tmp / "results.json", _results.to_json(all_results, meta))
    _write_text(tmp / "results.csv", _results.to_csv(all_results))
    _write_text(tmp / "figures" / "figures.csv", figures_csv(all_figures))
    from . import model as _model

    ledger = _model.claims_ledger(plan.values, {r["id"]: r for r in all_results}, plan.data_dir)
    _write_text(tmp / "claims.csv", ledger_csv(ledger))
    site.write_site(tmp, plan, executed, all_results, all_figures, ledger, all_answers)
    _write_marker(tmp, plan)
