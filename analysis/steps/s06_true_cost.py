"""Step 6: from US$5.6M to the true cost: how much, how sure, and which published claims hold?

Composes the cost model (:func:`analysis.costs.cost_model`), its Monte Carlo and sensitivity
(:mod:`analysis.uncertainty`), the catching-up arithmetic (:mod:`analysis.training`), the scenarios,
and the claims ledger (:mod:`analysis.claims`), once. Four costs are kept apart because each
answers a different question: the final run, developing V3 and R1, a year of the company, and
owning the fleet for four years (:data:`analysis.costs.NAMED_COSTS`).

References
----------
.. [1] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025.
.. [2] B. Cottier et al., "The rising costs of training frontier AI models", arXiv:2405.21015, 2024.
.. [3] A. Ho et al., "Algorithmic progress in language models", arXiv:2403.05812, 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import claims as _claims
from .. import costs as _costs
from .. import fleet as _fleet
from .. import model as _model
from .. import params as _params
from .. import training as _training
from .. import uncertainty as _uncertainty
from .. import wording as _wording
from ..formatting import format_value
from . import _fleet_drivers as _drivers
from . import s01_gpu_inventory as _s01
from . import s02_capex_amortisation as _s02
from . import s03_pretraining_estimate as _s03
from . import s04_mla_inference as _s04
from . import s05_competitive_pricing as _s05
from ._base import Inputs, StepBuilder, StepResult

NOTEBOOK = "06_true_cost"
#: Run settings the notebook takes besides its parameters (:data:`analysis.notebooks.RUN_SETTINGS`): the
#: ranges a run gives ranged parameters, which reach the Monte Carlo through ``Inputs.with_ranges``.
RUN_SETTINGS = ("monte_carlo_ranges",)

# What each output of the cost model moves with (each checked by tests/test_steps.py against what moves it).
COUNTS = ("h800_gpus", "h100_gpus", "hopper_gpus", "a100_gpus")
UNIT_PRICES = tuple(_costs.UNIT_PRICE_FACTORS.values())
CAPEX = (*COUNTS, "capex_method", "usd_cny_rate", "server_overhead_multiplier", *UNIT_PRICES)
RUNNING = (
    "cluster_interconnect_fraction",
    "server_power_multiplier",
    "average_power_fraction",
    "pue",
    "electricity_price_usd_per_kwh",
    "hosting_usd_per_kw_month",
    "maintenance_fraction_per_year",
    "operations_staff_usd_per_year",
)
OWNERSHIP = (*CAPEX, *RUNNING, "useful_life_years", "amortisation_method", "cost_of_capital", "tco_window_start")
STAFF = ("research_staff", "research_staff_cost_usd_per_year", "employer_social_insurance_rate")
DEVELOPMENT = ("gpu_hour_price_usd", "experiment_compute_multiple", *STAFF, "development_years", "v3_r1_staff_share")
DAY6 = ("gpu_hour_price_usd", "day6_v3_token_share", "day6_off_peak_token_share", "day6_paid_token_share")
#: The quantiles of the draws step 6 shows: the 90% interval, the middle half and the median.
SPREAD = (0.05, 0.25, 0.5, 0.75, 0.95)
#: The Monte Carlo's settings: every summary of the draws moves with them.
MONTE_CARLO = ("monte_carlo_draws", "random_seed")
#: Output of the cost model -> the parameters that move it, under either method (:func:`run_depends`
#: narrows the fleet's costs to those that move them in a run).
DEPENDS = {
    "cost_final_run_usd": ("gpu_hour_price_usd",),
    "cost_development_usd": DEVELOPMENT,
    "company_cost_per_year_usd": (*OWNERSHIP, *STAFF),
    "cost_capability_tco_4y_usd": OWNERSHIP,
    "experiments_usd": ("gpu_hour_price_usd", "experiment_compute_multiple"),
    "research_staff_usd": (*STAFF, "development_years", "v3_r1_staff_share"),
    "development_compute_usd": ("gpu_hour_price_usd", "experiment_compute_multiple"),
    "cost_development_owned_compute_usd": (*OWNERSHIP, "utilisation", *DEVELOPMENT[1:]),
    "research_staff_usd_per_year": STAFF,
    "high_flyer_cost_per_year_usd": (*OWNERSHIP, "high_flyer_compute_share"),
    "deepseek_cost_per_year_usd": (*OWNERSHIP, *STAFF, "high_flyer_compute_share"),
    "fleet_gpu_hours_share_training": (*COUNTS, "development_years"),
    "fleet_gpu_hours_share_experiments": (*COUNTS, "experiment_compute_multiple", "development_years"),
    "fleet_gpu_hours_share_serving": COUNTS,
    "fleet_gpu_hours_share_high_flyer": ("high_flyer_compute_share",),
    "fleet_gpu_hours_share_unallocated": (
        *COUNTS,
        "experiment_compute_multiple",
        "development_years",
        "high_flyer_compute_share",
    ),
    "fleet_capex_usd": CAPEX,
    "fleet_capex_at_sa_counts_usd": CAPEX[len(COUNTS) :],
    "fleet_cluster_capex_usd": (*CAPEX, "cluster_interconnect_fraction"),
    "opex_4y_usd": (*CAPEX, *RUNNING),
    "day6_margin_after_caveats": DAY6,
    "day6_margin": ("gpu_hour_price_usd",),
}
#: Parameters the claims of steps 3 to 5 are judged at (the 93.3% claim, prices), beyond the costs'.
CLAIMS_ONLY = (
    "v2_kv_cache_bits",
    "dense_baseline_kv_cache_bits",
    "serving_nodes",
    "bytes_per_weight",
    "kv_cache_bits",
    "context_tokens",
    "decode_batch_per_gpu",
    "as_of_date",
    "input_output_ratio",
    "cache_hit_share",
    "off_peak_share",
)
#: The parameters this step's numbers depend on (its notebook declares these).
PARAMETERS = tuple(
    dict.fromkeys(
        [
            *DEVELOPMENT,
            *OWNERSHIP,
            "utilisation",
            "high_flyer_compute_share",
            *DAY6[:3],  # the paid share moves only the business margin, which no claim of the ledger is judged on
            *CLAIMS_ONLY,
            *MONTE_CARLO,
        ]
    )
)
QUANTILES = {"p05": "5th percentile", "p50": "Median", "p95": "95th percentile"}
#: Each named cost: its definition for readers, and its sources.
DEFINITIONS = {
    "cost_final_run_usd": (
        "Cost of the final run: V3's Table 1 GPU-hours at the price of a GPU-hour (US$5.576M at DeepSeek's US$2)",
        ("deepseek-v3-report",),
    ),
    "cost_development_usd": (
        "Cost of developing V3 and R1: final runs + experiments and ablations + the staff's time on V3 and R1 over the "
        "same period",
        (
            "deepseek-v3-report",
            "deepseek-r1-nature-2025",
            "cottier-2024-rising-costs",
            "epoch-2026-final-runs-minority",
            "qbitai-2025-deepseek-job-ads",
            "semianalysis-2025-deepseek-debates",
        ),
    ),
    "company_cost_per_year_usd": (
        "A year of the shared fleet and DeepSeek's staff: the fleet's yearly cost of ownership (High-Flyer's assumed "
        "share included) plus all of DeepSeek's staff at their pay and the employer's social insurance",
        (
            "semianalysis-2025-deepseek-debates",
            "epoch-training-cost-trends",
            "qbitai-2025-deepseek-job-ads",
            "assumption",
        ),
    ),
    "cost_capability_tco_4y_usd": (
        "Cost of owning the fleet for 4 years from 2025: servers, network, cost of capital and operation",
        ("semianalysis-2025-deepseek-debates", "epoch-training-cost-trends", "huxiu-2024-h20-prices", "assumption"),
    ),
}
#: Uses of the fleet's compute, in words (:data:`analysis.allocation.USES` order).
USES = {
    "training": "V3 and R1 final runs",
    "experiments": "experiments",
    "serving": "serving V3 and R1",
    "high_flyer": "High-Flyer's own use",
    "unallocated": "no disclosed use",
}
ALLOCATION_SOURCES = (
    "deepseek-v3-report",
    "deepseek-r1-nature-2025",
    "deepseek-open-infra-day6",
    "semianalysis-2025-deepseek-debates",
    "assumption",
)
#: The costs whose one-at-a-time sensitivity step 6 shows: their title and axis in words.
TORNADO = {
    "cost_development_usd": ("Developing V3 and R1", "US$ million"),
    "company_cost_per_year_usd": ("A company-year", "US$ million a year"),
}


def run_depends(values: Mapping[str, Any], inputs: Inputs, point: Mapping) -> dict[str, tuple[str, ...]]:
    """:data:`DEPENDS` at a run's values: the fleet's costs move with the parameters of the run's
    server-pricing and amortisation methods and of the GPU types it has (step 2's
    :func:`~analysis.steps.s02_capex_amortisation.cost_dependencies`), not with every method's."""
    fleet = _s02.cost_dependencies(values, inputs, point)
    capacity = ("utilisation", *COUNTS, *DEVELOPMENT[1:])
    gpus = point["gpus_by_type"]
    return {
        **DEPENDS,
        "fleet_capex_usd": _drivers.capex_parameters(values, inputs.model_data, gpus, _fleet.GPU_TYPES),
        "fleet_capex_at_sa_counts_usd": _drivers.price_parameters(values, inputs.model_data, _fleet.GPU_TYPES),
        "fleet_cluster_capex_usd": fleet["cluster_capex"],
        "opex_4y_usd": fleet["opex"],
        "cost_capability_tco_4y_usd": fleet["tco"],
        "company_cost_per_year_usd": _drivers.unique(fleet["tco"], STAFF),
        "high_flyer_cost_per_year_usd": _drivers.unique(fleet["tco"], ("high_flyer_compute_share",)),
        "deepseek_cost_per_year_usd": _drivers.unique(fleet["tco"], STAFF, ("high_flyer_compute_share",)),
        "cost_development_owned_compute_usd": _drivers.unique(fleet["tco"], capacity),
        # Step 5's margins at the owned H800-hour, and on paid tokens (the shares of V3 and night tokens).
        "day6_margin_paid_tokens": ("gpu_hour_price_usd", *DAY6[1:3]),
        "day6_margin_paid_tokens_owned": _drivers.unique(fleet["owned_h800_hour"], DAY6[1:3]),
        "day6_margin_after_caveats_owned": _drivers.unique(fleet["owned_h800_hour"], DAY6[1:]),
    }


