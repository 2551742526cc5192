"""The what-if app's arithmetic: settings in, the named costs' spread and the bridges out, from the one model.

The app (:mod:`analysis.whatif_app`, served from ``notebooks/what_if.ipynb``) lets a reader move
any ranged parameter of the register, or narrow its range, and see the costs redraw. Everything it
shows comes from here, and everything here comes from :func:`analysis.costs.cost_model` through
:func:`analysis.model.evaluate` and :class:`analysis.uncertainty.MonteCarlo`, exactly as step 6
computes it (the same held parameters, draws and seed): there is no second model.

* :class:`Settings`: what the reader changed, values (each holds its parameter, as ``-p NAME VALUE``)
  and ranges (each narrows or widens a drawn parameter's spread, as ``-p NAME LOW..HIGH``).
* :func:`controls`: one control per ranged parameter (and per choice of method), grouped by the
  step that declares it, the parameters that move the costs most first.
* :func:`evaluate`: the results at the settings' values and their Monte Carlo median and 90% interval.
* :func:`command`: the ``python -m analysis report -p ...`` that rebuilds the report at the settings.
* :func:`goal_seek`: the value of one parameter at which a result reaches a target.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from . import costs as _costs
from . import model as _model
from . import params as _params
from . import uncertainty as _uncertainty
from .formatting import format_value

#: The results the app shows and goal-seek can aim at: output of the cost model -> words.
RESULTS = {
    **_costs.NAMED_COST_LABELS,
    "fleet_capex_usd": "CapEx of the fleet's servers",
}
#: The quantiles shown: the 90% interval and the median [0-1].
QUANTILES = (0.05, 0.5, 0.95)
#: Parameters fixed in the register that a reader may still choose (a method): a drop-down each.
CHOICES = ("capex_method", "amortisation_method")
#: How far a value slider reaches past the register's range, in widths of that range (then cut to the hard bounds).
REACH = 1.0
#: Points of the parameter at which :func:`goal_seek` evaluates the model in one vectorised call.
GOAL_POINTS = 129
#: Rounds of :func:`goal_seek`'s refinement; each narrows the bracket ``GOAL_POINTS - 1`` times.
GOAL_ROUNDS = 6


class GoalUnreachable(ValueError):
    """The target is not reached anywhere in the parameter's allowed range (a one-line message)."""


# --------------------------------------------------------------------------- controls
@dataclass(frozen=True)
class Control:
    """One parameter as the app shows it.

    Attributes
    ----------
    name : str
        The register's name (what ``-p`` takes).
    label : str
        The parameter in words, with its unit.
    unit : str
        The register's unit.
    step : int
        The first step whose notebook declares it (the group it is shown in).
    kind : str
        ``"number"`` (a value slider and a range slider) or ``"choice"`` (a drop-down).
    integer : bool
        Whether the value is a whole number.
    baseline : int, float or str
        The register's baseline.
    low, high : float or None
        The register's range (what the Monte Carlo draws from); None for a choice.
    extent : tuple of float or None
        The sliders' ends: the range widened by :data:`REACH` of its width each side, kept inside the
        hard bounds; None for a choice.
    options : tuple of str
        A choice's allowed values (empty for a number).
    importance : float
        The largest share by which moving it across its range (a choice: across its options) moves any
        result of :data:`RESULTS` at baseline [fraction of the result]; 0 if it moves none.
    """

    name: str
    label: str
    unit: str
    step: int
    kind: str
    integer: bool
    baseline: Any
    low: float | None
    high: float | None
    extent: tuple[float, float] | None
    options: tuple[str, ...] = ()
    importance: float = 0.0


