"""Step 3: what did the final DeepSeek-V3 training run cost, and what does that figure leave out?

Composes :mod:`analysis.training` and :mod:`analysis.fleet` once: V3's Table 1 priced at DeepSeek's
US$2 and at the run's price of a GPU-hour, the pace and utilisation the GPU-hours imply, R1's
disclosed reinforcement learning, the run as a share of a year of the fleet, and other labs'
disclosed final runs priced the same way.

References
----------
.. [1] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024, Table 1 and section 1.
.. [2] DeepSeek-AI, "DeepSeek-R1 incentivizes reasoning in LLMs through reinforcement learning",
   Nature 645, 2025, Supplementary B.4.4.
.. [3] J. Kaplan et al., "Scaling Laws for Neural Language Models", arXiv:2001.08361, 2020.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import fleet as _fleet
from .. import training as _training
from .. import wording as _wording
from ..formatting import format_value
from ._base import Inputs, StepBuilder, StepResult

NOTEBOOK = "03_pretraining_estimate"
PRICE = ("gpu_hour_price_usd",)
COUNTS = ("hopper_gpus", "h800_gpus", "h100_gpus", "a100_gpus")
#: The parameters this step's numbers depend on (its notebook declares these).
PARAMETERS = (*PRICE, *COUNTS)
V3 = ("deepseek-v3-report",)
R1 = ("deepseek-r1-nature-2025",)
SPECS = ("semianalysis-2025-deepseek-debates", "nvidia-h100-datasheet", "willitrunai-h20", "nvidia-a100-datasheet")
#: Result id stem of each stage of Table 1, by its run id in ``data/training_runs.csv`` order.
STAGE_IDS = ("v3_pretraining", "v3_context_extension", "v3_post_training")


def _stage_columns(price_words: str) -> dict:
    return {
        "stage": ("Stage", "text"),
        "gpu_hours": ("H800 GPU-hours", "count"),
        "cost_usd": (f"Cost {price_words}", "USD"),
        "share_of_total": ("Share of the GPU-hours", "fraction"),
    }


def step3(values: Mapping[str, Any], inputs: Inputs | None = None) -> StepResult:
    """Step 3 at a run's parameter values.

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).

    Returns
    -------
    StepResult
        Tables ``table1``, ``pace``, ``compute``, ``r1``, ``exclusions``, ``fleet_year``,
        ``comparable``; sentences ``table1`` and ``fleet_share``; figures ``fig03_cost_by_stage``,
        ``fig03_cost_vs_gpu_hour_price``,
        ``fig03_run_vs_fleet_year``, ``fig03_comparable_runs``.
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(3, NOTEBOOK, values, inputs, PARAMETERS)
    price = values["gpu_hour_price_usd"]
    price_words = f"at US${price:g} per GPU-hour"
    published = inputs.published
    v3_total, v3_cost, stages = _table1(b, inputs, price, price_words)
    _pace(b, inputs, v3_total)
    _compute(b, inputs)
    r1_total, r1_cost, r1_stages = _r1(b, inputs, price, price_words, v3_total, v3_cost)

    b.table(
        "exclusions",
        inputs.table("cost_exclusions"),
        {
            "item": ("Left out of the US$5.576M", "text"),
            "what_it_is": ("What it is", "text"),
            "evidence": ("Evidence", "text"),
            "quantified_in": ("Where this report puts a number on it", "text"),
            "source_ids": ("Sources", "sources"),
        },
        caption="What DeepSeek's figure excludes, with the evidence",
    )
    shares = _fleet_year(b, inputs, values, v3_total, r1_total)
    _comparable(b, inputs, price, price_words, v3_total, r1_total)
    _figures(b, inputs, values, stages, r1_stages, v3_total, r1_total, v3_cost, r1_cost)

    published_price = published["v3_rental_price"]
    at_published = b.number(
        "v3_training_cost_at_deepseek_price_usd",
        _training.rental_cost_usd(v3_total, published_price),
        "USD",
        f"Cost of V3's full final training at DeepSeek's own US${published_price:g} per GPU-hour, rebuilt from "
        "Table 1's GPU-hours (what DeepSeek published; no run's price moves it)",
        V3,
    )
    table_total = published["v3_table1_total_cost_usd"]
    table_words = (  # worded from the two numbers: true whatever the data say
        "exactly as its Table 1 says"
        if _wording.relation(at_published, table_total) == "equal"
        else "against " + _wording.compared(at_published, table_total, "USD", reference_words="its Table 1")
    )
    if price == published_price:
        shown = format_value(v3_cost, "USD", published=table_total)  # DeepSeek's own figure keeps its precision
        cost_words = f"{shown} at US${price:g} per GPU-hour, DeepSeek's own price, {table_words}"
    else:
        cost_words = (
            f"{format_value(v3_cost, 'USD')} at this run's US${price:g} per GPU-hour "
            f"({format_value(at_published, 'USD', published=table_total)} at DeepSeek's "
            f"US${published_price:g}, {table_words})"
        )
    answer = (
        f"V3's final training cost {cost_words}, but it is one run's rented GPU-hours: it leaves out experiments, "
        f"staff, data and the hardware, and used {shares['fleet']:.1%} of a year of the fleet's compute."
    )
    return b.result(answer, "fig03_cost_by_stage")