def _words(key: str) -> str:
    label = _costs.NAMED_COST_LABELS[key]
    return label[:1].upper() + label[1:]


def step6(values: Mapping[str, Any], inputs: Inputs | None = None, claim_results: Mapping | None = None) -> StepResult:
    """Step 6 at a run's parameter values.

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).
    claim_results : mapping, optional
        Results id -> ``{"value", "unit", "label"}`` the claims are judged against; by default the
        numbers of steps 1 to 5 at ``values`` and step 6's own (:func:`claim_results`).

    Returns
    -------
    StepResult
        Tables ``headline``, ``development``, ``uses``, ``catch_up``, ``scenarios``, ``ledger``, ``verdict_legend``;
        figures ``fig06_bridge``, ``fig06_uncertainty``, ``fig06_tornado``; sentences
        ``monte_carlo``, ``uses`` and ``claims``.
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(6, NOTEBOOK, values, inputs, PARAMETERS)
    register, data = inputs.register, inputs.model_data
    # Set by the run (a scenario or -p): a ranged one is held in the draws; a fixed one is never drawn.
    held = sorted(n for n in _params.differs_from_baseline(register, values) if register[n].distribution != "fixed")
    point = _model.evaluate(values, data)
    deps = run_depends(values, inputs, point)
    # Drawn a chunk at a time (memory stays bounded at any count): one pass for every summary the step
    # shows (the four costs' spread, the fleet's shares by use), one for the claims' shares of draws.
    draws = _uncertainty.MonteCarlo(
        register, values, data, n=int(values["monte_carlo_draws"]), rng=int(values["random_seed"]), hold=held
    )
    shares = [f"fleet_gpu_hours_share_{u}" for u in USES]
    summary = draws.summarise(point, keys=(*_costs.NAMED_COSTS, *shares), quantiles=SPREAD)
    intervals = summary.loc[list(_costs.NAMED_COSTS), ["p05", "p50", "p95", "point", "point_percentile"]]
    _headline(b, values, intervals, held, deps)
    _development(b, point, deps)
    _uses(b, point, summary.loc[shares, "p50"], deps)
    _uncertainty_figure(b, values, point, summary.loc[list(_costs.NAMED_COSTS)], intervals)
    _tornado(b, values, data, held, deps)
    _catch_up(b, inputs)
    _scenarios(b, inputs)
    _semianalysis(b, point, inputs, deps)
    _ledger(b, values, draws, claim_results, deps)
    _meaning(b, point, intervals)
    dev, year = intervals.loc["cost_development_usd"], intervals.loc["company_cost_per_year_usd"]
    answer = (
        f"Not one cost but several: the final run {format_value(point['cost_final_run_usd'], 'USD')}; developing V3 "
        f"and R1 {format_value(dev['p50'], 'USD')} ({_interval_words(dev)}); a year of the shared fleet and DeepSeek's "
        "staff "
        f"{format_value(year['p50'], 'USD')} ({_interval_words(year)}), "
        f"{point['tco_per_year_usd'] / point['company_cost_per_year_usd']:.0%} of it (at this run's parameters) owning "
        + ("a fleet shared with High-Flyer." if point["fleet_gpu_hours_share_high_flyer"] > 0 else "its fleet.")
    )
    return b.result(answer, "fig06_bridge")


def _headline(b: StepBuilder, values, intervals: pd.DataFrame, held: list[str], deps: Mapping) -> None:
    register = b.inputs.register
    for name, (label, sources) in DEFINITIONS.items():
        depends, summary = deps[name], (*deps[name], *MONTE_CARLO)
        b.number(name, intervals.loc[name, "point"], "USD", label, sources, depends, headline=True)
        for q, words in QUANTILES.items():
            b.number(
                f"{name}_{q}",
                float(intervals.loc[name, q]),
                "USD",
                f"{words} of the Monte Carlo of: {label}",
                (*sources, "assumption"),
                summary,
            )
        b.number(
            f"{name}_point_percentile",
            float(intervals.loc[name, "point_percentile"]),
            "fraction",
            f"Share of Monte Carlo draws below the value at the run's parameters: {label}",
            (*sources, "assumption"),
            summary,
        )
    headline = intervals.loc[list(DEFINITIONS)].rename_axis("results_id").reset_index()
    headline = headline.assign(cost=[_costs.NAMED_COST_LABELS[k] for k in DEFINITIONS])
    n = int(values["monte_carlo_draws"])
    b.table(
        "headline",
        headline[["cost", "p50", "p05", "p95", "point", "point_percentile", "results_id"]],
        {
            "cost": ("Cost", "text"),
            "p50": ("Median of the draws", "USD"),
            "p05": ("5th percentile", "USD"),
            "p95": ("95th percentile", "USD"),
            "point": ("At this run's parameters", "USD"),
            "point_percentile": ("Share of draws below that value", "fraction"),
            "results_id": ("Result id (to cite)", "code"),
        },
        caption=f"The four costs: median and 90% interval of {n:,} Monte Carlo draws, and the value at this run's "
        "parameters",
    )
    outside = [
        _costs.NAMED_COST_LABELS[k]
        for k in _costs.NAMED_COSTS
        if not 0.25 <= intervals.loc[k, "point_percentile"] <= 0.75
    ]
    held_words = f"; held at this run's values: {', '.join(register[n].label or n for n in held)}" if held else ""
    held_words += (
        "; drawn from this run's ranges: "
        + ", ".join(f"{register[n].label or n} {lo:g} to {hi:g}" for n, (lo, hi) in b.inputs.ranges.items())
        if b.inputs.ranges
        else ""
    )
    where = (
        "Every value at the run's parameters lies between the 25th and 75th percentile of its draws."
        if not outside
        else f"Outside the 25th to 75th percentile of its draws: the {', the '.join(outside)} (with parameters "
        "held, the draws vary only the rest)."
    )
    b.say("monte_carlo", f"Monte Carlo: {n:,} draws, seed {values['random_seed']}{held_words}. {where}")


def _development(b: StepBuilder, point: Mapping, deps: Mapping) -> None:
    bridge = _uncertainty.development_bridge(point)
    b.number(
        "bridge_experiments_usd",
        point["experiments_usd"],
        "USD",
        "Experiments and ablations beyond the final runs (bridge step)",
        ("cottier-2024-rising-costs", "epoch-2026-final-runs-minority"),
        deps["experiments_usd"],
    )
    b.number(
        "bridge_research_staff_usd",
        point["research_staff_usd"],
        "USD",
        "Research staff over the years of development (bridge step)",
        ("qbitai-2025-deepseek-job-ads", "semianalysis-2025-deepseek-debates"),
        deps["research_staff_usd"],
    )
    b.number(
        "development_compute_usd",
        point["development_compute_usd"],
        "USD",
        "Compute of developing V3 and R1: final runs and experiments at the price of a GPU-hour, no staff (the part "
        "comparable with a training cost)",
        (
            "deepseek-v3-report",
            "deepseek-r1-nature-2025",
            "cottier-2024-rising-costs",
            "epoch-2026-final-runs-minority",
        ),
        deps["development_compute_usd"],
    )
    b.number(
        "development_staff_share",
        point["research_staff_usd"] / point["cost_development_usd"],
        "fraction",
        "Research staff as a share of the cost of developing V3 and R1",
        ("qbitai-2025-deepseek-job-ads", "assumption"),
        deps["cost_development_usd"],
    )
    b.number(
        "cost_development_owned_compute_usd",
        point["cost_development_owned_compute_usd"],
        "USD",
        "The same development with the fleet's own compute priced at its yearly cost per useful H800-equivalent "
        "hour instead of rented",
        ("deepseek-v3-report", "deepseek-r1-nature-2025", "epoch-training-cost-trends", "assumption"),
        deps["cost_development_owned_compute_usd"],
    )
    b.table(
        "development",
        bridge,
        {"step": ("Step", "text"), "usd": ("Cost (US$)", "USD"), "sources": ("Sources", "sources")},
        caption="From the final run to the cost of developing V3 and R1, at this run's parameters",
    )
    company = _uncertainty.company_year_bridge(point)
    drawn = pd.concat(
        [
            bridge.assign(chart="developing V3 and R1 (US$)"),
            company.assign(chart="a year of the company (US$ a year)"),
        ],
        ignore_index=True,
    )
    b.figure(
        "fig06_bridge",
        drawn[["chart", "step", "usd"]].rename(columns={"usd": "cost_usd"}),
        title=f"From {format_value(point['cost_final_run_usd'], 'USD')} to "
        f"{format_value(point['cost_development_usd'], 'USD')} to develop V3 and R1; the shared fleet and DeepSeek's "
        f"staff cost about {format_value(point['company_cost_per_year_usd'], 'USD')} a year",
        caption="Left: DeepSeek's final-run cost, R1's reinforcement learning, the experiments around them and the "
        "staff's share of time on V3 and R1, adding up to the cost of developing V3 and R1 (US$ million). Right: a "
        "year of the shared fleet, its yearly cost of ownership split by what its compute is used for (High-Flyer's "
        "assumed share included), plus all of DeepSeek's staff "
        "(US$ million a year). Orange bars: the steps, each starting where the one before ends; blue bars: the totals "
        "(and, on the left, the final run they start from). Values at this run's parameters.",
        sources=(
            "deepseek-v3-report",
            "deepseek-r1-nature-2025",
            "deepseek-open-infra-day6",
            "cottier-2024-rising-costs",
            "epoch-2026-final-runs-minority",
            "qbitai-2025-deepseek-job-ads",
            "semianalysis-2025-deepseek-debates",
            "assumption",
        ),
        development=bridge["usd"].iloc[:-1].tolist(),
        company=company["usd"].iloc[:-1].tolist(),
    )


def _uses(b: StepBuilder, point: Mapping, medians: pd.Series, deps: Mapping) -> None:
    by_use = pd.DataFrame(
        {
            "use": list(USES.values()),
            "h800_equivalent_gpu_hours_per_year": [point[f"fleet_gpu_hours_{u}"] for u in USES],
            "share_of_fleet_compute": [point[f"fleet_gpu_hours_share_{u}"] for u in USES],
            "fleet_cost_per_year_usd": [point[f"fleet_cost_per_year_{u}_usd"] for u in USES],
        }
    )
    for u, words in USES.items():
        key = f"fleet_gpu_hours_share_{u}"
        b.number(
            key,
            point[key],
            "fraction",
            f"Share of a year of the fleet's compute (H800-equivalent hours) used for: {words}",
            ALLOCATION_SOURCES,
            deps[key],
        )
        b.number(
            f"{key}_p50",
            float(medians[key]),
            "fraction",
            f"Median of the Monte Carlo of the share of the fleet's compute used for: {words}",
            ALLOCATION_SOURCES,
            (*deps[key], *MONTE_CARLO),
        )
    b.number(
        "research_staff_usd_per_year",
        point["research_staff_usd_per_year"],
        "USD",
        "All of DeepSeek's staff for a year, pay plus the employer's social insurance",
        ("qbitai-2025-deepseek-job-ads", "assumption"),
        STAFF,
    )
    _company_split(b, point, deps)
    b.table(
        "uses",
        by_use,
        {
            "use": ("What the compute is used for", "text"),
            "h800_equivalent_gpu_hours_per_year": ("H800-equivalent GPU-hours a year", "count"),
            "share_of_fleet_compute": ("Share of the fleet's compute", "fraction"),
            "fleet_cost_per_year_usd": ("Fleet's cost a year (US$)", "USD"),
        },
        caption="A year of the fleet's compute and cost of ownership, by use, at this run's parameters",
    )
    unallocated, high_flyer = point["fleet_gpu_hours_share_unallocated"], point["fleet_gpu_hours_share_high_flyer"]
    disclosed = 1 - unallocated - high_flyer
    b.say(
        "uses",
        "DeepSeek's disclosed uses (the final runs, the experiments the multiple implies, and serving) account for "
        f"**{disclosed:.0%}** of a year of the fleet's compute, High-Flyer's assumed share for {high_flyer:.0%}, and "
        f"**{unallocated:.0%}** is not accounted for by any disclosure: other models and research, idle time, or "
        "GPUs the fleet does not have. Developing V3 and R1 with the fleet's own hours instead of rented ones would "
        f"cost {format_value(point['cost_development_owned_compute_usd'], 'USD')} rather than "
        f"{format_value(point['cost_development_usd'], 'USD')}.",
    )


def _company_split(b: StepBuilder, point: Mapping, deps: Mapping) -> None:
    """The company-year split: High-Flyer's assumed share of the shared fleet; DeepSeek's, the rest and its staff."""
    sources = ("semianalysis-2025-deepseek-debates", "epoch-training-cost-trends", "qbitai-2025-deepseek-job-ads")
    b.number(
        "deepseek_cost_per_year_usd",
        point["deepseek_cost_per_year_usd"],
        "USD",
        "DeepSeek's share of a year: the shared fleet's yearly cost of ownership less High-Flyer's assumed share, "
        "plus all of DeepSeek's staff",
        (*sources, "assumption"),
        deps["deepseek_cost_per_year_usd"],
    )
    b.number(
        "high_flyer_cost_per_year_usd",
        point["high_flyer_cost_per_year_usd"],
        "USD",
        "High-Flyer's share of a year: its assumed share of the shared fleet's compute at the fleet's yearly cost "
        "of ownership (no High-Flyer staff counted)",
        (*sources[:2], "assumption"),
        deps["high_flyer_cost_per_year_usd"],
    )
    high_flyer = point["high_flyer_cost_per_year_usd"]
    b.say(
        "company_split",
        f"Of the {format_value(point['company_cost_per_year_usd'], 'USD')} a year of the shared fleet and DeepSeek's "
        f"staff, DeepSeek's share is {format_value(point['deepseek_cost_per_year_usd'], 'USD')} "
        + (
            f"and High-Flyer's {format_value(high_flyer, 'USD')}, its assumed "
            f"{point['fleet_gpu_hours_share_high_flyer']:.0%} of the fleet's compute (High-Flyer's own staff are not "
            "counted)."
            if high_flyer > 0
            else "(this run gives High-Flyer no share of the fleet)."
        ),
    )


def _uncertainty_figure(b: StepBuilder, values, point: Mapping, spread: pd.DataFrame, intervals: pd.DataFrame) -> None:
    keys = list(_costs.NAMED_COST_LABELS)
    middle = all(0.25 <= intervals.loc[k, "point_percentile"] <= 0.75 for k in keys)
    inside = all(spread.loc[k, "p05"] <= point[k] <= spread.loc[k, "p95"] for k in keys)
    orders = np.log10(spread["p50"].max() / spread["p50"].min())
    where = (
        "in the middle half of its draws"
        if middle
        else "within its 90% interval"
        if inside
        else "against its draws as marked"
    )
    drawn = spread.assign(at_run_parameters=[point[k] for k in keys], cost=list(_costs.NAMED_COST_LABELS.values()))
    columns = {
        "p05": "p05_usd",
        "p25": "p25_usd",
        "p50": "median_usd",
        "p75": "p75_usd",
        "p95": "p95_usd",
        "at_run_parameters": "at_run_parameters_usd",
    }
    b.figure(
        "fig06_uncertainty",
        drawn.rename_axis("results_id").reset_index()[["cost", "results_id", *columns]].rename(columns=columns),
        title=f"The four costs span {orders:.1f} orders of magnitude; each value at this run's parameters lies {where}",
        caption=f"Monte Carlo of the four costs ({int(values['monte_carlo_draws']):,} joint draws of every ranged "
        f"parameter in data/assumptions.csv, seed {values['random_seed']}): 90% interval (grey line), 50% interval "
        "(sky-blue bar), median (black tick) and the value at this run's parameters (vermillion dot), on a log scale. "
        "The company-year is a yearly cost; the others are totals.",
        sources=(
            "deepseek-v3-report",
            "epoch-training-cost-trends",
            "semianalysis-2025-deepseek-debates",
            "assumption",
        ),
    )


def _tornado(b: StepBuilder, values, data, held: list[str], deps: Mapping) -> None:
    register = b.inputs.register
    tables = {key: _uncertainty.tornado(register, values, data, key, hold=held) for key in TORNADO}
    for key, table in tables.items():
        if len(table):
            top = table["parameter"].iloc[0]
            b.number(
                f"{key}_most_sensitive_swing_usd",
                float(table["swing"].iloc[0]),
                "USD",
                f"{_words(key)}: its swing between the low and high end of its most influential parameter, "
                f"the {register[top].label}",
                ("assumption",),
                deps[key],
                parameter=top,
            )
    held = pd.DataFrame({"parameter": [""], "at_low": [None], "at_high": [None], "swing": [0.0]})
    drawn = pd.concat(
        [
            t.head(8).assign(
                cost=_costs.NAMED_COST_LABELS[k],
                parameter_in_words=[register[n].label or n for n in t.head(8)["parameter"]],
            )
            if len(t)
            else held.assign(  # a cost the run holds: one row saying so, its value at both ends
                cost=_costs.NAMED_COST_LABELS[k],
                parameter_in_words="none: this run holds every parameter that moves it",
                at_low=t.attrs["baseline"],
                at_high=t.attrs["baseline"],
            )
            for k, t in tables.items()
        ],
        ignore_index=True,
    )
    if all(len(t) for t in tables.values()):
        dev, year = (register[tables[k]["parameter"].iloc[0]].label for k in TORNADO)
        title = f"The development cost moves most with the {dev}; a company-year's cost, with the {year}"
    else:
        title = "No ranged parameter is left free to vary in this run"
    b.figure(
        "fig06_tornado",
        drawn[["cost", "parameter_in_words", "parameter", "at_low", "at_high", "swing"]].rename(
            columns={"at_low": "cost_at_low_end_usd", "at_high": "cost_at_high_end_usd", "swing": "swing_usd"}
        ),
        title=title,
        caption="One-at-a-time sensitivity: each cost with one parameter at the low end (sky-blue bars) and at the "
        "high end (vermillion bars) of its range in the assumptions register, the others at this run's values; the "
        "black line is the cost at this run's values. The eight largest swings of each cost.",
        sources=(
            "cottier-2024-rising-costs",
            "qbitai-2025-deepseek-job-ads",
            "semianalysis-2025-deepseek-debates",
            "assumption",
        ),
        panels={key: (words, axis, tables[key].attrs["baseline"]) for key, (words, axis) in TORNADO.items()},
        costs={key: _costs.NAMED_COST_LABELS[key] for key in TORNADO},
    )


def _catch_up(b: StepBuilder, inputs: Inputs) -> None:
    published = inputs.published
    halving = {
        "fast": published["algorithmic_halving_months_low"],
        "central": published["algorithmic_halving_months"],
        "slow": published["algorithmic_halving_months_high"],
    }
    behind = {"low": published["amodei_months_behind_low"], "high": published["amodei_months_behind_high"]}
    sources = ("ho-2024-algorithmic-progress", "amodei-2025-export-controls")
    for end, months in behind.items():
        b.number(
            f"catch_up_compute_factor_central_{end}",
            float(_training.catch_up_compute_factor(months, halving["central"])),
            "ratio",
            f"Times less compute a model {months:.0f} months behind the leader needs, at the central "
            f"{halving['central']:g}-month halving",
            sources,
        )
    table = pd.DataFrame(
        {
            "halving": [f"{k}: compute halves every {h:g} months" for k, h in halving.items()],
            **{
                f"behind_{m:.0f}_months": [float(_training.catch_up_compute_factor(m, h)) for h in halving.values()]
                for m in behind.values()
            },
        }
    )
    b.table(
        "catch_up",
        table,
        {
            "halving": ("Algorithmic progress", "text"),
            **{
                f"behind_{m:.0f}_months": (f"Times less compute, {m:.0f} months behind", "multiple")
                for m in behind.values()
            },
        },
        caption="How many times less compute a follower needs to reach the leader's performance, from algorithmic "
        "progress alone",
    )


def _scenarios(b: StepBuilder, inputs: Inputs) -> None:
    register, data = inputs.register, inputs.model_data
    rows = []
    for name in _params.scenario_names(inputs.data_dir):
        scenario = _params.load_scenario(name, inputs.data_dir, register=register)
        outcome = _model.evaluate(_params.resolve_parameters(register, scenario.overrides), data)
        rows.append(
            {"scenario": name, "description": scenario.description, **{k: outcome[k] for k in _costs.NAMED_COSTS}}
        )
    scenarios = pd.DataFrame(rows).set_index("scenario", drop=False)
    for name in ("deepseek-claimed", "low", "high"):
        if name in scenarios.index:
            for key in ("cost_development_usd", "company_cost_per_year_usd", "cost_capability_tco_4y_usd"):
                b.number(
                    f"scenario_{name.replace('-', '_')}_{key}",
                    float(scenarios.loc[name, key]),
                    "USD",
                    f"{_words(key)} in the {name} scenario",
                    ("assumption", "semianalysis-2025-deepseek-debates"),
                )
    b.table(
        "scenarios",
        scenarios.reset_index(drop=True),
        {
            "scenario": ("Scenario (to re-run with --scenario)", "code"),
            "description": ("What it assumes", "text"),
            **{k: (f"{_words(k)} (US$)", "USD") for k in _costs.NAMED_COSTS},
        },
        caption="The four costs in each scenario, at the scenario's parameters",
    )


#: The scenario that reproduces SemiAnalysis's published CapEx and operating cost (``data/scenarios/``).
SA_SCENARIO = "semianalysis-as-published"
#: SemiAnalysis's published figures step 6 sets the run and :data:`SA_SCENARIO` against: results id ->
#: (its figure id in ``data/published_figures.csv``, the figure in words, the step function that computes it,
#: our result in words).
SA_FIGURES = {
    "fleet_capex_usd": (
        "sa_server_capex_usd",
        "SemiAnalysis's ~US$1.6B server CapEx",
        _s01.step1,
        "Server CapEx of the whole fleet",
    ),
    "opex_4y_usd": (
        "sa_operating_cost_usd",
        "SemiAnalysis's US$944M cost of operating the clusters",
        _s02.step2,
        "Operating cost over 4 years",
    ),
}
#: How close the semianalysis-as-published scenario is held to SemiAnalysis's figures (tests/test_compare.py).
SA_TOLERANCE = 0.02
SA_SOURCES = ("semianalysis-2025-deepseek-debates", "glenn-2025-sa-chart-thread", "epoch-training-cost-trends")


#: (data folder, scenario file's SHA-256) -> :func:`_sa_values` at that scenario: it does not move with a run's values.
_AT_SCENARIO: dict[tuple[str, str], dict[str, float]] = {}


def _sa_values(values: Mapping[str, Any], inputs: Inputs) -> dict[str, float]:
    """Server CapEx and 4-year operating cost at ``values``, from the step functions that report them."""
    return {rid: float(step(values, inputs)[rid]) for rid, (_, _, step, _) in SA_FIGURES.items()}


def _sa_scenario_values(scenario: _params.Scenario, inputs: Inputs) -> dict[str, float]:
    """:func:`_sa_values` at the scenario's values (computed once per data folder and scenario file)."""
    key = (str(inputs.data_dir), scenario.sha256)
    if key not in _AT_SCENARIO:
        _AT_SCENARIO[key] = _sa_values(_params.resolve_parameters(inputs.register, scenario.overrides), inputs)
    return _AT_SCENARIO[key]


