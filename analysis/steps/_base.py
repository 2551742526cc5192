"""What a step returns, and what it reads: :class:`StepResult`, :class:`StepBuilder`, :class:`Inputs`.

A step function (:func:`analysis.steps.step1` ... ``step6``) is the counterpart of pvlib's
``ModelChain``: it composes the model functions of one step of the argument, once, from a run's
parameter values and the data, and returns everything the step shows and records: every citable
number (:class:`Number`, with the parameters it depends on), every table (:class:`Table`), the
data of every figure (:class:`FigureData`), the sentences written from the run's values, and the
step's one-sentence answer. A notebook calls its step, shows what it returns and narrates; the
claims ledger and the runner read the same :class:`StepResult`; tests call the step without
papermill. Nothing here draws, prints or writes a file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import data as _data
from .. import model as _model
from .. import params as _params
from ..results import ID_PATTERN
from ..tables import IDENTIFIER


@dataclass(frozen=True)
class Number:
    """One citable number of a step.

    Attributes
    ----------
    id : str
        Stable id to cite, ``lower_snake_case``.
    value : float or int
        The number, in ``unit``.
    unit : str
        Its unit in words (``USD``, ``fraction``, ``GPU-hours``, ...).
    label : str
        One line in words (no identifiers) that says what it is.
    sources : tuple of str
        Source ids of ``data/sources.csv``.
    depends_on : tuple of str
        The register parameters whose value moves it (empty: it rests on data alone).
    headline : bool
        Whether the front page lists it.
    parameter : str or None
        The register parameter this number is *about* (e.g. the swing of a cost over one
        parameter's range), so a page can name that parameter without reading the label.
    """

    id: str
    value: float
    unit: str
    label: str
    sources: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    headline: bool = False
    parameter: str | None = None


@dataclass(frozen=True)
class Table:
    """A table a step shows: its frame, each shown column's label in words and kind, and a caption.

    ``columns`` is what :func:`analysis.tables.reader_table` takes, for the columns a reader sees;
    ``frame`` may hold more (the numbers behind a column of words, ids), for code that reads the table.
    """

    frame: pd.DataFrame
    columns: Mapping[str, tuple]
    caption: str


@dataclass(frozen=True)
class FigureData:
    """What a figure draws and says, computed by the step; :mod:`analysis.plots` draws it.

    Attributes
    ----------
    id : str
        Figure id ``figNN_words`` (also the file name).
    data : pandas.DataFrame
        The numbers drawn, one row per mark, units in the column names; saved as ``<id>.csv``.
    title : str
        A sentence that states the finding, written from the run's values.
    caption : str
        What the figure shows and how to read it.
    sources : tuple of str
        Source ids.
    extra : mapping
        Anything else the drawing needs that is not a row of ``data`` (reference lines, ranges).
    """

    id: str
    data: pd.DataFrame
    title: str
    caption: str
    sources: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    """Everything one step computes for one run (see the module docstring).

    ``result["some_id"]`` gives a number's value. ``parameters`` are the register parameters the
    step's numbers may depend on (its notebook declares exactly these), in the register's order;
    ``values`` holds every register parameter at the run's value.
    """

    step: int
    notebook: str
    values: Mapping[str, Any]
    parameters: tuple[str, ...]
    numbers: Mapping[str, Number]
    tables: Mapping[str, Table]
    figures: Mapping[str, FigureData]
    text: Mapping[str, str]
    answer: str
    key_figure: str

    def __getitem__(self, number_id: str):
        return self.numbers[number_id].value

    def table(self, name: str):
        """Table ``name`` for readers (:func:`analysis.tables.reader_table`), as a notebook shows it."""
        from ..tables import reader_table

        if name not in self.tables:
            raise KeyError(f"step {self.step} has no table {name!r}; it has {', '.join(self.tables)}")
        t = self.tables[name]
        return reader_table(_shown(t.frame, t.columns), t.columns, caption=t.caption)

    def markdown(self, name: str):
        """Sentence ``name``, written from the run's values, as markdown (dollars escaped, so none reads as maths)."""
        from IPython.display import Markdown

        if name not in self.text:
            raise KeyError(f"step {self.step} has no sentence {name!r}; it has {', '.join(self.text)}")
        return Markdown(self.text[name].replace("$", "\\$"))

    def publish(self) -> None:
        """Show the step's one-sentence answer and its table of citable numbers, and emit both for the runner."""
        from ..results import publish_step

        publish_step(self)

    def records(self) -> list[dict]:
        """The numbers as the runner's results records (``results.json`` rows), in the order added."""
        return [
            {
                "id": n.id,
                "value": n.value,
                "unit": n.unit,
                "label": n.label,
                "notebook": self.notebook,
                "sources": list(n.sources),
                "headline": n.headline,
                "depends_on": list(n.depends_on),
                **({"parameter": n.parameter} if n.parameter else {}),
            }
            for n in self.numbers.values()
        ]


def _shown(frame: pd.DataFrame, columns: Mapping[str, tuple]) -> pd.DataFrame:
    """The columns of ``frame`` a reader sees (a named index counts as a column), in ``columns``' order."""
    if any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r} to show; the table has {', '.join(map(str, frame.columns))}")
    return frame[list(columns)]


