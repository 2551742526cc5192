"""The whole cost model in one vectorised function: every step's numbers from the run's parameters.

:func:`cost_model` composes the model functions of steps 1 to 3 and 6
(:mod:`analysis.fleet`, :mod:`analysis.tco`, :mod:`analysis.training`,
:mod:`analysis.allocation`). It is the only cost model: step 1's CapEx, step 2's cost
of ownership and owned GPU-hour, the owned GPU-hour that steps 4 and 5 price tokens
with, and step 6's named costs and their Monte Carlo all come from this one call, at
scalars or at a million draws at once. Nothing here reads a file: the data arrive as
:class:`ModelData`, built from ``data/`` by :func:`analysis.model.load_data`.

Two questions, each answered on one scope:

* *What did developing V3 and R1 cost?* :data:`NAMED_COSTS` ``cost_development_usd``:
  the final runs (V3's Table 1 and R1's RL), the experiments around them, and the
  research staff over the same period, at a GPU-hour price.
  The staff are counted on the scope of the compute: their share of time on V3 and R1
  (``v3_r1_staff_share``) at their pay plus the employer's social insurance.
* *What does a year of the shared fleet and DeepSeek's staff cost?* ``company_cost_per_year_usd``:
  the shared fleet's yearly cost of ownership plus all staff, with the fleet's compute
  allocated among its uses (:func:`analysis.allocation.gpu_hours_by_use`). It includes
  High-Flyer's assumed share of the fleet: ``deepseek_cost_per_year_usd`` and
  ``high_flyer_cost_per_year_usd`` split it between the two.

``cost_final_run_usd`` is DeepSeek's own figure, and ``cost_capability_tco_4y_usd``
owning and running the fleet over SemiAnalysis's 4-year window.

References
----------
.. [1] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025.
.. [2] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from . import allocation as _allocation
from . import fleet as _fleet
from . import pricing as _pricing
from . import serving as _serving
from . import tco as _tco
from . import training as _training
from .kvcache import AttentionConfig
from .methods import apply
from .units import HOURS_PER_DAY, TOKENS_PER_MILLION

#: The named costs, each a different question (module docstring).
NAMED_COSTS = ("cost_final_run_usd", "cost_development_usd", "company_cost_per_year_usd", "cost_capability_tco_4y_usd")
#: The named costs in words, as tables, figures and result labels name them for readers.
NAMED_COST_LABELS = {
    "cost_final_run_usd": "cost of the final run",
    "cost_development_usd": "cost of developing V3 and R1",
    "company_cost_per_year_usd": "a year of the shared fleet and DeepSeek's staff",
    "cost_capability_tco_4y_usd": "cost of owning the fleet for 4 years",
}
#: GPU type -> the parameter that scales its unit price (server price per GPU, or GPU price under Epoch AI's
#: method) relative to the quote the run uses; each drawn over the range its sourced quotes span. The A100 has
#: one price (Fire-Flyer 2's budget) and none.
UNIT_PRICE_FACTORS = {
    "H800": "h800_unit_price_factor",
    "H100": "h100_unit_price_factor",
    "H20": "h20_unit_price_factor",
}
#: Components of the cost of ownership, in the order charts stack them.
TCO_COMPONENTS = ("amortisation", "financing", "electricity", "hosting", "maintenance", "operations_staff")


@dataclass(frozen=True)
class DecodeData:
    """What step 4's roofline takes from ``data/``: V3's attention, the same model with GQA-8, and one H800 node.

    Attributes
    ----------
    mla : AttentionConfig
        DeepSeek-V3's attention (``data/architectures.csv``).
    gqa8 : AttentionConfig
        V3's dimensions with DeepSeek 67B's grouped-query attention (8 KV heads).
    node : analysis.serving.Instance
        One node of ``gpus_per_node`` H800s (``data/gpus.csv``); the run's ``serving_nodes`` set the count.
    total_params, activated_params : float
        V3's parameters, all and per token (``data/models.csv``) [parameters].
    """

    mla: AttentionConfig
    gqa8: AttentionConfig
    node: _serving.Instance
    total_params: float
    activated_params: float


#: Step 4's roofline outputs of :func:`cost_model`: V3 with MLA and with GQA-8 on the run's decode instance.
ROOFLINE_OUTPUTS = (
    "decode_tokens_per_s_node_roofline",
    "cost_per_m_output_tokens_roofline_usd",
    "cost_per_m_output_tokens_roofline_gqa8_usd",
    "mla_vs_gqa8_throughput_ratio",
    "mla_cost_reduction_vs_gqa8",
    "roofline_to_measured_ratio",
)


@dataclass(frozen=True)
class ModelData:
    """What the cost model takes from ``data/``, as arrays over :data:`analysis.fleet.GPU_TYPES`.

    Attributes
    ----------
    gpu_types, architectures : tuple of str
    tdp_w, dense_bf16_tflops : numpy.ndarray
        [W], [TFLOPS]
    gpu_price_usd : numpy.ndarray
        GPU-only price, NaN where none is sourced [USD].
    server_price_usd_per_gpu, server_price_cny_per_gpu : numpy.ndarray
        The chosen server (or cluster) price per GPU in its currency, NaN in the other.
    includes_network : numpy.ndarray of bool
        Whether that price already covers the cluster network.
    purchase_year : numpy.ndarray
        When each type was bought [decimal year].
    v3_gpu_hours, r1_gpu_hours : float
        V3's Table 1 and R1's RL [H800 GPU-hours].
    serving_gpus : float
        H800s serving V3 and R1 on average (Day 6) [GPUs].
    day6_revenue_usd : dict
        The Day-6 tokens priced four ways [USD]: ``r1``, ``v3`` (standard prices),
        ``r1_offpeak``, ``v3_offpeak``; and ``published``, DeepSeek's own US$562,027.
    gpus_per_node : int
        H800s in one of DeepSeek's serving nodes (Day 6) [GPUs].
    measured_output_tokens_per_s_per_node : float
        DeepSeek's measured decode throughput of one such node (Day 6) [tokens/s].
    day6_output_tokens : float
        Output tokens of the Day-6 day [tokens].
    semianalysis_gpus : numpy.ndarray
        SemiAnalysis's own GPU count of each type (31 Jan 2025; the H20s what is left of its
        Hopper total) [GPUs].
    decode : DecodeData or None
        V3 and its GQA-8 twin on H800 decode nodes, for step 4's roofline (None: no roofline outputs).
    """

    gpu_types: tuple
    architectures: tuple
    tdp_w: np.ndarray
    dense_bf16_tflops: np.ndarray
    gpu_price_usd: np.ndarray
    server_price_usd_per_gpu: np.ndarray
    server_price_cny_per_gpu: np.ndarray
    includes_network: np.ndarray
    purchase_year: np.ndarray
    v3_gpu_hours: float
    r1_gpu_hours: float
    serving_gpus: float
    day6_revenue_usd: dict
    gpus_per_node: int
    measured_output_tokens_per_s_per_node: float
    day6_output_tokens: float
    semianalysis_gpus: np.ndarray
    decode: DecodeData | None = None

    def index(self, gpu_type: str) -> int:
        """Position of ``gpu_type`` on the last axis of per-type arrays."""
        return self.gpu_types.index(gpu_type)


def decimal_year(iso_date: str) -> float:
    """A date as a decimal year: the year plus the share of it gone by, e.g. ``2025-01-01`` -> 2025.0.

    Parameters
    ----------
    iso_date : str or datetime.date
        The date, ``YYYY-MM-DD`` (a date is read through its ``str``).

    Returns
    -------
    float
        The year plus the days gone by over the days in that year [decimal year].

    Examples
    --------
    >>> decimal_year("2025-01-01"), round(decimal_year("2021-07-02"), 3)
    (2025.0, 2021.499)
    """
    import datetime as dt

    day = dt.date.fromisoformat(str(iso_date))
    start, end = dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    return day.year + (day - start).days / (end - start).days


def unit_price_factors(p: Mapping, gpu_types) -> np.ndarray:
    """Each GPU type's unit-price factor (:data:`UNIT_PRICE_FACTORS`; 1 for a type without one), types on the last axis.

    Parameters
    ----------
    p : mapping
        Parameter name -> value or array of draws; needs each name of :data:`UNIT_PRICE_FACTORS`.
    gpu_types : sequence of str
        The GPU types, in the order of the per-type arrays.

    Returns
    -------
    numpy.ndarray
        Factors [-], shape ``(len(gpu_types),)`` or ``(draws, len(gpu_types))``.

    Examples
    --------
    >>> unit_price_factors({"h800_unit_price_factor": 1.2, "h100_unit_price_factor": 1.0,
    ...                     "h20_unit_price_factor": 0.9}, ("H800", "H100", "H20", "A100")).tolist()
    [1.2, 1.0, 0.9, 1.0]
    """
    columns = [np.asarray(p[UNIT_PRICE_FACTORS[t]], dtype=float) if t in UNIT_PRICE_FACTORS else 1.0 for t in gpu_types]
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def cost_model(p: Mapping, data: ModelData) -> dict:
    """Every cost the report computes, for one set of parameters or for arrays of draws.

    Parameters
    ----------
    p : mapping
        Parameter name -> value, or an array of draws (all of one length). Needs every
        cost driver of the assumptions register.
    data : ModelData
        What the cost model takes from ``data/`` (:func:`analysis.model.load_data`).

    Returns
    -------
    dict of numpy.ndarray
        Per-type arrays end in ``_by_type`` (GPU types on the last axis); everything else
        is a scalar or one value per draw. Money in [USD], GPU-hours in [GPU-h].
    """
    out = {}
    start = decimal_year(p["tco_window_start"])
    years = _tco.SEMIANALYSIS_OWNERSHIP_YEARS

    # Step 1: the fleet and its CapEx.
    gpus = _fleet.fleet_gpus(
        hopper_gpus=p["hopper_gpus"], h800_gpus=p["h800_gpus"], h100_gpus=p["h100_gpus"], a100_gpus=p["a100_gpus"]
    )
    per_gpu = apply(
        _fleet.SERVER_PRICING_METHODS,
        p["capex_method"],
        "server pricing method",
        p,
        gpu_price_usd=data.gpu_price_usd,
        server_price_usd_per_gpu=data.server_price_usd_per_gpu,
        server_price_cny_per_gpu=data.server_price_cny_per_gpu,
    )
    per_gpu = per_gpu * unit_price_factors(p, data.gpu_types)
    at_sa_counts = _fleet.server_capex_usd(data.semianalysis_gpus, per_gpu)
    gpus, per_gpu = np.broadcast_arrays(gpus, per_gpu)  # draws of a price and of the counts share one shape
    servers = _fleet.server_capex_usd(gpus, per_gpu)
    cluster = _fleet.cluster_capex_usd(servers, p["cluster_interconnect_fraction"], data.includes_network)
    out.update(
        gpus_by_type=gpus,
        server_cost_per_gpu_usd_by_type=per_gpu,
        servers_usd_by_type=servers,
        network_usd_by_type=cluster["network_usd"],
        cluster_usd_by_type=cluster["total_usd"],
    )
    out["fleet_gpus_total"] = gpus.sum(axis=-1)
    out["fleet_capex_usd"] = servers.sum(axis=-1)
    out["fleet_capex_without_h100_usd"] = _fleet.capex_subtotals(servers, data.gpu_types, data.architectures)[
        "without_h100"
    ]
    # SemiAnalysis's GPU counts held, unit prices as the run's: what the US$1.6B claim is judged on.
    out["fleet_capex_at_sa_counts_usd"] = at_sa_counts.sum(axis=-1)
    out["fleet_network_capex_usd"] = cluster["network_usd"].sum(axis=-1)
    out["fleet_cluster_capex_usd"] = cluster["total_usd"].sum(axis=-1)

    # Step 2: owning and running it over the 4-year window, and an owned GPU-hour over each GPU's own life.
    window = _tco.ownership_cost_usd(
        p,
        gpus=gpus,
        cluster_capex_usd=cluster["total_usd"],
        tdp_w=data.tdp_w,
        purchase_year=data.purchase_year,
        start_year=start,
        years=years,
    )
    for component in (*TCO_COMPONENTS, "total"):
        out[f"tco_{component}_usd_by_type"] = window[f"{component}_usd"]
        out[f"tco_{component}_usd"] = window[f"{component}_usd"].sum(axis=-1)
    out["cost_capability_tco_4y_usd"] = out["tco_total_usd"]
    out["it_capacity_kw"] = window["it_capacity_kw"].sum(axis=-1)
    out["opex_4y_usd"] = sum(out[f"tco_{c}_usd"] for c in ("electricity", "hosting", "maintenance", "operations_staff"))
    out["tco_per_year_usd"] = out["tco_total_usd"] / years
    out["written_off_at_window_start_by_type"] = _tco.written_off_fraction(
        p["amortisation_method"],
        {k: _tco.parameter_column(p[k]) for k in ("cost_of_capital", "useful_life_years")},
        purchase_year=data.purchase_year,
        at_year=start,
    )
    life = np.asarray(p["useful_life_years"], dtype=float)
    lifetime = _tco.ownership_cost_usd(
        p,
        gpus=gpus,
        cluster_capex_usd=cluster["total_usd"],
        tdp_w=data.tdp_w,
        purchase_year=data.purchase_year,
        start_year=data.purchase_year,
        years=_tco.parameter_column(life),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["owned_cost_per_gpu_hour_usd_by_type"] = _tco.owned_cost_per_gpu_hour(
            lifetime["total_usd"] / _tco.parameter_column(life),
            np.where(gpus > 0, gpus, np.nan),
            _tco.parameter_column(p["utilisation"]),
        )
    out["owned_cost_per_h800_hour_usd"] = out["owned_cost_per_gpu_hour_usd_by_type"][..., data.index("H800")]

    # Steps 3 and 6: the final runs, and developing V3 and R1.
    out["cost_final_run_usd"] = _training.rental_cost_usd(data.v3_gpu_hours, p["gpu_hour_price_usd"])
    out["r1_rl_usd"] = _training.rental_cost_usd(data.r1_gpu_hours, p["gpu_hour_price_usd"])
    final_runs = data.v3_gpu_hours + data.r1_gpu_hours
    loaded = _training.loaded_staff_cost_usd_per_year(
        p["research_staff_cost_usd_per_year"], p["employer_social_insurance_rate"]
    )
    dev = _training.development_cost_usd(  # staff on the scope of the compute: their time on V3 and R1
        final_run_gpu_hours=final_runs,
        gpu_hour_price_usd=p["gpu_hour_price_usd"],
        experiment_compute_multiple=p["experiment_compute_multiple"],
        research_staff=np.multiply(p["research_staff"], p["v3_r1_staff_share"]),
        research_staff_cost_usd_per_year=loaded,
        development_years=p["development_years"],
    )
    out["experiments_usd"], out["research_staff_usd"] = dev["experiments_usd"], dev["research_staff_usd"]
    out["experiments_gpu_hours"] = dev["experiments_gpu_hours"]
    out["cost_development_usd"] = dev["total_usd"]
    out["development_compute_usd"] = dev["final_runs_usd"] + dev["experiments_usd"]

    # Step 6: a year of the company, with the fleet's compute allocated by use.
    h800 = data.index("H800")
    equivalents = _fleet.h800_equivalent_gpus(gpus, data.dense_bf16_tflops, data.dense_bf16_tflops[h800])
    use = _allocation.gpu_hours_by_use(
        capacity_h800_equivalent_gpus=equivalents.sum(axis=-1),
        final_run_gpu_hours=final_runs,
        experiments_gpu_hours=dev["experiments_gpu_hours"],
        development_years=p["development_years"],
        serving_gpus=data.serving_gpus,
        high_flyer_compute_share=p["high_flyer_compute_share"],
    )
    for name in _allocation.USES:
        out[f"fleet_gpu_hours_{name}"] = use[name]
        out[f"fleet_gpu_hours_share_{name}"] = use[f"share_{name}"]
        with np.errstate(invalid="ignore"):  # NaN shares of an empty fleet stay NaN
            out[f"fleet_cost_per_year_{name}_usd"] = use[f"share_{name}"] * out["tco_per_year_usd"]
    out["fleet_gpu_hours_capacity"] = use["capacity"]
    out["research_staff_usd_per_year"] = np.multiply(p["research_staff"], loaded) * np.ones_like(
        out["tco_per_year_usd"]
    )
    out["company_cost_per_year_usd"] = out["tco_per_year_usd"] + out["research_staff_usd_per_year"]
    # The company-year split: High-Flyer's assumed share of the shared fleet, and DeepSeek's (the rest of
    # the fleet and all of DeepSeek's staff).
    out["high_flyer_cost_per_year_usd"] = out["fleet_cost_per_year_high_flyer_usd"]
    out["deepseek_cost_per_year_usd"] = out["company_cost_per_year_usd"] - out["high_flyer_cost_per_year_usd"]
    # Developing V3 and R1 with the fleet's own hours instead of rented ones: the same compute at the
    # fleet's yearly cost per H800-equivalent hour in service (its cost over its capacity times utilisation).
    with np.errstate(invalid="ignore", divide="ignore"):
        out["owned_cost_per_h800_equivalent_hour_usd"] = out["tco_per_year_usd"] / (
            use["capacity"] * np.asarray(p["utilisation"], dtype=float)
        )
    out["development_compute_owned_usd"] = (final_runs + dev["experiments_gpu_hours"]) * out[
        "owned_cost_per_h800_equivalent_hour_usd"
    ]
    out["cost_development_owned_compute_usd"] = out["development_compute_owned_usd"] + dev["research_staff_usd"]

    # Step 5: DeepSeek's day of serving (Day 6), its margin and what DeepSeek's own caveats leave of it.
    price = np.asarray(p["gpu_hour_price_usd"], dtype=float)
    out["day6_cost_usd"] = _pricing.serving_cost_usd(data.serving_gpus, 1, HOURS_PER_DAY, price)
    revenue = data.day6_revenue_usd
    out["day6_margin"] = _pricing.cost_profit_margin(revenue["published"], out["day6_cost_usd"])
    out["day6_margin_rebuilt"] = _pricing.cost_profit_margin(revenue["r1"], out["day6_cost_usd"])
    after = _pricing.revenue_after_caveats_usd(
        r1_usd=revenue["r1"],
        v3_usd=revenue["v3"],
        r1_offpeak_usd=revenue["r1_offpeak"],
        v3_offpeak_usd=revenue["v3_offpeak"],
        v3_token_share=p["day6_v3_token_share"],
        off_peak_share=p["day6_off_peak_token_share"],
        paid_share=p["day6_paid_token_share"],
    )
    out["day6_revenue_after_caveats_usd"] = after["remaining_usd"]
    out["day6_margin_after_caveats"] = _pricing.cost_profit_margin(after["remaining_usd"], out["day6_cost_usd"])
    out["day6_breakeven_paid_share"] = out["day6_cost_usd"] / after["after_night_usd"]
    # The same day at the owned H800-hour (step 2), and the margin on paid tokens: their price against their
    # cost (the day's revenue as if every token were paid, over the whole day's cost), at rent and owned.
    out["day6_cost_owned_usd"] = _pricing.serving_cost_usd(
        data.serving_gpus, 1, HOURS_PER_DAY, out["owned_cost_per_h800_hour_usd"]
    )
    out["day6_margin_owned"] = _pricing.cost_profit_margin(revenue["published"], out["day6_cost_owned_usd"])
    out["day6_margin_after_caveats_owned"] = _pricing.cost_profit_margin(
        after["remaining_usd"], out["day6_cost_owned_usd"]
    )
    out["day6_margin_paid_tokens"] = _pricing.cost_profit_margin(after["after_night_usd"], out["day6_cost_usd"])
    out["day6_margin_paid_tokens_owned"] = _pricing.cost_profit_margin(
        after["after_night_usd"], out["day6_cost_owned_usd"]
    )

    # Step 4: a million output tokens at DeepSeek's measured decode throughput, and all-in over the Day-6 day.
    out["cost_per_m_output_tokens_measured_usd"] = _serving.cost_per_million_tokens_usd(
        data.gpus_per_node, price, data.measured_output_tokens_per_s_per_node
    )
    out["cost_per_m_output_tokens_day6_usd"] = out["day6_cost_usd"] / data.day6_output_tokens * TOKENS_PER_MILLION
    if data.decode is not None:
        out.update(decode_roofline(p, data, price))
    return out


def decode_roofline(p: Mapping, data: ModelData, price_usd_per_gpu_hour) -> dict:
    """Step 4's roofline of one decode step of V3, with MLA and with GQA-8, on the run's decode instance.

    Each runs at ``decode_batch_per_gpu`` sequences of ``context_tokens`` cached tokens per GPU, or the
    most its KV cache holds on ``serving_nodes`` nodes after V3's weights
    (:func:`analysis.serving.decode_capped`); vectorised over draws of those three and of the price.

    Parameters
    ----------
    p : mapping
        Parameter name -> value or array of draws: ``serving_nodes``, ``context_tokens``,
        ``decode_batch_per_gpu``, ``bytes_per_weight`` and ``kv_cache_bits``.
    data : ModelData
        Needs :attr:`ModelData.decode`.
    price_usd_per_gpu_hour : array_like
        The GPU-hour price that costs the tokens [USD/GPU-hour].

    Returns
    -------
    dict of numpy.ndarray
        :data:`ROOFLINE_OUTPUTS`: MLA's throughput per node [output tokens/s] (an upper bound), the
        cost per million output tokens with MLA and with GQA-8 [USD] (lower bounds), MLA's throughput
        over GQA-8's [ratio], the cut in cost per token from MLA against GQA-8 [fraction] and MLA's
        throughput over DeepSeek's measured ~14.8k tokens/s per node [ratio]; NaN where not one
        sequence fits.
    """
    d = data.decode
    instance = replace(d.node, nodes=np.asarray(p["serving_nodes"], dtype=float))
    run = {
        "kv_bits": p["kv_cache_bits"],
        "sequences_per_gpu": np.asarray(p["decode_batch_per_gpu"], dtype=float),
        "context_tokens": np.asarray(p["context_tokens"], dtype=float),
        "total_params": d.total_params,
        "activated_params": d.activated_params,
        "bytes_per_weight": p["bytes_per_weight"],
    }
    mla = _serving.decode_capped(d.mla, instance, **run)["tokens_per_s_per_node"]
    gqa = _serving.decode_capped(d.gqa8, instance, **run)["tokens_per_s_per_node"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = mla / gqa
        cost = {
            name: _serving.cost_per_million_tokens_usd(d.node.gpus_per_node, price_usd_per_gpu_hour, tps)
            for name, tps in (("mla", mla), ("gqa", gqa))
        }
    return {
        "decode_tokens_per_s_node_roofline": mla,
        "cost_per_m_output_tokens_roofline_usd": cost["mla"],
        "cost_per_m_output_tokens_roofline_gqa8_usd": cost["gqa"],
        "mla_vs_gqa8_throughput_ratio": ratio,
        "mla_cost_reduction_vs_gqa8": 1 - 1 / ratio,
        "roofline_to_measured_ratio": mla / data.measured_output_tokens_per_s_per_node,
    }


def tco_by_year(p: Mapping, data: ModelData) -> dict:
    """The fleet's cost of ownership in each year of the 4-year window, by component, at scalar parameters.

    Parameters
    ----------
    p : mapping
        Parameter name -> scalar value; every cost driver of the assumptions register, as
        for :func:`cost_model`.
    data : ModelData
        What the cost model takes from ``data/`` (:func:`analysis.model.load_data`).

    Returns
    -------
    dict of numpy.ndarray
        ``year_start`` [decimal year] and, for each of :data:`TCO_COMPONENTS` and ``total``,
        ``<component>_usd``: one value per year [USD]. The years add up to
        ``cost_capability_tco_4y_usd`` of :func:`cost_model`.
    """
    out = cost_model(p, data)
    years = np.arange(_tco.SEMIANALYSIS_OWNERSHIP_YEARS, dtype=float)
    start = decimal_year(p["tco_window_start"]) + years[:, None]
    by_year = _tco.ownership_cost_usd(
        p,
        gpus=out["gpus_by_type"],
        cluster_capex_usd=out["cluster_usd_by_type"],
        tdp_w=data.tdp_w,
        purchase_year=data.purchase_year,
        start_year=start,
        years=1.0,
    )
    table = {"year_start": start[:, 0]}
    for component in (*TCO_COMPONENTS, "total"):
        table[f"{component}_usd"] = by_year[f"{component}_usd"].sum(axis=-1)
    return table