def _setting_words(register, name: str, value) -> str:
    """'datacentre cost per kW = 217 USD per kW-month (baseline 150)': label, value, baseline."""

    def shown(v, unit: str = "") -> str:
        numeric = isinstance(v, int | float) and not isinstance(v, bool)
        return format_value(v, unit) if numeric else f"`{v}`"

    p = register[name]
    return f"{p.label or name} = {shown(value, p.unit)} (baseline {shown(p.baseline)})"


def _semianalysis(b: StepBuilder, point: Mapping, inputs: Inputs, deps: Mapping) -> None:
    """How close this run is to SemiAnalysis's CapEx and operating cost, and what :data:`SA_SCENARIO` assumes to
    match them: the run's from the cost model at its values (``point``, as steps 1 and 2 report them), the
    scenario's from steps 1 and 2 called at the scenario's values."""
    if SA_SCENARIO not in _params.scenario_names(inputs.data_dir):
        return
    register = inputs.register
    scenario = _params.load_scenario(SA_SCENARIO, inputs.data_dir, register=register)
    at_run = {rid: float(point[rid]) for rid in SA_FIGURES}  # the model steps 1 and 2 report these from
    at_scenario = _sa_scenario_values(scenario, inputs)
    rows = []
    for rid, (figure, words, _, what) in SA_FIGURES.items():
        published = float(inputs.published[figure])
        short = rid.removesuffix("_usd")
        b.number(
            f"sa_gap_{short}",
            at_run[rid] / published - 1,
            "fraction",
            f"{what} at this run's parameters against {words}: the gap, as a share of it",
            SA_SOURCES,
            deps[rid],
        )
        b.number(
            f"sa_as_published_{rid}",
            at_scenario[rid],
            "USD",
            f"{what} in the scenario built to reproduce {words}",
            (*SA_SOURCES, *scenario.source_ids),
        )
        b.number(
            f"sa_as_published_gap_{short}",
            at_scenario[rid] / published - 1,
            "fraction",
            f"{what} in the scenario built to reproduce {words}: the gap, as a share of it",
            (*SA_SOURCES, *scenario.source_ids),
        )
        rows.append(
            {
                "figure": words,
                "published_usd": published,
                "run_usd": at_run[rid],
                "run_gap": at_run[rid] / published - 1,
                "scenario_usd": at_scenario[rid],
                "scenario_gap": at_scenario[rid] / published - 1,
            }
        )
    b.table(
        "semianalysis",
        pd.DataFrame(rows),
        {
            "figure": ("SemiAnalysis's figure", "text"),
            "published_usd": ("Published (US$)", "USD"),
            "run_usd": ("This run (US$)", "USD"),
            "run_gap": ("This run's gap", "fraction"),
            "scenario_usd": (f"Scenario {SA_SCENARIO} (US$)", "USD"),
            "scenario_gap": ("The scenario's gap", "fraction"),
        },
        caption=f"SemiAnalysis's published CapEx and operating cost, this run's, and the {SA_SCENARIO} scenario's",
    )
    capex, opex = (SA_FIGURES[k][1] for k in SA_FIGURES)
    run_capex, run_opex = at_run["fleet_capex_usd"], at_run["opex_4y_usd"]
    fit_capex, fit_opex = at_scenario["fleet_capex_usd"], at_scenario["opex_4y_usd"]
    sa_capex, sa_opex = inputs.published["sa_server_capex_usd"], inputs.published["sa_operating_cost_usd"]
    assumed = "; ".join(_setting_words(register, n, v) for n, v in scenario.overrides.items())
    b.say(
        "semianalysis",
        f"At this run's parameters the fleet's servers cost {format_value(run_capex, 'USD')}, "
        f"{_wording.gap_words(run_capex, sa_capex, reference_words=capex)}, and four years of operation "
        f"{format_value(run_opex, 'USD')}, {_wording.gap_words(run_opex, sa_opex, reference_words=opex)}. "
        f"The `{SA_SCENARIO}` scenario gives {format_value(fit_capex, 'USD')} and {format_value(fit_opex, 'USD')} "
        f"({_wording.gap_words(fit_capex, sa_capex, SA_TOLERANCE, 'the first')} and "
        f"{_wording.gap_words(fit_opex, sa_opex, SA_TOLERANCE, 'the second')} published figure) by assuming: "
        f"{assumed}. Its file says which of these are fits; SemiAnalysis published neither its prices per GPU nor "
        "what its operating cost is made of.",
    )
    _capex_at_sa_counts(b, point, deps)
    b.say(
        "semianalysis_counts",
        "SemiAnalysis's ~US$1.6B is a price put on its own GPU counts, so the ledger judges it with those counts "
        f"held and the unit prices drawn from their sourced ranges: at this run's prices they cost "
        f"{format_value(point['fleet_capex_at_sa_counts_usd'], 'USD')}, "
        f"{_wording.gap_words(point['fleet_capex_at_sa_counts_usd'], sa_capex, reference_words=capex)}.",
    )