def _table1(b: StepBuilder, inputs: Inputs, price: float, price_words: str):
    runs = inputs.training_runs
    published = inputs.published
    v3 = runs[runs["in_v3_table_1"]]
    at_published_price = _training.cost_by_stage(v3, published["v3_rental_price"])
    at_price = _training.cost_by_stage(v3, price)
    table1 = at_price.assign(
        published_cost_usd=list(v3["published_cost_usd"]) + [published["v3_table1_total_cost_usd"]],
        rebuilt_at_published_price_usd=at_published_price["cost_usd"],
        sources=[list(V3)] * len(at_price),
    )
    b.table(
        "table1",
        table1.replace({"stage": {"total": "Total"}}),
        {
            **_stage_columns(price_words),
            "published_cost_usd": ("Published cost (Table 1)", "USD"),
            "rebuilt_at_published_price_usd": (
                f"Rebuilt at DeepSeek's US${published['v3_rental_price']:g} per GPU-hour",
                "USD",
            ),
            "sources": ("Sources", "sources"),
        },
        caption="Table 1 of the V3 report: GPU-hours by stage, priced",
    )
    for stem, stage, gpu_h, cost in zip(
        STAGE_IDS, v3["stage"], at_price["gpu_hours"], at_price["cost_usd"], strict=False
    ):
        b.number(f"{stem}_gpu_hours", gpu_h, "GPU-hours", f"V3 {stage}: H800 GPU-hours (Table 1)", V3)
        b.number(f"{stem}_cost_usd", cost, "USD", f"V3 {stage}: cost {price_words}", V3, PRICE)
    v3_total = b.number(
        "v3_training_gpu_hours",
        at_price["gpu_hours"].iloc[-1],
        "GPU-hours",
        "V3 full training (Table 1 total): H800 GPU-hours",
        V3,
    )
    v3_cost = b.number(
        "v3_training_cost_usd",
        at_price["cost_usd"].iloc[-1],
        "USD",
        f"Cost of V3's full final training (Table 1) {price_words}; US$5.576M at US$2",
        V3,
        PRICE,
        headline=True,
    )
    pretraining_share = b.number(
        "v3_pretraining_share",
        float(at_price["share_of_total"].iloc[0]),
        "fraction",
        "Pre-training's share of V3's final-training GPU-hours (Table 1)",
        V3,
    )
    b.say(
        "table1",
        f"At US${price:g} per GPU-hour, V3's {v3_total / 1e3:,.0f}K GPU-hours cost "
        f"**US${v3_cost / 1e6:.3f}M**; pre-training alone is {pretraining_share:.1%} of it.",
    )
    return v3_total, v3_cost, at_price


