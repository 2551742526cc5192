"""Step 6: the three named costs, their uncertainty (Monte Carlo), sensitivity (tornado) and bridges.

The whole cost model is one vectorised function, :func:`cost_model`, built from
the model functions of steps 1 to 3 (:mod:`analysis.training`,
:mod:`analysis.fleet`, :mod:`analysis.tco`), so a million parameter draws cost one
call. Three named costs, kept apart:

* **final run**: DeepSeek's own figure, V3's Table 1 GPU-hours at a rental price;
* **development**: the final run, plus R1's reinforcement learning, plus the
  experiments and ablations around it (Epoch AI's "experiment-compute multiple":
  all development compute over the final run's), plus the research staff;
* **capability**: owning and running the fleet for SemiAnalysis's 4-year period.

Monte Carlo takes an ``rng`` (a :class:`numpy.random.Generator` or a seed), never
a global seed (SPEC 7).

References
----------
.. [1] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024 (experiment-compute multiplier 1.2-4x, lognormal
   90% intervals).
.. [2] N. Lambert, "DeepSeek V3 and the actual cost of training frontier AI
   models", Interconnects, 9 Jan 2025 (experiments 2-4x the final run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from . import fleet as _fleet
from . import tco as _tco
from . import training as _training

GPU_TYPES = ("H800", "H100", "H20", "A100")
COUNT_PARAMETERS = {"H800": "h800_gpus", "H100": "h100_gpus", "H20": "h20_gpus", "A100": "a100_gpus"}
#: z-score of the 95th percentile: a lognormal's low and high are its 5th and 95th percentiles.
Z95 = 1.6448536269514722
NAMED_COSTS = ("cost_final_run_usd", "cost_development_usd", "cost_capability_tco_4y_usd")


@dataclass(frozen=True)
class CostInputs:
    """The data the cost model needs, as arrays in :data:`GPU_TYPES` order."""

    v3_gpu_hours: float
    r1_gpu_hours: float
    tdp_w: np.ndarray
    gpu_price_usd: np.ndarray            # NaN where no GPU-only price is sourced
    server_price_usd_per_gpu: np.ndarray  # NaN where the default server is priced in yuan
    server_price_cny_per_gpu: np.ndarray  # NaN where it is priced in dollars

    @classmethod
    def from_frames(cls, gpus: pd.DataFrame, server_prices: pd.DataFrame, runs: pd.DataFrame) -> "CostInputs":
        """Build from ``data/gpus.csv`` (indexed by type), ``server_prices.csv`` (by id) and ``training_runs.csv``."""
        defaults = server_prices[server_prices["default_for_gpu_type"]].set_index("gpu_type")
        return cls(
            v3_gpu_hours=float(runs.loc[runs["in_v3_table_1"], "gpu_hours"].sum()),
            r1_gpu_hours=float(runs.loc[runs["model"] == "DeepSeek-R1", "gpu_hours"].sum()),
            tdp_w=gpus.loc[list(GPU_TYPES), "tdp_w"].to_numpy(dtype=float),
            gpu_price_usd=gpus.loc[list(GPU_TYPES), "gpu_price_base_usd"].to_numpy(dtype=float),
            server_price_usd_per_gpu=(defaults.loc[list(GPU_TYPES), "server_price_usd"] / defaults.loc[list(GPU_TYPES), "gpus_per_server"]).to_numpy(dtype=float),
            server_price_cny_per_gpu=(defaults.loc[list(GPU_TYPES), "server_price_cny"] / defaults.loc[list(GPU_TYPES), "gpus_per_server"]).to_numpy(dtype=float),
        )


def _col(x):
    """A value as an array that broadcasts against the GPU-type axis (draws in rows)."""
    return np.asarray(x, dtype=float)[..., None]


def server_cost_per_gpu_usd(p: Mapping, inputs: CostInputs) -> np.ndarray:
    """Server cost per GPU of each type [USD], shape (..., 4), by ``capex_method``."""
    published = np.where(np.isnan(inputs.server_price_usd_per_gpu),
                         _fleet.cny_to_usd(inputs.server_price_cny_per_gpu, _col(p["usd_cny_rate"])),
                         inputs.server_price_usd_per_gpu)
    if p["capex_method"] == "published_server_prices":
        return published
    if p["capex_method"] == "epoch_overhead":
        epoch = _fleet.server_cost_per_gpu_epoch_overhead(np.nan_to_num(inputs.gpu_price_usd), _col(p["server_overhead_multiplier"]))
        return np.where(np.isnan(inputs.gpu_price_usd), published, epoch)
    raise ValueError(f"unknown capex_method {p['capex_method']!r}")


def cost_model(p: Mapping, inputs: CostInputs) -> dict:
    """The three named costs and their components, for scalars or arrays of parameters.

    Parameters
    ----------
    p : mapping
        Parameter name -> value or array of draws (all the same length).
    inputs : CostInputs

    Returns
    -------
    dict of array_like
        The named costs (:data:`NAMED_COSTS`) and every component a bridge shows [USD].
    """
    out = {}
    price = np.asarray(p["gpu_hour_price_usd"], dtype=float)
    out["cost_final_run_usd"] = _training.rental_cost_usd(inputs.v3_gpu_hours, price)
    out["r1_rl_usd"] = _training.rental_cost_usd(inputs.r1_gpu_hours, price)
    out["experiments_usd"] = (np.asarray(p["experiment_compute_multiple"], dtype=float) - 1) * out["cost_final_run_usd"]
    out["research_staff_usd"] = (np.asarray(p["research_staff"], dtype=float) * np.asarray(p["research_staff_cost_usd_per_year"], dtype=float)
                                 * np.asarray(p["development_years"], dtype=float))
    out["cost_development_usd"] = out["cost_final_run_usd"] + out["r1_rl_usd"] + out["experiments_usd"] + out["research_staff_usd"]

    counts = np.stack(np.broadcast_arrays(*[np.asarray(p[COUNT_PARAMETERS[t]], dtype=float) for t in GPU_TYPES]), axis=-1)
    servers = (_fleet.server_capex_usd(counts, server_cost_per_gpu_usd(p, inputs))).sum(axis=-1)
    cluster = _fleet.cluster_capex_usd(servers, p["cluster_interconnect_fraction"])
    capital = _tco.capital_charges_usd(cluster["total_usd"], amortisation=p["amortisation_method"], useful_life_years=p["useful_life_years"],
                                       cost_of_capital=p["cost_of_capital"])
    peak_kw = (counts * _tco.average_power_kw_per_gpu(inputs.tdp_w, _col(p["server_power_multiplier"]), 1.0)).sum(axis=-1)
    years = _tco.SEMIANALYSIS_OWNERSHIP_YEARS
    out["fleet_server_capex_usd"] = servers
    out["capital_usd"] = capital["total_usd"]
    out["electricity_usd"] = years * _tco.annual_electricity_usd(1, peak_kw * np.asarray(p["average_power_fraction"], dtype=float), p["pue"],
                                                                  p["electricity_price_usd_per_kwh"])
    out["hosting_usd"] = years * _tco.annual_hosting_usd(peak_kw, p["hosting_usd_per_kw_month"])
    out["maintenance_usd"] = years * _tco.annual_maintenance_usd(cluster["total_usd"], p["maintenance_fraction_per_year"])
    out["operations_staff_usd"] = years * np.asarray(p["operations_staff_usd_per_year"], dtype=float)
    out["cost_capability_tco_4y_usd"] = (out["capital_usd"] + out["electricity_usd"] + out["hosting_usd"] + out["maintenance_usd"]
                                         + out["operations_staff_usd"])
    return out


# --------------------------------------------------------------------------- sampling
def sample_parameter(param, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of one parameter from its register distribution, kept inside its hard bounds.

    * ``triangular``: low, mode = baseline, high;
    * ``uniform``: low to high;
    * ``lognormal``: low and high are the 5th and 95th percentiles [1].
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
    if param.bounds is not None and param.distribution == "lognormal":  # triangular and uniform stay in [low, high], inside the bounds
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
    register : mapping of name -> analysis.params.Parameter
    values : mapping
        The run's parameter values (baseline, scenario and overrides); fixed parameters keep them.
    n : int
        Number of draws.
    rng : numpy.random.Generator or int, optional
        Random source or seed; the same seed gives the same draws.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng(rng)
    out = dict(values)
    for name in sorted(register):  # a fixed order, so a seed always means the same draws
        param = register[name]
        if param.distribution != "fixed":
            draws = sample_parameter(param, n, rng)  # drawn even when held, so the other draws do not depend on `hold`
            if name not in hold:
                out[name] = draws
    return out


def monte_carlo(register: Mapping, values: Mapping, inputs: CostInputs, n: int = 100_000, rng=None, hold=()) -> dict:
    """The cost model over ``n`` joint draws of the ranged parameters; returns arrays of every output."""
    return cost_model(sample_parameters(register, values, n, rng, hold), inputs)


def summarise(draws: Mapping, keys=NAMED_COSTS, quantiles=(0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Quantiles of the named costs (rows) at ``quantiles`` (columns ``p05``, ``p50``, ``p95``)."""
    rows = {k: np.quantile(np.asarray(draws[k]), quantiles) for k in keys}
    return pd.DataFrame(rows, index=[f"p{round(q * 100):02d}" for q in quantiles]).T