def _capex_at_sa_counts(b: StepBuilder, point: Mapping, deps: Mapping) -> None:
    """The number sa-1-6b and news-1-6b are judged against: SemiAnalysis's own counts at the run's unit prices."""
    b.number(
        "fleet_capex_at_sa_counts_usd",
        point["fleet_capex_at_sa_counts_usd"],
        "USD",
        "Server CapEx of SemiAnalysis's own GPU counts (10,000 H800, 10,000 H100, 30,000 H20, 10,000 A100), at this "
        "run's unit prices",
        (*SA_SOURCES[:1], "epoch-training-cost-trends", "huxiu-2024-h20-prices", "deepseek-fire-flyer-2024"),
        deps["fleet_capex_at_sa_counts_usd"],
    )


def _interval_words(row: pd.Series) -> str:
    """ "median; 90% interval A to B", or why there is none (the run holds every parameter that moves the cost)."""
    if row["p05"] == row["p95"]:
        return "no interval: this run holds every parameter that moves it"
    return f"median; 90% interval {format_value(row['p05'], 'USD')} to {format_value(row['p95'], 'USD')}"


def _largest_first(parts: Mapping[str, float], total: float) -> str:
    """``parts`` (words -> US$) with a share of ``total``, largest first: "the staff (78%), then ..."; a part
    that is nothing in this run is left out, and a part that is all of it is said so."""
    ranked = sorted(((w, v) for w, v in parts.items() if v > 0), key=lambda kv: kv[1], reverse=True)
    if len(ranked) == 1:
        return f"all {ranked[0][0]}"
    return ", then ".join(f"{words} ({value / total:.0%})" for words, value in ranked)