def _pace(b: StepBuilder, inputs: Inputs, v3_total: float) -> None:
    v3_model = inputs.models.loc["DeepSeek-V3"]
    published = inputs.published
    pretraining = b.numbers["v3_pretraining_gpu_hours"].value
    per_trillion = _training.gpu_hours_per_trillion_tokens(pretraining, v3_model["training_t_tokens"])
    pace = pd.DataFrame(
        {
            "quantity": [
                "GPU-hours per trillion tokens",
                "days per trillion tokens",
                "days of pre-training",
                "days of the full training",
            ],
            "rebuilt": [
                per_trillion,
                _training.wall_clock_days(per_trillion, v3_model["training_gpus"]),
                _training.wall_clock_days(pretraining, v3_model["training_gpus"]),
                _training.wall_clock_days(v3_total, v3_model["training_gpus"]),
            ],
            "published": [
                published["v3_gpu_hours_per_trillion_tokens"],
                published["v3_days_per_trillion_tokens"],
                "less than two months",
                None,
            ],
        }
    )
    ids = ["v3_gpu_hours_per_trillion_tokens", "v3_days_per_trillion_tokens", "v3_pretraining_days", "v3_training_days"]
    units = ["GPU-hours per trillion tokens", "days per trillion tokens", "days", "days"]
    for rid, value, unit, label in zip(ids, pace["rebuilt"], units, pace["quantity"], strict=True):
        b.number(rid, float(value), unit, f"V3 on 2,048 H800: {label}", V3)
    b.table(
        "pace",
        pace.assign(
            quantity=pace["quantity"].str[:1].str.upper() + pace["quantity"].str[1:], sources=[list(V3)] * len(pace)
        ),
        {
            "quantity": ("On 2,048 H800", "text"),
            "rebuilt": ("Rebuilt from the GPU-hours", "number"),
            "published": ("Published in the V3 report", "value"),
            "sources": ("Sources", "sources"),
        },
        caption="How fast V3 trained: rebuilt from the GPU-hours and the cluster size, beside what the report says "
        "(a dash: not published)",
    )


def _compute(b: StepBuilder, inputs: Inputs) -> None:
    v3_model = inputs.models.loc["DeepSeek-V3"]
    h800 = inputs.gpus.loc["H800"]
    pretraining = b.numbers["v3_pretraining_gpu_hours"].value
    flop = _training.training_flop_6nd(v3_model["activated_b_params"] * 1e9, v3_model["training_t_tokens"] * 1e12)
    kaplan = (*V3, "kaplan-2020-scaling-laws")
    with_specs = (*V3, "kaplan-2020-scaling-laws", "nvidia-h100-datasheet")
    compute = {
        "flop": b.number(
            "v3_training_flop_6nd",
            float(flop),
            "FLOP",
            "V3 pre-training compute by 6·N·D (N = 37B activated, D = 14.8T)",
            kaplan,
        ),
        "tflops_per_gpu": b.number(
            "v3_achieved_tflops_per_gpu",
            float(_training.achieved_flops_per_gpu(flop, pretraining)) / 1e12,
            "TFLOPS",
            "V3 pre-training: average useful TFLOPS per H800 (6ND over GPU-hours)",
            kaplan,
        ),
        "mfu_bf16": b.number(
            "v3_mfu_bf16",
            float(_training.model_flops_utilisation(flop, pretraining, h800["dense_bf16_tflops"])),
            "fraction",
            "V3 pre-training MFU against the H800 dense BF16 peak",
            with_specs,
        ),
        "mfu_fp8": b.number(
            "v3_mfu_fp8",
            float(_training.model_flops_utilisation(flop, pretraining, h800["dense_fp8_tflops"])),
            "fraction",
            "V3 pre-training MFU against the H800 dense FP8 peak",
            with_specs,
        ),
    }
    b.table(
        "compute",
        pd.DataFrame({**{k: [v] for k, v in compute.items()}, "sources": [list(with_specs)]}),
        {
            "flop": ("Training compute by 6ND (FLOP)", lambda v: f"{v / 1e24:.3g} × 10²⁴"),
            "tflops_per_gpu": ("Average useful throughput per H800 (TFLOPS)", "number"),
            "mfu_bf16": ("MFU against the dense BF16 peak", "fraction"),
            "mfu_fp8": ("MFU against the dense FP8 peak", "fraction"),
            "sources": ("Sources", "sources"),
        },
        caption="V3's pre-training compute by 6ND, and how busy that kept the H800s",
    )