def _as_number(number_id: str, value) -> float | int:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"number {number_id}: value must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"number {number_id}: value must be finite, got {value}")
    return value


class StepBuilder:
    """Collects a step's numbers, tables, figures and sentences, checking each as it is added.

    Parameters
    ----------
    step : int
        The step (1 to 6).
    notebook : str
        The notebook that narrates it (``03_pretraining_estimate``).
    values : mapping
        The run's value of every register parameter.
    inputs : Inputs
        The data the step reads (its source ids are checked against ``sources.csv``).
    parameters : iterable of str
        The register parameters the step's numbers may depend on: its notebook declares exactly
        these in its parameters cell, so a run's value of each reaches the notebook.
    """

    def __init__(self, step: int, notebook: str, values: Mapping[str, Any], inputs: Inputs, parameters: Iterable[str]):
        self.step, self.notebook, self.values, self.inputs = step, notebook, dict(values), inputs
        missing = [name for name in inputs.register if name not in self.values]
        if missing:
            raise ValueError(
                f"step {step}: no value for parameter {missing[0]!r}; pass every register parameter "
                "(analysis.steps.run_values)"
            )
        self.parameters = tuple(parameters)
        self.numbers: dict[str, Number] = {}
        self.tables: dict[str, Table] = {}
        self.figures: dict[str, FigureData] = {}
        self.text: dict[str, str] = {}

    def _check_sources(self, what: str, sources: Iterable[str]) -> tuple[str, ...]:
        sources = tuple(dict.fromkeys(sources))
        if not sources:
            raise ValueError(f"{what}: name at least one source id")
        unknown = [s for s in sources if s not in self.inputs.source_ids]
        if unknown:
            raise ValueError(f"{what}: unknown source id {unknown[0]!r} (not in data/sources.csv)")
        return sources

    def number(
        self,
        number_id: str,
        value,
        unit: str,
        label: str,
        sources: Iterable[str],
        depends_on: Iterable[str] = (),
        *,
        headline: bool = False,
        parameter: str | None = None,
    ):
        """Record one number and return its value (so it can be used inline).

        Raises
        ------
        ValueError
            A bad or repeated id, an empty unit or label, a label with an identifier in it, a
            non-finite value, an unknown source id, or a parameter not in the register.
        """
        if not ID_PATTERN.match(number_id):
            raise ValueError(f"number id {number_id!r} must be lower_snake_case")
        if number_id in self.numbers:
            raise ValueError(f"number id {number_id!r} recorded twice")
        if not unit or not label:
            raise ValueError(f"number {number_id}: unit and label must not be empty")
        identifier = IDENTIFIER.search(label)
        if identifier:
            raise ValueError(
                f"number {number_id}: label {label!r} contains the identifier {identifier.group(0)!r}; "
                "write it in words (the id is for citing)"
            )
        depends_on = tuple(dict.fromkeys(depends_on))
        unknown = [p for p in (*depends_on, *([parameter] if parameter else [])) if p not in self.parameters]
        if unknown:
            raise ValueError(
                f"number {number_id}: {unknown[0]!r} is not one of step {self.step}'s parameters "
                f"({', '.join(self.parameters)})"
            )
        self.numbers[number_id] = Number(
            number_id,
            _as_number(number_id, value),
            unit,
            label,
            self._check_sources(f"number {number_id}", sources),
            depends_on,
            headline,
            parameter,
        )
        return value

    def table(self, name: str, frame: pd.DataFrame, columns: Mapping[str, tuple], caption: str) -> pd.DataFrame:
        """Record a table under ``name``; readers see the ``columns`` of it (checked as
        :func:`analysis.tables.reader_table` checks them), code may read the rest of ``frame``."""
        from ..tables import reader_table

        if name in self.tables:
            raise ValueError(f"table {name!r} recorded twice")
        reader_table(_shown(frame, columns), columns, caption=caption)  # fails here, in the step, not in a notebook
        self.tables[name] = Table(frame, dict(columns), caption)
        return frame

    def figure(
        self, figure_id: str, data: pd.DataFrame, title: str, caption: str, sources: Iterable[str], **extra
    ) -> None:
        """Record what figure ``figure_id`` draws, its title and caption (written from the run's values)."""
        if not figure_id.startswith(f"fig{self.step:02d}_"):
            raise ValueError(f"figure id {figure_id!r} must start with fig{self.step:02d}_ (this is step {self.step})")
        if figure_id in self.figures:
            raise ValueError(f"figure {figure_id!r} recorded twice")
        if not title.strip() or not caption.strip():
            raise ValueError(f"figure {figure_id}: title and caption must not be empty")
        sources = self._check_sources(f"figure {figure_id}", sources)
        self.figures[figure_id] = FigureData(figure_id, data, title, caption, sources, dict(extra))

    def say(self, name: str, sentence: str) -> str:
        """Record a sentence written from the run's values, shown under ``name``."""
        if name in self.text:
            raise ValueError(f"text {name!r} recorded twice")
        self.text[name] = sentence
        return sentence

    def result(self, answer: str, key_figure: str) -> StepResult:
        """The finished :class:`StepResult`, with the step's one-sentence answer and its key figure."""
        if not answer.strip():
            raise ValueError(f"step {self.step}: the answer must not be empty")
        if key_figure not in self.figures:
            raise ValueError(f"step {self.step}: key figure {key_figure!r} is not one of its figures")
        return StepResult(
            self.step,
            self.notebook,
            self.values,
            tuple(p for p in self.inputs.register if p in self.parameters),
            dict(self.numbers),
            dict(self.tables),
            dict(self.figures),
            dict(self.text),
            answer.strip(),
            key_figure,
        )