def _meaning(b: StepBuilder, point: Mapping, intervals: pd.DataFrame) -> None:
    """What the two costs of wider scope mean, worded from this run's numbers (the notebook's "What this means")."""
    dev, year = intervals.loc["cost_development_usd"], intervals.loc["company_cost_per_year_usd"]
    final_runs = point["cost_final_run_usd"] + point["r1_rl_usd"]
    parts = {
        "the research staff": point["research_staff_usd"],
        "the experiments and ablations": point["experiments_usd"],
        "the final runs of V3 and R1": final_runs,
    }
    driver = b.numbers.get("cost_development_usd_most_sensitive_swing_usd")
    driver_words = (
        f" The parameter that moves it most, one at a time: {b.inputs.register[driver.parameter].label}."
        if driver is not None
        else ""
    )
    development = (
        f"- **Developing V3 and R1 cost {_wording.about(dev['p50'], 'USD')}** ({_interval_words(dev)}). At this "
        f"run's parameters ({format_value(point['cost_development_usd'], 'USD')}) it is "
        f"{_largest_first(parts, point['cost_development_usd'])}.{driver_words}"
    )
    owning = point["tco_per_year_usd"]
    gpus = float(np.sum(point["gpus_by_type"]))
    disclosed = 1 - point["fleet_gpu_hours_share_unallocated"] - point["fleet_gpu_hours_share_high_flyer"]
    company = (
        f"- **The company spends {_wording.about(year['p50'], 'USD')} a year** ({_interval_words(year)}) with this "
        f"run's fleet of {gpus:,.0f} GPUs: at this run's parameters, "
        f"{owning / point['company_cost_per_year_usd']:.0%} of it is owning that fleet"
        + (" (which it shares with a hedge fund)" if point["fleet_gpu_hours_share_high_flyer"] > 0 else "")
        + (
            ", the rest the research staff."
            if point["research_staff_usd_per_year"] > 0
            else "; it has no staff in this run."
        )
        + " DeepSeek's disclosed work (the final runs, the experiments and "
        f"serving) uses {disclosed:.0%} of the fleet's compute. The news article's \"US$1.3 billion\" is neither "
        "cost: it is the first version of SemiAnalysis's server CapEx (see the claims ledger), a purchase of "
        "hardware, not the cost of a year or of one model."
    )
    b.say("meaning", development + "\n" + company)


