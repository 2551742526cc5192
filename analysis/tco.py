"""Step 2: amortisation, cost of capital, operating cost and the cost of owning a GPU fleet.

Pure functions: numbers or arrays in, numbers or arrays out; no I/O. They broadcast:
per-GPU-type quantities on the last axis (:data:`analysis.fleet.GPU_TYPES`), Monte
Carlo draws on the axes before it.

Capital is charged over a window of time (SemiAnalysis's 4-year ownership period, or
a GPU's own life) and each GPU type has its own purchase date, so hardware bought in
2021 is mostly written off by 2025. Two amortisation methods, chosen by name from
:data:`AMORTISATION_METHODS`, each described by the share of its value a GPU keeps
as it ages:

* :func:`straight_line_value_fraction`: the accounting convention, equal charges
  over ``useful_life_years``;
* :func:`price_decline_value_fraction`: Epoch AI's method [1], hardware losing value
  at the rate its price-performance falls, 0.14 orders of magnitude a year.

The amortisation charge over a window is the value lost in it; the cost of capital is
the yearly rate on the value still held, integrated over the window.

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

from .methods import Method, apply
from .units import HOURS_PER_YEAR

#: The ownership period of SemiAnalysis's chart, "TCO (4y Ownership)" [2] [years].
SEMIANALYSIS_OWNERSHIP_YEARS = 4
#: Epoch AI's yearly fall in hardware price-performance: 0.14 orders of magnitude [1].
EPOCH_PRICE_DECLINE_OOM_PER_YEAR = 0.14
#: Epoch AI's server power per GPU over the GPU's TDP for an H100 DGX [1].
EPOCH_SERVER_POWER_MULTIPLIER = (10.2 / 8) / 0.7


def straight_line_value_fraction(age_years, *, useful_life_years):
    """Share of its cost a GPU is still carried at after ``age_years``, written off in a straight line.

    Parameters
    ----------
    age_years : array_like
        Years since purchase, >= 0 [years].
    useful_life_years : array_like
        Write-off period [years], > 0.

    Returns
    -------
    array_like
        Share of the purchase cost still carried, ``1 - age / life`` clipped to [0, 1] [-].

    Raises
    ------
    ValueError
        If ``useful_life_years`` is not > 0.

    Examples
    --------
    >>> straight_line_value_fraction(np.array([0.0, 1.0, 4.0, 9.0]), useful_life_years=4).tolist()
    [1.0, 0.75, 0.0, 0.0]
    """
    life = np.asarray(useful_life_years, dtype=float)
    if np.any(life <= 0):
        raise ValueError("useful_life_years must be > 0")
    return np.clip(1 - np.divide(age_years, life), 0.0, 1.0)


def straight_line_value_integral(age_from, age_to, *, useful_life_years):
    """Integral of :func:`straight_line_value_fraction` from ``age_from`` to ``age_to`` [years].

    Parameters
    ----------
    age_from : array_like
        Age at the start of the interval, >= 0 [years].
    age_to : array_like
        Age at the end of the interval, >= ``age_from`` [years].
    useful_life_years : array_like
        Write-off period [years], > 0.

    Returns
    -------
    array_like
        The carried share integrated over the ages, nothing after the end of the life
        [years]; times a capital cost and a yearly rate, the cost of capital.

    Examples
    --------
    >>> float(straight_line_value_integral(0.0, 4.0, useful_life_years=4))
    2.0
    >>> float(straight_line_value_integral(3.0, 9.0, useful_life_years=4))
    0.125
    """
    life = np.asarray(useful_life_years, dtype=float)
    shape = np.broadcast_shapes(np.shape(age_from), np.shape(age_to), life.shape)
    a, b = np.broadcast_to(np.minimum(age_from, life), shape).copy(), np.minimum(age_to, life)
    # (b - a) - (b^2 - a^2) / 2L = (b - a) (1 - (a + b) / 2L), in place: this runs on a million draws at once
    width = b - a
    a += b
    a /= 2 * life
    np.subtract(1.0, a, out=a)
    return width * a


def price_decline_value_fraction(age_years, *, decline_oom_per_year):
    """Share of its cost a GPU is worth after ``age_years`` when price-performance falls exponentially [1].

    Epoch AI prices an hour of a chip as ``price x 0.14 x ln(10) / 8,766``, the value the
    hardware loses per hour as better hardware gets cheaper. That rate applied to the
    value the hardware still has gives ``10 ** (-0.14 x age)``: the same charge as
    Epoch's for a new chip, less for an old one.

    Parameters
    ----------
    age_years : array_like
        Years since purchase, >= 0 [years].
    decline_oom_per_year : float
        Fall in hardware price-performance [orders of magnitude per year]; Epoch AI: 0.14.

    Returns
    -------
    array_like
        Share of the purchase cost the GPU is still worth, ``10 ** (-decline x age)`` [-].

    Examples
    --------
    >>> round(float(price_decline_value_fraction(1.0,
    ...                                          decline_oom_per_year=EPOCH_PRICE_DECLINE_OOM_PER_YEAR)), 4)
    0.7244
    """
    return np.power(10.0, -decline_oom_per_year * np.asarray(age_years, dtype=float))


def price_decline_value_integral(age_from, age_to, *, decline_oom_per_year):
    """Integral of :func:`price_decline_value_fraction` from ``age_from`` to ``age_to`` [years].

    Parameters
    ----------
    age_from : array_like
        Age at the start of the interval, >= 0 [years].
    age_to : array_like
        Age at the end of the interval, >= ``age_from`` [years].
    decline_oom_per_year : float
        Fall in hardware price-performance [orders of magnitude per year], > 0.

    Returns
    -------
    array_like
        The share of its cost the GPU is worth, integrated over the ages [years].

    Examples
    --------
    >>> round(float(price_decline_value_integral(0.0, 1.0, decline_oom_per_year=0.14)), 4)
    0.8548
    """
    k = decline_oom_per_year * math.log(10)
    return (
        price_decline_value_fraction(age_from, decline_oom_per_year=decline_oom_per_year)
        - price_decline_value_fraction(age_to, decline_oom_per_year=decline_oom_per_year)
    ) / k


def _capital_charges(
    value, integral, *, capex_usd, purchase_year, start_year, end_year, cost_of_capital, **method_args
):
    rate = np.asarray(cost_of_capital, dtype=float)
    if np.any(rate < 0):
        raise ValueError("cost_of_capital must be >= 0")
    age_from = np.maximum(np.subtract(start_year, purchase_year), 0.0)
    age_to = np.maximum(np.subtract(end_year, purchase_year), 0.0)
    capex = np.asarray(capex_usd, dtype=float)
    amortisation = capex * (value(age_from, **method_args) - value(age_to, **method_args))
    financing = rate * capex * integral(age_from, age_to, **method_args)
    return {"amortisation_usd": amortisation, "financing_usd": financing, "total_usd": amortisation + financing}


def straight_line_capital_charges(
    *, capex_usd, purchase_year, start_year, end_year, cost_of_capital, useful_life_years
):
    """Amortisation and cost of capital in a window, written off in a straight line.

    Parameters
    ----------
    capex_usd : array_like
        Capital cost [USD].
    purchase_year : array_like
        When it was bought [decimal year, e.g. 2021.5].
    start_year, end_year : array_like
        The window charged [decimal years]; charges start at purchase if that is later.
    cost_of_capital : array_like
        Yearly rate on the value not yet written off [1/year].
    useful_life_years : array_like
        Write-off period [years].

    Returns
    -------
    dict of array_like
        ``amortisation_usd``, ``financing_usd`` and ``total_usd`` in the window [USD].

    Examples
    --------
    New hardware over its whole 4-year life at 10%: the capital, plus 10% of the average
    balance (half the capital) for 4 years.

    >>> {k: float(v) for k, v in straight_line_capital_charges(capex_usd=100.0, purchase_year=2025.0, start_year=2025.0,
    ...  end_year=2029.0, cost_of_capital=0.1, useful_life_years=4).items()}
    {'amortisation_usd': 100.0, 'financing_usd': 20.0, 'total_usd': 120.0}

    Bought in mid-2021 on a 4-year life, only half a year is left to charge from 2025:

    >>> float(straight_line_capital_charges(capex_usd=100.0, purchase_year=2021.5, start_year=2025.0, end_year=2029.0,
    ...                                     cost_of_capital=0.0, useful_life_years=4)["amortisation_usd"])
    12.5
    """
    return _capital_charges(
        straight_line_value_fraction,
        straight_line_value_integral,
        capex_usd=capex_usd,
        purchase_year=purchase_year,
        start_year=start_year,
        end_year=end_year,
        cost_of_capital=cost_of_capital,
        useful_life_years=useful_life_years,
    )


def price_decline_capital_charges(
    *,
    capex_usd,
    purchase_year,
    start_year,
    end_year,
    cost_of_capital,
    decline_oom_per_year=EPOCH_PRICE_DECLINE_OOM_PER_YEAR,
):
    """Amortisation and cost of capital in a window, by Epoch AI's price-decline method [1].

    Parameters
    ----------
    capex_usd : array_like
        Capital cost [USD].
    purchase_year : array_like
        When it was bought [decimal year, e.g. 2021.5].
    start_year, end_year : array_like
        The window charged [decimal years]; charges start at purchase if that is later.
    cost_of_capital : array_like
        Yearly rate on the value the hardware still has [1/year].
    decline_oom_per_year : float, default 0.14
        Fall in hardware price-performance [orders of magnitude per year], in place of
        a fixed life; Epoch AI's (:data:`EPOCH_PRICE_DECLINE_OOM_PER_YEAR`) by default.

    Returns
    -------
    dict of array_like
        ``amortisation_usd``, ``financing_usd`` and ``total_usd`` in the window [USD].

    Examples
    --------
    Four years of a new chip lose 1 - 10 ** -0.56 = 72% of its value:

    >>> round(float(price_decline_capital_charges(capex_usd=1.0, purchase_year=2025.0, start_year=2025.0,
    ...                                           end_year=2029.0, cost_of_capital=0.0)["amortisation_usd"]), 3)
    0.725
    """
    return _capital_charges(
        price_decline_value_fraction,
        price_decline_value_integral,
        capex_usd=capex_usd,
        purchase_year=purchase_year,
        start_year=start_year,
        end_year=end_year,
        cost_of_capital=cost_of_capital,
        decline_oom_per_year=decline_oom_per_year,
    )


#: The published ways to write off the fleet's capital, chosen by the ``amortisation_method`` parameter.
AMORTISATION_METHODS = {
    "straight_line": Method(
        straight_line_capital_charges,
        parameters=("cost_of_capital", "useful_life_years"),
        source="semianalysis-2025-deepseek-debates",
    ),
    "epoch_price_decline": Method(
        price_decline_capital_charges,
        parameters=("cost_of_capital",),
        constants={"decline_oom_per_year": EPOCH_PRICE_DECLINE_OOM_PER_YEAR},
        source="epoch-training-cost-trends",
    ),
}


def capital_charges_usd(method: str, values, *, capex_usd, purchase_year, start_year, end_year):
    """Amortisation and cost of capital in a window by the named method of :data:`AMORTISATION_METHODS`.

    ``values`` holds the run's parameters; the method takes the ones it names.

    Parameters
    ----------
    method : str
        Name of the method in :data:`AMORTISATION_METHODS`: ``"straight_line"`` or
        ``"epoch_price_decline"``.
    values : mapping
        The run's parameters (scalars or draws), at least those the method names:
        ``cost_of_capital`` [1/year] and, for the straight line, ``useful_life_years`` [years].
    capex_usd : array_like
        Capital cost [USD].
    purchase_year : array_like
        When it was bought [decimal year].
    start_year, end_year : array_like
        The window charged [decimal years]; charges start at purchase if that is later.

    Returns
    -------
    dict of array_like
        ``amortisation_usd``, ``financing_usd`` and ``total_usd`` in the window [USD].

    Raises
    ------
    ValueError
        If ``method`` is not a name of :data:`AMORTISATION_METHODS`.

    Examples
    --------
    >>> float(capital_charges_usd("straight_line", {"cost_of_capital": 0.0, "useful_life_years": 4}, capex_usd=100.0,
    ...                           purchase_year=2025.0, start_year=2025.0, end_year=2026.0)["total_usd"])
    25.0
    """
    return apply(
        AMORTISATION_METHODS,
        method,
        "amortisation method",
        values,
        capex_usd=capex_usd,
        purchase_year=purchase_year,
        start_year=start_year,
        end_year=end_year,
    )


def written_off_fraction(method: str, values, *, purchase_year, at_year):
    """Share of the capital already charged by ``at_year`` (0 before purchase).

    Parameters
    ----------
    method : str
        Name of the method in :data:`AMORTISATION_METHODS`.
    values : mapping
        The run's parameters, at least those the method names (see :func:`capital_charges_usd`).
    purchase_year : array_like
        When the hardware was bought [decimal year].
    at_year : array_like
        The date the share is taken at [decimal year].

    Returns
    -------
    array_like
        Amortisation charged from purchase to ``at_year``, as a share of the capital cost [0-1].

    Examples
    --------
    >>> float(written_off_fraction("straight_line", {"cost_of_capital": 0.0, "useful_life_years": 4},
    ...                            purchase_year=2021.5, at_year=2025.0))
    0.875
    """
    return capital_charges_usd(
        method,
        values,
        capex_usd=1.0,
        purchase_year=purchase_year,
        start_year=purchase_year,
        end_year=np.maximum(at_year, purchase_year),
    )["amortisation_usd"]


def in_service_years(purchase_year, start_year, end_year):
    """Years of a window in which a GPU is owned (from its purchase, if that is later).

    Parameters
    ----------
    purchase_year : array_like
        When the GPU was bought [decimal year].
    start_year, end_year : array_like
        The window [decimal years].

    Returns
    -------
    array_like
        Years owned within the window, >= 0 [years].

    Examples
    --------
    >>> in_service_years(np.array([2021.5, 2026.0, 2030.0]), 2025.0, 2029.0).tolist()
    [4.0, 3.0, 0.0]
    """
    return np.clip(np.subtract(end_year, np.maximum(purchase_year, start_year)), 0.0, None)


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

    Returns
    -------
    array_like
        Average IT power per GPU, server included [kW].

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

    Returns
    -------
    array_like
        Electricity bill over an average year of :data:`analysis.units.HOURS_PER_YEAR`
        hours [USD/year].

    Raises
    ------
    ValueError
        If ``pue`` is below 1.

    Examples
    --------
    60,000 GPUs at 1.275 kW, PUE 1.25 and US$0.0806/kWh, Epoch AI's figures [1], give
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

    Parameters
    ----------
    it_capacity_kw : array_like
        IT capacity provisioned [kW].
    hosting_usd_per_kw_month : array_like
        Datacentre price [USD/kW-month].

    Returns
    -------
    array_like
        Datacentre cost [USD/year].

    Examples
    --------
    >>> float(annual_hosting_usd(1000, 150))
    1800000.0
    """
    return np.multiply(it_capacity_kw, hosting_usd_per_kw_month) * 12


