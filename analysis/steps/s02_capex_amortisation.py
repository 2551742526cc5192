"""Step 2: what does owning and running the fleet cost per year and per GPU-hour?

Composes :mod:`analysis.tco` through the one cost model (:func:`analysis.costs.cost_model` and
:func:`analysis.costs.tco_by_year`, via :attr:`analysis.steps.Inputs.model_data`) once: what of each
GPU type's cost is written off when SemiAnalysis's 4-year window opens, the yearly schedule by
component, the four-year totals set against SemiAnalysis's US$944M "associated with operating such
clusters" (with the datacentre price that would close the gap,
:func:`analysis.tco.hosting_price_to_match_usd_per_kw_month`), and the owned cost of a useful
GPU-hour by type, against utilisation and against the rental price of a GPU-hour.

References
----------
.. [1] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025.
.. [2] B. Cottier et al., "The rising costs of training frontier AI models", arXiv:2405.21015, 2024.
.. [3] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024, Table 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import costs as _costs
from .. import fleet as _fleet
from .. import model as _model
from .. import tco as _tco
from ..formatting import format_value
from ..wording import about, compared, percent, relation
from . import _fleet_drivers as _drivers
from ._base import Inputs, StepBuilder, StepResult

NOTEBOOK = "02_capex_amortisation"
COUNTS = ("hopper_gpus", "h800_gpus", "h100_gpus", "a100_gpus")
CAPEX = (
    "capex_method",
    "usd_cny_rate",
    "server_overhead_multiplier",
    "cluster_interconnect_fraction",
    *_costs.UNIT_PRICE_FACTORS.values(),
)
CAPITAL = ("useful_life_years", "amortisation_method", "cost_of_capital", "tco_window_start")
POWER = ("average_power_fraction", "pue", "electricity_price_usd_per_kwh")
#: What can move the owned H800-hour under either way of pricing the servers or writing them off (steps 4
#: and 5 price tokens with it, so their notebooks declare these; in a run, :func:`cost_dependencies` gives
#: the ones that move it under the run's methods). ``server_overhead_multiplier`` counts only under Epoch
#: AI's overhead method, the H800 count only under published server prices.
OWNED_H800_HOUR = (
    "hopper_gpus",
    "h800_gpus",
    "a100_gpus",
    "capex_method",
    "server_overhead_multiplier",
    "h800_unit_price_factor",
    "cluster_interconnect_fraction",
    "useful_life_years",
    "amortisation_method",
    "cost_of_capital",
    "server_power_multiplier",
    *POWER,
    "hosting_usd_per_kw_month",
    "maintenance_fraction_per_year",
    "operations_staff_usd_per_year",
    "utilisation",
)
#: The parameters this step's numbers depend on (its notebook declares these).
PARAMETERS = (
    *COUNTS,
    *CAPEX,
    *CAPITAL,
    "server_power_multiplier",
    *POWER,
    "hosting_usd_per_kw_month",
    "maintenance_fraction_per_year",
    "operations_staff_usd_per_year",
    "utilisation",
    "gpu_hour_price_usd",
)

SOURCES = (
    "semianalysis-2025-deepseek-debates",
    "epoch-training-cost-trends",
    "pboc-lpr-may-2025-spglobal",
    "china-briefing-industrial-power-2024",
    "assumption",
)
V3 = ("deepseek-v3-report",)
GLENN = "glenn-2025-sa-chart-thread"
#: The operating components of the cost of ownership (the rest is capital: amortisation and financing).
OPEX_COMPONENTS = ("electricity", "hosting", "maintenance", "operations_staff")
#: Each component of :data:`analysis.costs.TCO_COMPONENTS` in words, as tables and figures name it.
COMPONENT_WORDS = {
    "amortisation": "amortisation",
    "financing": "cost of capital",
    "electricity": "electricity",
    "hosting": "datacentre",
    "maintenance": "upkeep",
    "operations_staff": "operations staff",
}
#: Each operating component as a result label names it.
OPEX_LABEL_WORDS = {
    "electricity": "electricity",
    "hosting": "datacentre (hosting)",
    "maintenance": "upkeep (maintenance)",
    "operations_staff": "operations staff",
}
#: Utilisations the owned GPU-hour is drawn against: 20% to 100% in steps of 1%.
UTILISATION_GRID = np.arange(20, 101) / 100
#: GPU types whose owned GPU-hour the figure draws.
DRAWN_TYPES = ("H800", "H20")


def step2(values: Mapping[str, Any], inputs: Inputs | None = None) -> StepResult:
    """Step 2 at a run's parameter values.

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).

    Returns
    -------
    StepResult
        Tables ``written_off``, ``schedule``, ``opex_vs_semianalysis``, ``owned_hour``; sentences
        ``written_off``, ``four_years``, ``semianalysis_opex`` and ``meaning`` (the run's part of "What
        this means"); figures ``fig02_yearly_cost_stack``,
        ``fig02_owned_vs_rented_gpu_hour``.
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(2, NOTEBOOK, values, inputs, PARAMETERS)
    point = _model.evaluate(values, inputs.model_data)
    deps = cost_dependencies(values, inputs, point)
    _written_off(b, inputs, values, point, deps)
    schedule = _schedule(b, inputs, values)
    _four_years(b, point, deps)
    _semianalysis_opex(b, inputs, values, point, deps)
    _yearly_cost_figure(b, inputs, values, point, schedule)
    _owned_hour(b, inputs, values, point, deps)
    b.say("meaning", _meaning(b, inputs, values))
    return b.result(_answer(b, inputs, values), "fig02_yearly_cost_stack")


def cost_dependencies(values, inputs: Inputs, point: Mapping | None = None) -> dict[str, tuple[str, ...]]:
    """What moves each kind of number of this step, at the run's values (each number's ``depends_on``).

    The fleet's CapEx moves with the counts and the prices of the GPU types it has
    (:mod:`analysis.steps._fleet_drivers`), and with the network share where a price leaves the
    network out; each operating cost with what it is computed from; an owned H800-hour with the
    H800's own price, the fleet's size (operations staff are shared by every GPU) and utilisation.
    Steps 4 and 6 declare the owned H800-hour and the fleet's costs with these too. ``point`` is
    :func:`analysis.model.evaluate` at ``values`` (computed when not given).
    """
    data = inputs.model_data
    point = _model.evaluate(values, data) if point is None else point
    gpus = point["gpus_by_type"]
    present = _drivers.types_with_gpus(gpus)

    def capex(gpu_types) -> tuple[str, ...]:
        unbundled = [t for t in gpu_types if t in present and not data.includes_network[data.index(t)]]
        network = ("cluster_interconnect_fraction",) if unbundled else ()
        return _drivers.unique(_drivers.capex_parameters(values, data, gpus, gpu_types), network)

    written_off = point["written_off_at_window_start_by_type"]
    partly_written_off = [t for t, share in zip(_fleet.GPU_TYPES, written_off, strict=True) if share > 0]
    deps = {
        "cluster_capex": capex(_fleet.GPU_TYPES),
        "electricity": _drivers.unique(COUNTS, ("server_power_multiplier", *POWER)),
        "hosting": _drivers.unique(COUNTS, ("server_power_multiplier", "hosting_usd_per_kw_month")),
        "operations_staff": ("operations_staff_usd_per_year",),
    }
    deps["maintenance"] = _drivers.unique(deps["cluster_capex"], ("maintenance_fraction_per_year",))
    deps["opex"] = _drivers.unique(*(deps[c] for c in OPEX_COMPONENTS))
    # Amortisation moves with the chosen method's parameters (the cost of capital only finances);
    # financing is the cost of capital on what is not yet written off, nothing when it is zero.
    method = _tco.AMORTISATION_METHODS[values["amortisation_method"]]
    life = tuple(p for p in method.parameters if p != "cost_of_capital")
    deps["write_off"] = ("amortisation_method", *life, "tco_window_start")
    amortisation = _drivers.unique(deps["cluster_capex"], deps["write_off"])
    deps["financing"] = _drivers.unique(("cost_of_capital",), amortisation if values["cost_of_capital"] > 0 else ())
    deps["capital"] = _drivers.unique(amortisation, deps["financing"])
    deps["tco"] = _drivers.unique(deps["capital"], deps["opex"])
    deps["written_off_capex"] = _drivers.unique(capex(partly_written_off), deps["write_off"])
    own_life = ("useful_life_years", "amortisation_method", "cost_of_capital")  # from purchase, not the window
    running = ("server_power_multiplier", *POWER, "hosting_usd_per_kw_month", "maintenance_fraction_per_year")
    deps["owned_h800_hour"] = _drivers.unique(
        [p for p in capex(["H800"]) if p not in _drivers.COUNT_PARAMETERS["H800"]],  # per GPU: its count cancels
        own_life,
        running,
        ("operations_staff_usd_per_year", *_drivers.TOTAL_COUNT_PARAMETERS),
        ("utilisation",),
    )
    deps["owned_equivalent_hour"] = _drivers.unique(deps["tco"], ("utilisation",))
    return deps


def _written_off(b: StepBuilder, inputs: Inputs, values, point: Mapping, deps: Mapping) -> None:
    vintages = inputs.table("fleet_vintages")
    start = values["tco_window_start"]
    written = pd.DataFrame(
        {
            "acquired": vintages.loc[list(_fleet.GPU_TYPES), "acquired_date"],
            "gpus": point["gpus_by_type"],
            "cluster_capex_usd": point["cluster_usd_by_type"],
            "written_off_by_window_start": point["written_off_at_window_start_by_type"],
            "capital_charged_in_window_usd": point["tco_amortisation_usd_by_type"],
        },
        index=pd.Index(_fleet.GPU_TYPES, name="gpu_type"),
    )
    b.number(
        "capex_written_off_before_window_usd",
        float((written["cluster_capex_usd"] * written["written_off_by_window_start"]).sum()),
        "USD",
        "Cluster CapEx already written off before the 4-year window starts",
        (*SOURCES, "deepseek-fire-flyer-2024"),
        deps["written_off_capex"],
    )
    b.number(
        "a100_written_off_by_window_start",
        float(written.loc["A100", "written_off_by_window_start"]),
        "fraction",
        "Share of the A100s' cost written off before the window starts (bought 2021)",
        (*SOURCES, "deepseek-fire-flyer-2024"),
        deps["write_off"],
    )
    b.table(
        "written_off",
        written.assign(sources=vintages["source_ids"]),
        {
            "gpu_type": ("GPU", "text"),
            "acquired": ("Assumed purchase date", "text"),
            "gpus": ("GPUs", "count"),
            "cluster_capex_usd": ("Cluster CapEx (servers and network)", "USD"),
            "written_off_by_window_start": (f"Written off by {start}", "fraction"),
            "capital_charged_in_window_usd": ("Amortisation in the 4-year window", "USD"),
            "sources": ("Sources of the purchase date", "sources"),
        },
        caption=f"What is left to write off of each GPU type's cost when the 4-year window opens on {start}",
    )
    b.say("written_off", _written_off_sentence(written, start))


def _written_off_sentence(written: pd.DataFrame, start) -> str:
    """Each GPU type in the fleet with the share of its cost written off when the window opens."""
    parts = [
        f"{percent(row['written_off_by_window_start'])} of the {gpu_type}s' "
        f"(bought {dt.date.fromisoformat(str(row['acquired'])).year})"
        for gpu_type, row in written.iterrows()
        if row["gpus"] > 0
    ]
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    return f"When the window opens on {start}, what is already written off of each type's cost is {listed}."


def _schedule(b: StepBuilder, inputs: Inputs, values) -> pd.DataFrame:
    schedule = pd.DataFrame(_costs.tco_by_year(values, inputs.model_data))
    b.table(
        "schedule",
        schedule.assign(year=range(1, len(schedule) + 1)),
        {
            "year": ("Year of ownership", "count"),
            "year_start": ("Starts (decimal year)", lambda v: f"{v:g}"),
            **{f"{c}_usd": (words.capitalize(), "USD") for c, words in COMPONENT_WORDS.items()},
            "total_usd": ("Total", "USD"),
        },
        caption="The fleet's cost in each year of the 4-year window, by component",
    )
    return schedule


def _four_years(b: StepBuilder, point: Mapping, deps: Mapping) -> None:
    values = b.values
    tco_4y = b.number(
        "tco_4y_usd",
        point["cost_capability_tco_4y_usd"],
        "USD",
        f"Total cost of owning and running the fleet for 4 years from {values['tco_window_start']}",
        SOURCES,
        deps["tco"],
        headline=True,
    )
    b.number(
        "tco_per_year_usd",
        point["tco_per_year_usd"],
        "USD",
        "Average yearly cost of owning and running the fleet",
        SOURCES,
        deps["tco"],
    )
    opex_4y = b.number(
        "opex_4y_usd",
        point["opex_4y_usd"],
        "USD",
        "Operating cost over 4 years (compare SemiAnalysis's US$944M 'associated with operating such clusters')",
        SOURCES,
        deps["opex"],
    )
    b.number(
        "annual_opex_usd",
        opex_4y / _tco.SEMIANALYSIS_OWNERSHIP_YEARS,
        "USD",
        "Yearly operating cost (electricity, datacentre, upkeep, operations staff)",
        SOURCES,
        deps["opex"],
    )
    for component in OPEX_COMPONENTS:
        b.number(
            f"annual_{component}_usd",
            point[f"tco_{component}_usd"] / _tco.SEMIANALYSIS_OWNERSHIP_YEARS,
            "USD",
            f"Yearly cost of {OPEX_LABEL_WORDS[component]}",
            SOURCES,
            deps[component],
        )
    b.number(
        "capital_4y_usd",
        point["tco_amortisation_usd"] + point["tco_financing_usd"],
        "USD",
        "Capital charges over 4 years (amortisation and cost of capital)",
        SOURCES,
        deps["capital"],
    )
    financing = b.number(
        "financing_4y_usd",
        point["tco_financing_usd"],
        "USD",
        "Cost of capital over 4 years",
        SOURCES,
        deps["financing"],
    )
    capital_cost_words = f"the cost of capital US${financing / 1e6:,.0f}M" if financing > 0 else "no cost of capital"
    b.say(
        "four_years",
        f"Over four years the fleet costs **US${tco_4y / 1e9:.2f}B**, of which operating costs are "
        f"US${opex_4y / 1e9:.2f}B and {capital_cost_words}; electricity alone is "
        f"US${point['tco_electricity_usd'] / 4e6:.0f}M a year.",
    )


def _semianalysis_opex(b: StepBuilder, inputs: Inputs, values, point: Mapping, deps: Mapping) -> None:
    published = inputs.published
    sa_opex = published["sa_operating_cost_usd"]
    years = _tco.SEMIANALYSIS_OWNERSHIP_YEARS
    explained = pd.DataFrame(
        {"over_4_years_usd": [point[f"tco_{c}_usd"] for c in OPEX_COMPONENTS]}, index=list(OPEX_COMPONENTS)
    )
    explained["share_of_944m"] = explained["over_4_years_usd"] / sa_opex
    explained.loc["total"] = explained.sum()
    b.number(
        "electricity_share_of_sa_opex",
        float(explained.loc["electricity", "share_of_944m"]),
        "fraction",
        "4 years of electricity as a share of SemiAnalysis's US$944M",
        SOURCES,
        deps["electricity"],
    )
    b.number(
        "opex_share_of_sa_opex",
        float(explained.loc["total", "share_of_944m"]),
        "fraction",
        "4 years of our operating costs as a share of SemiAnalysis's US$944M",
        SOURCES,
        deps["opex"],
    )
    hosting = values["hosting_usd_per_kw_month"]
    needed = b.number(
        "hosting_to_match_sa_opex_usd_per_kw_month",
        float(
            _tco.hosting_price_to_match_usd_per_kw_month(
                target_opex_usd=sa_opex,
                opex_usd=point["opex_4y_usd"],
                hosting_usd_per_kw_month=hosting,
                it_capacity_kw=point["it_capacity_kw"],
                years=years,
            )
        ),
        "USD per kW-month",
        "Datacentre price per kW that would make our 4-year operating cost equal US$944M",
        SOURCES,
        # The datacentre price itself cancels: the price that closes the gap does not depend on the one assumed.
        tuple(p for p in deps["opex"] if p != "hosting_usd_per_kw_month"),
    )
    b.number(
        "sa_tco_per_year_usd",
        float((published["sa_server_capex_usd"] + sa_opex) / years),
        "USD",
        "SemiAnalysis's CapEx plus US$944M spread over 4 years (Glenn's ~US$640M reading)",
        ("semianalysis-2025-deepseek-debates", GLENN),
    )
    b.table(
        "opex_vs_semianalysis",
        explained.assign(
            component=[COMPONENT_WORDS.get(c, "all named operating costs").capitalize() for c in explained.index]
        ).reset_index(drop=True)[["component", "over_4_years_usd", "share_of_944m"]],
        {
            "component": ("Operating cost", "text"),
            "over_4_years_usd": ("Over 4 years", "USD"),
            "share_of_944m": ("Share of SemiAnalysis's US$944M", "fraction"),
        },
        caption="Our operating costs over 4 years against SemiAnalysis's US$944M",
    )
    b.say("semianalysis_opex", _semianalysis_opex_sentence(b, sa_opex, hosting, needed))


#: How close our operating costs must come to SemiAnalysis's US$944M to count as the same [fraction].
SA_OPEX_TOLERANCE = 0.05


def _semianalysis_opex_sentence(b: StepBuilder, sa_opex: float, hosting: float, needed: float) -> str:
    """Our 4-year operating costs against SemiAnalysis's US$944M, worded from the run's numbers."""
    electricity_share = b.numbers["electricity_share_of_sa_opex"].value
    opex = b.numbers["opex_4y_usd"].value
    electricity_words = {
        "below": "so electricity alone cannot explain it",
        "equal": "so electricity alone would about explain it",
        "above": "so electricity alone is more than it",
    }[relation(electricity_share, 1.0, SA_OPEX_TOLERANCE)]
    where = relation(opex, sa_opex, SA_OPEX_TOLERANCE)
    if where == "below":
        closing = (
            f"They fall short of it: closing the gap with the datacentre alone would take US${needed:,.0f} per "
            f"kW-month, against the US${hosting:,.0f} assumed."
        )
    elif where == "equal":
        closing = f"They match it within {SA_OPEX_TOLERANCE:.0%}."
    elif needed >= 0:
        closing = (
            f"They exceed it: the datacentre price that would bring them down to it is US${needed:,.0f} per "
            f"kW-month, against the US${hosting:,.0f} assumed."
        )
    else:
        closing = f"They exceed it even with a free datacentre (US${hosting:,.0f} per kW-month is assumed)."
    return (
        f"At these parameters, four years of electricity are **{percent(electricity_share)}** of US$944M, "
        f"{electricity_words}; all the named operating costs together are **{percent(opex / sa_opex)}** of it. "
        f"{closing}"
    )


def _yearly_cost_figure(b: StepBuilder, inputs: Inputs, values, point: Mapping, schedule: pd.DataFrame) -> None:
    glenn = inputs.published["glenn_all_gpus_tco_usd_per_year"]
    drawn = [c for c in COMPONENT_WORDS if schedule[f"{c}_usd"].sum() > 0]
    capital = schedule["amortisation_usd"] + schedule["financing_usd"]
    first, last = schedule["total_usd"].iloc[0] / 1e6, schedule["total_usd"].iloc[-1] / 1e6
    if last < first:
        trend = f"falling from US${first:,.0f}M to US${last:,.0f}M a year as older GPUs are written off"
    else:
        trend = f"US${first:,.0f}M in the first year, US${last:,.0f}M in the fourth"
    data = (
        schedule[["year_start", *(f"{c}_usd" for c in drawn), "total_usd"]]
        .rename(columns=lambda c: c + "_per_year")
        .rename(columns={"year_start_per_year": "year_start_decimal_year"})
        .assign(glenn_reading_usd_per_year=glenn)
    )
    b.figure(
        "fig02_yearly_cost_stack",
        data,
        title=f"The fleet costs about US${point['tco_per_year_usd'] / 1e6:,.0f}M a year to own and run, "
        f"{capital.sum() / schedule['total_usd'].sum():.0%} of it capital, {trend}",
        caption="Yearly cost of the fleet by component over SemiAnalysis's 4-year ownership period from "
        f"{values['tco_window_start']}, stacked: {{colours}}. Amortisation covers servers and network, from each GPU "
        "type's purchase date. The black dashed line is the US$640M a year that Glenn read from SemiAnalysis's chart.",
        sources=(*SOURCES, GLENN),
        components=dict(COMPONENT_WORDS),
    )


def _owned_hour(b: StepBuilder, inputs: Inputs, values, point: Mapping, deps: Mapping) -> None:
    price, utilisation = values["gpu_hour_price_usd"], values["utilisation"]
    published_price = inputs.published["v3_rental_price"]
    index = pd.Index(_fleet.GPU_TYPES, name="gpu_type")
    per_hour = pd.Series(point["owned_cost_per_gpu_hour_usd_by_type"], index=index)
    h800_hour = b.number(
        "owned_cost_per_h800_hour_usd",
        point["owned_cost_per_h800_hour_usd"],
        "USD per GPU-hour",
        "Owned cost of a useful H800-hour over the GPU's life (compare DeepSeek's US$2 rental price)",
        (*SOURCES, *V3),
        deps["owned_h800_hour"],
        headline=True,
    )
    b.number(
        "owned_cost_per_h800_equivalent_hour_usd",
        point["owned_cost_per_h800_equivalent_hour_usd"],
        "USD per GPU-hour",
        "The fleet's yearly cost over its useful compute, per H800-equivalent hour (GPUs weighed by dense BF16 peak)",
        SOURCES,
        deps["owned_equivalent_hour"],
    )
    b.number(
        "owned_to_rental_ratio_h800",
        h800_hour / price,
        "ratio",
        f"Owned H800-hour over the rental price of a GPU-hour (US${price:g} in this run; "
        f"DeepSeek used US${published_price:g})",
        (*SOURCES, *V3),
        (*b.numbers["owned_cost_per_h800_hour_usd"].depends_on, "gpu_hour_price_usd"),
    )
    b.table(
        "owned_hour",
        per_hour.to_frame("usd_per_gpu_hour"),
        {
            "gpu_type": ("GPU", "text"),
            "usd_per_gpu_hour": (f"Owned cost per useful GPU-hour at {utilisation:.0%} utilisation", "USD"),
        },
        caption="What an hour of useful work costs on a GPU DeepSeek owns, by type",
    )
    curves = _model.evaluate({**values, "utilisation": UTILISATION_GRID}, inputs.model_data)[
        "owned_cost_per_gpu_hour_usd_by_type"
    ]
    lines = pd.DataFrame({"utilisation_fraction": UTILISATION_GRID})
    present = [t for t in DRAWN_TYPES if point["gpus_by_type"][_fleet.GPU_TYPES.index(t)] > 0]
    for gpu_type in present:
        lines[f"owned_{gpu_type.lower()}_usd_per_gpu_hour"] = curves[:, _fleet.GPU_TYPES.index(gpu_type)]
    colours = {"H800": "blue line, the H800", "H20": "orange line, the H20"}
    b.figure(
        "fig02_owned_vs_rented_gpu_hour",
        lines.assign(rental_usd_per_gpu_hour=price),
        title=f"An owned H800-hour costs about US${h800_hour:.2f} at {utilisation:.0%} utilisation, "
        f"against US${price:g} rented",
        caption="Owned cost of a useful GPU-hour against utilisation, from what each type costs to own and run over "
        f"its life: {'; '.join(colours[t] for t in present)}. Black dashed line: the rental price of a GPU-hour in "
        f"this run (DeepSeek priced V3's training at US${published_price:g}). Grey vertical line: the utilisation "
        "assumed in this run.",
        sources=(*SOURCES, *V3),
        drawn_types=DRAWN_TYPES,
        utilisation=utilisation,
        price_usd_per_gpu_hour=price,
    )


#: How close an owned H800-hour must be to DeepSeek's US$2 to count as "close to" it [fraction].
RENTAL_TOLERANCE = 0.10


def _meaning(b: StepBuilder, inputs: Inputs, values) -> str:
    """The run-dependent bullets of "What this means": the yearly cost and its make-up, electricity's
    share, and the owned H800-hour against DeepSeek's US$2, each worded from this run's numbers."""
    per_year, tco_4y = b.numbers["tco_per_year_usd"].value, b.numbers["tco_4y_usd"].value
    capital_share = b.numbers["capital_4y_usd"].value / tco_4y
    electricity_share = b.numbers["annual_electricity_usd"].value / per_year
    h800_hour = b.numbers["owned_cost_per_h800_hour_usd"].value
    published_price = inputs.published["v3_rental_price"]
    hour_words = compared(
        h800_hour,
        published_price,
        "USD",
        RENTAL_TOLERANCE,
        reference_words="DeepSeek's rental price",
    )
    if relation(h800_hour, published_price, RENTAL_TOLERANCE) == "equal":
        verdict = "so pricing the final run at that rate was not unreasonable for *that run*"
    else:
        verdict = "so at this run's assumptions DeepSeek's rate does not stand for what an owned hour costs"
    return (
        f"- **Owning and running the fleet costs {about(per_year, 'USD')} a year**, "
        f"{percent(capital_share)} of it capital (amortisation and the cost of capital).\n"
        f"- **Electricity is {percent(electricity_share)} of the yearly cost** at "
        f"US${values['electricity_price_usd_per_kwh']:.3g} per kWh, and four years of it are "
        f"{percent(b.numbers['electricity_share_of_sa_opex'].value)} of SemiAnalysis's US$944M.\n"
        f"- **An owned H800-hour costs {hour_words}** at {percent(values['utilisation'])} utilisation, "
        f"{verdict}."
    )


def _window_words(start: str) -> str:
    """The window's start as the answer names it: its year when it opens on 1 January, else the date."""
    day = dt.date.fromisoformat(str(start))
    return f"{day.year}" if (day.month, day.day) == (1, 1) else f"{day:%d %B %Y}".lstrip("0")


def _answer(b: StepBuilder, inputs: Inputs, values) -> str:
    """The one-sentence answer: the run's costs as the run's, DeepSeek's price as DeepSeek's."""
    price, published_price = values["gpu_hour_price_usd"], inputs.published["v3_rental_price"]
    tco_4y, capital = b.numbers["tco_4y_usd"].value, b.numbers["capital_4y_usd"].value
    capital_words = "mostly capital" if capital > tco_4y / 2 else f"{capital / tco_4y:.0%} of it capital"
    a100_year = dt.date.fromisoformat(str(inputs.table("fleet_vintages").loc["A100", "acquired_date"])).year
    a100_share = b.numbers["a100_written_off_by_window_start"].value
    a100_words = "largely written off" if a100_share > 0.5 else f"{a100_share:.0%} written off"
    if price == published_price:
        rental = f"against the US${price:g} rental price DeepSeek used"
    else:
        rental = f"against this run's rental price of US${price:g} (DeepSeek used US${published_price:g})"
    per_year = format_value(b.numbers["tco_per_year_usd"].value, "USD")
    return (
        f"Owning and running the fleet costs about {per_year} a year ({format_value(tco_4y, 'USD')} over 4 years "
        f"from {_window_words(values['tco_window_start'])}, {capital_words}, with the {a100_year} A100s "
        f"{a100_words}); an owned H800-hour costs about US${b.numbers['owned_cost_per_h800_hour_usd'].value:.2f} at "
        f"{values['utilisation']:.0%} utilisation, {rental}."
    )
