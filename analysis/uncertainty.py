"""Step 6: how sure? Monte Carlo over the register's ranges, one-at-a-time sensitivity, bridges.

The cost model is :func:`analysis.costs.cost_model`, vectorised, so a million parameter
draws cost one call. This module draws the parameters, summarises the draws (median,
90% interval and where the point value at the run's parameters falls among them),
ranks the parameters by how much each moves a cost (tornado), and lays out the bridges
from DeepSeek's US$5.576M to each named cost.

Draws are joint where the sources tie quantities together: the H20 count is what is left
of SemiAnalysis's Hopper total after its H800s and H100s (:func:`analysis.fleet.fleet_gpus`),
so every draw is a fleet of the size the text describes, and a run that sets any of the
three counts holds all three (:data:`HELD_TOGETHER`).

Monte Carlo takes an ``rng`` (a :class:`numpy.random.Generator` or a seed), never a
global seed (SPEC 7).

References
----------
.. [1] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024 (lognormal 90% intervals for uncertain factors).
.. [2] Scientific Python, "SPEC 7: Seeding pseudo-random number generation", 2023.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .costs import NAMED_COSTS, ModelData, cost_model

#: z-score of the 95th percentile: a lognormal's low and high are its 5th and 95th percentiles.
Z95 = 1.6448536269514722
#: The distributions a ranged parameter of the register may have (``fixed``: not drawn).
DISTRIBUTIONS = ("fixed", "uniform", "triangular", "lognormal")
#: Parameters drawn jointly: a run that sets one of them holds them all.
HELD_TOGETHER = (("hopper_gpus", "h800_gpus", "h100_gpus"),)


# --------------------------------------------------------------------------- sampling
def sample_parameter(param, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of one parameter from its register distribution, kept inside its hard bounds.

    * ``triangular``: low, mode = baseline, high;
    * ``uniform``: low to high;
    * ``lognormal``: low and high are the 5th and 95th percentiles [1].

    Parameters
    ----------
    param : analysis.params.Parameter
        The parameter's register entry: its ``distribution``, ``low``, ``baseline``,
        ``high`` and hard ``bounds``.
    n : int
        Number of draws.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    numpy.ndarray
        ``n`` draws, inside the hard bounds [the parameter's unit].

    Raises
    ------
    ValueError
        If the distribution is not ``triangular``, ``uniform`` or ``lognormal``.
    """
    low, high = float(param.low), float(param.high)
    if param.distribution == "triangular":
        draws = rng.triangular(low, float(param.baseline), high, n) if high > low else np.full(n, low)
    elif param.distribution == "uniform":
        draws = rng.uniform(low, high, n)
    elif param.distribution == "lognormal":
        mu, sigma = (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z95)
        draws = rng.lognormal(mu, sigma, n)
    else:
        raise ValueError(f"{param.name}: cannot sample a {param.distribution!r} parameter")
    if (
        param.bounds is not None and param.distribution == "lognormal"
    ):  # triangular and uniform stay in [low, high], inside the bounds
        b = param.bounds
        tiny = 1e-12 * max(1.0, abs(b.lower) if math.isfinite(b.lower) else 1.0)
        lower = b.lower if b.lower_closed else b.lower + tiny
        upper = b.upper if b.upper_closed else b.upper - tiny
        draws = np.clip(draws, lower, upper)
    return draws