def tornado(register: Mapping, values: Mapping, inputs: CostInputs, output: str, hold=()) -> pd.DataFrame:
    """One-at-a-time sensitivity: ``output`` with each ranged parameter at its low and at its high.

    Returns
    -------
    pandas.DataFrame
        One row per parameter that moves ``output``: ``low``, ``high``, ``at_low``, ``at_high``
        and ``swing`` (|at_high - at_low|), largest swing first; ``baseline`` in ``attrs``.
    """
    base = float(cost_model(values, inputs)[output])
    names = [n for n, p in register.items() if p.distribution != "fixed" and n not in hold]
    if names:  # one vectorised call: row 2i has parameter i at its low end, row 2i + 1 at its high end
        batch = {k: v for k, v in values.items()}
        for i, name in enumerate(names):
            column = np.full(2 * len(names), float(values[name]))
            column[2 * i], column[2 * i + 1] = register[name].low, register[name].high
            batch[name] = column
        costs = np.broadcast_to(cost_model(batch, inputs)[output], (2 * len(names),))
    rows = []
    for i, name in enumerate(names):
        at_low, at_high = float(costs[2 * i]), float(costs[2 * i + 1])
        if at_low != base or at_high != base:
            rows.append({"parameter": name, "low": register[name].low, "high": register[name].high, "at_low": at_low, "at_high": at_high,
                         "swing": abs(at_high - at_low)})
    columns = ["parameter", "low", "high", "at_low", "at_high", "swing"]
    table = pd.DataFrame(rows, columns=columns).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs["baseline"] = base
    return table