def _r1(b: StepBuilder, inputs: Inputs, price: float, price_words: str, v3_total: float, v3_cost: float):
    runs = inputs.training_runs
    r1_costs = _training.cost_by_stage(runs[runs["model"] == "DeepSeek-R1"], price)
    r1_total = b.number(
        "r1_rl_gpu_hours",
        r1_costs["gpu_hours"].iloc[-1],
        "GPU-hours",
        "R1 reinforcement learning and SFT data (Nature Supp. B.4.4): H800 GPU-hours",
        R1,
    )
    r1_cost = b.number(
        "r1_rl_cost_usd",
        r1_costs["cost_usd"].iloc[-1],
        "USD",
        f"Cost of R1's RL stages {price_words}; US$294.7K at US$2",
        R1,
        PRICE,
        headline=True,
    )
    b.number(
        "v3_r1_gpu_hours", v3_total + r1_total, "GPU-hours", "V3 full training plus R1's RL: H800 GPU-hours", (*V3, *R1)
    )
    b.number(
        "v3_r1_cost_usd",
        v3_cost + r1_cost,
        "USD",
        f"Final-run cost of V3 plus R1's RL {price_words}; ~US$5.87M at US$2",
        (*V3, *R1, "theregister-2025-r1-cost"),
        PRICE,
        headline=True,
    )
    b.table(
        "r1",
        r1_costs.replace({"stage": {"total": "Total"}}).assign(sources=[list(R1)] * len(r1_costs)),
        {**_stage_columns(price_words), "sources": ("Sources", "sources")},
        caption="R1's reinforcement learning and its SFT data, disclosed in the Nature version's supplement (B.4.4)",
    )
    return r1_total, r1_cost, r1_costs