def sample_parameters(register: Mapping, values: Mapping, n: int, rng=None, hold=()) -> dict:
    """Draws of every ranged parameter (distribution not ``fixed``); the rest at ``values``.

    Parameters named in ``hold`` (for example those a reader set with ``-p`` or a
    scenario) stay at their value in ``values`` instead of being drawn.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is drawn, between its ``low`` and ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; fixed and held parameters keep them.
    n : int
        Number of draws, >= 1.
    rng : numpy.random.Generator or int, optional
        Random source or seed; the same seed gives the same draws.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than drawn (e.g. those a
        reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.

    Returns
    -------
    dict
        ``values`` with every ranged parameter that is not held replaced by an array of
        ``n`` draws [each parameter's unit].

    Raises
    ------
    ValueError
        If ``n`` is below 1.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng(rng)
    hold = set(hold)
    for group in HELD_TOGETHER:
        if hold & set(group):
            hold |= set(group)
    out = dict(values)
    for name in sorted(register):  # a fixed order, so a seed always means the same draws
        param = register[name]
        if param.distribution != "fixed":
            draws = sample_parameter(param, n, rng)  # drawn even when held, so the other draws do not depend on `hold`
            if name not in hold:
                out[name] = draws
    return out


#: Draws evaluated at a time: arrays of this many draws per GPU type stay in the processor's cache.
CHUNK_DRAWS = 131_072


def monte_carlo(register: Mapping, values: Mapping, data: ModelData, n: int = 100_000, rng=None, hold=()) -> dict:
    """The cost model over ``n`` joint draws of the ranged parameters.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is drawn, between its ``low`` and ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; fixed and held parameters keep them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    n : int, default 100_000
        Number of draws.
    rng : numpy.random.Generator or int, optional
        Random source or seed; the same seed gives the same draws.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than drawn (e.g. those a
        reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.

    Returns
    -------
    dict of numpy.ndarray
        Every output of :func:`analysis.costs.cost_model` that has one value per draw
        (length ``n``); per-GPU-type outputs are left out. The draws are made all at once,
        so a seed gives the same draws whatever the chunk size, and the model is evaluated
        :data:`CHUNK_DRAWS` at a time, which is faster than all at once.
    """
    draws = sample_parameters(register, values, n, rng, hold)
    chunks = []
    for start in range(0, n, CHUNK_DRAWS):
        size = min(CHUNK_DRAWS, n - start)
        part = {
            k: (v[start : start + size] if isinstance(v, np.ndarray) and v.shape == (n,) else v)
            for k, v in draws.items()
        }
        out = cost_model(part, data)
        chunks.append({k: np.broadcast_to(v, (size,)) for k, v in out.items() if not k.endswith("_by_type")})
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def point_percentile(draws, point) -> float:
    """Where a point value falls among draws: the share of draws below it (ties count half) [0-1].

    Parameters
    ----------
    draws : array_like
        Draws of a quantity [its unit].
    point : float
        The quantity's point value [the same unit].

    Returns
    -------
    float
        Share of the draws below ``point``, ties counting half [0-1].

    Examples
    --------
    >>> point_percentile(np.arange(100.0), 49.5), point_percentile([1.0, 2.0, 2.0, 3.0], 2.0)
    (0.5, 0.5)
    """
    draws = np.asarray(draws, dtype=float)
    return float((np.sum(draws < point) + 0.5 * np.sum(draws == point)) / draws.size)


def summarise(
    draws: Mapping, point: Mapping | None = None, keys=NAMED_COSTS, quantiles=(0.05, 0.5, 0.95)
) -> pd.DataFrame:
    """Quantiles of the named costs (rows) at ``quantiles`` (columns ``p05``, ``p50``, ``p95``).

    With ``point`` (the model at the run's parameters), a column ``point`` and a column
    ``point_percentile`` (:func:`point_percentile`) are added.

    Parameters
    ----------
    draws : mapping
        Output name -> array of its Monte Carlo draws (:func:`monte_carlo`).
    point : mapping, optional
        Output name -> its value at the run's parameters (:func:`analysis.costs.cost_model`).
    keys : sequence of str, default :data:`analysis.costs.NAMED_COSTS`
        The outputs to summarise, one row each.
    quantiles : sequence of float, default (0.05, 0.5, 0.95)
        The quantiles to take [0-1]; column ``p05`` is the 0.05 quantile, and so on.

    Returns
    -------
    pandas.DataFrame
        One row per output of ``keys``, one column per quantile [each output's unit]; with
        ``point``, also ``point`` [each output's unit] and ``point_percentile`` [0-1].
    """
    rows = {k: np.quantile(np.asarray(draws[k]), quantiles) for k in keys}
    table = pd.DataFrame(rows, index=[f"p{round(q * 100):02d}" for q in quantiles]).T
    if point is not None:
        table["point"] = [float(point[k]) for k in keys]
        table["point_percentile"] = [point_percentile(draws[k], float(point[k])) for k in keys]
    return table


def tornado(register: Mapping, values: Mapping, data: ModelData, output: str, hold=()) -> pd.DataFrame:
    """One-at-a-time sensitivity: ``output`` with each ranged parameter at its low and at its high.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is set in turn to its ``low`` and its ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; all other parameters stay at them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    output : str
        Name of an output of :func:`analysis.costs.cost_model` with one value per draw.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than moved to their
        ends (e.g. those a reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.

    Returns
    -------
    pandas.DataFrame
        One row per parameter that moves ``output``: ``low``, ``high``, ``at_low``, ``at_high``
        and ``swing`` (|at_high - at_low|), largest swing first; ``baseline`` in ``attrs``.
    """
    base = float(cost_model(values, data)[output])
    hold = set(hold)
    for group in HELD_TOGETHER:
        if hold & set(group):
            hold |= set(group)
    names = [n for n, p in register.items() if p.distribution != "fixed" and n not in hold]
    if names:  # one vectorised call: row 2i has parameter i at its low end, row 2i + 1 at its high end
        batch = {k: v for k, v in values.items()}
        for i, name in enumerate(names):
            column = np.full(2 * len(names), float(values[name]))
            column[2 * i], column[2 * i + 1] = register[name].low, register[name].high
            batch[name] = column
        costs = np.broadcast_to(cost_model(batch, data)[output], (2 * len(names),))
    rows = []
    for i, name in enumerate(names):
        at_low, at_high = float(costs[2 * i]), float(costs[2 * i + 1])
        if at_low != base or at_high != base:
            rows.append(
                {
                    "parameter": name,
                    "low": register[name].low,
                    "high": register[name].high,
                    "at_low": at_low,
                    "at_high": at_high,
                    "swing": abs(at_high - at_low),
                }
            )
    columns = ["parameter", "low", "high", "at_low", "at_high", "swing"]
    table = (
        pd.DataFrame(rows, columns=columns).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    )
    table.attrs["baseline"] = base
    return table


def development_bridge(costs: Mapping) -> pd.DataFrame:
    """Steps from V3's final run to the cost of developing V3 and R1; each step is one component of the model.

    Parameters
    ----------
    costs : mapping
        Outputs of :func:`analysis.costs.cost_model` at scalar parameters: at least
        ``cost_final_run_usd``, ``r1_rl_usd``, ``experiments_usd``, ``research_staff_usd``
        and ``cost_development_usd`` [USD].

    Returns
    -------
    pandas.DataFrame
        ``step``, ``usd`` and ``sources`` (source ids of ``data/sources.csv``); the last row is the
        total, as the model computed it, with the sources of all its steps.
    """
    steps = [
        ("V3's final run (Table 1)", "cost_final_run_usd", "deepseek-v3-report"),
        ("R1's reinforcement learning", "r1_rl_usd", "deepseek-r1-nature-2025"),
        ("experiments and ablations", "experiments_usd", "cottier-2024-rising-costs; epoch-2026-final-runs-minority"),
        ("research staff", "research_staff_usd", "qbitai-2025-deepseek-job-ads; semianalysis-2025-deepseek-debates"),
    ]
    return _bridge(costs, steps, ("cost of developing V3 and R1", "cost_development_usd"))


def company_year_bridge(costs: Mapping) -> pd.DataFrame:
    """A year of the company: the shared fleet's yearly cost of ownership by use of its compute, plus the staff.

    The fleet's cost is allocated in proportion to its H800-equivalent GPU-hours by use
    (:func:`analysis.allocation.gpu_hours_by_use`).

    Parameters
    ----------
    costs : mapping
        Outputs of :func:`analysis.costs.cost_model` at scalar parameters: at least
        ``fleet_cost_per_year_<use>_usd`` for each use of :data:`analysis.allocation.USES`,
        ``research_staff_usd_per_year`` and ``company_cost_per_year_usd`` [USD/year].

    Returns
    -------
    pandas.DataFrame
        ``step``, ``usd`` [USD/year] and ``sources`` (source ids of ``data/sources.csv``);
        the last row is the total, as the model computed it, with the sources of all its steps.
    """
    steps = [
        (
            "fleet: V3 and R1 final runs",
            "fleet_cost_per_year_training_usd",
            "deepseek-v3-report; deepseek-r1-nature-2025",
        ),
        (
            "fleet: experiments",
            "fleet_cost_per_year_experiments_usd",
            "cottier-2024-rising-costs; epoch-2026-final-runs-minority",
        ),
        ("fleet: serving V3 and R1", "fleet_cost_per_year_serving_usd", "deepseek-open-infra-day6"),
        (
            "fleet: High-Flyer's own use",
            "fleet_cost_per_year_high_flyer_usd",
            "semianalysis-2025-deepseek-debates; assumption",
        ),
        ("fleet: no disclosed use", "fleet_cost_per_year_unallocated_usd", "semianalysis-2025-deepseek-debates"),
        (
            "research staff",
            "research_staff_usd_per_year",
            "qbitai-2025-deepseek-job-ads; semianalysis-2025-deepseek-debates",
        ),
    ]
    return _bridge(costs, steps, ("what the company spends a year", "company_cost_per_year_usd"))


def _bridge(costs: Mapping, steps, total) -> pd.DataFrame:
    rows = [{"step": label, "usd": float(costs[key]), "sources": src} for label, key, src in steps]
    every = dict.fromkeys(s.strip() for _, _, src in steps for s in src.split(";"))  # the total's: all of its steps'
    rows.append({"step": total[0], "usd": float(costs[total[1]]), "sources": "; ".join(every)})
    return pd.DataFrame(rows)


def deciding_parameter(
    register: Mapping, values: Mapping, data: ModelData, output: str, predicate, hold=(), iterations: int = 40
):
    """The ranged parameter whose range decides whether ``predicate(output)`` holds, and its break-even value.

    Each ranged parameter not held is set to the low and to the high end of its range, the
    others at ``values``. Among those that flip the predicate between the two ends, the one
    that moves ``output`` most decides; its break-even value is found by bisection.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is set in turn to its ``low`` and its ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; all other parameters stay at them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    output : str
        Name of an output of :func:`analysis.costs.cost_model` with one value per draw.
    predicate : callable
        ``predicate(value)``, whether a value of ``output`` bears the claim out (truthy or not).
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than moved to their
        ends (e.g. those a reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.
    iterations : int, default 40
        Bisection steps; each halves the interval around the break-even.

    Returns
    -------
    tuple or None
        ``(label, break_even, unit, side)``: the parameter in words (its register label, or its
        name), its break-even value and unit, and ``side``, ``"above"`` or ``"below"``: the
        predicate holds when the parameter is on that side of the break-even. None when no
        single parameter flips it.
    """
    table = tornado(register, values, data, output, hold=hold)
    for row in table.itertuples():
        at_low, at_high = bool(predicate(row.at_low)), bool(predicate(row.at_high))
        if at_low == at_high:
            continue
        lo, hi = float(row.low), float(row.high)
        for _ in range(iterations):  # the predicate at `lo` stays at_low, at `hi` stays at_high
            mid = (lo + hi) / 2
            if bool(predicate(cost_model({**values, row.parameter: mid}, data)[output])) == at_low:
                lo = mid
            else:
                hi = mid
        p = register[row.parameter]
        return getattr(p, "label", "") or row.parameter, (lo + hi) / 2, p.unit, "above" if at_high else "below"
    return None