def slider_extent(param: _params.Parameter) -> tuple[float, float]:
    """The ends of a ranged parameter's sliders: its range widened by :data:`REACH` widths, inside its hard bounds.

    An end that would leave the hard bounds stops at the bound (an open bound: halfway from the range's end
    to the bound). Whole-number parameters get whole-number ends.

    Parameters
    ----------
    param : analysis.params.Parameter
        A ranged parameter of the register (distribution not ``fixed``).

    Returns
    -------
    tuple of float
        ``(lowest, highest)`` value the sliders reach [the parameter's unit].

    Examples
    --------
    >>> register = _params.load_register()
    >>> slider_extent(register["gpu_hour_price_usd"])  # range 1.3 to 3.42, hard bounds (0, inf)
    (0.65, 5.54)
    >>> slider_extent(register["h800_gpus"])  # range 7,500 to 12,500, hard bounds [2048, inf)
    (2500, 17500)
    """
    low, high = float(param.low), float(param.high)
    width = REACH * (high - low)
    lowest, highest = low - width, high + width
    bounds = param.bounds
    if bounds is not None and not bounds.contains(lowest):
        lowest = bounds.lower if bounds.lower_closed else (bounds.lower + low) / 2
    if bounds is not None and not bounds.contains(highest):
        highest = bounds.upper if bounds.upper_closed else (bounds.upper + high) / 2
    if param.type == "int":
        return int(math.ceil(lowest)), int(math.floor(highest))
    return round(lowest, 12), round(highest, 12)


def declaring_step(register: Mapping[str, _params.Parameter]) -> dict[str, int]:
    """Parameter name -> the first step whose notebook declares it (``PARAMETERS`` of its step module)."""
    from . import steps as _steps

    first = {}
    for number in sorted(_steps.STEPS):
        for name in _steps.MODULES[_notebook(number)].PARAMETERS:
            first.setdefault(name, number)
    return {name: first.get(name, 6) for name in register}


def _notebook(number: int) -> str:
    """The notebook stem of step ``number``."""
    from . import steps as _steps

    return next(stem for stem in _steps.MODULES if stem.startswith(f"{number:02d}_"))


def importance(register: Mapping[str, _params.Parameter], values: Mapping, data: _costs.ModelData) -> dict[str, float]:
    """How much each parameter moves the results at ``values``: the largest relative swing over :data:`RESULTS`.

    A ranged parameter is set to its low and its high (:func:`analysis.uncertainty.tornado`); a choice of
    :data:`CHOICES` to each allowed option.

    Returns
    -------
    dict
        Name -> the largest ``|at_high - at_low| / |at values|`` over the results [fraction]; 0 when it
        moves none.
    """
    score = {name: 0.0 for name in register}
    base = _model.evaluate(values, data)
    for output in RESULTS:
        table = _uncertainty.tornado(register, values, data, output)
        scale = abs(float(base[output])) or 1.0
        for row in table.itertuples():
            score[row.parameter] = max(score[row.parameter], row.swing / scale)
        for name in CHOICES:
            at = [float(_model.evaluate({**values, name: option}, data)[output]) for option in register[name].allowed]
            score[name] = max(score[name], (max(at) - min(at)) / scale)
    return score