def _fleet_year(b: StepBuilder, inputs: Inputs, values, v3_total: float, r1_total: float) -> dict:
    gpus = inputs.gpus
    counts = _fleet.fleet_gpus(**{name: values[name] for name in COUNTS})
    baselines = {name: p.baseline for name, p in inputs.register.items()}
    fleet_name = _wording.whose(values, baselines, COUNTS, "the fleet SemiAnalysis describes", "this run's fleet")
    fleet = pd.DataFrame({"gpus": np.asarray(counts, dtype=float)}, index=pd.Index(_fleet.GPU_TYPES, name="gpu_type"))
    fleet["h800_equivalent_gpus"] = _fleet.h800_equivalent_gpus(
        fleet["gpus"], gpus.loc[fleet.index, "dense_bf16_tflops"], gpus.loc["H800", "dense_bf16_tflops"]
    )
    fleet["gpu_hours_per_year"] = _training.fleet_gpu_hours_per_year(fleet["gpus"])
    fleet["h800_equivalent_hours_per_year"] = _training.fleet_gpu_hours_per_year(fleet["h800_equivalent_gpus"])
    b.number(
        "fleet_gpu_hours_per_year",
        float(fleet["gpu_hours_per_year"].sum()),
        "GPU-hours per year",
        "GPU-hours the fleet can deliver in a year",
        SPECS,
        ("hopper_gpus", "a100_gpus"),  # the H800s and H100s are part of the Hopper total
    )
    b.number(
        "fleet_h800_equivalent_hours_per_year",
        float(fleet["h800_equivalent_hours_per_year"].sum()),
        "H800-equivalent GPU-hours per year",
        "The fleet's yearly GPU-hours weighed by dense BF16 peak against the H800's",
        SPECS,
        COUNTS,
    )
    share_fleet = b.number(
        "v3_training_share_of_fleet_year",
        float(_training.share_of_fleet_year(v3_total, fleet["h800_equivalent_gpus"].sum())),
        "fraction",
        "V3's full training as a share of one year of the fleet's compute (H800-equivalent hours)",
        (*V3, *SPECS),
        COUNTS,
        headline=True,
    )
    share_h800 = b.number(
        "v3_training_share_of_h800_year",
        float(_training.share_of_fleet_year(v3_total, values["h800_gpus"])),
        "fraction",
        "V3's full training as a share of one year of the claimed H800s' GPU-hours",
        (*V3, "semianalysis-2025-deepseek-debates"),
        ("h800_gpus",),
    )
    sa = "semianalysis-2025-deepseek-debates"
    sources = [list(dict.fromkeys([sa, *gpus.loc[t, "spec_source_ids"]])) for t in fleet.index]
    b.table(
        "fleet_year",
        fleet.assign(sources=sources),
        {
            "gpu_type": ("GPU", "text"),
            "gpus": ("GPUs", "count"),
            "h800_equivalent_gpus": ("H800-equivalent GPUs (by dense BF16 peak)", "count"),
            "gpu_hours_per_year": ("GPU-hours a year", "count"),
            "h800_equivalent_hours_per_year": ("H800-equivalent GPU-hours a year", "count"),
            "sources": ("Sources", "sources"),
        },
        caption=f"What {fleet_name} can deliver in a year, by GPU type",
    )
    fleet_year = fleet["h800_equivalent_hours_per_year"]
    bars = [("The fleet, one year", gpu_type, hours) for gpu_type, hours in fleet_year.items()]
    bars += [("V3 full training", "H800", v3_total), ("V3 plus R1's RL", "H800", v3_total + r1_total)]
    b.figure(
        "fig03_run_vs_fleet_year",
        pd.DataFrame(bars, columns=["bar", "gpu_type", "h800_equivalent_gpu_hours"]),
        title=f"V3's final training used {share_fleet:.1%} of a year of the fleet's compute "
        f"({share_h800:.1%} of its H800s' hours)",
        caption="GPU-hours of DeepSeek-V3's full final training, and with R1's RL (black bars, all on H800s), beside "
        f"what {fleet_name} could deliver in one year, by GPU type, each GPU weighed by its dense "
        "BF16 peak against the H800's ({colours}; white text: the GPU count).",
        sources=(*V3, *R1, "semianalysis-2025-deepseek-debates"),
        fleet_types=len(fleet_year),
        gpus=dict(fleet["gpus"]),
    )
    b.say(
        "fleet_share",
        f"- **The final V3 run used {_wording.percent(share_fleet)} of one year of the compute of {fleet_name}** "
        f"({_wording.percent(share_h800)} of one year of its {values['h800_gpus']:,} H800s' hours).",
    )
    return {"fleet": share_fleet, "h800": share_h800}


def _comparable(b: StepBuilder, inputs: Inputs, price: float, price_words: str, v3_total: float, r1_total: float):
    gpus = inputs.gpus
    runs_other = inputs.table("comparable_runs").set_index("model")
    ours = pd.DataFrame(
        {
            "gpu_type": ["H800", "H800"],
            "gpu_hours": [v3_total, v3_total + r1_total],
            "source_ids": [list(V3), [*V3, *R1]],
        },
        index=["DeepSeek-V3 (final run)", "DeepSeek-V3 + R1's RL"],
    )
    comparable = pd.concat([ours, runs_other[["gpu_type", "gpu_hours", "source_ids"]]])
    comparable["h800_equivalent_gpu_hours"] = _fleet.h800_equivalent_gpus(
        comparable["gpu_hours"],
        gpus.loc[comparable["gpu_type"], "dense_bf16_tflops"].to_numpy(),
        gpus.loc["H800", "dense_bf16_tflops"],
    )
    comparable["cost_usd"] = _training.rental_cost_usd(comparable["gpu_hours"], price)
    llama_sources = ("meta-2024-llama-3-1-model-card",)
    llama = b.number(
        "llama_3_1_405b_to_v3_gpu_hours_ratio",
        float(runs_other.loc["Llama 3.1 405B", "gpu_hours"] / v3_total),
        "ratio",
        "GPU-hours of Llama 3.1 405B's final run (H100) over V3's (H800)",
        (*llama_sources, *V3),
    )
    b.number(
        "llama_3_1_405b_cost_usd",
        float(comparable.loc["Llama 3.1 405B", "cost_usd"]),
        "USD",
        f"Llama 3.1 405B's 30.84M H100-hours {price_words}, priced as DeepSeek priced V3",
        llama_sources,
        PRICE,
    )
    b.table(
        "comparable",
        comparable.sort_values("gpu_hours").rename_axis("model"),
        {
            "model": ("Model (final run)", "text"),
            "gpu_type": ("GPU", "text"),
            "gpu_hours": ("GPU-hours", "count"),
            "h800_equivalent_gpu_hours": ("H800-equivalent GPU-hours", "count"),
            "cost_usd": (f"Cost {price_words}", "USD"),
            "source_ids": ("Sources", "sources"),
        },
        caption="Disclosed final runs, priced the way DeepSeek priced V3",
    )
    show = comparable.sort_values("cost_usd")
    b.figure(
        "fig03_comparable_runs",
        show.rename_axis("model")[["gpu_type", "gpu_hours", "cost_usd"]],
        title=f"Priced the same way, Llama 3.1 405B's final run took {llama:.0f}× V3's GPU-hours, "
        f"so {llama:.0f}× its cost",
        caption="Disclosed GPU-hours of final training runs, each at the same price per GPU-hour (DeepSeek's "
        "convention for V3): blue bars, DeepSeek's runs; grey bars, other labs'. GPU types differ: an A100-hour does "
        "about a third of the work of an H800- or H100-hour.",
        sources=(
            *V3,
            *R1,
            "meta-2024-llama-3-1-model-card",
            "meta-2024-llama-3-model-card",
            "meta-2023-llama-2-model-card",
            "hf-2023-falcon-180b",
        ),
        price_usd_per_gpu_hour=price,
    )


