"""Citable numbers: record them in a notebook, collect them from executed notebooks.

A notebook builds a :class:`Results` and adds each number a reader may cite, with a
stable id, unit, one-line label and source ids::

    results = Results("03_pretraining_estimate")
    results.add("v3_training_cost_usd", cost, "USD", "Cost of V3's full training at the rental price",
                ["deepseek-v3-report"], headline=True)
    results.publish()

:meth:`Results.publish` displays the table and also emits it as a JSON display
output with the MIME type :data:`MIME_TYPE`. The runner reads that output back from
the executed notebook (:func:`collect`), so a notebook writes no files of its own
and runs unchanged in JupyterLab.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from . import data as _data
from .formatting import format_value
from .tables import IDENTIFIER

MIME_TYPE = "application/vnd.deepseek-true-cost.results+json"
ANSWER_MIME_TYPE = "application/vnd.deepseek-true-cost.answer+json"
FIGURE_MIME_TYPE = "application/vnd.deepseek-true-cost.figure+json"  # emitted by figures.save
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FIELDS = ("id", "value", "unit", "label", "notebook", "sources", "headline")


@dataclass(frozen=True)
class Result:
    id: str
    value: float
    unit: str
    label: str
    notebook: str
    sources: tuple[str, ...]
    headline: bool = False


def _as_number(result_id: str, value) -> float | int:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"result {result_id}: value must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"result {result_id}: value must be finite, got {value}")
    return value


class Results:
    """The citable numbers of one notebook, in the order they were added."""

    def __init__(self, notebook: str, data_dir=None):
        self.notebook = notebook
        self._known_sources = _data.source_ids(data_dir)
        self._items: dict[str, Result] = {}

    def add(self, result_id: str, value, unit: str, label: str, sources: Iterable[str], *, headline: bool = False):
        """Record one number; returns the value so it can be used inline.

        Raises
        ------
        ValueError
            Bad id (lower_snake_case required), duplicate id, empty unit or label, a label
            with a code identifier in it, non-finite value, or a source id not in ``data/sources.csv``.
        """
        if not ID_PATTERN.match(result_id):
            raise ValueError(f"result id {result_id!r} must be lower_snake_case")
        if result_id in self._items:
            raise ValueError(f"result id {result_id!r} recorded twice")
        if not unit or not label:
            raise ValueError(f"result {result_id}: unit and label must not be empty")
        identifier = IDENTIFIER.search(label)
        if identifier:
            raise ValueError(
                f"result {result_id}: label {label!r} contains the identifier {identifier.group(0)!r}; "
                "write it in words (the id is for citing)"
            )
        sources = tuple(sources)
        if not sources:
            raise ValueError(f"result {result_id}: name at least one source id")
        unknown = [s for s in sources if s not in self._known_sources]
        if unknown:
            raise ValueError(f"result {result_id}: unknown source id {unknown[0]!r} (not in data/sources.csv)")
        number = _as_number(result_id, value)
        self._items[result_id] = Result(result_id, number, unit, label, self.notebook, sources, headline)
        return value

    def __getitem__(self, result_id: str):
        return self._items[result_id].value

    def __len__(self) -> int:
        return len(self._items)

    def table(self) -> pd.DataFrame:
        """The recorded numbers as a frame (for display)."""
        rows = [
            {"id": r.id, "value": r.value, "unit": r.unit, "label": r.label, "sources": "; ".join(r.sources)}
            for r in self._items.values()
        ]
        return pd.DataFrame(rows, columns=["id", "value", "unit", "label", "sources"])

    def answer(self, sentence: str, key_figure: str):
        """Display the notebook's one-sentence answer to its question, and emit it for the report's front page.

        Parameters
        ----------
        sentence : str
            The answer, with this run's numbers.
        key_figure : str
            The id of the figure that shows it best.
        """
        from IPython.display import display

        if not sentence.strip() or not key_figure.startswith("fig"):
            raise ValueError("answer needs a sentence and a figure id such as fig03_cost_by_stage")
        payload = {"notebook": self.notebook, "answer": sentence.strip(), "key_figure": key_figure}
        display(
            {
                ANSWER_MIME_TYPE: payload,
                # Escaped: in markdown "US$2 ... US$3" would read as maths; "\\$" is a dollar sign.
                "text/markdown": "**In one sentence:** " + sentence.strip().replace("$", "\\$"),
                "text/plain": f"In one sentence: {sentence.strip()}",
            },
            raw=True,
        )

    def publish(self):
        """Display the table and emit the machine-readable copy the runner collects."""
        from IPython.display import display

        from .tables import reader_table

        payload = [asdict(r) for r in self._items.values()]
        table = self.table()
        shown = reader_table(
            table.assign(value=[format_value(v, u) for v, u in zip(table["value"], table["unit"], strict=True)])[
                ["label", "value", "id", "sources"]
            ],
            {
                "label": ("What it is", "text"),
                "value": ("Value", "text"),
                "id": ("Result id (to cite)", "code"),
                "sources": ("Sources", "sources"),
            },
            caption="The citable numbers of this step",
        )
        display({MIME_TYPE: payload, "text/html": shown.to_html(), "text/plain": repr(shown)}, raw=True)


def publish_step(step) -> None:
    """Show a :class:`analysis.steps.StepResult`'s answer and citable numbers, and emit them for the runner.

    The answer goes out as :meth:`Results.answer` sends it, the numbers as :meth:`Results.publish`
    does, each with the parameters it depends on (``depends_on``) and, where a number is about one
    parameter, that parameter (``parameter``).
    """
    from IPython.display import display

    from .tables import reader_table

    shown = Results(step.notebook)
    shown.answer(step.answer, step.key_figure)
    records = step.records()
    table = pd.DataFrame(
        {
            "label": [r["label"] for r in records],
            "value": [format_value(r["value"], r["unit"]) for r in records],
            "id": [r["id"] for r in records],
            "sources": [r["sources"] for r in records],
        }
    )
    html = reader_table(
        table,
        {
            "label": ("What it is", "text"),
            "value": ("Value", "text"),
            "id": ("Result id (to cite)", "code"),
            "sources": ("Sources", "sources"),
        },
        caption="The citable numbers of this step",
    )
    display({MIME_TYPE: records, "text/html": html.to_html(), "text/plain": repr(html)}, raw=True)


def outputs_of_type(notebook, mime_type: str) -> list:
    """Every payload of ``mime_type`` a notebook displayed, in order.

    ``notebook`` is an nbformat node or the notebook's JSON as a dict.
    """
    return [
        o["data"][mime_type]
        for cell in notebook["cells"]
        for o in cell.get("outputs", [])
        if mime_type in o.get("data", {})
    ]


def collect(notebook) -> list[dict]:
    """The results a notebook published."""
    return [r for payload in outputs_of_type(notebook, MIME_TYPE) for r in payload]


def collect_answers(notebook) -> list[dict]:
    """The one-sentence answers a notebook published."""
    return outputs_of_type(notebook, ANSWER_MIME_TYPE)


def to_json(results: list[dict], meta: dict, run: dict | None = None) -> str:
    """Serialise collected results deterministically (sorted keys; no time of day).

    ``run`` is the run's identity (:meth:`analysis.run_identity.RunIdentity.as_dict`), written as the
    top-level ``run`` object; its ``built`` date is the only field that differs between two builds of
    the same inputs on different days.
    """
    by_id = {}
    for r in results:
        if r["id"] in by_id:
            raise ValueError(f"result id {r['id']!r} recorded by both {by_id[r['id']]['notebook']} and {r['notebook']}")
        by_id[r["id"]] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items() if k != "id"}
    document = {"meta": meta, "results": by_id, **({"run": run} if run is not None else {})}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_csv(results: list[dict]) -> str:
    """The same results as CSV, one row per id, sorted by id."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIELDS)
    for r in sorted(results, key=lambda r: r["id"]):
        writer.writerow(
            [
                r["id"],
                repr(r["value"]),
                r["unit"],
                r["label"],
                r["notebook"],
                ";".join(r["sources"]),
                "true" if r.get("headline") else "false",
            ]
        )
    return buf.getvalue()


def formatted(frame: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """A copy of ``frame`` with the named columns written as a reader would (for display).

    >>> formatted(pd.DataFrame({"cost": [5328000.0]}), {"cost": "USD"})["cost"].tolist()
    ['US$5.33M']
    """
    out = frame.copy()
    for column, unit in units.items():
        out[column] = [("" if pd.isna(v) else format_value(v, unit)) for v in out[column]]
    return out