def controls(
    register: Mapping[str, _params.Parameter] | None = None, data: _costs.ModelData | None = None
) -> list[Control]:
    """The app's controls: every ranged parameter and every choice of :data:`CHOICES`, in the order shown.

    Grouped by the step that declares them (step 1 first); within a step, the parameter that moves the
    results most (:func:`importance`, at baseline) first, ties by name.

    Parameters
    ----------
    register : mapping, optional
        The assumptions register (default: ``data/assumptions.csv``).
    data : ModelData, optional
        The cost model's data (default: from ``data/``).

    Returns
    -------
    list of Control
    """
    register = register if register is not None else _params.load_register()
    data = data if data is not None else _model.load_data()
    values = _params.resolve_parameters(register)
    score = importance(register, values, data)
    step = declaring_step(register)
    out = []
    for name, p in register.items():
        label = f"{p.label or name} ({p.unit})"
        if name in CHOICES:
            out.append(
                Control(name, label, p.unit, step[name], "choice", False, p.baseline, None, None, None,
                        tuple(p.allowed), score[name])
            )  # fmt: skip
        elif p.distribution != "fixed":
            out.append(
                Control(name, label, p.unit, step[name], "number", p.type == "int", p.baseline, p.low, p.high,
                        slider_extent(p), (), score[name])
            )  # fmt: skip
    return sorted(out, key=lambda c: (c.step, -c.importance, c.name))


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """What a reader changed: values (held, as ``-p NAME VALUE``) and ranges (drawn, as ``-p NAME LOW..HIGH``).

    Attributes
    ----------
    values : mapping
        Name -> value for the parameters set away from baseline [each parameter's unit].
    ranges : mapping
        Name -> ``(low, high)`` for the ranged parameters given a range other than the register's.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def with_value(self, register: Mapping[str, _params.Parameter], name: str, value) -> Settings:
        """These settings with ``name`` at ``value`` (dropped from :attr:`values` at its baseline)."""
        values = {k: v for k, v in self.values.items() if k != name}
        if value != register[name].baseline:
            values[name] = value
        return Settings(values, dict(self.ranges))

    def with_range(self, register: Mapping[str, _params.Parameter], name: str, low, high) -> Settings:
        """These settings with ``name`` drawn from ``low`` to ``high`` (dropped at the register's range)."""
        ranges = {k: v for k, v in self.ranges.items() if k != name}
        p = register[name]
        if (low, high) != (p.low, p.high):
            ranges[name] = (low, high)
        return Settings(dict(self.values), ranges)


def checked(settings: Settings, register: Mapping[str, _params.Parameter]) -> tuple[dict, dict]:
    """The settings validated as the command line validates them: ``(values, ranges)``.

    Raises
    ------
    analysis.params.ParameterError
        One line: a value outside its hard bounds, a range that does not contain its baseline, a parameter
        given both a value and a range, ...
    """
    values = {name: _params.coerce_override(register[name], v) for name, v in sorted(settings.values.items())}
    full = _params.resolve_parameters(register, values)
    ranges = _params.check_ranges({k: list(v) for k, v in settings.ranges.items()}, register, full)
    return values, ranges


def held(register: Mapping[str, _params.Parameter], values: Mapping) -> list[str]:
    """The ranged parameters ``values`` sets away from baseline: held in the draws, as step 6 holds them."""
    return sorted(n for n in _params.differs_from_baseline(register, values) if register[n].distribution != "fixed")


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Outcome:
    """What the app shows for one set of settings.

    Attributes
    ----------
    values : dict
        Every parameter at the settings' value.
    ranges : dict
        The ranges the settings give, name -> (low, high).
    held : tuple of str
        Ranged parameters held at their value (not drawn): their spread is not in the interval.
    point : dict
        Every output of the cost model at ``values`` (:func:`analysis.model.evaluate`).
    summary : pandas.DataFrame or None
        One row per result of :data:`RESULTS`: ``p05``, ``p50``, ``p95`` of the Monte Carlo and ``point``
        (at ``values``) [USD or USD/year].
    draws : int
        Monte Carlo draws.
    """

    values: dict
    ranges: dict
    held: tuple
    point: dict
    summary: pd.DataFrame
    draws: int

    def development_bridge(self) -> pd.DataFrame:
        """From the final run to the cost of developing V3 and R1 (:func:`analysis.uncertainty.development_bridge`)."""
        return _uncertainty.development_bridge(self.point)

    def company_year_bridge(self) -> pd.DataFrame:
        """A year of the company by use (:func:`analysis.uncertainty.company_year_bridge`)."""
        return _uncertainty.company_year_bridge(self.point)


def evaluate(
    settings: Settings,
    register: Mapping[str, _params.Parameter] | None = None,
    data: _costs.ModelData | None = None,
    n: int | None = None,
) -> Outcome:
    """The results at ``settings``: their values there and their Monte Carlo median and 90% interval.

    As step 6 computes them: parameters set away from baseline are held, the others drawn from their
    register ranges or the settings' ranges, with the run's ``random_seed``.

    Parameters
    ----------
    settings : Settings
        What the reader changed.
    register : mapping, optional
        The assumptions register (default: ``data/assumptions.csv``).
    data : ModelData, optional
        The cost model's data (default: from ``data/``).
    n : int, optional
        Monte Carlo draws (default: the run's ``monte_carlo_draws``, 100,000 at baseline).

    Returns
    -------
    Outcome

    Raises
    ------
    analysis.params.ParameterError
        The settings are refused (:func:`checked`), in one line.
    """
    register = register if register is not None else _params.load_register()
    data = data if data is not None else _model.load_data()
    return spread(at_values(settings, register, data), register, data, n)


def at_values(settings: Settings, register: Mapping[str, _params.Parameter], data: _costs.ModelData) -> Outcome:
    """The first half of :func:`evaluate`: the results at the settings' values, no draws yet (``summary`` None).

    Raises
    ------
    analysis.params.ParameterError
        The settings are refused (:func:`checked`), in one line.
    """
    values, ranges = checked(settings, register)
    full = _params.resolve_parameters(register, values)
    return Outcome(full, ranges, tuple(held(register, full)), _model.evaluate(full, data), None, 0)


def spread(
    outcome: Outcome, register: Mapping[str, _params.Parameter], data: _costs.ModelData, n: int | None = None
) -> Outcome:
    """The second half of :func:`evaluate`: ``outcome`` (of :func:`at_values`) with its Monte Carlo summary."""
    full = outcome.values
    n = int(full["monte_carlo_draws"]) if n is None else int(n)
    draws = _uncertainty.MonteCarlo(
        _params.ranged_register(register, outcome.ranges), full, data, n=n, rng=int(full["random_seed"]),
        hold=outcome.held,
    )  # fmt: skip
    summary = draws.summarise(outcome.point, keys=tuple(RESULTS), quantiles=QUANTILES)
    return replace(outcome, summary=summary[["p05", "p50", "p95", "point"]], draws=n)


# --------------------------------------------------------------------------- the command
def value_text(value) -> str:
    """A value as ``-p NAME VALUE`` takes it: the shortest text that reads back as the same number.

    >>> value_text(2.0), value_text(12000), value_text(0.1 + 0.2), value_text("epoch_overhead")
    ('2.0', '12000', '0.30000000000000004', 'epoch_overhead')
    """
    if isinstance(value, bool):
        raise TypeError("a parameter's value is never a bool")
    if isinstance(value, int | float):
        return repr(value)
    return str(value)


def command(settings: Settings, register: Mapping[str, _params.Parameter] | None = None) -> str:
    """The command that rebuilds the report at ``settings``, written as the runner's re-run command.

    :meth:`analysis.runner.plan.Plan.rerun_command` writes the same for a run of these overrides.

    Values as ``-p NAME VALUE``, ranges as ``-p NAME LOW..HIGH``, by name.

    Raises
    ------
    analysis.params.ParameterError
        The settings are refused (:func:`checked`), in one line.

    Examples
    --------
    >>> register = _params.load_register()
    >>> command(Settings({"pue": 1.2}, {"gpu_hour_price_usd": (1.5, 2.5)}), register)
    'python -m analysis report -p gpu_hour_price_usd 1.5..2.5 -p pue 1.2'
    """
    from .runner.plan import range_text

    register = register if register is not None else _params.load_register()
    values, ranges = checked(settings, register)
    given = {**{k: value_text(v) for k, v in values.items()}, **{k: range_text(*r) for k, r in ranges.items()}}
    return " ".join(["python -m analysis report", *(f"-p {k} {shlex.quote(v)}" for k, v in sorted(given.items()))])


# --------------------------------------------------------------------------- goal-seek
@dataclass(frozen=True)
class Goal:
    """A goal-seek's answer: ``parameter`` at ``value`` puts ``result`` at ``reached`` (the target, or next to it).

    Attributes
    ----------
    result, parameter : str
    target, value, reached : float
        [the result's unit], [the parameter's unit], [the result's unit]
    """

    result: str
    parameter: str
    target: float
    value: float
    reached: float


def goal_seek(
    settings: Settings,
    result: str,
    target: float,
    parameter: str,
    register: Mapping[str, _params.Parameter] | None = None,
    data: _costs.ModelData | None = None,
) -> Goal:
    """The value of ``parameter`` at which ``result``, at the settings' values, equals ``target``.

    Bisection on the vectorised model, many points at once: :data:`GOAL_POINTS` values across the
    parameter's allowed range (the sliders' :func:`slider_extent`) in one call of
    :func:`analysis.costs.cost_model`, the crossing nearest the parameter's present value kept, and the
    bracket around it cut the same way :data:`GOAL_ROUNDS` times (each round divides it by
    ``GOAL_POINTS - 1``). A whole-number parameter is rounded to the nearest whole number.

    Parameters
    ----------
    settings : Settings
        The other parameters' values (held where the settings set them, else at baseline).
    result : str
        An output of :data:`RESULTS`.
    target : float
        The value ``result`` should take [its unit].
    parameter : str
        A ranged parameter of the register.
    register : mapping, optional
        The assumptions register (default: ``data/assumptions.csv``).
    data : ModelData, optional
        The cost model's data (default: from ``data/``).

    Returns
    -------
    Goal

    Raises
    ------
    GoalUnreachable
        The target is not reached anywhere in the allowed range (the message gives what the range reaches).
    ValueError
        An unknown result or a parameter that is not ranged, in one line.
    """
    register = register if register is not None else _params.load_register()
    data = data if data is not None else _model.load_data()
    if result not in RESULTS:
        raise ValueError(f"goal-seek: {result!r} is not a result here; choose from {', '.join(RESULTS)}")
    if parameter not in register or register[parameter].distribution == "fixed":
        ranged = sorted(n for n, p in register.items() if p.distribution != "fixed")
        raise ValueError(f"goal-seek: {parameter!r} is not a ranged parameter; choose from {', '.join(ranged)}")
    if not math.isfinite(target):
        raise ValueError(f"goal-seek: the target must be a finite number, got {target!r}")
    values, _ = checked(settings.with_value(register, parameter, register[parameter].baseline), register)
    full = _params.resolve_parameters(register, values)
    p = register[parameter]
    lowest, highest = (float(x) for x in slider_extent(p))

    def gap(points: np.ndarray) -> np.ndarray:
        out = _costs.cost_model({**full, parameter: points}, data)[result]
        return np.broadcast_to(np.asarray(out, dtype=float), points.shape) - target

    points = np.linspace(lowest, highest, GOAL_POINTS)
    gaps = gap(points)
    if not (np.nanmin(gaps) <= 0 <= np.nanmax(gaps)):
        raise GoalUnreachable(_unreachable(p, result, target, lowest, highest, gaps + target))
    at = float(settings.values.get(parameter, p.baseline))
    for _ in range(GOAL_ROUNDS):
        crossings = np.flatnonzero((np.sign(gaps[:-1]) * np.sign(gaps[1:])) <= 0)
        i = crossings[np.argmin(np.abs(points[crossings] - at))]
        if gaps[i] == 0:
            break
        points = np.linspace(points[i], points[i + 1], GOAL_POINTS)
        gaps = gap(points)
    i = int(np.argmin(np.abs(gaps)))
    value = float(points[i])
    if p.type == "int":
        candidates = np.array([math.floor(value), math.ceil(value)], dtype=float)
        value = float(candidates[np.argmin(np.abs(gap(candidates)))])
    value = int(value) if p.type == "int" else value
    reached = float(gap(np.array([float(value)]))[0] + target)
    return Goal(result, parameter, float(target), value, reached)


def _unreachable(p: _params.Parameter, result: str, target: float, lowest: float, highest: float, reach) -> str:
    """The one-line refusal of a target out of reach."""
    shown = format_value(target, "USD")
    what = f"{RESULTS[result]} cannot reach {shown} by moving {p.label or p.name} ({p.name}) alone"
    span = f"{format_value(lowest, p.unit)} to {format_value(highest, p.unit)}"
    if float(np.nanmax(reach)) == float(np.nanmin(reach)):
        return f"{what}: it does not move the result at all (it stays {format_value(float(reach[0]), 'USD')})"
    return (
        f"{what}: across its allowed range, {span}, it goes from "
        f"{format_value(float(np.nanmin(reach)), 'USD')} to {format_value(float(np.nanmax(reach)), 'USD')}"
    )
