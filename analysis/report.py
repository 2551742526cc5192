"""The runner (``python -m analysis report``), as callers import it: the names of :mod:`analysis.runner`.

The code lives in :mod:`analysis.runner`, split by concern: :mod:`~analysis.runner.plan`
(validate every input, choose the output folder), :mod:`~analysis.runner.outdir` (which folders
may be replaced, markers, the lock, leftovers), :mod:`~analysis.runner.execute` (workers, kernels,
interrupts, stopping processes), :mod:`~analysis.runner.publish` (results, claims, pages, the swap)
and :mod:`~analysis.runner.build` (:func:`run_report`, the build from start to end).
"""

from __future__ import annotations

from . import __version__
from . import data as _data
from .model_check import check_model_outputs
from .runner.build import run_report
from .runner.errors import Interrupted, OutputRefused, ReportError
from .runner.execute import KERNEL_NAME, KERNEL_SOCKETS_PREFIX, expected_work, longest_first
from .runner.outdir import (
    BUILT_BY,
    MARKER_NAME,
    OutputLock,
    check_out_dir,
    foreign_content,
    marker_json,
    read_marker,
)
from .runner.outdir import recover_leftovers as _recover_leftovers
from .runner.plan import MAX_DEFAULT_NAME_BYTES, Plan, default_out_dir, plan_report
from .runner.publish import FIGURE_FIELDS, LEDGER_FIELDS, figures_csv, ledger_csv

__all__ = [
    "BUILT_BY",
    "FIGURE_FIELDS",
    "KERNEL_NAME",
    "KERNEL_SOCKETS_PREFIX",
    "LEDGER_FIELDS",
    "MARKER_NAME",
    "MAX_DEFAULT_NAME_BYTES",
    "Interrupted",
    "OutputLock",
    "OutputRefused",
    "Plan",
    "ReportError",
    "__version__",
    "_data",
    "_recover_leftovers",
    "check_model_outputs",
    "check_out_dir",
    "default_out_dir",
    "expected_work",
    "figures_csv",
    "foreign_content",
    "ledger_csv",
    "longest_first",
    "marker_json",
    "plan_report",
    "read_marker",
    "run_report",
]
