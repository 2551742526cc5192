"""Step 4: how much KV cache does MLA save, and what does that do to the cost of a token?

Composes :mod:`analysis.kvcache` and :mod:`analysis.serving` once: the KV cache per token of each
model and of V3's size under each kind of attention (the V2 report's Table 1), where the V2 report's
"93.3%" comes from (MLA *and* V2's 6-bit cache against DeepSeek 67B's GQA-8), the cost of a million
output tokens at the throughput DeepSeek measured (Day 6) and SGLang reproduced, then, beside those
measurements, a roofline of one decode step as an upper bound on throughput (a lower bound on cost),
and the V2 report's 5.76x throughput ratio by the same roofline. The owned H800-hour comes from the
cost model (:func:`analysis.model.evaluate`) at the run's parameters, as step 2 computes it.

References
----------
.. [1] DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, 2024, abstract, Table 1 and section 3.2.3.
.. [2] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024, section 3.4.
.. [3] DeepSeek-AI, "Open Infra Index, Day 6: DeepSeek-V3/R1 inference system overview", 2025.
.. [4] LMSYS, "Deploying DeepSeek with PD disaggregation and large-scale expert parallelism on 96
   H100 GPUs", 2025.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import kvcache as _kvcache
from .. import model as _model
from .. import params as _params
from .. import serving as _serving
from .. import uncertainty as _uncertainty
from .. import wording as _wording
from ..formatting import format_value
from . import s02_capex_amortisation as _s02
from ._base import Inputs, StepBuilder, StepResult, step_parameters

NOTEBOOK = "04_mla_inference"
PRICE = ("gpu_hour_price_usd",)
#: The KV-cache precisions of the V2 report's comparison (V2's ~6 bits, DeepSeek 67B's 16).
V2_BITS = ("v2_kv_cache_bits", "dense_baseline_kv_cache_bits")
#: What sets how much KV cache V3's decode instance holds.
INSTANCE = ("serving_nodes", "bytes_per_weight", "kv_cache_bits")
#: What the roofline of one decode step on that instance rests on.
ROOFLINE = (*INSTANCE, "context_tokens", "decode_batch_per_gpu")
#: What moves V3's own (MLA) roofline throughput at the baseline. Its step is compute-bound there, just: a
#: tenth more bytes per weight leaves it so (a move of the other parameters' range ends tips it over), so
#: the weights' bytes move it only in a run whose step is memory-bound (e.g. ``-p bytes_per_weight 2``).
MLA_ROOFLINE = tuple(p for p in ROOFLINE if p != "bytes_per_weight")
#: What moves the V2-over-67B throughput ratio at the baseline: V2 at its largest batch is compute-bound
#: (a bigger V2 cache only shrinks a batch that is compute-bound anyway), DeepSeek 67B is memory-bound.
V2_RATIO = ("dense_baseline_kv_cache_bits", "context_tokens", "bytes_per_weight")
#: What can move step 2's owned H800-hour, under either method (one list, in step 2).
OWNED = _s02.OWNED_H800_HOUR
#: The Monte Carlo's settings, as step 6's: every summary of the draws moves with them.
MONTE_CARLO = ("monte_carlo_draws", "random_seed")
#: Run settings the notebook takes besides its parameters: the ranges a run gives ranged parameters
#: (``-p NAME LOW..HIGH``), which reach the roofline's Monte Carlo through ``Inputs.with_ranges``.
RUN_SETTINGS = ("monte_carlo_ranges",)
#: The parameters this step's numbers depend on, with those tied to them by a rule (its notebook declares
#: these): the owned H800-hour does not move with the H100 count, but the count is part of the Hopper total.
PARAMETERS = step_parameters(PRICE, V2_BITS, ROOFLINE, OWNED, MONTE_CARLO)
#: The roofline's results the Monte Carlo summarises (outputs of :func:`analysis.costs.cost_model`), each with
#: its unit, what it is in words, and the parameters its draws rest on (every roofline parameter, since a
#: draw may be memory-bound where the point is not; the price for costs).
DRAWN = {
    "decode_tokens_per_s_node_roofline": (
        "output tokens per second per node",
        "MLA's roofline throughput per node",
        ROOFLINE,
    ),
    "cost_per_m_output_tokens_roofline_usd": (
        "USD per million output tokens",
        "MLA's roofline decode cost per million output tokens (a lower bound)",
        (*ROOFLINE, *PRICE),
    ),
    "cost_per_m_output_tokens_roofline_gqa8_usd": (
        "USD per million output tokens",
        "The same with GQA-8 instead of MLA (a lower bound)",
        (*ROOFLINE, *PRICE),
    ),
    "mla_cost_reduction_vs_gqa8": ("fraction", "Cut in decode cost per token from MLA against GQA-8", ROOFLINE),
    "roofline_to_measured_ratio": ("ratio", "Roofline throughput over DeepSeek's measured", ROOFLINE),
}
#: The quantiles of the draws step 4 shows: the 90% interval and the median.
QUANTILES = {"p05": "5th percentile", "p50": "Median", "p95": "95th percentile"}

V2_VS_67B = ("deepseek-v2-report", "deepseek-llm-67b")
SERVE = ("deepseek-open-infra-day6", "deepseek-v3-report")
SGLANG = ("lmsys-2025-large-scale-ep",)
ROOF = ("deepseek-v3-report", "deepseek-open-infra-day6", "nvidia-h100-datasheet", "alibaba-infersim")
#: The names of MQA and MLA at V3's size in tables and figures (MHA's and GQA's carry their head counts).
MQA, MLA = "MQA (1 KV head)", "MLA (V3)"
#: How close the roofline's V2-over-67B ratio must be to the report's 5.76 for its sentence to say they agree.
SAME_SIZE = 0.25
#: Batches of the cost-against-batch figure [sequences per GPU].
BATCHES = range(1, 513)
#: Context lengths of the sequences-against-context figure [tokens].
CONTEXTS = pd.Index([2**k for k in range(9, 18)], name="context_tokens")
#: Context lengths of the table of MLA's cost cut against GQA-8, 1K to 128K tokens [tokens].
CUT_CONTEXTS = tuple(2**k for k in range(10, 18))
#: What moves that table: the instance and the batch, not the run's context (each row has its own).
CUT_TABLE = (*INSTANCE, "decode_batch_per_gpu")


def step4(values: Mapping[str, Any], inputs: Inputs | None = None) -> StepResult:
    """Step 4 at a run's parameter values.

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).

    Returns
    -------
    StepResult
        Tables ``kv``, ``reductions``, ``measured``, ``capacity``, ``roofline``, ``mla_cut_by_context``,
        ``v2_vs_67b``;
        sentences ``kv_v3``, ``roofline``, ``v2_ratio`` and ``meaning`` (the run's part of "What this
        means"); figures ``fig04_kv_bytes_by_attention``, ``fig04_cached_sequences_vs_context``,
        ``fig04_cost_per_m_tokens_vs_batch``.

    Raises
    ------
    ValueError
        V3's weights do not fit on the decode instance, or not one sequence of V3's KV cache fits
        after them; or the values break a rule of the cost model (e.g. more H800s than Hopper GPUs).
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(4, NOTEBOOK, values, inputs, PARAMETERS)
    configs = inputs.table("architectures")["config"]
    variants = _variants(configs["DeepSeek-V3"], configs["DeepSeek-LLM-67B"])
    _kv_per_token(b, inputs, configs)
    _where_93_3_comes_from(b, configs, values)
    _kv_by_attention_figure(b, configs["DeepSeek-V3"], variants, values["kv_cache_bits"])
    measured = _measured(b, inputs, values)
    instance, v3 = _v3_on_the_decode_instance(inputs, values)
    capacity = _capacity(b, variants, instance, v3, values)
    gap = _roofline(b, inputs, variants, capacity, instance, v3, values, measured)
    _v2_vs_67b(b, inputs, configs, values)
    below = _roofline_draws(b, inputs, values)
    b.say("meaning", _meaning(b, inputs, values, measured, gap, below))
    answer = (
        "The 93.3% is DeepSeek-V2's KV cache (MLA plus 6-bit quantisation) against DeepSeek 67B, not a cut in "
        f"cost; at the throughput DeepSeek measured, a million output tokens cost about US${measured['deepseek']:.2f} "
        f"at US${values['gpu_hour_price_usd']:g} per GPU-hour (US${measured['day6']:.2f} with the whole day loaded on "
        f"them); the roofline bound is {gap:.1f}x the measured throughput."
    )
    return b.result(answer, "fig04_kv_bytes_by_attention")


def _variants(v3: _kvcache.AttentionConfig, llm67b: _kvcache.AttentionConfig) -> dict:
    """V3's dimensions under each kind of attention, by the name a reader sees: MHA, GQA as DeepSeek 67B's,
    MQA, MLA (the order of every table and figure of the step)."""
    return {
        f"MHA ({v3.heads} KV heads)": v3.as_kind("mha"),
        f"GQA, {llm67b.kv_heads} KV heads": v3.as_kind("gqa", kv_heads=llm67b.kv_heads),
        MQA: v3.as_kind("mqa"),
        MLA: v3,
    }


def _sizes(inputs: Inputs, model: str) -> dict:
    """A model's parameters from ``data/models.csv`` as :mod:`analysis.serving` takes them [parameters]."""
    row = inputs.models.loc[model]
    return {"total_params": row["total_b_params"] * 1e9, "activated_params": row["activated_b_params"] * 1e9}


def _kv_per_token(b: StepBuilder, inputs: Inputs, configs: pd.Series) -> None:
    architectures = inputs.table("architectures")
    kv = pd.DataFrame(
        {
            "attention": [c.kind.upper() for c in configs],
            "elements_per_token": [_kvcache.kv_cache_elements_per_token(c) for c in configs],
            "bytes_per_token_16bit": [_kvcache.kv_cache_bytes_per_token(c, 16) for c in configs],
            "sources": list(architectures["source_ids"]),
        },
        index=configs.index.rename("model"),
    )
    b.table(
        "kv",
        kv,
        {
            "model": ("Model", "text"),
            "attention": ("Attention", "text"),
            "elements_per_token": ("KV-cache elements per token (all layers)", "count"),
            "bytes_per_token_16bit": ("KV cache per token at 16 bits per element (bytes)", "count"),
            "sources": ("Sources", "sources"),
        },
        caption="KV cache per token of DeepSeek's models, by the formulas of the V2 report's Table 1",
    )
    v3_bf16 = b.number(
        "kv_bytes_per_token_v3_bf16",
        kv.loc["DeepSeek-V3", "bytes_per_token_16bit"],
        "bytes per token",
        "DeepSeek-V3 KV cache per token in BF16 (61 x 576 elements x 2 bytes)",
        ("deepseek-v3-report", "deepseek-isca25-insights"),
    )
    b.number(
        "kv_gqa_equivalent_groups_v3",
        _kvcache.gqa_equivalent_groups(configs["DeepSeek-V3"]),
        "groups",
        "GQA groups with the same cache as V3's MLA (V2 Table 1: 2.25)",
        ("deepseek-v2-report",),
    )
    b.say(
        "kv_v3",
        f"DeepSeek-V3 caches **{v3_bf16:,.0f} bytes per token** in BF16; DeepSeek's ISCA'25 paper gives "
        f"{inputs.published['v3_kv_bytes_per_token_isca']:,.0f}.",
    )


def _where_93_3_comes_from(b: StepBuilder, configs: pd.Series, values) -> None:
    v2, llm67b = configs["DeepSeek-V2"], configs["DeepSeek-LLM-67B"]
    elements, in_bytes = _kvcache.kv_cache_elements_per_token, _kvcache.kv_cache_bytes_per_token
    comparisons = (
        (
            "kv_reduction_v2_vs_67b",
            "V2 (MLA, ~6-bit cache) vs DeepSeek 67B (GQA-8, 16-bit): the V2 report's figure",
            _kvcache.kv_reduction(
                in_bytes(v2, values["v2_kv_cache_bits"]), in_bytes(llm67b, values["dense_baseline_kv_cache_bits"])
            ),
            V2_BITS,
        ),
        (
            "kv_reduction_v2_elements_only",
            "V2 vs DeepSeek 67B, elements only (same precision)",
            _kvcache.kv_reduction(elements(v2), elements(llm67b)),
            (),
        ),
        (
            "kv_reduction_vs_mha_v2",
            "V2's MLA vs full MHA at V2's own dimensions (same precision)",
            _kvcache.kv_reduction(elements(v2), elements(v2.as_kind("mha"))),
            (),
        ),
    )
    for number_id, label, reduction, depends_on in comparisons:
        b.number(
            number_id,
            float(reduction),
            "fraction",
            label,
            V2_VS_67B,
            depends_on,
            headline=number_id == "kv_reduction_v2_vs_67b",
        )
    b.table(
        "reductions",
        pd.DataFrame(
            {
                "comparison": [label for _, label, _, _ in comparisons],
                "reduction": [float(reduction) for _, _, reduction, _ in comparisons],
                "sources": [list(V2_VS_67B)] * len(comparisons),
            }
        ),
        {
            "comparison": ("Comparison", "text"),
            "reduction": ("KV cache saved", "fraction"),
            "sources": ("Sources", "sources"),
        },
        caption="Three ways to state the saving",
    )


def _kv_by_attention_figure(b: StepBuilder, v3: _kvcache.AttentionConfig, variants: dict, kv_bits: float) -> None:
    sizes = pd.Series({name: _kvcache.kv_cache_bytes_per_token(c, kv_bits) for name, c in variants.items()})
    mha, mla = sizes.iloc[0], sizes[MLA]
    than_mqa = "more" if mla > sizes[MQA] else "less"
    b.figure(
        "fig04_kv_bytes_by_attention",
        pd.DataFrame(
            {
                "attention": sizes.index,
                "kv_cache_bits_per_element": kv_bits,
                "kv_cache_bytes_per_token": sizes.to_numpy(),
            }
        ),
        title=f"At V3's size MLA caches {1 - mla / mha:.1%} less than MHA, and {than_mqa} than MQA",
        caption=f"KV cache per token of a model with DeepSeek-V3's dimensions ({v3.layers} layers, {v3.heads} heads of "
        f"{v3.head_dim}) under each kind of attention, by the formulas of the DeepSeek-V2 report's Table 1, at "
        f"{kv_bits:g} bits per element. One dot per kind of attention on a logarithmic axis ({{colours}}; the same "
        "colours as the next two figures).",
        sources=("deepseek-v2-report", "deepseek-v3-report"),
        kv_cache_bits=kv_bits,
    )


def _measured(b: StepBuilder, inputs: Inputs, values) -> dict:
    """The cost of a million output tokens at measured throughputs, DeepSeek's first [USD]."""
    published = inputs.published
    price = values["gpu_hour_price_usd"]
    gpus_per_node = int(published["day6_gpus_per_node"])
    deepseek_tps, sglang_tps = published["day6_decode_tokens_per_s_node"], published["sglang_decode_tokens_per_s_node"]
    price_words = f"at US${price:g} per GPU-hour"
    point = _model.evaluate(values, inputs.model_data)
    measured = {
        "deepseek": b.number(
            "cost_per_m_output_tokens_measured_usd",
            float(_serving.cost_per_million_tokens_usd(gpus_per_node, price, deepseek_tps)),
            "USD per million output tokens",
            "V3 and R1 decode cost per million output tokens at DeepSeek's measured ~14.8k tokens/s per H800 node, "
            + price_words,
            SERVE,
            PRICE,
            headline=True,
        ),
        "day6": b.number(
            "cost_per_m_output_tokens_day6_usd",
            point["cost_per_m_output_tokens_day6_usd"],
            "USD per million output tokens",
            f"DeepSeek's whole day of serving (prefill and idle included) over its 168B output tokens, {price_words}",
            SERVE,
            PRICE,
        ),
        "sglang": b.number(
            "cost_per_m_output_tokens_sglang_usd",
            float(_serving.cost_per_million_tokens_usd(gpus_per_node, price, sglang_tps)),
            "USD per million output tokens",
            f"SGLang's measured decode throughput on H100 nodes (~22.3k tokens/s per node), {price_words}",
            SGLANG,
            PRICE,
        ),
    }
    b.number(
        "cost_per_m_output_tokens_owned_usd",
        float(_serving.cost_per_million_tokens_usd(gpus_per_node, point["owned_cost_per_h800_hour_usd"], deepseek_tps)),
        "USD per million output tokens",
        "The measured decode cost at step 2's owned H800-hour (the same cost model, this run's parameters)",
        (*SERVE, "epoch-training-cost-trends", "assumption"),
        _s02.cost_dependencies(values, inputs, point)["owned_h800_hour"],
    )
    b.table(
        "measured",
        pd.DataFrame(
            {
                "measurement": [
                    "DeepSeek, decoding (Day 6)",
                    "DeepSeek, the whole day (Day 6)",
                    "SGLang on H100 (LMSYS)",
                ],
                "tokens_per_s": [deepseek_tps, float("nan"), sglang_tps],
                "usd_per_m": [measured["deepseek"], measured["day6"], measured["sglang"]],
                "sources": [list(SERVE), list(SERVE), list(SGLANG)],
            }
        ),
        {
            "measurement": ("Measurement", "text"),
            "tokens_per_s": ("Output tokens per second per node", "count"),
            "usd_per_m": (f"Cost per million output tokens {price_words}", "USD"),
            "sources": ("Sources", "sources"),
        },
        caption="The whole day has no decode throughput of its own (–): its cost is the day's GPU-hours over its "
        "output tokens.",
    )
    return measured | {"tokens_per_s": deepseek_tps, "gpus_per_node": gpus_per_node}


def _v3_on_the_decode_instance(inputs: Inputs, values):
    """V3's decode instance (``serving_nodes`` nodes of H800) and V3's sizes as the roofline takes them."""
    instance = _serving.Instance.from_gpu(
        inputs.gpus.loc["H800"],
        nodes=values["serving_nodes"],
        gpus_per_node=int(inputs.published["day6_gpus_per_node"]),
    )
    v3 = _sizes(inputs, "DeepSeek-V3") | {
        "context_tokens": values["context_tokens"],
        "bytes_per_weight": values["bytes_per_weight"],
    }
    return instance, v3


def _capacity(b: StepBuilder, variants: dict, instance, v3: dict, values) -> pd.DataFrame:
    nodes, context, kv_bits = values["serving_nodes"], values["context_tokens"], values["kv_cache_bits"]
    weights = _serving.weight_bytes(v3["total_params"], v3["bytes_per_weight"])
    capacity = _serving.kv_capacity_by_attention(variants, instance, weights, kv_bits, context)
    mla = capacity.loc[MLA]
    if mla["max_sequences_per_gpu"] * instance.gpus < 1:
        raise ValueError(
            f"not one sequence of {context:,} tokens of V3's KV cache fits on {nodes} nodes after the weights; "
            "use more serving_nodes, fewer context_tokens or fewer bytes_per_weight"
        )
    b.number(
        "v3_kv_tokens_per_node",
        float(mla["kv_tokens_on_instance"] / nodes),
        "tokens",
        "KV-cache tokens one node of the decode instance holds after V3's weights",
        ("deepseek-v3-report", "nvidia-h100-datasheet"),
        INSTANCE,
    )
    b.number(
        "v3_max_sequences_per_gpu",
        float(mla["max_sequences_per_gpu"]),
        "sequences per GPU",
        f"Most sequences of {context:,} cached tokens per GPU whose V3 KV cache fits on the decode instance",
        ("deepseek-v3-report", "deepseek-open-infra-day6"),
        (*INSTANCE, "context_tokens"),
    )
    b.table(
        "capacity",
        capacity.rename_axis("attention"),
        {
            "attention": ("Attention (V3's size)", "text"),
            "kv_bytes_per_token": (f"KV cache per token at {kv_bits:g} bits (bytes)", "count"),
            "kv_tokens_on_instance": (f"KV-cache tokens on {nodes} nodes", "count"),
            "max_sequences_per_gpu": (f"Most sequences of {context:,} tokens per GPU", "number"),
        },
        caption="How much KV cache V3's decode instance holds after V3's weights, under each kind of attention",
    )
    per_node = pd.DataFrame(
        {
            name: _serving.max_batch(row["kv_tokens_on_instance"] / nodes, CONTEXTS.to_numpy())
            for name, row in capacity.iterrows()
        },
        index=CONTEXTS,
    )
    mha_tokens = capacity["kv_tokens_on_instance"].iloc[0]
    fits = (
        f"about {mla['kv_tokens_on_instance'] / mha_tokens:.0f}x the sequences MHA would"
        if mha_tokens
        else "sequences where MHA would fit none"
    )
    b.figure(
        "fig04_cached_sequences_vs_context",
        per_node.reset_index().melt(id_vars="context_tokens", var_name="attention", value_name="sequences_per_node"),
        title=f"On {nodes} H800 nodes, MLA fits {fits}",
        caption=f"Sequences whose KV cache fits on one node of a {nodes}-node {instance.gpus_per_node} x H800 instance "
        "after V3's weights, against context length, for V3's dimensions under each kind of attention ({colours}); "
        "the grey vertical line is the assumed context.",
        sources=("deepseek-v2-report", "deepseek-v3-report", "nvidia-h100-datasheet"),
        context_tokens=context,
    )
    return capacity


def _roofline_draws(b: StepBuilder, inputs: Inputs, values) -> float:
    """The roofline's results over the Monte Carlo's draws, as step 6 draws them: medians, 90% intervals and
    the share of draws whose bound falls below what DeepSeek measured (returned) [fraction]."""
    register, data = inputs.register, inputs.model_data
    # Set by the run (a scenario or -p): a ranged one is held in the draws, as in step 6.
    held = sorted(n for n in _params.differs_from_baseline(register, values) if register[n].distribution != "fixed")
    n = int(values["monte_carlo_draws"])
    draws = _uncertainty.MonteCarlo(register, values, data, n=n, rng=int(values["random_seed"]), hold=held)
    point = _model.evaluate(values, data)
    summary = draws.summarise(point, keys=tuple(DRAWN), quantiles=(0.05, 0.5, 0.95))
    shown = [k for k in DRAWN if summary.loc[k, ["p05", "p50", "p95"]].notna().all()]
    for key in shown:
        unit, label, depends = DRAWN[key]
        for q, words in QUANTILES.items():
            b.number(
                f"{key}_{q}",
                float(summary.loc[key, q]),
                unit,
                f"{words} of the Monte Carlo of: {label}",
                (*ROOF, "assumption"),
                (*depends, *MONTE_CARLO),
            )
    below = b.number(
        "roofline_below_measured_share_of_draws",
        draws.shares({"below": ("roofline_to_measured_ratio", lambda r: r < 1)})["below"],
        "fraction",
        "Share of Monte Carlo draws whose roofline throughput is below DeepSeek's measured ~14.8k tokens/s per node",
        (*ROOF, "assumption"),
        (*ROOFLINE, *MONTE_CARLO),
    )
    table = summary.loc[shown, ["p50", "p05", "p95", "point", "point_percentile"]].rename_axis("results_id")
    frame = table.reset_index().assign(
        result=[DRAWN[k][1] for k in shown],
        unit=[DRAWN[k][0] for k in shown],
        results_id=[f"{k}_p50" for k in shown],
    )
    # The rows have different units (US$, a percentage, a ratio): each value is written as its row's unit asks
    # (US$0.159, 71.9%, 2.07×), the unit column names the rest; the frame keeps the numbers for code.
    short = ["USD" if u.startswith("USD per ") else u if u in ("fraction", "ratio") else "" for u in frame["unit"]]
    for column in ("p50", "p05", "p95", "point"):
        frame[f"{column}_shown"] = [format_value(v, u) for v, u in zip(frame[column], short, strict=True)]
    frame["unit_shown"] = [
        u[4:] if u.startswith("USD per ") else "" if s else u for u, s in zip(frame["unit"], short, strict=True)
    ]
    b.table(
        "roofline_draws",
        frame,
        {
            "result": ("Roofline result", "text"),
            "unit_shown": ("Unit", "text"),
            "p50_shown": ("Median of the draws", "text"),
            "p05_shown": ("5th percentile", "text"),
            "p95_shown": ("95th percentile", "text"),
            "point_shown": ("At this run's parameters", "text"),
            "point_percentile": ("Share of draws below that value", "fraction"),
            "results_id": ("Result id of the median (to cite)", "code"),
        },
        caption=f"The roofline over {n:,} Monte Carlo draws of the decode instance, context and batch (and the "
        "GPU-hour price for costs): median and 90% interval, beside the value at this run's parameters",
    )
    b.say("roofline_draws", _draws_sentence(b, values, summary, held, below))
    return below


def _interval(row: pd.Series, unit: str) -> str:
    """ "median M (90% interval A to B)", or the value alone when the run holds everything that moves it."""
    if row["p05"] == row["p95"]:
        return f"{format_value(row['p50'], unit)} (no interval: this run holds every parameter that moves it)"
    return (
        f"{format_value(row['p50'], unit)} (90% interval {format_value(row['p05'], unit)} to "
        f"{format_value(row['p95'], unit)})"
    )


def _draws_sentence(b: StepBuilder, values, summary: pd.DataFrame, held: list, below: float) -> str:
    """What the draws say, from the run's values: the medians and intervals, what is held and what is drawn."""
    register = b.inputs.register
    drawn = [n for n in (*ROOFLINE, *PRICE) if register[n].distribution != "fixed" and n not in held]
    ranges = ", ".join(f"{register[n].label or n} {register[n].low:g} to {register[n].high:g}" for n in drawn)
    held_here = [n for n in held if n in (*ROOFLINE, *PRICE)]
    held_words = (
        f"; held at this run's values: {', '.join(register[n].label or n for n in held_here)}" if held_here else ""
    )
    words = {
        "cost_per_m_output_tokens_roofline_usd": ("USD", "{} with MLA"),
        "cost_per_m_output_tokens_roofline_gqa8_usd": ("USD", "{} with GQA-8"),
        "mla_cost_reduction_vs_gqa8": ("fraction", "and MLA's cut against GQA-8 a median of {}"),
    }
    finite = [k for k in words if k in summary.index and summary.loc[k, ["p05", "p50", "p95"]].notna().all()]
    said = ", ".join(words[k][1].format(_interval(summary.loc[k], words[k][0])) for k in finite)
    opening = (
        f"Over {int(values['monte_carlo_draws']):,} Monte Carlo draws (seed {values['random_seed']}; drawn: "
        f"{ranges or 'none'}{held_words}), the roofline's decode cost per million output tokens has a median of "
        f"{said}."
    )
    mla = "cost_per_m_output_tokens_roofline_usd"
    if mla in finite and summary.loc[mla, "p05"] < summary.loc[mla, "p95"]:
        opening += (
            f" {format_value(summary.loc[mla, 'point_percentile'], 'fraction')} of the draws lie below this run's "
            "MLA value."
        )
    if below > 0:
        tail = (
            f"In {format_value(below, 'fraction')} of the draws the bound falls below what DeepSeek measured: "
            "DeepSeek cannot have served at those draws' settings."
        )
    else:
        tail = "In none of the draws does the bound fall below what DeepSeek measured."
    return f"{opening} {tail}"


#: How close the roofline may come to the measured throughput and still count as "about" it [fraction].
ROOFLINE_TOLERANCE = 0.10


def _meaning(b: StepBuilder, inputs: Inputs, values, measured: dict, gap: float, below: float) -> str:
    """The run-dependent bullets of "What this means": measured costs per token at the run's price and
    the roofline against the measurement, worded by :func:`analysis.wording.relation`, then over the draws."""
    price, published_price = values["gpu_hour_price_usd"], inputs.published["v3_rental_price"]
    price_words = _wording.whose(
        {"p": price}, {"p": published_price}, ["p"], f"DeepSeek's US${price:g}", f"this run's US${price:g}"
    )
    owned = b.numbers["cost_per_m_output_tokens_owned_usd"].value
    where = _wording.relation(gap, 1.0, ROOFLINE_TOLERANCE)
    if where == "above":
        roof = (
            f"**The roofline is an upper bound on throughput, {gap:.1f} times what DeepSeek measured**, so it is "
            "a lower bound on cost, shown beside the measurement, not instead of it."
        )
    elif where == "equal":
        roof = (
            f"**The roofline comes within {ROOFLINE_TOLERANCE:.0%} of what DeepSeek measured** ({gap:.2f} times it) "
            "at this run's batch and context: the bound leaves little room above the measurement."
        )
    else:
        roof = (
            f"**The roofline is below what DeepSeek measured** ({gap:.2f} times it): at this run's batch and "
            "context the bound does not hold, so DeepSeek did not serve at these settings."
        )
    return (
        f"- **What a token costs, measured first.** At DeepSeek's measured decode throughput a million output tokens "
        f"cost US${measured['deepseek']:.2f} at {price_words} per GPU-hour (US${owned:.2f} at step 2's owned "
        f"H800-hour), and US${measured['day6']:.2f} with the whole day's prefill and idle time loaded on them; "
        f"SGLang's open reproduction on H100s measures US${measured['sglang']:.2f} at the same price.\n"
        f"- {roof}{_gap_over_draws(b, below)}"
    )


def _gap_over_draws(b: StepBuilder, below: float) -> str:
    """The roofline against the measurement over the Monte Carlo's draws, when the run draws any of its parameters."""
    key = "roofline_to_measured_ratio"
    if f"{key}_p50" not in b.numbers:
        return ""
    low, mid, high = (b.numbers[f"{key}_{q}"].value for q in QUANTILES)
    if low == high:
        return ""
    return (
        f" Over the Monte Carlo's ranges of nodes, context and batch the bound is {format_value(mid, 'ratio')} the "
        f"measurement at the median (90% interval {format_value(low, 'ratio')} to {format_value(high, 'ratio')}), "
        f"and below it in {format_value(below, 'fraction')} of the draws."
    )


def _roofline(b: StepBuilder, inputs, variants: dict, capacity, instance, v3: dict, values, measured: dict) -> float:
    price, batch = values["gpu_hour_price_usd"], values["decode_batch_per_gpu"]
    roofline = _serving.decode_by_attention(
        variants, capacity, instance, sequences_per_gpu=batch, price_usd_per_gpu_hour=price, **v3
    )
    price_words = f"at US${price:g} per GPU-hour"
    b.table(
        "roofline",
        roofline.rename_axis("attention"),
        {
            "attention": ("Attention (V3's size)", "text"),
            "sequences_per_gpu": ("Sequences decoded together per GPU", "number"),
            "step_ms": ("Decode step (ms)", "number"),
            "bound": ("Limited by", "text"),
            "tokens_per_s_per_node": ("Output tokens per second per node (upper bound)", "count"),
            "usd_per_m_output_tokens": (f"Cost per million output tokens {price_words} (lower bound)", "USD"),
        },
        caption="A roofline of one decode step of V3-sized models on the decode instance, each at the assumed batch "
        "or the most its KV cache allows",
    )
    mla, gqa = roofline.loc[MLA], roofline.iloc[1]  # GQA as DeepSeek 67B's
    context = values["context_tokens"]
    node_tps = b.number(
        "decode_tokens_per_s_node_roofline",
        float(mla["tokens_per_s_per_node"]),
        "output tokens per second per node",
        f"Roofline upper bound on V3 decode throughput per {instance.gpus_per_node} x H800 node, at {context:,} "
        f"cached tokens per sequence and {batch} sequences per GPU",
        ROOF,
        MLA_ROOFLINE,
    )
    roof_cost = b.number(
        "cost_per_m_output_tokens_roofline_usd",
        float(mla["usd_per_m_output_tokens"]),
        "USD per million output tokens",
        f"Lower bound on V3 decode cost per million output tokens: the roofline throughput {price_words}",
        ROOF,
        (*MLA_ROOFLINE, *PRICE),
    )
    if pd.notna(gqa["tokens_per_s_per_node"]):  # GQA-8's cache holds at least one sequence
        b.number(
            "cost_per_m_output_tokens_roofline_gqa8_usd",
            float(gqa["usd_per_m_output_tokens"]),
            "USD per million output tokens",
            "Lower bound on decode cost per million output tokens of V3's size with GQA-8 instead of MLA, "
            + price_words,
            (*ROOF, "deepseek-v2-report"),
            # The batch moves it only where GQA-8's cache holds the batch asked for (at the baseline it does not).
            tuple(p for p in (*ROOFLINE, *PRICE) if p != "decode_batch_per_gpu" or gqa["sequences_per_gpu"] == batch),
        )
        speedup = b.number(
            "mla_vs_gqa8_throughput_ratio",
            float(mla["tokens_per_s_per_node"] / gqa["tokens_per_s_per_node"]),
            "ratio",
            "Roofline throughput of V3 with MLA over the same model with GQA-8, same hardware and batch",
            (*ROOF, "deepseek-v2-report"),
            ROOFLINE,
        )
        cut = b.number(
            "mla_cost_reduction_vs_gqa8",
            1 - 1 / speedup,
            "fraction",
            "Cut in decode cost per token from MLA against GQA-8 at V3's size, same hardware and batch, at the run's "
            "context length (a roofline point estimate)",
            (*ROOF, "deepseek-v2-report"),
            ROOFLINE,
        )
        _cut_by_context(b, variants, roofline.index[1], instance, v3, values, cut)
    gap = b.number(
        "roofline_to_measured_ratio",
        node_tps / measured["tokens_per_s"],
        "ratio",
        "Roofline throughput over DeepSeek's measured ~14.8k output tokens/s per node (27-28 Feb 2025)",
        ROOF,
        MLA_ROOFLINE,
    )
    b.say(
        "roofline",
        f"The roofline bounds throughput at **{node_tps:,.0f} output tokens/s per node** ({mla['bound']}-bound, a "
        f"{mla['step_ms']:.1f} ms step), {gap:.1f} times the ~{measured['tokens_per_s']:,.0f} DeepSeek measured: a "
        f"cost of at least US${roof_cost:.3f} per million output tokens {price_words}, against the measured "
        f"US${measured['deepseek']:.3f}.",
    )
    curves = {
        name: _serving.cost_by_batch(
            config,
            capacity.loc[name, "kv_bytes_per_token"],
            capacity.loc[name, "max_sequences_per_gpu"],
            instance,
            BATCHES,
            price_usd_per_gpu_hour=price,
            **v3,
        )
        for name, config in variants.items()
    }
    drawn = pd.concat(
        {
            name: curve.rename_axis("sequences_per_gpu").rename("usd_per_million_output_tokens")
            for name, curve in curves.items()
        },
        names=["attention"],
    ).reset_index()
    b.figure(
        "fig04_cost_per_m_tokens_vs_batch",
        drawn,
        title="Bigger batches cut the cost per token until compute or the KV cache runs out; "
        f"DeepSeek's measured cost is {measured['deepseek'] / roof_cost:.1f}x MLA's bound",
        caption=f"Roofline cost per million output tokens at US${price:g} per GPU-hour of V3-sized models on a "
        f"{values['serving_nodes']}-node {instance.gpus_per_node} x H800 instance with {context:,} cached tokens per "
        "sequence, against the batch per GPU ({colours}); each line ends where the KV cache no longer fits, and is "
        "flat where the step is compute-bound. The roofline is an upper bound on throughput, so a lower bound on "
        "cost; the black dashed line is what DeepSeek measured, the grey vertical line the assumed batch.",
        sources=("deepseek-v2-report", "deepseek-v3-report", "nvidia-h100-datasheet", "deepseek-open-infra-day6"),
        attention=tuple(variants),
        decode_batch_per_gpu=batch,
        measured_usd_per_m_output_tokens=measured["deepseek"],
    )
    return gap


def _cut_by_context(b: StepBuilder, variants: dict, gqa: str, instance, v3: dict, values, cut: float) -> None:
    """MLA's cut in decode cost against GQA-8 from 1K to 128K tokens of context: a point estimate at each."""
    context = values["context_tokens"]
    sizes = {k: v3[k] for k in ("total_params", "activated_params", "bytes_per_weight")}
    table = _serving.cost_cut_by_context(
        variants[MLA],
        variants[gqa],
        instance,
        sorted({*CUT_CONTEXTS, context}),
        sequences_per_gpu=values["decode_batch_per_gpu"],
        kv_bits=values["kv_cache_bits"],
        **sizes,
    ).assign(this_run=lambda t: np.where(t["context_tokens"] == context, "this run's context", ""))
    b.table(
        "mla_cut_by_context",
        table,
        {
            "context_tokens": ("Cached tokens per sequence", "count"),
            "new_sequences_per_gpu": ("MLA: sequences per GPU", "number"),
            "old_sequences_per_gpu": (f"{gqa}: sequences per GPU", "number"),
            "cost_cut": ("Cut in decode cost per token, MLA against GQA-8", "fraction"),
            "this_run": ("Note", "text"),
        },
        caption=f"MLA's cut in decode cost per token against GQA-8 at V3's size on the decode instance, at "
        f"{values['decode_batch_per_gpu']} sequences per GPU or the most each cache holds, by context length "
        "(roofline; a point estimate at each length, not a bound)",
    )
    shown = table.set_index("context_tokens")["cost_cut"]
    capped = table.loc[table["old_sequences_per_gpu"] < values["decode_batch_per_gpu"], "context_tokens"]
    where = (
        f"from {capped.min():,.0f} tokens GQA-8's cache caps its batch first and the cut levels off"
        if len(capped)
        else "GQA-8's cache never caps its batch in this range"
    )
    b.say(
        "mla_cut_by_context",
        f"**MLA's cut in decode cost against GQA-8 is a point estimate that depends on context length**, not a "
        f"bound: {format_value(shown[CUT_CONTEXTS[0]], 'fraction')} at {CUT_CONTEXTS[0]:,} cached tokens, "
        f"{format_value(shown[CUT_CONTEXTS[-1]], 'fraction')} at {CUT_CONTEXTS[-1]:,}, and "
        f"{format_value(cut, 'fraction')} at this run's {context:,} (the number the claims ledger judges). At short "
        f"contexts both run the assumed batch and the cut comes only from reading less cache; {where}.",
    )


def _v2_vs_67b(b: StepBuilder, inputs: Inputs, configs: pd.Series, values) -> None:
    """The V2 report's 5.76x maximum generation throughput, by the same roofline on one node."""
    published = inputs.published
    one_node = _serving.Instance.from_gpu(
        inputs.gpus.loc["H800"], nodes=1, gpus_per_node=int(published["day6_gpus_per_node"])
    )
    models = (("DeepSeek-V2", values["v2_kv_cache_bits"]), ("DeepSeek-LLM-67B", values["dense_baseline_kv_cache_bits"]))
    ratio = pd.DataFrame(
        {
            name: _serving.max_throughput(
                configs[name],
                one_node,
                kv_bits=bits,
                context_tokens=values["context_tokens"],
                bytes_per_weight=values["bytes_per_weight"],
                **_sizes(inputs, name),
            )
            | {"kv_bits": bits}
            for name, bits in models
        }
    ).T.rename_axis("model")
    v2_ratio = b.number(
        "v2_vs_67b_throughput_ratio_model",
        float(ratio.loc["DeepSeek-V2", "tokens_per_s"] / ratio.loc["DeepSeek-LLM-67B", "tokens_per_s"]),
        "ratio",
        f"Roofline maximum throughput of V2 over DeepSeek 67B on one {one_node.gpus_per_node} x H800 node "
        f"(V2 report: {published['v2_throughput_ratio_vs_67b']:g})",
        (*V2_VS_67B, "nvidia-h100-datasheet"),
        V2_RATIO,
    )
    b.table(
        "v2_vs_67b",
        ratio.assign(sources=[inputs.models.loc[m, "source_ids"] for m in ratio.index]),
        {
            "model": ("Model", "text"),
            "kv_bits": ("KV cache (bits per element)", "number"),
            "max_batch": (f"Largest batch of {values['context_tokens']:,}-token sequences on one node", "count"),
            "tokens_per_s": ("Output tokens per second per node (roofline)", "count"),
            "bound": ("Limited by", "text"),
            "sources": ("Sources", "sources"),
        },
        caption="The V2 report's comparison by the same roofline: each model on one node at its largest batch",
    )
    b.say("v2_ratio", _v2_ratio_sentence(v2_ratio, published["v2_throughput_ratio_vs_67b"], inputs))


def _v2_ratio_sentence(v2_ratio: float, reported: float, inputs: Inputs) -> str:
    """The roofline's V2-over-67B ratio beside the report's, worded from the two numbers.

    Within :data:`SAME_SIZE` of the report's figure the sizes are said to agree; otherwise the
    sentence says how far apart they are, so it holds for any run's values.
    """
    v2, llm67b = (inputs.models.loc[m, "activated_b_params"] for m in ("DeepSeek-V2", "DeepSeek-LLM-67B"))
    ratio_words = (
        f"The roofline puts V2 at **{v2_ratio:.1f}x** DeepSeek 67B's maximum throughput, against the report's "
        f"{reported:g}x."
    )
    if v2_ratio <= 1:
        return f"{ratio_words} At these settings the roofline does not even reproduce the direction."
    if abs(v2_ratio / reported - 1) <= SAME_SIZE:
        agreement = "The direction and the size agree:"
    else:
        agreement = (
            f"The direction agrees, the size does not (the roofline's is {v2_ratio / reported:.1f} times the report's):"
        )
    return (
        f"{ratio_words} {agreement} most of V2's advantage is that its small cache lets a far larger batch fit, and "
        f"that it activates {v2:g}B parameters per token against {llm67b:g}B. The exact figure depends on the context "
        "length and on the precisions the report used for 67B, which it does not state."
    )