def annual_maintenance_usd(capex_usd, maintenance_fraction_per_year):
    """Yearly repairs, spares and support as a share of the capital cost.

    Parameters
    ----------
    capex_usd : array_like
        Capital cost [USD].
    maintenance_fraction_per_year : array_like
        Yearly upkeep as a share of the capital cost [1/year].

    Returns
    -------
    array_like
        Maintenance cost [USD/year].

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


def parameter_column(x):
    """A parameter (scalar or draws) as an array that broadcasts against the GPU-type axis.

    Parameters
    ----------
    x : float or array_like
        A parameter's value, or a 1-D array of its draws [any unit].

    Returns
    -------
    numpy.ndarray
        ``x`` as floats with a trailing axis of length 1: shape ``(1,)`` for a scalar,
        ``(n, 1)`` for ``n`` draws.

    Examples
    --------
    >>> parameter_column(2.0).shape, parameter_column([1.0, 2.0, 3.0]).shape
    ((1,), (3, 1))
    """
    return np.asarray(x, dtype=float)[..., None]


def ownership_cost_usd(values, *, gpus, cluster_capex_usd, tdp_w, purchase_year, start_year, years):
    """What owning and running each GPU type costs over a window, by component.

    Parameters
    ----------
    values : mapping
        The run's parameters (scalars or draws): ``amortisation_method`` and what it takes
        (:data:`AMORTISATION_METHODS`), ``server_power_multiplier``,
        ``average_power_fraction``, ``pue``, ``electricity_price_usd_per_kwh``,
        ``hosting_usd_per_kw_month``, ``maintenance_fraction_per_year`` and
        ``operations_staff_usd_per_year`` (the whole fleet's, shared by GPUs in service).
    gpus : array_like
        GPUs by type on the last axis [GPUs].
    cluster_capex_usd : array_like
        Servers and network by type [USD] (:func:`analysis.fleet.cluster_capex_usd`).
    tdp_w : array_like
        Thermal design power by type [W].
    purchase_year : array_like
        When each type was bought [decimal year].
    start_year : array_like
        Start of the window [decimal year].
    years : array_like
        Length of the window [years].

    Returns
    -------
    dict of numpy.ndarray
        By type (last axis), over the window [USD]: ``amortisation_usd``,
        ``financing_usd``, ``electricity_usd``, ``hosting_usd`` (datacentre, per kW of
        IT capacity at full power), ``maintenance_usd``, ``operations_staff_usd`` and
        ``total_usd``; and ``in_service_years``.

    Notes
    -----
    Running costs are charged for the years each GPU is in service in the window, whether
    or not its capital is written off (Fire-Flyer 2's A100s still ran experiments in
    2025). Capital is charged by :func:`capital_charges_usd`.

    Examples
    --------
    One GPU of 700 W and US$1,000 bought at the start of a 1-year window, straight line over 4
    years, nothing else charged:

    >>> v = dict(amortisation_method="straight_line", useful_life_years=4, cost_of_capital=0.0,
    ...          server_power_multiplier=1.0, average_power_fraction=1.0, pue=1.0, electricity_price_usd_per_kwh=0.0,
    ...          hosting_usd_per_kw_month=0.0, maintenance_fraction_per_year=0.0, operations_staff_usd_per_year=0.0)
    >>> float(ownership_cost_usd(v, gpus=[1], cluster_capex_usd=[1000.0], tdp_w=[700], purchase_year=[2025.0],
    ...                          start_year=2025.0, years=1.0)["total_usd"].sum())
    250.0
    """
    start = np.asarray(start_year, dtype=float)
    end = start + np.asarray(years, dtype=float)
    service = in_service_years(purchase_year, start, end)
    gpus = np.asarray(gpus, dtype=float)
    method_values = {p: parameter_column(values[p]) for m in AMORTISATION_METHODS.values() for p in m.parameters}
    out = dict(
        capital_charges_usd(
            values["amortisation_method"],
            method_values,
            capex_usd=cluster_capex_usd,
            purchase_year=purchase_year,
            start_year=start,
            end_year=end,
        )
    )
    out.pop("total_usd")
    peak_kw = gpus * average_power_kw_per_gpu(tdp_w, parameter_column(values["server_power_multiplier"]), 1.0)
    out["electricity_usd"] = service * annual_electricity_usd(
        1.0,
        peak_kw * parameter_column(values["average_power_fraction"]),
        parameter_column(values["pue"]),
        parameter_column(values["electricity_price_usd_per_kwh"]),
    )
    out["hosting_usd"] = service * annual_hosting_usd(peak_kw, parameter_column(values["hosting_usd_per_kw_month"]))
    out["maintenance_usd"] = service * annual_maintenance_usd(
        cluster_capex_usd, parameter_column(values["maintenance_fraction_per_year"])
    )
    gpu_years = gpus * service
    total_gpu_years = gpu_years.sum(axis=-1, keepdims=True)
    share = np.divide(gpu_years, total_gpu_years, out=np.zeros_like(gpu_years), where=total_gpu_years > 0)
    out["operations_staff_usd"] = (
        share * parameter_column(values["operations_staff_usd_per_year"]) * np.max(service, axis=-1, keepdims=True)
    )
    out["total_usd"] = sum(out.values())
    out["in_service_years"] = service
    out["it_capacity_kw"] = peak_kw
    return out


def hosting_price_to_match_usd_per_kw_month(
    *, target_opex_usd, opex_usd, hosting_usd_per_kw_month, it_capacity_kw, years
):
    """The datacentre price per kW that would make an operating cost equal a target, all else equal.

    Parameters
    ----------
    target_opex_usd : array_like
        The operating cost to match over ``years`` (e.g. SemiAnalysis's US$944M) [USD].
    opex_usd : array_like
        The operating cost over ``years`` at ``hosting_usd_per_kw_month`` [USD].
    hosting_usd_per_kw_month : array_like
        The datacentre price it was computed with [USD/kW-month].
    it_capacity_kw : array_like
        IT capacity the datacentre price is charged on (every server at full power) [kW].
    years : array_like
        The period [years].

    Returns
    -------
    array_like
        The datacentre price that closes the gap [USD/kW-month]; below the one used when
        the target is lower.

    Examples
    --------
    A 1,000 kW fleet whose 4-year opex is US$1M short of the target needs
    US$1M / (4 x 12 x 1,000) = US$20.83 more per kW-month:

    >>> round(float(hosting_price_to_match_usd_per_kw_month(target_opex_usd=3e6, opex_usd=2e6,
    ...                                                     hosting_usd_per_kw_month=150, it_capacity_kw=1000,
    ...                                                     years=4)), 2)
    170.83
    """
    capacity = np.asarray(it_capacity_kw, dtype=float)
    if np.any(capacity <= 0):
        raise ValueError("it_capacity_kw must be > 0")
    return np.add(
        hosting_usd_per_kw_month, np.subtract(target_opex_usd, opex_usd) / (np.multiply(years, 12) * capacity)
    )