class Inputs:
    """The data every step reads, loaded once from one data folder and validated on load.

    Each table is read the first time a step asks for it; :meth:`load` returns one shared
    instance per folder, so a build or a test suite reads each file once.

    Parameters
    ----------
    data_dir : path, optional
        The data folder (default ``data/``, or ``$DSTC_DATA_DIR``).
    """

    _shared: dict[str | None, Inputs] = {}
    #: Ranges a run gives ranged parameters for the Monte Carlo: name -> (low, high); :attr:`register`
    #: carries them (:meth:`with_ranges`). Empty: the register's own.
    ranges: dict[str, tuple[float, float]] = {}

    def __init__(self, data_dir: Path | str | None = None):
        self.data_dir = data_dir

    def with_ranges(self, ranges: Mapping[str, Any] | None) -> Inputs:
        """These inputs with the run's ranges in the register: each named parameter's low and high replaced.

        The one way a range given by ``-p NAME LOW..HIGH`` or a scenario reaches the Monte Carlo
        and the tornado of step 6: the register they read. The tables already loaded are shared.

        Parameters
        ----------
        ranges : mapping or None
            Parameter name -> ``[low, high]`` (or ``"LOW..HIGH"``), checked by
            :func:`analysis.params.check_ranges`.

        Examples
        --------
        >>> Inputs.load().with_ranges({"pue": [1.2, 1.3]}).register["pue"].low
        1.2
        """
        checked = _params.check_ranges(ranges or {}, self.register)
        if not checked:
            return self
        other = Inputs(self.data_dir)
        other.__dict__.update(self.__dict__)
        other.register = _params.ranged_register(self.register, checked)
        other.ranges = checked
        return other

    @classmethod
    def load(cls, data_dir: Path | str | None = None) -> Inputs:
        """The shared :class:`Inputs` of ``data_dir``."""
        key = str(Path(data_dir).resolve()) if data_dir is not None else None
        if key not in cls._shared:
            cls._shared[key] = cls(data_dir)
        return cls._shared[key]

    @cached_property
    def register(self) -> dict[str, _params.Parameter]:
        """The assumptions register (``data/assumptions.csv``)."""
        return _params.load_register(self.data_dir)

    @cached_property
    def model_data(self):
        """What the cost model takes (:func:`analysis.model.load_data`)."""
        return _model.load_data(self.data_dir)

    @cached_property
    def source_ids(self) -> frozenset[str]:
        """Every source id of ``data/sources.csv``."""
        return _data.source_ids(self.data_dir)

    @cached_property
    def published(self) -> pd.Series:
        """``data/published_figures.csv``: figure id -> value."""
        return _data.load_published_figures(self.data_dir).set_index("figure_id")["value"]

    @cached_property
    def gpus(self) -> pd.DataFrame:
        """``data/gpus.csv`` by GPU type."""
        return _data.load_gpus(self.data_dir).set_index("gpu_type")

    @cached_property
    def models(self) -> pd.DataFrame:
        """``data/models.csv`` by model."""
        return _data.load_models(self.data_dir).set_index("model")

    @cached_property
    def training_runs(self) -> pd.DataFrame:
        """``data/training_runs.csv``."""
        return _data.load_training_runs(self.data_dir)

    def table(self, name: str) -> pd.DataFrame:
        """Any other data table, by its loader's name: ``inputs.table("comparable_runs")`` reads
        :func:`analysis.data.load_comparable_runs` (once)."""
        cache = self.__dict__.setdefault("_tables", {})
        if name not in cache:
            loader = getattr(_data, f"load_{name}", None)
            if loader is None:
                raise ValueError(f"no data table {name!r}: analysis.data has no load_{name}")
            cache[name] = loader(self.data_dir)
        return cache[name]


