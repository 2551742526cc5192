"""Step 1: which GPUs does DeepSeek have, and what did they cost as servers?

Composes :mod:`analysis.fleet` through the one cost model (:func:`analysis.costs.cost_model`, via
:attr:`analysis.steps.Inputs.model_data`) once: the GPU types and when each could be bought, the
server cost per GPU by the two published methods, the fleet's server CapEx by type, SemiAnalysis's
published CapEx figures rebuilt from its counts and published prices (and what its totals imply per
GPU), and the fleet's compute and memory beside the clusters DeepSeek says it used.

References
----------
.. [1] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025.
.. [2] DeepSeek-AI, "Fire-Flyer AI-HPC: A Cost-Effective Software-Hardware Co-Design for Deep
   Learning", SC'24, arXiv:2408.14158.
.. [3] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024.
.. [4] DeepSeek-AI, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview", 1 Mar 2025.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import costs as _costs
from .. import fleet as _fleet
from .. import model as _model
from .. import wording as _wording
from ..formatting import format_value
from . import _fleet_drivers as _drivers
from ._base import Inputs, StepBuilder, StepResult

NOTEBOOK = "01_gpu_inventory"
COUNTS = ("hopper_gpus", "h800_gpus", "h100_gpus", "a100_gpus")
PRICING = (
    "capex_method",
    "usd_cny_rate",
    "server_overhead_multiplier",
    "cluster_interconnect_fraction",
    *_costs.UNIT_PRICE_FACTORS.values(),
)
#: The parameters this step's numbers depend on (its notebook declares these).
PARAMETERS = (*COUNTS, *PRICING)

SA = "semianalysis-2025-deepseek-debates"
GLENN = "glenn-2025-sa-chart-thread"
CAPEX_SOURCES = (
    SA,
    "epoch-training-cost-trends",
    "huxiu-2024-h20-prices",
    "wikipedia-high-flyer",
    "deepseek-fire-flyer-2024",
)
SPECS = (SA, "nvidia-h100-datasheet", "willitrunai-h20", "nvidia-a100-datasheet")
IMPLIED_SOURCES = (SA, GLENN)

#: Ways to price the servers when rebuilding the published CapEx figures: name -> (GPU type ->
#: ``server_id`` of ``data/server_prices.csv`` to use instead of the default, server pricing method).
PRICING_VARIANTS = {
    "default published servers": ({}, "published_server_prices"),
    "H100 at China grey-market server price": ({"H100": "china-h100-8gpu-grey-market"}, "published_server_prices"),
    "H800 at DGX-H800 price": ({"H800": "dgx-h800"}, "published_server_prices"),
    "Epoch overhead method": ({}, "epoch_overhead"),
}
#: The published CapEx readings: subtotal of :func:`analysis.fleet.capex_subtotals` -> (the reading
#: in words, its figure id in ``data/published_figures.csv``).
READINGS = {
    "all": ("SemiAnalysis ~US$1.6B (all GPUs)", "sa_server_capex_usd"),
    "without_h100": ("first version US$1.3B (no H100)", "sa_first_version_capex_usd"),
    "hopper_only": ("Glenn US$1.4B (Hopper only)", "glenn_hopper_only_capex_usd"),
}
#: The GPU types each subtotal of :func:`analysis.fleet.capex_subtotals` adds up.
SUBTOTAL_TYPES = {
    "all": _fleet.GPU_TYPES,
    "hopper_only": ("H800", "H100", "H20"),
    "without_h100": ("H800", "H20", "A100"),
}
#: The H20's story after SemiAnalysis's article (2025): the licence, the resumption, Nvidia's sales and
#: Beijing's guidance and the production halt (data/fleet_vintages.csv quotes each).
H20_EVENT_SOURCES = (
    "nvidia-h20-licence-2025-04",
    "nvidia-2025-07-h20-resumption",
    "nvidia-2025-08-27-h20-revenue-share",
    "nvidia-2025-08-27-q2-fy2026-results",
    "bloomberg-2025-08-china-h20-guidance",
    "theinformation-2025-08-h20-production-halt",
)
#: Clusters DeepSeek says it used, set beside the fleet: label -> its source.
TRAINING_CLUSTER = "V3 training cluster (H800)"
INFERENCE_FLEET = "Average inference fleet, 27-28 Feb 2025 (H800)"


#: Within this share a rebuilt CapEx counts as matching a published figure [fraction].
MATCH_TOLERANCE = 0.02


def _counts_words(values, inputs: Inputs, at_baseline: str, otherwise: str) -> str:
    """``at_baseline`` when the run's GPU counts are the register's (SemiAnalysis's), else ``otherwise``."""
    baselines = {name: p.baseline for name, p in inputs.register.items()}
    return _wording.whose(values, baselines, COUNTS, at_baseline, otherwise)


def step1(values: Mapping[str, Any], inputs: Inputs | None = None) -> StepResult:
    """Step 1 at a run's parameter values.

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).

    Returns
    -------
    StepResult
        Tables ``gpus``, ``vintages``, ``server_cost_by_method``, ``capex``, ``reconstruction``,
        ``implied``, ``capacity``; figures ``fig01_fleet_by_gpu_type``, ``fig01_capacity_vs_use``.
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(1, NOTEBOOK, values, inputs, PARAMETERS)
    point = _model.evaluate(values, inputs.model_data)
    method_words = _fleet.server_pricing_method_words(values["capex_method"])
    _gpu_types(b, inputs)
    _server_cost_by_method(b, inputs, values, method_words)
    fleet = _capex(b, inputs, values, point, method_words)
    _reconstruction(b, inputs, values)
    _implied(b, inputs)
    _capacity(b, inputs, values, fleet)
    b.figure(
        "fig01_fleet_by_gpu_type",
        fleet[["gpus", "server_capex_usd"]],
        title=f"{b.numbers['fleet_gpus_total'].value:,} GPUs, "
        f"US${b.numbers['fleet_capex_usd'].value / 1e9:.2f}B of servers; "
        f"the {fleet['gpus'].idxmax()}s are "  # the most numerous type (a run may have no H20s)
        f"{fleet['gpus'].max() / b.numbers['fleet_gpus_total'].value:.0%} of the GPUs",
        caption=_counts_words(values, inputs, "The fleet SemiAnalysis describes", "This run's fleet")
        + ", with DeepSeek's own A100s, by GPU type: count (left) and server "
        f"CapEx (right), servers priced by {method_words} (data/server_prices.csv and data/gpus.csv). Bar colours mark "
        "the GPU type: {colours}. The cluster network is not included.",
        sources=CAPEX_SOURCES,
    )
    b.say("meaning", _meaning(b, inputs, values, method_words))
    return b.result(_answer(b, inputs, values, method_words), "fig01_fleet_by_gpu_type")


def _meaning(b: StepBuilder, inputs: Inputs, values, method_words: str) -> str:
    """The run-dependent bullets of "What this means": the fleet's server CapEx against SemiAnalysis's
    ~US$1.6B, and V3's training cluster against the fleet's compute."""
    capex = b.numbers["fleet_capex_usd"].value
    published = inputs.published["sa_server_capex_usd"]
    counts = _counts_words(values, inputs, "SemiAnalysis's counts", "this run's counts")
    fleet = _counts_words(values, inputs, "the fleet SemiAnalysis describes", "this run's fleet")
    cluster_share = b.numbers["v3_cluster_share_of_fleet_pflops"].value
    sa_words = f"SemiAnalysis's ~{format_value(published, 'USD')}"
    return (
        f"- **The dollars follow from the counts.** With servers priced by {method_words}, {counts} give server "
        f"CapEx of {_wording.about(capex, 'USD')}, "
        f"{_wording.gap_words(capex, published, MATCH_TOLERANCE, sa_words)}.\n"
        f"- **Capacity against the final run.** The 2,048 H800s that trained V3 are "
        f"{_wording.percent(cluster_share)} of the compute of {fleet}, which has {1 / cluster_share:.1f} times "
        "theirs.\n" + _h20_words(b, inputs, values)
    )


def _answer(b: StepBuilder, inputs: Inputs, values, method_words: str) -> str:
    """The one-sentence answer: published facts stated as published, the run's fleet as the run's."""
    register = inputs.register
    n_gpus, capex = b.numbers["fleet_gpus_total"].value, b.numbers["fleet_capex_usd"].value
    if all(values[name] == register[name].baseline for name in COUNTS):
        fleet_words = f"with SemiAnalysis's Hopper GPUs the fleet is {n_gpus:,} GPUs"
    else:
        fleet_words = f"with this run's GPU counts the fleet is {n_gpus:,} GPUs"
    if values["capex_method"] == "published_server_prices":
        priced = "at published prices"
    else:
        priced = f"priced by {method_words}"
    h100 = format_value(b.numbers["sa_implied_h100_cost_per_gpu_usd"].value, "USD")
    return (
        f"DeepSeek's own papers show 10,000 A100 and at least 2,224 H800; {fleet_words}, about "
        f"{format_value(capex, 'USD')} as servers {priced} (SemiAnalysis: ~US$1.6B; the US$0.3B between its two "
        f"versions is {h100} per H100, so the news article's US$1.3B most likely left the H100s out); the GPU "
        "counts, not the prices, are the weak link."
    )


def _gpu_types(b: StepBuilder, inputs: Inputs) -> None:
    b.table(
        "gpus",
        inputs.gpus.drop(columns=["note"]),
        {
            "gpu_type": ("GPU", "text"),
            "architecture": ("Architecture", "text"),
            "dense_bf16_tflops": ("Dense BF16 peak (TFLOPS)", "number"),
            "dense_fp8_tflops": ("Dense FP8 peak (TFLOPS)", "number"),
            "hbm_gb": ("Memory, HBM (GB)", "number"),
            "hbm_bandwidth_tb_per_s": ("Memory bandwidth (TB/s)", "number"),
            "nvlink_gb_per_s": ("NVLink (GB/s)", "count"),
            "tdp_w": ("Power, TDP (W)", "count"),
            "gpu_price_low_usd": ("GPU price, low", "USD"),
            "gpu_price_base_usd": ("GPU price, base", "USD"),
            "gpu_price_high_usd": ("GPU price, high", "USD"),
            "spec_source_ids": ("Sources of the specifications", "sources"),
            "price_source_ids": ("Sources of the prices", "sources"),
        },
        caption="Each GPU type's specifications and GPU-only price (a dash: the A100 has no FP8 and no sourced "
        "GPU-only price)",
    )
    b.table(
        "vintages",
        inputs.table("fleet_vintages"),
        {
            "gpu_type": ("GPU", "text"),
            "acquired_date": ("Assumed purchase date", "text"),
            "acquired_from": ("Could be bought from", "text"),
            "acquired_to": ("Could be bought until", "text"),
            "export_controlled_from": ("Export-controlled from", "text"),
            "note": ("Why these dates", "text"),
            "source_ids": ("Sources", "sources"),
        },
        caption="When each GPU type could have been bought, and the date step 2 writes it off from",
    )


def _per_type_index() -> pd.Index:
    return pd.Index(_fleet.GPU_TYPES, name="gpu_type")


def _server_cost_by_method(b: StepBuilder, inputs: Inputs, values, method_words: str) -> None:
    by_method = {
        method: _model.evaluate({**values, "capex_method": method}, inputs.model_data)[
            "server_cost_per_gpu_usd_by_type"
        ]
        for method in _fleet.SERVER_PRICING_METHODS
    }
    b.table(
        "server_cost_by_method",
        pd.DataFrame(by_method, index=_per_type_index()),
        {"gpu_type": ("GPU", "text")}
        | {
            method: (f"Server cost per GPU, by {_fleet.server_pricing_method_words(method)}", "USD")
            for method in _fleet.SERVER_PRICING_METHODS
        },
        caption=f"This run prices servers by {method_words}; the other method is shown for comparison",
    )


def _capex(b: StepBuilder, inputs: Inputs, values, point: Mapping, method_words: str) -> pd.DataFrame:
    """The fleet's server CapEx by type and its totals; returns the per-type frame."""
    fleet = pd.DataFrame(
        {
            "gpus": point["gpus_by_type"],
            "architecture": inputs.gpus.loc[list(_fleet.GPU_TYPES), "architecture"],
            "server_cost_per_gpu_usd": point["server_cost_per_gpu_usd_by_type"],
            "server_capex_usd": point["servers_usd_by_type"],
            "network_usd": point["network_usd_by_type"],
        },
        index=_per_type_index(),
    )
    subtotals = _fleet.capex_subtotals(point["servers_usd_by_type"])
    n_gpus = b.number(
        "fleet_gpus_total",
        int(point["fleet_gpus_total"]),
        "GPUs",
        "GPUs in the fleet (H800 + H100 + H20 + A100)",
        (SA, GLENN, "deepseek-fire-flyer-2024"),
        _drivers.TOTAL_COUNT_PARAMETERS,
        headline=True,
    )
    b.number(
        "fleet_hopper_gpus",
        int(fleet.loc[fleet["architecture"] == "Hopper", "gpus"].sum()),
        "GPUs",
        "Hopper GPUs in the fleet (H800 + H100 + H20)",
        (SA,),
        ("hopper_gpus",),
    )
    b.number(
        "fleet_h20_gpus",
        int(fleet.loc["H20", "gpus"]),
        "GPUs",
        "H20s: the Hopper GPUs that are neither H800 nor H100",
        (SA, GLENN),
        _drivers.COUNT_PARAMETERS["H20"],
    )
    data = inputs.model_data
    capex_drivers = {
        key: _drivers.capex_parameters(values, data, point["gpus_by_type"], types)
        for key, types in SUBTOTAL_TYPES.items()
    }
    unbundled = [t for t, included in zip(_fleet.GPU_TYPES, data.includes_network, strict=True) if not included]
    network_drivers = _drivers.unique(
        _drivers.capex_parameters(values, data, point["gpus_by_type"], unbundled),
        ("cluster_interconnect_fraction",) * bool(unbundled),
    )
    fleet_capex = b.number(
        "fleet_capex_usd",
        point["fleet_capex_usd"],
        "USD",
        f"Server CapEx of the whole fleet (servers priced by {method_words})",
        CAPEX_SOURCES,
        capex_drivers["all"],
        headline=True,
    )
    b.number(
        "fleet_capex_hopper_only_usd",
        float(subtotals["hopper_only"]),
        "USD",
        "Server CapEx of the Hopper GPUs only",
        CAPEX_SOURCES,
        capex_drivers["hopper_only"],
    )
    b.number(
        "fleet_capex_without_h100_usd",
        float(subtotals["without_h100"]),
        "USD",
        "Server CapEx leaving out the H100 column",
        CAPEX_SOURCES,
        capex_drivers["without_h100"],
    )
    _h20_capex(b, values, data, point["gpus_by_type"], fleet, capex_drivers["all"])
    b.number(
        "fleet_network_capex_usd",
        point["fleet_network_capex_usd"],
        "USD",
        "Cluster network on top of the servers (Epoch AI's share; none on Fire-Flyer 2's budget, which includes it)",
        CAPEX_SOURCES,
        network_drivers,  # none on a price that includes its network (the A100s' budget)
    )
    b.number(
        "fleet_cluster_capex_usd",
        point["fleet_cluster_capex_usd"],
        "USD",
        "Servers plus cluster network",
        CAPEX_SOURCES,
        _drivers.unique(capex_drivers["all"], network_drivers),
    )
    b.number(
        "fleet_capex_per_gpu_usd",
        fleet_capex / n_gpus,
        "USD",
        "Average server CapEx per GPU",
        CAPEX_SOURCES,
        capex_drivers["all"],
    )
    b.table(
        "capex",
        fleet.assign(share=fleet["server_capex_usd"] / fleet_capex),
        {
            "gpu_type": ("GPU", "text"),
            "architecture": ("Architecture", "text"),
            "gpus": ("GPUs", "count"),
            "server_cost_per_gpu_usd": ("Server cost per GPU", "USD"),
            "server_capex_usd": ("Server CapEx", "USD"),
            "share": ("Share of the fleet's server CapEx", "fraction"),
            "network_usd": ("Cluster network on top", "USD"),
        },
        caption=f"The fleet's server CapEx by GPU type, servers priced by {method_words}",
    )
    return fleet


def _h20_capex(b: StepBuilder, values, data, gpus_by_type, fleet: pd.DataFrame, all_drivers) -> None:
    """The H20s' server CapEx, their share of the fleet's and the fleet's without them: whether the ~30,000
    H20s SemiAnalysis's 'orders' imply exist is the question the 2025 events raise."""
    h20 = float(fleet.loc["H20", "server_capex_usd"])
    fleet_capex = float(fleet["server_capex_usd"].sum())
    h20_drivers = _drivers.capex_parameters(values, data, gpus_by_type, ("H20",))
    others = tuple(t for t in _fleet.GPU_TYPES if t != "H20")
    sources = (*CAPEX_SOURCES, GLENN, *H20_EVENT_SOURCES)
    b.number(
        "fleet_capex_h20_usd",
        h20,
        "USD",
        "Server CapEx of the H20s (the Hopper GPUs that are neither H800 nor H100)",
        sources,
        h20_drivers,
    )
    b.number(
        "fleet_capex_h20_share",
        h20 / fleet_capex,
        "fraction",
        "The H20s' share of the fleet's server CapEx",
        sources,
        _drivers.unique(h20_drivers, all_drivers) if h20 else h20_drivers,
    )
    b.number(
        "fleet_capex_without_h20_usd",
        fleet_capex - h20,
        "USD",
        "Server CapEx of the fleet without its H20s (H800 + H100 + A100)",
        sources,
        _drivers.capex_parameters(values, data, gpus_by_type, others),
    )


def _h20_words(b: StepBuilder, inputs: Inputs, values) -> str:
    """The bullet on whether the H20s exist, written from the run's H20 count and CapEx."""
    n_h20 = b.numbers["fleet_h20_gpus"].value
    without = format_value(b.numbers["fleet_capex_without_h20_usd"].value, "USD")
    events = (
        "SemiAnalysis wrote of *orders* for H20s; from 9 April 2025 each export to China needed a US licence, and "
        "Nvidia reported no H20 sales to China-based customers from late April to late July 2025, although it said "
        "in July that licences would be granted (with 15% of the revenue expected by the US government); in August "
        "Beijing discouraged H20 purchases and Nvidia told suppliers to stop H20 production work (both reported "
        "from anonymous sources)."
    )
    if n_h20 == 0:
        return (
            "- **Whether the H20s exist.** This run's fleet has no H20s: "
            f"its server CapEx, {without}, is that of the H800s, H100s and A100s alone. {events}"
        )
    fleet = _counts_words(values, inputs, "The fleet SemiAnalysis describes", "This run's fleet")
    return (
        f"- **Whether the H20s exist.** {fleet} has {n_h20:,} H20s, "
        f"{_wording.percent(b.numbers['fleet_capex_h20_share'].value)} of its server CapEx "
        f"({format_value(b.numbers['fleet_capex_h20_usd'].value, 'USD')}); without them it is {without}. {events}"
    )


def _rebuilt_capex_subtotals(values: Mapping[str, Any], inputs: Inputs) -> dict[str, dict]:
    """The fleet's server CapEx subtotals (:func:`analysis.fleet.capex_subtotals`) under each of
    :data:`PRICING_VARIANTS`, at the run's counts and other parameters: variant -> subtotal -> [USD]."""
    rebuilt = {}
    for name, (server_choice, method) in PRICING_VARIANTS.items():
        data = _model.load_data(inputs.data_dir, server_choice=server_choice)
        servers = _model.evaluate({**values, "capex_method": method}, data)["servers_usd_by_type"]
        rebuilt[name] = _fleet.capex_subtotals(servers)
    return rebuilt


def _reconstruction(b: StepBuilder, inputs: Inputs, values) -> None:
    published_figures = inputs.table("published_figures").set_index("figure_id")
    published = inputs.published
    rows = [
        {
            "reading": reading,
            "pricing": name,
            "published_usd": published[figure],
            "rebuilt_usd": float(totals[key]),
            "gap": float(totals[key]) / published[figure] - 1,
            "sources": list(published_figures.loc[figure, "source_ids"]),
        }
        for name, totals in _rebuilt_capex_subtotals(values, inputs).items()
        for key, (reading, figure) in READINGS.items()
    ]
    reconstruction = pd.DataFrame(rows)
    b.table(
        "reconstruction",
        reconstruction,
        {
            "reading": ("Published reading", "text"),
            "pricing": ("Server prices used", "text"),
            "published_usd": ("Published figure", "USD"),
            "rebuilt_usd": ("Rebuilt from counts and prices", "USD"),
            "gap": ("Gap to the published figure", "fraction"),
            "sources": ("Sources of the published figure", "sources"),
        },
        caption="Each published CapEx figure rebuilt four ways from "
        + _counts_words(values, inputs, "SemiAnalysis's counts", "this run's counts")
        + " and published prices",
    )
    point = _model.evaluate(values, inputs.model_data)
    for key, (reading, _) in READINGS.items():
        of_reading = reconstruction[reconstruction["reading"] == reading]
        best = of_reading.iloc[int(np.argmin(of_reading["gap"].abs().to_numpy()))]
        # It moves with what moves the subtotal under the pricing that comes closest (which fixes the method).
        server_choice, method = PRICING_VARIANTS[best["pricing"]]
        data = _model.load_data(inputs.data_dir, server_choice=server_choice)
        drivers = _drivers.capex_parameters(
            {**values, "capex_method": method}, data, point["gpus_by_type"], SUBTOTAL_TYPES[key]
        )
        b.number(
            f"capex_gap_{key}_best",
            float(best["gap"]),
            "fraction",
            f"Smallest gap between a rebuilt CapEx and {reading} ({best['pricing']})",
            (*CAPEX_SOURCES, GLENN),
            tuple(p for p in drivers if p != "capex_method"),
        )
    b.say("reconstruction", _reconstruction_sentence(reconstruction, values, inputs))


def _reconstruction_sentence(reconstruction: pd.DataFrame, values, inputs: Inputs) -> str:
    """Which pricing comes closest to each published figure at the run's counts, and how close."""
    counts = _counts_words(values, inputs, "SemiAnalysis's counts", "this run's counts")
    closest = []
    for reading, _ in READINGS.values():
        rows = reconstruction[reconstruction["reading"] == reading]
        best = rows.iloc[int(np.argmin(rows["gap"].abs().to_numpy()))]
        gap = _wording.gap_words(best["rebuilt_usd"], best["published_usd"], MATCH_TOLERANCE)
        closest.append(f"{reading}: {best['pricing']}, {format_value(best['rebuilt_usd'], 'USD')}, {gap}")
    listed = "; for ".join(closest)
    return f"At {counts}, the pricing that comes closest to each published figure is, for {listed}."


def _implied(b: StepBuilder, inputs: Inputs) -> None:
    published = inputs.published
    implied = {
        "sa_implied_capex_per_gpu_usd": (
            published["sa_server_capex_usd"] / published["sa_chart_total_gpus"],
            "SemiAnalysis's US$1.6B over its 60,000 GPUs",
        ),
        "sa_implied_h100_cost_per_gpu_usd": (
            (published["sa_server_capex_usd"] - published["sa_first_version_capex_usd"]) / published["sa_h100_gpus"],
            "US$1.6B less US$1.3B, per SemiAnalysis's H100: what its H100 column must have cost",
        ),
        "sa_implied_a100_cost_per_gpu_usd": (
            (published["sa_server_capex_usd"] - published["glenn_hopper_only_capex_usd"]) / published["sa_a100_gpus"],
            "US$1.6B less US$1.4B, per SemiAnalysis's A100: what its A100 column must have cost",
        ),
    }
    for number_id, (value, label) in implied.items():
        b.number(number_id, float(value), "USD", label, IMPLIED_SOURCES)
    b.table(
        "implied",
        pd.DataFrame(
            {
                "what": [label for _, label in implied.values()],
                "value": [b.numbers[number_id].value for number_id in implied],
                "id": list(implied),
                "sources": [list(IMPLIED_SOURCES)] * len(implied),
            }
        ),
        {
            "what": ("What it is", "text"),
            "value": ("Implied server cost per GPU", "USD"),
            "id": ("Result id (to cite)", "code"),
            "sources": ("Sources", "sources"),
        },
        caption="What SemiAnalysis's published totals imply per GPU",
    )


def _capacity(b: StepBuilder, inputs: Inputs, values, fleet: pd.DataFrame) -> None:
    gpus, published = inputs.gpus, inputs.published
    h800 = gpus.loc["H800"]
    cap = pd.DataFrame(
        {
            "gpus": fleet["gpus"],
            **_fleet.capacity(
                fleet["gpus"], gpus.loc[fleet.index, "dense_bf16_tflops"], gpus.loc[fleet.index, "hbm_gb"]
            ),
        }
    )
    cap["sources"] = [list(dict.fromkeys([SA, *gpus.loc[t, "spec_source_ids"]])) for t in cap.index]
    training_gpus = inputs.models.loc["DeepSeek-V3", "training_gpus"]
    inference_gpus = published["day6_average_nodes"] * published["day6_gpus_per_node"]
    for label, n, source in (
        (TRAINING_CLUSTER, training_gpus, "deepseek-v3-report"),
        (INFERENCE_FLEET, inference_gpus, "deepseek-open-infra-day6"),
    ):
        cap.loc[label] = {
            "gpus": n,
            **_fleet.capacity(n, h800["dense_bf16_tflops"], h800["hbm_gb"]),
            "sources": [source, *h800["spec_source_ids"]],
        }
    types = list(_fleet.GPU_TYPES)
    fleet_pflops = b.number(
        "fleet_pflops_bf16",
        float(cap.loc[types, "pflops"].sum()),
        "PFLOPS",
        "Dense BF16 peak of the whole fleet",
        SPECS,
        COUNTS,
    )
    b.number("fleet_hbm_tb", float(cap.loc[types, "hbm_tb"].sum()), "TB", "HBM of the whole fleet", SPECS, COUNTS)
    day6 = ("deepseek-open-infra-day6",)
    b.number(
        "inference_fleet_gpus_day6",
        float(inference_gpus),
        "GPUs",
        "Average H800s serving V3 and R1, 27-28 Feb 2025",
        day6,
    )
    b.number(
        "inference_fleet_share_of_h800",
        float(inference_gpus / values["h800_gpus"]),
        "fraction",
        "Average inference fleet as a share of the claimed H800s",
        (*day6, SA),
        ("h800_gpus",),
    )
    b.number(
        "inference_fleet_share_of_fleet_pflops",
        float(cap.loc[INFERENCE_FLEET, "pflops"] / fleet_pflops),
        "fraction",
        "Average inference fleet as a share of the fleet's dense BF16 peak (compute-weighted)",
        (*day6, *SPECS),
        COUNTS,
    )
    b.number(
        "v3_cluster_share_of_fleet_pflops",
        float(cap.loc[TRAINING_CLUSTER, "pflops"] / fleet_pflops),
        "fraction",
        "V3's training cluster as a share of the fleet's dense BF16 peak (compute-weighted)",
        ("deepseek-v3-report", *SPECS),
        COUNTS,
    )
    b.table(
        "capacity",
        cap.rename_axis("part"),
        {
            "part": ("GPUs of the fleet, or a cluster DeepSeek used", "text"),
            "gpus": ("GPUs", "count"),
            "pflops": ("Dense BF16 peak (PFLOPS)", "number"),
            "hbm_tb": ("Memory, HBM (TB)", "number"),
            "sources": ("Sources", "sources"),
        },
        caption="What the fleet can compute and hold, beside the clusters DeepSeek says it used",
    )
    ratio = cap.loc["H800", "pflops"] / cap.loc[TRAINING_CLUSTER, "pflops"]
    b.figure(
        "fig01_capacity_vs_use",
        cap.rename_axis("part").rename(columns={"pflops": "dense_bf16_pflops"})[["gpus", "dense_bf16_pflops"]],
        title=f"The H800s alone hold {ratio:.1f}× the compute V3 was trained on",
        caption="Dense BF16 peak of each GPU type in the fleet (bar colours: {colours}), beside, in grey, the "
        "2,048-H800 cluster that trained DeepSeek-V3 and the average H800 fleet that served V3 and R1 on 27-28 Feb "
        "2025. H20 figures are secondary-sourced.",
        sources=("deepseek-v3-report", "deepseek-open-infra-day6", *SPECS),
        fleet_types=len(types),
    )