def _records(numbers: Mapping) -> dict[str, dict]:
    return {n.id: {"value": n.value, "unit": n.unit, "label": n.label} for n in numbers.values()}


def _earlier_results(values: Mapping[str, Any], inputs: Inputs) -> dict[str, dict]:
    """The numbers of steps 1 to 5 at ``values``, as results records by id."""
    earlier = (_s01.step1, _s02.step2, _s03.step3, _s04.step4, _s05.step5)
    return {k: v for step in earlier for k, v in _records(step(values, inputs).numbers).items()}


def claim_results(values: Mapping[str, Any], inputs: Inputs | None = None) -> dict[str, dict]:
    """Every number a claim of ``data/claims.csv`` may be judged against, at a run's values.

    The numbers of the step functions, composed once: steps 1 to 5's, and step 6's named costs at
    the run's parameters and its costs of development (what :func:`step6` judges its ledger
    against, without drawing its Monte Carlo).

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).

    Returns
    -------
    dict
        Number id -> ``{"value", "unit", "label"}`` (a number a step does not produce, such as a
        price not in force on the run's date, is absent).
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(6, NOTEBOOK, values, inputs, PARAMETERS)
    point = _model.evaluate(values, inputs.model_data)
    deps = run_depends(values, inputs, point)
    for name, (label, sources) in DEFINITIONS.items():  # as _headline records them
        b.number(name, float(point[name]), "USD", label, sources, deps[name], headline=True)
    _development(b, point, deps)
    _capex_at_sa_counts(b, point, deps)
    return {**_earlier_results(values, inputs), **_records(b.numbers)}


def _computed(row: Mapping, results: Mapping) -> str | None:
    """What the report computes for a claim, formatted: its value, or one value per condition."""
    if row["conditions"]:
        return "; ".join(
            format_value(c["computed_value"], results[c["result_id"]]["unit"])
            for c in row["conditions"]
            if c["computed_value"] is not None
        )
    unit = row["computed_unit"]
    return format_value(row["computed_value"], unit) if isinstance(unit, str) else None


def _ledger(
    b: StepBuilder, values, draws: _uncertainty.MonteCarlo, claim_results: Mapping | None, deps: Mapping
) -> None:
    if claim_results is None:  # judged against the steps' own numbers, step 6's as built so far
        claim_results = {**_earlier_results(values, b.inputs), **_records(b.numbers)}
    ledger = _model.claims_ledger(
        values, claim_results, data_dir=b.inputs.data_dir, draws=draws, ranges=b.inputs.ranges
    )
    ledger["computed"] = [_computed(row, claim_results) for row in ledger.to_dict("records")]
    ledger["condition_values"] = [tuple(c["computed_value"] for c in cs) for cs in ledger["conditions"]]
    ledger = ledger.drop(columns="conditions")  # each condition's judgement is in its claim's reason
    for row in ledger[ledger["share_of_draws_holding"].notna()].itertuples():
        b.number(
            f"claim_{row.claim_id.replace('-', '_')}_share_of_draws",
            float(row.share_of_draws_holding),
            "fraction",
            f"Share of Monte Carlo draws in which the claim holds: {row.claim}",
            (*row.source_ids, "assumption"),
            (*deps[row.result_id], *MONTE_CARLO),
        )
    n = int(values["monte_carlo_draws"])
    b.table(
        "ledger",
        ledger,
        {
            "claimant": ("Who", "text"),
            "claim": ("The claim, as written", "text"),
            "scope": ("Judged on", "text"),
            "claimed_as_written": ("Claimed value, as written", "text"),
            "computed": ("This report computes", "text"),
            "verdict": ("Verdict", "text"),
            "share_of_draws_holding": ("Share of Monte Carlo draws in which it holds", "fraction"),
            "reason": ("Why", "text"),
            "source_ids": ("Sources", "sources"),
        },
        caption=f"The claims ledger: {len(ledger)} claims, judged at this run's parameters and over {n:,} Monte "
        "Carlo draws",
    )
    b.table(
        "verdict_legend",
        _model.verdict_legend(b.inputs.data_dir),
        {"verdict": ("Verdict", "text"), "meaning": ("What it means", "text")},
        caption="What each verdict of the ledger means (the shares of draws from data/verdict_rules.csv)",
    )
    counts = ledger["verdict"].value_counts()
    hold = counts.get("reproduced", 0) + counts.get("reproduced with a caveat", 0)
    wrong = ledger[ledger["verdict"].isin(["misleading", "differs"])]
    b.say(
        "claims",
        f"**Which claims hold?** Of the {len(ledger)} claims, **{hold} hold** as stated or with a caveat. By verdict: "
        + "; ".join(f"{counts[v]} *{v}*" for v in _claims.VERDICTS if v in counts)
        + ". "
        + f"**{len(wrong)} do not hold as written**: "
        + "; ".join(f'{r.claimant}, *"{r.claim}"* ({r.verdict})' for r in wrong.itertuples())
        + ". The ledger above gives each claim's reason, and for an *undetermined* claim the parameter it turns on.",
    )