def development_bridge(costs: Mapping) -> pd.DataFrame:
    """Steps from the final run to the development cost; the steps sum exactly to the total.

    Examples
    --------
    >>> t = development_bridge({"cost_final_run_usd": 5.576e6, "r1_rl_usd": 0.3e6, "experiments_usd": 6e6,
    ...                         "research_staff_usd": 99e6, "cost_development_usd": 110.876e6})
    >>> bool(t["usd"].iloc[:-1].sum() == t["usd"].iloc[-1])
    True
    """
    steps = [("final run (V3, Table 1)", "cost_final_run_usd", "deepseek-v3-report"),
             ("R1's reinforcement learning", "r1_rl_usd", "deepseek-r1-nature-2025"),
             ("experiments and ablations", "experiments_usd", "epoch-training-cost-trends; interconnects-2025-v3-cost"),
             ("research staff", "research_staff_usd", "semianalysis-2025-deepseek-debates; assumption")]
    return _bridge(costs, steps, ("cost of developing the model", "cost_development_usd"))


def capability_bridge(costs: Mapping) -> pd.DataFrame:
    """Steps from the final run to the 4-year cost of owning the fleet; the steps sum exactly to the total.

    The first step replaces the rented GPU-hours of the final run with the fleet's capital charges.
    """
    steps = [("final run (V3, Table 1)", "cost_final_run_usd", "deepseek-v3-report"),
             ("fleet capital instead of rented GPU-hours", None, "semianalysis-2025-deepseek-debates; epoch-training-cost-trends"),
             ("electricity", "electricity_usd", "epoch-training-cost-trends"),
             ("datacentre", "hosting_usd", "assumption"),
             ("upkeep", "maintenance_usd", "assumption"),
             ("operations staff", "operations_staff_usd", "assumption")]
    costs = dict(costs)
    costs["_capital_delta"] = float(costs["capital_usd"]) - float(costs["cost_final_run_usd"])
    steps[1] = (steps[1][0], "_capital_delta", steps[1][2])
    return _bridge(costs, steps, ("cost of owning the capability (4-year TCO)", "cost_capability_tco_4y_usd"))


def _bridge(costs: Mapping, steps, total) -> pd.DataFrame:
    rows = [{"step": label, "usd": float(costs[key]), "sources": src} for label, key, src in steps]
    rows.append({"step": total[0], "usd": float(sum(r["usd"] for r in rows)), "sources": "sum of the steps"})
    table = pd.DataFrame(rows)
    if not math.isclose(table["usd"].iloc[-1], float(costs[total[1]]), rel_tol=1e-9):
        raise AssertionError(f"bridge to {total[1]} does not add up")  # pragma: no cover - a model error
    return table
