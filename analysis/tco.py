"""Step 2: amortisation, operating cost and the total cost of owning a GPU fleet.

Pure functions: numbers or arrays in, numbers, arrays or small frames out; no I/O.
Two amortisation methods, one function each: :func:`straight_line_amortisation`
(the accounting convention; SemiAnalysis's "4y ownership") and
:func:`epoch_price_decline_amortisation` (Epoch AI's replacement-rate method).

References
----------
.. [1] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024; code github.com/epoch-research/training-cost-trends:
   hardware value falls 0.14 orders of magnitude a year; server power
   (10.2 kW / 8 GPUs) / 700 W TDP = 1.82 x TDP; 0.75 of TDP on average in
   training; PUE 1.25 outside hyperscalers; US industrial electricity
   US$0.0806/kWh (2023).
.. [2] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025
   (server CapEx ~US$1.6B; US$944M "associated with operating such clusters";
   the chart's label "TCO (4y Ownership)").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .training import HOURS_PER_YEAR

#: The ownership period of SemiAnalysis's chart, "TCO (4y Ownership)" [2] [years].
SEMIANALYSIS_OWNERSHIP_YEARS = 4
#: Epoch AI's yearly fall in hardware price-performance: 0.14 orders of magnitude [1].
EPOCH_PRICE_DECLINE_OOM_PER_YEAR = 0.14
#: Epoch AI's server power per GPU over the GPU's TDP for an H100 DGX [1].
EPOCH_SERVER_POWER_MULTIPLIER = (10.2 / 8) / 0.7


def straight_line_amortisation(capex_usd, useful_life_years, years: int):
    """Yearly amortisation charges, equal each year until the capital is written off.

    Parameters
    ----------
    capex_usd : float
        Capital cost [USD].
    useful_life_years : float
        Years over which it is written off [years], > 0.
    years : int
        Number of years in the schedule [years].

    Returns
    -------
    numpy.ndarray
        Charge in each year 1..years [USD]; a fractional final year gets a part charge,
        and years after the useful life get none.

    Examples
    --------
    >>> straight_line_amortisation(1.6e9, 4, 5).tolist()
    [400000000.0, 400000000.0, 400000000.0, 400000000.0, 0.0]
    >>> straight_line_amortisation(100.0, 2.5, 3).tolist()
    [40.0, 40.0, 20.0]
    """
    if useful_life_years <= 0:
        raise ValueError("useful_life_years must be > 0")
    t = np.arange(years)
    written_in_year = np.clip(useful_life_years - t, 0.0, 1.0)
    return capex_usd * written_in_year / useful_life_years


def epoch_price_decline_amortisation(capex_usd, years: int, decline_oom_per_year: float = EPOCH_PRICE_DECLINE_OOM_PER_YEAR):
    """Yearly charges by Epoch AI's method: the rate at which hardware loses value [1].

    Parameters
    ----------
    capex_usd : float
        Capital cost [USD].
    years : int
        Number of years in the schedule [years].
    decline_oom_per_year : float, default 0.14
        Fall in price-performance [orders of magnitude per year].

    Returns
    -------
    numpy.ndarray
        Charge in each year [USD]: ``capex x decline x ln(10)``, the same every year.

    Notes
    -----
    Epoch AI prices a chip-hour as ``price x 0.14 x ln(10) / 8766``: the value the
    hardware loses per hour as better hardware gets cheaper. It has no fixed life;
    over 4 years it charges 1.29 times the capital cost.

    Examples
    --------
    >>> [round(x, 4) for x in epoch_price_decline_amortisation(1.0, 2).tolist()]
    [0.3224, 0.3224]
    """
    return np.full(years, capex_usd * decline_oom_per_year * math.log(10))


def financing_cost_usd(capex_usd, useful_life_years, cost_of_capital, years: int):
    """Yearly cost of the capital tied up in the fleet (straight-line balance).

    Parameters
    ----------
    capex_usd : float
        Capital cost [USD].
    useful_life_years : float
        Years over which it is written off [years].
    cost_of_capital : float
        Yearly rate [1/year].
    years : int
        Number of years in the schedule.

    Returns
    -------
    numpy.ndarray
        ``cost_of_capital x`` the balance not yet written off at the start of each year [USD].

    Examples
    --------
    >>> financing_cost_usd(100.0, 4, 0.1, 4).tolist()
    [10.0, 7.5, 5.0, 2.5]
    """
    if cost_of_capital < 0:
        raise ValueError("cost_of_capital must be >= 0")
    written_before = np.concatenate([[0.0], np.cumsum(straight_line_amortisation(capex_usd, useful_life_years, years))[:-1]])
    return cost_of_capital * (capex_usd - written_before)


def average_power_kw_per_gpu(tdp_w, server_power_multiplier, average_power_fraction):
    """Average IT power drawn per GPU, server included [kW].

    Parameters
    ----------
    tdp_w : array_like
        GPU thermal design power [W].
    server_power_multiplier : array_like
        Server power per GPU over the GPU's TDP [-]; Epoch AI: (10.2/8)/0.7 = 1.82.
    average_power_fraction : array_like
        Average draw over peak [0-1]; Epoch AI: 0.75 in training.

    Examples
    --------
    >>> round(float(average_power_kw_per_gpu(700, EPOCH_SERVER_POWER_MULTIPLIER, 1.0)), 4)
    1.275
    """
    return np.multiply(np.multiply(tdp_w, server_power_multiplier), average_power_fraction) / 1e3


def annual_electricity_usd(gpus, power_kw_per_gpu, pue, electricity_usd_per_kwh):
    """Yearly electricity bill of a fleet running all year.

    Parameters
    ----------
    gpus : array_like
        GPUs [GPUs].
    power_kw_per_gpu : array_like
        Average IT power per GPU [kW].
    pue : array_like
        Power usage effectiveness, facility over IT power [-], >= 1.
    electricity_usd_per_kwh : array_like
        Price [USD/kWh].

    Examples
    --------
    research/facts.md check 10: 60,000 GPUs at 1.275 kW, PUE 1.25, US$0.0806/kWh gives
    US$67.5M a year over 8,760 hours; over an average year of 8,766 hours:

    >>> round(float(annual_electricity_usd(60_000, 1.275, 1.25, 0.0806)) / 1e6, 1)
    67.6
    """
    if np.any(np.asarray(pue) < 1):
        raise ValueError("pue must be >= 1")
    energy_kwh = np.multiply(np.multiply(gpus, power_kw_per_gpu), pue) * HOURS_PER_YEAR
    return energy_kwh * electricity_usd_per_kwh


def annual_hosting_usd(it_capacity_kw, hosting_usd_per_kw_month):
    """Yearly datacentre cost (space, cooling, power delivery) per provisioned kW.

    Examples
    --------
    >>> float(annual_hosting_usd(1000, 150))
    1800000.0
    """
    return np.multiply(it_capacity_kw, hosting_usd_per_kw_month) * 12


def annual_maintenance_usd(capex_usd, maintenance_fraction_per_year):
    """Yearly repairs, spares and support as a share of the capital cost.

    Examples
    --------
    >>> float(annual_maintenance_usd(1.6e9, 0.03))
    48000000.0
    """
    return np.multiply(capex_usd, maintenance_fraction_per_year)


def owned_cost_per_gpu_hour(annual_cost_usd, gpus, utilisation):
    """What an owned GPU-hour of useful work costs.

    Parameters
    ----------
    annual_cost_usd : array_like
        Yearly cost of owning and running the GPUs [USD/year].
    gpus : array_like
        GPUs [GPUs].
    utilisation : array_like
        Share of hours doing useful work (0-1].

    Returns
    -------
    array_like
        [USD/GPU-hour]

    Examples
    --------
    >>> round(float(owned_cost_per_gpu_hour(8766.0, 1, 0.5)), 2)
    2.0
    """
    u = np.asarray(utilisation, dtype=float)
    if np.any((u <= 0) | (u > 1)):
        raise ValueError("utilisation must be in (0, 1]")
    return np.divide(annual_cost_usd, np.multiply(gpus, HOURS_PER_YEAR) * u)


def tco_schedule(*, server_capex_usd: float, network_capex_usd: float, amortisation: str, useful_life_years: float,
                 cost_of_capital: float, annual_opex: dict, years: int = SEMIANALYSIS_OWNERSHIP_YEARS) -> pd.DataFrame:
    """Yearly cost of owning the fleet, by component, over an ownership period.

    Parameters
    ----------
    server_capex_usd, network_capex_usd : float
        Capital cost of servers and cluster network [USD].
    amortisation : {"straight_line", "epoch_price_decline"}
        Which amortisation function charges the capital.
    useful_life_years : float
        Write-off period (straight line and financing) [years].
    cost_of_capital : float
        Yearly rate on the capital not yet written off [1/year].
    annual_opex : dict
        Operating cost components, each a yearly amount [USD/year].
    years : int
        Length of the schedule [years]; SemiAnalysis's chart uses 4.

    Returns
    -------
    pandas.DataFrame
        One row per year (``year`` 1..years), a column per component and ``total_usd``.
    """
    capex = server_capex_usd + network_capex_usd
    if amortisation == "straight_line":
        charge = straight_line_amortisation(capex, useful_life_years, years)
    elif amortisation == "epoch_price_decline":
        charge = epoch_price_decline_amortisation(capex, years)
    else:
        raise ValueError(f"unknown amortisation {amortisation!r}; use straight_line or epoch_price_decline")
    table = pd.DataFrame({"year": np.arange(1, years + 1), "amortisation_usd": charge,
                          "financing_usd": financing_cost_usd(capex, useful_life_years, cost_of_capital, years)})
    for name, amount in annual_opex.items():
        table[f"{name}_usd"] = float(amount)
    table["total_usd"] = table.drop(columns="year").sum(axis=1)
    return table


def ownership_costs(fleet: pd.DataFrame, *, interconnect_fraction: float, amortisation: str, useful_life_years: float,
                    cost_of_capital: float, server_power_multiplier: float, average_power_fraction: float, pue: float,
                    electricity_usd_per_kwh: float, hosting_usd_per_kw_month: float,
                    maintenance_fraction_per_year: float, operations_staff_usd_per_year: float,
                    years: int = SEMIANALYSIS_OWNERSHIP_YEARS) -> dict:
    """Yearly cost of owning and running each GPU type, and the fleet's schedule.

    Parameters
    ----------
    fleet : pandas.DataFrame
        Index GPU type; columns ``gpus`` [GPUs], ``server_capex_usd`` [USD], ``tdp_w`` [W].
    interconnect_fraction : float
        Network share of the cluster cost (:func:`analysis.fleet.cluster_capex_usd`) [0-1).
    amortisation, useful_life_years, cost_of_capital
        As in :func:`tco_schedule`.
    server_power_multiplier, average_power_fraction
        As in :func:`average_power_kw_per_gpu`.
    pue, electricity_usd_per_kwh
        As in :func:`annual_electricity_usd`.
    hosting_usd_per_kw_month : float
        Datacentre cost per kW of IT capacity (servers at full power) [USD/kW-month].
    maintenance_fraction_per_year : float
        Upkeep as a share of the cluster CapEx [1/year].
    operations_staff_usd_per_year : float
        Operations staff for the whole fleet, shared by GPU count [USD/year].
    years : int
        Ownership period [years].

    Returns
    -------
    dict
        ``by_type``: per GPU type, the average yearly ``capital``, ``electricity``,
        ``hosting``, ``maintenance`` and ``operations_staff`` costs and their
        ``total`` [USD/year], plus ``it_capacity_kw`` and ``average_power_kw``;
        ``schedule``: the fleet's cost by year and component (:func:`tco_schedule`).
    """
    from .fleet import cluster_capex_usd

    gpus = fleet["gpus"].to_numpy(dtype=float)
    cluster = cluster_capex_usd(fleet["server_capex_usd"].to_numpy(dtype=float), interconnect_fraction)
    peak_kw = average_power_kw_per_gpu(fleet["tdp_w"].to_numpy(dtype=float), server_power_multiplier, 1.0)
    avg_kw = peak_kw * average_power_fraction
    opex = {
        "electricity": annual_electricity_usd(gpus, avg_kw, pue, electricity_usd_per_kwh),
        "hosting": annual_hosting_usd(gpus * peak_kw, hosting_usd_per_kw_month),
        "maintenance": annual_maintenance_usd(cluster["total_usd"], maintenance_fraction_per_year),
        "operations_staff": operations_staff_usd_per_year * gpus / gpus.sum() if gpus.sum() else gpus * 0.0,
    }
    schedules = [tco_schedule(server_capex_usd=s, network_capex_usd=n, amortisation=amortisation,
                              useful_life_years=useful_life_years, cost_of_capital=cost_of_capital,
                              annual_opex={k: v[i] for k, v in opex.items()}, years=years)
                 for i, (s, n) in enumerate(zip(cluster["servers_usd"], cluster["network_usd"]))]
    by_type = pd.DataFrame({
        "gpus": gpus,
        "capital_usd_per_year": [float((s["amortisation_usd"] + s["financing_usd"]).mean()) for s in schedules],
        **{f"{k}_usd_per_year": v for k, v in opex.items()},
    }, index=fleet.index)
    by_type["total_usd_per_year"] = by_type.drop(columns="gpus").sum(axis=1)
    by_type["it_capacity_kw"] = gpus * peak_kw
    by_type["average_power_kw"] = gpus * avg_kw
    schedule = sum(s.drop(columns="year") for s in schedules)
    schedule.insert(0, "year", np.arange(1, years + 1))
    return {"by_type": by_type, "schedule": schedule}


def capital_charges_usd(capex_usd, *, amortisation: str, useful_life_years, cost_of_capital, years: int = SEMIANALYSIS_OWNERSHIP_YEARS):
    """Total capital charges (amortisation plus cost of capital) over an ownership period, vectorised.

    The same charges as the ``amortisation_usd`` and ``financing_usd`` columns of
    :func:`tco_schedule`, summed over its years, but for arrays of capital costs,
    lives and rates at once (for Monte Carlo).

    Parameters
    ----------
    capex_usd, useful_life_years, cost_of_capital : array_like
        Broadcast together.
    amortisation : {"straight_line", "epoch_price_decline"}
    years : int

    Returns
    -------
    dict of array_like
        ``amortisation_usd``, ``financing_usd`` and ``total_usd`` over the period.

    Examples
    --------
    >>> {k: float(v) for k, v in capital_charges_usd(100.0, amortisation="straight_line", useful_life_years=4,
    ...                                               cost_of_capital=0.1, years=4).items()}
    {'amortisation_usd': 100.0, 'financing_usd': 25.0, 'total_usd': 125.0}
    """
    capex = np.asarray(capex_usd, dtype=float)
    life = np.asarray(useful_life_years, dtype=float)
    rate = np.asarray(cost_of_capital, dtype=float)
    if np.any(life <= 0):
        raise ValueError("useful_life_years must be > 0")
    if np.any(rate < 0):
        raise ValueError("cost_of_capital must be >= 0")
    t = np.arange(years).reshape((years,) + (1,) * np.broadcast(capex, life, rate).ndim)
    written_in_year = np.clip(life - t, 0.0, 1.0) / life            # share written off in year t
    written_before = np.clip(t, 0.0, life) / life                    # share written off before year t
    if amortisation == "straight_line":
        amortisation_total = capex * written_in_year.sum(axis=0)
    elif amortisation == "epoch_price_decline":
        amortisation_total = capex * EPOCH_PRICE_DECLINE_OOM_PER_YEAR * math.log(10) * years * np.ones_like(life)
    else:
        raise ValueError(f"unknown amortisation {amortisation!r}; use straight_line or epoch_price_decline")
    financing_total = rate * capex * (1 - written_before).sum(axis=0)
    return {"amortisation_usd": amortisation_total, "financing_usd": financing_total, "total_usd": amortisation_total + financing_total}