def _figures(b: StepBuilder, inputs, values, stages, r1_stages, v3_total, r1_total, v3_cost, r1_cost) -> None:
    price = values["gpu_hour_price_usd"]
    bars = pd.concat(
        [stages.iloc[:-1].assign(model="DeepSeek-V3"), r1_stages.iloc[:-1].assign(model="DeepSeek-R1")],
        ignore_index=True,
    )
    b.figure(
        "fig03_cost_by_stage",
        bars[["model", "stage", "gpu_hours", "cost_usd"]],
        title=f"Pre-training is {stages['share_of_total'].iloc[0]:.0%} of V3's final training; "
        f"R1's RL adds {r1_cost / v3_cost:.0%}",
        caption="Cost of each disclosed training stage, as GPU-hours times a rental price of "
        f"US${price:g} per GPU-hour: blue bars, DeepSeek-V3 (Table 1 of its report); orange bars, "
        "DeepSeek-R1's reinforcement learning (Nature supplement B.4.4).",
        sources=(*V3, *R1),
        price_usd_per_gpu_hour=price,
    )
    register = inputs.register["gpu_hour_price_usd"]
    grid = pd.Series(range(0, 401)) / 100
    lines = pd.DataFrame(
        {
            "price_usd_per_gpu_hour": grid,
            "v3_cost_usd": _training.rental_cost_usd(v3_total, grid),
            "v3_and_r1_rl_cost_usd": _training.rental_cost_usd(v3_total + r1_total, grid),
        }
    )
    low, high = (_training.rental_cost_usd(v3_total, p) / 1e6 for p in (register.low, register.high))
    b.figure(
        "fig03_cost_vs_gpu_hour_price",
        lines,
        title=f"The final run costs US${low:.1f}M to US${high:.1f}M across the sourced price range",
        caption="Cost of DeepSeek-V3's full final training against the price of one GPU-hour: blue line, V3 alone "
        "(blue dots mark the low, baseline and high prices of the assumptions register, and this run's price); orange "
        "dashed line, V3 plus R1's reinforcement learning. The grey band is the range of the price of a GPU-hour in "
        "the assumptions register (data/assumptions.csv).",
        sources=(*V3, *R1, "semianalysis-inferencex-tco", "epoch-training-cost-trends"),
        marked_costs_usd={
            p: _training.rental_cost_usd(v3_total, p)
            for p in sorted({register.low, register.baseline, price, register.high})
        },
        price_range=(register.low, register.high),
        v3_gpu_hours=v3_total,
    )