#: Register parameters bound by a rule between them: the H800s and H100s are parts of the Hopper total
#: (:func:`analysis.fleet.fleet_gpus`). A step whose numbers depend on one of a group declares them all
#: (:func:`step_parameters`), so that the rule is checked on the run's values and not on a mix of the
#: run's and the baselines (a scenario that shrinks the Hopper total shrinks its parts with it).
TIED_PARAMETERS = (("hopper_gpus", "h800_gpus", "h100_gpus"),)


def step_parameters(*groups: Iterable[str]) -> tuple[str, ...]:
    """The parameters a step declares: every name of ``groups`` once, in order, then the names tied to them.

    Parameters
    ----------
    *groups : iterable of str
        The register parameters the step's numbers depend on, in groups.

    Returns
    -------
    tuple of str
        Those names, and every name of :data:`TIED_PARAMETERS` tied to one of them.

    Examples
    --------
    >>> step_parameters(["gpu_hour_price_usd"], ["hopper_gpus", "pue"])
    ('gpu_hour_price_usd', 'hopper_gpus', 'pue', 'h800_gpus', 'h100_gpus')
    """
    names = list(dict.fromkeys(name for group in groups for name in group))
    for tied in TIED_PARAMETERS:
        if any(name in names for name in tied):
            names += [name for name in tied if name not in names]
    return tuple(names)


def run_values(checked: Mapping[str, Any] | None = None, data_dir: Path | str | None = None) -> dict[str, Any]:
    """Every register parameter at this run's value: ``checked`` over the baselines.

    ``checked`` is what :func:`analysis.params.check_parameters` returned for a notebook.
    """
    return _params.resolve_parameters(Inputs.load(data_dir).register, checked or {})


def number_drivers(
    step_function, values: Mapping[str, Any], inputs: Inputs | None = None, only: Iterable[str] | None = None
) -> dict[str, set[str]]:
    """Which register parameters move each number of a step, found by moving each in turn.

    Every parameter is set to each of its :func:`analysis.params.trial_values` (the rest held at
    ``values``) and the step is run again; a number whose value changes depends on that parameter.
    What moves a number is found at ``values`` only: a parameter that matters under another method
    (Epoch AI's server overhead multiplier prices the servers only under its own method) is found
    by calling this again with that method chosen. A change of a few units in the last place
    (relative 1e-12: the rounding of a sum whose parts were split differently, e.g. a fleet-wide
    cost shared among GPU types and added up again) is not a move. A trial that breaks a rule
    between parameters (``ValueError``) is skipped. Used by the tests to hold each number's
    declared ``depends_on`` to what actually moves it. ``only`` limits the parameters moved to
    those named.

    Returns
    -------
    dict
        Number id -> the parameters that moved it (empty for a number no parameter moves); and
        ``"table:<name>"`` -> the parameters that changed table ``<name>`` (a verdict, a name).
    """
    inputs = inputs or Inputs.load()
    base = step_function(values, inputs)
    moved: dict[str, set[str]] = {number_id: set() for number_id in base.numbers}
    moved.update({f"table:{name}": set() for name in base.tables})
    for name, param in inputs.register.items():
        if only is not None and name not in only:
            continue
        for trial in _params.trial_values(param, values[name]):
            try:
                other = step_function({**values, name: trial}, inputs)
            except ValueError:
                continue
            for number_id, number in base.numbers.items():
                if number_id in other.numbers and not math.isclose(
                    other.numbers[number_id].value, number.value, rel_tol=1e-12, abs_tol=0.0
                ):
                    moved[number_id].add(name)
            for table_name, table in base.tables.items():
                if table_name in other.tables and not other.tables[table_name].frame.equals(table.frame):
                    moved[f"table:{table_name}"].add(name)
    return moved
