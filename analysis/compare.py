"""Built runs side by side: each result in every run, and its change against the first run.

Every build computes every headline result, so a headline result missing from a run is refused (the runs
come from different versions of the report); with ``--all``, a result that a run legitimately does not
compute (a sensitivity of a run that holds every parameter it would move) is shown as missing there.

``python -m analysis compare RUN_A RUN_B [RUN_C ...] [--all] [--csv PATH]`` reads each run's
``results.json`` (:func:`load_run`), lines up the headline results (or, with ``--all``, every
result) of all the runs (:func:`compare`), prints them as a table (:func:`text_table`) and writes
the same as CSV (:func:`csv_text`, :func:`write_csv`).

:func:`compare`, :func:`change_fraction`, :func:`format_change`, :func:`text_table` and
:func:`csv_text` are pure functions of the results dicts; :func:`load_run`, :func:`csv_destination`
and :func:`write_csv` are the boundary (they read and write files).

Where the CSV goes (:func:`csv_destination`): by default ``compare.csv`` in the last run's folder
that is a report the runner built, other than the committed ``reports/baseline/`` (that report is
rebuilt only by ``make report``); the file is added to that report's marker, so the runner still
knows the folder as its own (a later build of that report replaces it). ``--csv PATH`` writes
anywhere else, except inside the project's own folders, inside a report's subfolders, or over a
file that is not a comparison this command wrote.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import paths as _paths
from .formatting import format_value

#: The name of the CSV written into a report folder when ``--csv`` is not given.
DEFAULT_CSV_NAME = "compare.csv"
#: The first columns of the CSV (then each run's value, then each later run's change in %).
CSV_FIXED_COLUMNS = ("id", "label", "unit")
#: The key of a report's marker that lists the comparisons this command added to the report.
MARKER_KEY = "added_by_compare"
#: What the printed table shows for a result a run does not compute.
NOT_IN_RUN = "–"
#: Marks a label that differs between runs in the printed table.
LABEL_DIFFERS = "‡"
#: Labels wrap at this width in the printed table [characters].
LABEL_WIDTH = 56


class CompareError(ValueError):
    """A run that cannot be compared, or a CSV destination that is refused (one line, exit 2)."""


@dataclass(frozen=True)
class Run:
    """One built report, as the comparison reads it.

    Attributes
    ----------
    name : str
        How the run is shown in the table's header and the CSV's columns (its folder's name, or the
        folder as given when two runs share a name).
    folder : pathlib.Path
        The report folder, as given.
    results : dict
        Results id -> ``{"value", "unit", "label", "headline", ...}`` (``results.json``'s ``results``).
    """

    name: str
    folder: Path
    results: dict


@dataclass(frozen=True)
class Row:
    """One result across the runs.

    Attributes
    ----------
    id : str
        The results id.
    label : str
        What it is, in words (the first run's label).
    unit : str
        Its unit (the same in every run).
    values : tuple of float or None
        Its value in each run, in the runs' order [``unit``]; None in a run that does not compute it.
    changes : tuple of float or None
        Each later run's change against the first run [fraction; 0.1 is +10%]; None where either
        value is missing, or the first run's value is zero and the later one is not.
    other_labels : tuple of (str, str)
        ``(run name, its label)`` for each run whose label differs from :attr:`label` (a label that names
        the run's own value, e.g. its price of a GPU-hour).
    """

    id: str
    label: str
    unit: str
    values: tuple[float | None, ...]
    changes: tuple[float | None, ...]
    other_labels: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- reading runs
def _shown(folder: Path | str) -> str:
    return os.fspath(folder)


def _check_results(results, where: str) -> dict:
    """``results.json``'s ``results`` mapping, each entry with a finite numeric value, a unit and a label."""
    if not isinstance(results, dict) or not results:
        raise CompareError(f"{where}: 'results' must be a non-empty mapping of results id to result")
    for rid, r in results.items():
        if not isinstance(r, dict):
            raise CompareError(f"{where}: result {rid!r} must be a mapping with value, unit and label")
        value = r.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise CompareError(f"{where}: result {rid!r} has value {value!r}; it must be a finite number")
        for key in ("unit", "label"):
            if not isinstance(r.get(key), str):
                raise CompareError(f"{where}: result {rid!r} has no {key} (a string)")
    return results


def load_run(folder: Path | str) -> dict:
    """Read a built report's ``results.json``.

    Parameters
    ----------
    folder : path
        A report folder that ``python -m analysis report`` built (it holds ``results.json``).

    Returns
    -------
    dict
        Results id -> result (``value``, ``unit``, ``label``, ``headline``, ...).

    Raises
    ------
    CompareError
        The folder does not exist or is not a folder, holds no ``results.json``, or the file is not
        JSON of the shape the runner writes (``{"meta": ..., "results": {id: {"value", "unit",
        "label", ...}}}``); the message names the folder and what is wrong.
    """
    folder = Path(folder)
    shown = _shown(folder)
    if not folder.exists():
        raise CompareError(f"{shown}: no such folder; give report folders that `python -m analysis report` built")
    if not folder.is_dir():
        raise CompareError(f"{shown} is not a folder; give report folders that `python -m analysis report` built")
    path = folder / "results.json"
    if not path.is_file():
        raise CompareError(
            f"{shown} is not a built report: it holds no results.json (build one with "
            "`python -m analysis report --out FOLDER`)"
        )
    where = _shown(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CompareError(f"{where} is not UTF-8 text; rebuild the report") from None
    except json.JSONDecodeError as err:
        raise CompareError(f"{where} is not valid JSON (line {err.lineno}: {err.msg}); rebuild the report") from None
    except OSError as err:
        raise CompareError(f"{where}: cannot be read ({err.strerror})") from None
    if not isinstance(content, dict) or "results" not in content:
        raise CompareError(f"{where}: expected a mapping with 'results' (as the runner writes), got something else")
    return _check_results(content["results"], where)


def run_names(folders: Sequence[Path | str]) -> list[str]:
    """How each run is shown: its folder's name, or the folder as given when names repeat (numbered if it is
    the same folder twice).

    >>> run_names(["reports/baseline", "reports/high"])
    ['baseline', 'high']
    >>> run_names(["a/baseline", "b/baseline"])
    ['a/baseline', 'b/baseline']
    >>> run_names(["a/high", "a/high"])
    ['a/high (1)', 'a/high (2)']
    """
    names = [Path(f).resolve().name or _shown(f) for f in folders]
    if len(set(names)) < len(names):
        names = [_shown(f).rstrip("/") or _shown(f) for f in folders]
    if len(set(names)) < len(names):  # the same folder given twice
        names = [f"{n} ({i})" for i, n in enumerate(names, start=1)]
    return names


def load_runs(folders: Sequence[Path | str]) -> list[Run]:
    """:func:`load_run` for each folder, named by :func:`run_names`."""
    return [Run(n, Path(f), load_run(f)) for n, f in zip(run_names(folders), folders, strict=True)]


# --------------------------------------------------------------------------- comparing
def change_fraction(first: float, value: float) -> float | None:
    """A value's change against the first run's, as a fraction of the first run's magnitude.

    Parameters
    ----------
    first, value : float
        The result in the first run and in another run [any unit, the same for both].

    Returns
    -------
    float or None
        ``(value - first) / |first|`` [fraction]; 0 when they are equal; None when ``first`` is zero
        and ``value`` is not (no finite change).

    Examples
    --------
    >>> change_fraction(200.0, 250.0), change_fraction(-4.0, -2.0), change_fraction(0.0, 0.0)
    (0.25, 0.5, 0.0)
    >>> change_fraction(0.0, 1.0) is None
    True
    """
    if value == first:
        return 0.0
    if first == 0:
        return None
    return (value - first) / abs(first)


def format_change(change: float | None) -> str:
    """A change as a reader writes it: signed, in %, four significant figures.

    >>> format_change(0.2506), format_change(-0.0964), format_change(0.0), format_change(None)
    ('+25.06%', '−9.64%', '0%', 'n/a')
    """
    if change is None:
        return "n/a"
    if change == 0:
        return "0%"
    sign = "+" if change > 0 else "−"
    return f"{sign}{abs(change) * 100:,.4g}%"


def _missing_headline(runs: Sequence[Run]) -> str | None:
    """Why the runs cannot be lined up (a headline result that some runs lack), or None.

    Every build computes every headline result, so one missing means the runs come from different versions
    of the report (or a hand-edited ``results.json``). Other results may be missing from a run legitimately
    (a run that holds every parameter a cost's sensitivity moves has no "most influential parameter").
    """
    headline = {rid for run in runs for rid, r in run.results.items() if r.get("headline")}
    for run in runs:
        missing = sorted(headline - set(run.results))
        if missing:
            holder = next(r for r in runs if missing[0] in r.results)
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            return (
                f"result {missing[0]!r} is in {holder.name} but not in {run.name}{more}; "
                "compare runs built by the same version of the report"
            )
    return None


def compare(runs: Sequence[Run], all_results: bool = False) -> list[Row]:
    """Line up each result across the runs, with its change against the first run.

    Parameters
    ----------
    runs : sequence of Run
        Two or more runs (:func:`load_runs`); the first is the reference.
    all_results : bool
        Every result of any run, not only the headline ones (``"headline": true``).

    Returns
    -------
    list of Row
        One row per result, in order of steps (its ``notebook``), then by id. With ``all_results``, a
        result that a run does not compute has no value (None) there, and no change.

    Raises
    ------
    CompareError
        Fewer than two runs, a headline result that some runs lack (:func:`_missing_headline`), or a
        result whose unit differs between runs.

    Examples
    --------
    >>> a = Run("a", Path("a"), {"x_usd": {"value": 2e6, "unit": "USD", "label": "X", "headline": True}})
    >>> b = Run("b", Path("b"), {"x_usd": {"value": 3e6, "unit": "USD", "label": "X", "headline": True}})
    >>> compare([a, b])
    [Row(id='x_usd', label='X', unit='USD', values=(2000000.0, 3000000.0), changes=(0.5,), other_labels=())]
    """
    if len(runs) < 2:
        raise CompareError("give at least two runs to compare")
    problem = _missing_headline(runs)
    if problem:
        raise CompareError(problem)
    records = {}  # results id -> its record in the first run that has it
    for run in runs:
        for rid, r in run.results.items():
            records.setdefault(rid, r)
    ids = sorted(records, key=lambda rid: (str(records[rid].get("notebook", "")), rid))
    rows = []
    for rid in ids:
        if not (all_results or records[rid].get("headline")):
            continue
        units = [run.results[rid]["unit"] for run in runs if rid in run.results]
        if len(set(units)) > 1:
            raise CompareError(
                f"result {rid!r} is in {units[0]!r} in one run but in "
                f"{next(u for u in units if u != units[0])!r} in another; its values cannot be compared"
            )
        values = tuple(run.results[rid]["value"] if rid in run.results else None for run in runs)
        changes = tuple(None if values[0] is None or v is None else change_fraction(values[0], v) for v in values[1:])
        label = records[rid]["label"]
        others = tuple(
            (run.name, run.results[rid]["label"])
            for run in runs
            if rid in run.results and run.results[rid]["label"] != label
        )
        rows.append(Row(rid, label, units[0], values, changes, others))
    return rows


# --------------------------------------------------------------------------- showing
def _columns(runs: Sequence[Run]) -> list[str]:
    first = runs[0].name
    return [*(r.name for r in runs), *(f"{r.name} vs {first}" for r in runs[1:])]


def text_table(rows: Sequence[Row], runs: Sequence[Run]) -> str:
    """The comparison as a plain-text table: label in words, each run's value, each change in %.

    Labels wrap at :data:`LABEL_WIDTH` characters; values are formatted by
    :func:`analysis.formatting.format_value`. A label that differs between runs is the first run's, marked
    :data:`LABEL_DIFFERS` and explained below the table.

    Examples
    --------
    >>> a, b = Run("low", Path("low"), {}), Run("high", Path("high"), {})
    >>> print(text_table([Row("x", "Cost of X", "USD", (2e6, 3e6), (0.5,))], [a, b]))
    What it is  low       high      high vs low
    Cost of X   US$2M     US$3M     +50%
    """
    header = ["What it is", *_columns(runs)]
    cells = [
        [
            textwrap.wrap(r.label + (f" {LABEL_DIFFERS}" if r.other_labels else ""), LABEL_WIDTH) or [""],
            *([NOT_IN_RUN if v is None else format_value(v, r.unit)] for v in r.values),
            *([format_change(c)] for c in r.changes),
        ]
        for r in rows
    ]
    widths = [max([len(header[i]), *(len(line) for row in cells for line in row[i])]) for i in range(len(header))]
    widths = [max(w, 8) for w in widths]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in cells:
        for k in range(max(len(c) for c in row)):
            parts = [(c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths, strict=True)]
            lines.append("  ".join(parts).rstrip())
    if any(r.other_labels for r in rows):
        lines.append(
            f"{LABEL_DIFFERS} the label is {runs[0].name}'s and names its own values; the other runs' labels "
            "differ (the CSV's last column gives them)"
        )
    return "\n".join(lines)


def csv_header(runs: Sequence[Run]) -> list[str]:
    """The CSV's columns: id, label, unit, each run's value, each later run's change in %, other runs' labels.

    >>> csv_header([Run("baseline", Path("b"), {}), Run("high", Path("h"), {})])
    ['id', 'label', 'unit', 'baseline', 'high', 'high_vs_baseline_percent', 'label_in_other_runs']
    """
    first = runs[0].name
    changes = [f"{r.name}_vs_{first}_percent" for r in runs[1:]]
    return [*CSV_FIXED_COLUMNS, *(r.name for r in runs), *changes, "label_in_other_runs"]


def csv_text(rows: Sequence[Row], runs: Sequence[Run]) -> str:
    """The comparison as CSV: full-precision values in their unit, changes in % (empty where undefined or missing),
    and the labels of runs whose label differs from the first run's (``"run: label | ..."``).

    Examples
    --------
    >>> a, b = Run("low", Path("low"), {}), Run("high", Path("high"), {})
    >>> print(csv_text([Row("x", "Cost of X", "USD", (2e6, 3e6), (0.5,))], [a, b]), end="")
    id,label,unit,low,high,high_vs_low_percent,label_in_other_runs
    x,Cost of X,USD,2000000.0,3000000.0,50.0,
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(csv_header(runs))
    for r in rows:
        changes = ["" if c is None else repr(c * 100) for c in r.changes]
        others = " | ".join(f"{name}: {label}" for name, label in r.other_labels)
        writer.writerow([r.id, r.label, r.unit, *("" if v is None else repr(v) for v in r.values), *changes, others])
    return buf.getvalue()


# --------------------------------------------------------------------------- writing the CSV
def _committed_baseline() -> Path:
    return (_paths.REPORTS_DIR / "baseline").resolve()


def _project_folders() -> dict[Path, str]:
    names = ("data", "notebooks", "analysis", "tests", "tools", ".git")
    folders = {(_paths.REPO_ROOT / n).resolve(): f"{n}/" for n in names}
    folders[_paths.DATA_DIR.resolve()] = "the data folder"
    return folders


def _report_marker(folder: Path) -> dict | None:
    from .runner.outdir import read_marker

    return read_marker(folder)


def default_csv_path(runs: Sequence[Run]) -> Path | None:
    """``compare.csv`` in the last run that is a report the runner built, other than the committed baseline.

    Returns
    -------
    pathlib.Path or None
        None when no run is such a report (then only ``--csv PATH`` writes a CSV).
    """
    for run in reversed(runs):
        folder = run.folder.resolve()
        if folder != _committed_baseline() and _report_marker(folder) is not None:
            return run.folder / DEFAULT_CSV_NAME
    return None


def _looks_like_comparison(path: Path) -> bool:
    """Whether an existing file is a comparison this command wrote (its first line is the CSV's header)."""
    try:
        with path.open(encoding="utf-8") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return first.startswith(",".join(CSV_FIXED_COLUMNS) + ",")


def csv_destination(path: Path | str) -> tuple[Path, Path | None]:
    """Check where the CSV may be written; return it and the report folder it goes into (or None).

    Raises
    ------
    CompareError
        The path is the committed ``reports/baseline/`` or inside it, inside the project's own
        folders (``data/``, ``notebooks/``, ``analysis/``, ``tests/``, ``tools/``, ``.git``), inside
        a subfolder of a report, over a file the report wrote, over a file that is not a comparison
        this command wrote, or in a folder that does not exist.
    """
    path = Path(path)
    shown = _shown(path)
    if not path.name or path.name in (".", ".."):
        raise CompareError(f"--csv {shown}: give a file name, e.g. --csv comparison.csv")
    target = path.parent.resolve() / path.name
    folder = target.parent
    baseline = _committed_baseline()
    if folder == baseline or baseline in folder.parents:
        raise CompareError(
            f"--csv {shown} is in the committed reports/baseline/, which only `make report` writes; choose another path"
        )
    for protected, what in _project_folders().items():
        if folder == protected or protected in folder.parents:
            raise CompareError(
                f"--csv {shown} is inside {what}, which holds the project's own files; choose another path"
            )
    if not folder.is_dir():
        raise CompareError(f"--csv {shown}: {_shown(path.parent)} is not an existing folder")
    for parent in folder.parents:
        if _report_marker(parent) is not None:
            raise CompareError(
                f"--csv {shown} is inside a subfolder of the report {_shown(parent)}; "
                "write it at the report's top level or outside the report"
            )
    if target.is_dir():
        raise CompareError(f"--csv {shown} is a folder; give a file name")
    marker = _report_marker(folder)
    if marker is not None:
        ours = set(marker.get(MARKER_KEY) or [])
        if path.name in set(marker["files"]) - ours or path.name.startswith("."):
            raise CompareError(f"--csv {shown} is a file the report wrote; choose another name, e.g. compare.csv")
        return target, folder
    if target.exists() and not _looks_like_comparison(target):
        raise CompareError(f"--csv {shown} exists and is not a comparison this command wrote; it is left as it is")
    return target, None


def _replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, so a failure leaves the old file whole."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_csv(path: Path | str, text: str) -> Path:
    """Write the comparison's CSV where :func:`csv_destination` allows; return where it went.

    In a report folder it is written with the report's build lock held (no build is writing the
    folder meanwhile) and added to the report's marker (its ``files`` and :data:`MARKER_KEY`), so the
    runner still knows the folder as a report of its own and may replace it.

    Raises
    ------
    CompareError
        The destination is refused (:func:`csv_destination`), a build holds the report's lock, or
        the file cannot be written.
    """
    from .runner.errors import OutputRefused
    from .runner.outdir import MARKER_NAME, OutputLock

    target, report = csv_destination(path)
    try:
        if report is None:
            _replace_text(target, text)
            return target
        try:
            lock = OutputLock(report).acquire()
        except OutputRefused as err:
            raise CompareError(f"--csv {_shown(path)}: {err}") from None
        try:
            marker = _report_marker(report)
            if marker is None:
                raise CompareError(f"--csv {_shown(path)}: {_shown(report)} is no longer a report")
            _replace_text(target, text)
            marker[MARKER_KEY] = sorted({*(marker.get(MARKER_KEY) or []), target.name})
            marker["files"] = sorted({*marker["files"], target.name})
            _replace_text(report / MARKER_NAME, json.dumps(marker, indent=1, ensure_ascii=False) + "\n")
        finally:
            lock.release()
    except OSError as err:
        raise CompareError(f"--csv {_shown(path)}: cannot be written ({err.strerror or err})") from None
    return target
