"""Step 5: how do R1's prices compare with o1, Gemini 2.0 Flash and others, and what margin does DeepSeek make?

Composes :mod:`analysis.pricing` and the cost model (:func:`analysis.model.evaluate`) once: the list
prices in force on a date, blended prices and their ratios, R1 against o1-1217 on the R1 paper's
Table 4, the price of one question, DeepSeek's Day-6 day of serving (its cost, theoretical revenue and
545% margin, rebuilt), what DeepSeek's own caveats leave of that revenue, and the serving fleet
against the claimed inventory.

A claim about DeepSeek's own arithmetic (US$87,072 of GPUs at US$2, a 545% margin) is stated at
DeepSeek's published inputs whatever the run's price; the run's own values are labelled as the run's.

References
----------
.. [1] DeepSeek-AI, "Day 6: One More Thing – DeepSeek-V3/R1 Inference System Overview",
   open-infra-index, 1 Mar 2025.
.. [2] DeepSeek-AI, "DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement
   Learning", arXiv:2501.12948, 2025, Table 4.
.. [3] SemiAnalysis, "DeepSeek Debates", 31 Jan 2025.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .. import model as _model
from .. import pricing as _pricing
from .. import wording as _wording
from ..formatting import format_value
from ..units import HOURS_PER_DAY
from . import s02_capex_amortisation as _s02
from ._base import Inputs, StepBuilder, StepResult

NOTEBOOK = "05_competitive_pricing"
R1, O1, FLASH = "deepseek-reasoner (R1)", "o1", "gemini-2.0-flash"
#: The same two models as ``data/benchmarks.csv`` names them.
R1_BENCHMARKS, GEMINI_FLASH_BENCHMARKS = "DeepSeek-R1", "Gemini-2.0-Flash"
THINKING = "gemini-2.0-flash-thinking-exp"

# The parameters each number depends on (the tests hold each declaration to what moves it).
# A price on a date moves with the date where the model's price changed, and with the shares of cache
# hits and night tokens where it has such prices (see _blend_drivers).
PRICES = ("as_of_date", "input_output_ratio", "cache_hit_share", "off_peak_share")
TASK = ("task_input_tokens", "task_output_tokens")
PRICE = ("gpu_hour_price_usd",)
SHARES = ("day6_v3_token_share", "day6_off_peak_token_share", "day6_paid_token_share")
COUNTS = ("hopper_gpus", "h800_gpus", "h100_gpus", "a100_gpus")
#: What can move step 2's owned H800-hour, under either method (one list, in step 2).
OWNED = _s02.OWNED_H800_HOUR
#: The parameters this step's numbers depend on (its notebook declares these).
PARAMETERS = tuple(dict.fromkeys((*PRICES, *TASK, "quality_benchmark", *PRICE, *SHARES, *COUNTS, *OWNED)))

PRICE_SOURCES = (
    "deepseek-api-pricing",
    "openai-community-o1-pricing",
    "modelpedia-gemini-2-0-flash",
    "ai-tldr-gemini-2-0",
)
DAY6 = ("deepseek-open-infra-day6", "deepseek-api-pricing")
TABLE4 = ("deepseek-r1-paper-v1",)
#: Gemini 2.0 Flash's benchmark scores: Google DeepMind's model card.
GEMINI_CARD = ("google-2025-gemini-2-0-flash-model-card",)
#: How close R1 and another model must be, on average over the benchmarks both publish, to count as comparable
#: (the rule of the claims ledger for R1 against o1 and against Gemini 2.0 Flash, ``data/claims.csv``).
COMPARABLE_POINTS = 5
#: The claim of the ledger (``data/claims.csv``) that prices R1 "at 0 margins".
ZERO_MARGINS_CLAIM = "sa-0-margins"
#: Two prices of a GPU-hour within this fraction of each other are "close" in the step's words.
CLOSE_FRACTION = 0.1

PRICE_COLUMNS = {
    "model": ("Model", "text"),
    "provider": ("Provider", "text"),
    "effective_from": ("In force from", "text"),
    "input_cache_hit_usd_per_m_tokens": ("Input, cache hit, per million tokens", "USD"),
    "input_cache_miss_usd_per_m_tokens": ("Input, cache miss, per million tokens", "USD"),
    "output_usd_per_m_tokens": ("Output, per million tokens", "USD"),
    "offpeak_output_usd_per_m_tokens": ("Output at night prices, per million tokens", "USD"),
    "context_tokens": ("Context window (tokens)", "count"),
    "source_ids": ("Sources", "sources"),
}
#: The columns of a price table, in the order shown (the model is the index).
SHOWN_PRICES = (
    "provider",
    "effective_from",
    *_pricing.PRICE_COLUMNS,
    "offpeak_output_usd_per_m_tokens",
    "context_tokens",
    "source_ids",
)


def step5(values: Mapping[str, Any], inputs: Inputs | None = None) -> StepResult:
    """Step 5 at a run's parameter values.

    Parameters
    ----------
    values : mapping
        Every register parameter at the run's value (:func:`analysis.steps.run_values`).
    inputs : Inputs, optional
        The data (default: ``data/``).

    Returns
    -------
    StepResult
        Tables ``prices``, ``article_day``, ``timeline``, ``ratios``, ``blended``, ``table4``,
        ``gemini_benchmarks``, ``per_task``, ``day6``, ``bridge``; sentences ``article_day``, ``day6``, ``fleet``,
        ``meaning_margin`` (the run's part of "What this means");
        figures ``fig05_price_comparison``, ``fig05_price_vs_quality``, ``fig05_margin_bridge``.
    """
    inputs = inputs or Inputs.load()
    b = StepBuilder(5, NOTEBOOK, values, inputs, PARAMETERS)
    prices = inputs.table("api_prices")
    table = _pricing.prices_as_of(prices, values["as_of_date"])
    b.table(
        "prices",
        table[list(SHOWN_PRICES)],
        PRICE_COLUMNS,
        caption=f"List prices in force on {values['as_of_date']} (– where a model has no night price; US$0 is free).",
    )
    _article_day(b, inputs, prices)
    _timeline(b, prices)
    blend = _blended(b, values, prices, table)
    ratios = _ratios(b, values, prices, table, blend)
    _price_comparison(b, values, table, ratios)
    gap = _table4(b, inputs)
    _gemini_capability(b, inputs)
    _price_vs_quality(b, inputs, values, table, blend)
    _per_task(b, values, prices, table)
    point = _model.evaluate(values, inputs.model_data)
    day = _day6(b, inputs, values, point)
    _caveats(b, inputs, values, point, day)
    _serving_fleet(b, inputs, values, point)
    b.say("meaning_margin", _meaning_margin(b, inputs, values))
    return b.result(_answer(b, inputs, values, gap, day), "fig05_margin_bridge")


# --------------------------------------------------------------------------- prices on a date
def _article_day(b: StepBuilder, inputs: Inputs, prices: pd.DataFrame) -> None:
    article_date = inputs.table("sources").set_index("id").loc["semianalysis-2025-deepseek-debates", "date"]
    on_article_day = _pricing.prices_as_of(prices, article_date)
    b.number(
        "models_priced_on_article_date",
        len(on_article_day),
        "models",
        "Models in the price file with a price in force on 31 Jan 2025",
        (*PRICE_SOURCES, "semianalysis-2025-deepseek-debates"),
    )
    b.table(
        "article_day",
        on_article_day[list(SHOWN_PRICES)],
        PRICE_COLUMNS,
        caption=f"List prices in force on {article_date}, the day of SemiAnalysis's article.",
    )
    missing = sorted(set(prices["model"]) - set(on_article_day.index))
    b.say("article_day", f"Not yet priced on {article_date}: {', '.join(missing) if missing else 'none'}.")


def _timeline(b: StepBuilder, prices: pd.DataFrame) -> None:
    timeline = prices[prices["provider"] == "DeepSeek"].sort_values(["model", "effective_from"]).reset_index(drop=True)
    r1_output = timeline[timeline["model"] == R1].set_index("effective_from")["output_usd_per_m_tokens"]
    b.number(
        "deepseek_output_price_cut_to_v3_2",
        float(r1_output[r1_output.index.max()] / r1_output[r1_output.index.min()]),
        "ratio",
        "DeepSeek's latest output price for deepseek-reasoner over R1's launch price",
        ("deepseek-api-pricing", "deepseek-api-pricing-v3-2"),
    )
    shown = ["model", "effective_from", *_pricing.PRICE_COLUMNS, "offpeak_output_usd_per_m_tokens", "source_ids"]
    b.table(
        "timeline",
        timeline[shown],
        {c: PRICE_COLUMNS[c] for c in shown},
        caption="DeepSeek's list prices, each from the day it took effect.",
    )


# --------------------------------------------------------------------------- blended prices and ratios
def _on_date(prices: pd.DataFrame, *models: str) -> tuple[str, ...]:
    """``("as_of_date",)`` if any of ``models`` has more than one list price (so the date moves its price)."""
    counts = prices["model"].value_counts()
    return ("as_of_date",) if any(counts.get(m, 0) > 1 for m in models) else ()


def _cache_hits(table: pd.DataFrame, *models: str) -> tuple[str, ...]:
    """``("cache_hit_share",)`` if any of ``models`` has a cache-hit price of its own on the date."""
    hit, miss = (
        table.loc[list(models), "input_cache_hit_usd_per_m_tokens"],
        table.loc[list(models), "input_cache_miss_usd_per_m_tokens"],
    )
    return ("cache_hit_share",) if (hit.notna() & (hit != miss)).any() else ()


def _blend_drivers(prices: pd.DataFrame, table: pd.DataFrame, *models: str) -> tuple[str, ...]:
    """The parameters that move a blended price of ``models`` (or a ratio of them) on the date."""
    night = table.loc[list(models), "offpeak_output_usd_per_m_tokens"].notna().any()
    return (
        *_on_date(prices, *models),
        "input_output_ratio",
        *_cache_hits(table, *models),
        *(("off_peak_share",) if night else ()),
    )


def _blended(b: StepBuilder, values, prices: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    blend = _pricing.blended_price_usd_per_m(
        table,
        input_output_ratio=values["input_output_ratio"],
        cache_hit_share=values["cache_hit_share"],
        off_peak_share=values["off_peak_share"],
    )
    ratio_words = f"{values['input_output_ratio']:g}:1 input:output"
    label = f"blended US$ per million tokens ({ratio_words}) on {values['as_of_date']}"
    for name, number_id in (
        (R1, "blended_price_r1_usd_per_m"),
        (O1, "blended_price_o1_usd_per_m"),
        (FLASH, "blended_price_gemini_2_flash_usd_per_m"),
    ):
        if name in blend:
            b.number(
                number_id,
                float(blend[name]),
                "USD per million tokens",
                f"{name}: {label}",
                PRICE_SOURCES,
                _blend_drivers(prices, table, name),
                headline=name == R1,
            )
    b.table(
        "blended",
        blend.sort_values().rename_axis("model").reset_index(name="usd"),
        {"model": ("Model", "text"), "usd": (f"Blended price per million tokens ({ratio_words})", "USD")},
        caption=f"Blended prices on {values['as_of_date']} (US$0 is free).",
    )
    return blend


def _ratios(b: StepBuilder, values, prices: pd.DataFrame, table: pd.DataFrame, blend: pd.Series) -> dict[str, float]:
    """The price ratios, by number id (a ratio with a model not priced on the date is left out)."""
    output, miss = table["output_usd_per_m_tokens"], table["input_cache_miss_usd_per_m_tokens"]
    o1_r1 = _on_date(prices, O1, R1)
    # number id -> (words, value, the parameters that move it)
    ratios = {
        "price_ratio_o1_to_r1_output": ("o1 over R1, output price", output[O1] / output[R1], o1_r1),
        "price_ratio_o1_to_r1_input": ("o1 over R1, input (cache miss) price", miss[O1] / miss[R1], o1_r1),
        "price_ratio_o1_to_r1_blended": (
            "o1 over R1, blended price",
            blend[O1] / blend[R1],
            _blend_drivers(prices, table, O1, R1),
        ),
    }
    if FLASH in table.index:
        r1_flash = _on_date(prices, R1, FLASH)
        ratios["price_ratio_r1_to_gemini_2_flash_output"] = (
            "R1 over Gemini 2.0 Flash, output price",
            output[R1] / output[FLASH],
            r1_flash,
        )
        ratios["price_ratio_r1_to_gemini_2_flash_blended"] = (
            "R1 over Gemini 2.0 Flash, blended price",
            blend[R1] / blend[FLASH],
            _blend_drivers(prices, table, R1, FLASH),
        )
    if THINKING in table.index:
        free = not blend[THINKING]  # 0 at any price of R1's
        ratios["price_ratio_gemini_flash_thinking_to_r1_blended"] = (
            "Gemini 2.0 Flash Thinking (experimental) over R1, blended price",
            blend[THINKING] / blend[R1],
            () if free else _blend_drivers(prices, table, THINKING, R1),
        )
    for number_id, (words, value, depends_on) in ratios.items():
        b.number(
            number_id,
            float(value),
            "ratio",
            f"{words} on {values['as_of_date']}",
            PRICE_SOURCES,
            depends_on,
            headline=number_id == "price_ratio_o1_to_r1_output",
        )
    b.table(
        "ratios",
        pd.DataFrame([(words, value) for words, value, _ in ratios.values()], columns=["ratio", "value"]),
        {"ratio": ("Price ratio", "text"), "value": ("Ratio", "multiple")},
        caption=f"Price ratios on {values['as_of_date']} (0× where the first model is free).",
    )
    return {number_id: float(value) for number_id, (_, value, _) in ratios.items()}


def _price_comparison(b: StepBuilder, values, table: pd.DataFrame, ratios: dict[str, float]) -> None:
    as_of = values["as_of_date"]
    marks = ["input_cache_miss_usd_per_m_tokens", "output_usd_per_m_tokens"]
    show = table.sort_values("output_usd_per_m_tokens")
    free = show[marks].eq(0).all(axis=1)
    drawn = show[marks].rename(columns=lambda c: c.replace("_m_", "_million_")).rename_axis("model").reset_index()
    title = f"On {as_of} o1's output tokens cost {ratios['price_ratio_o1_to_r1_output']:.0f}x R1's"
    if "price_ratio_r1_to_gemini_2_flash_output" in ratios:
        title += f"; R1's cost {ratios['price_ratio_r1_to_gemini_2_flash_output']:.1f}x Gemini 2.0 Flash's"
    free_words = (
        f"Free on that date, so not plotted (no price on a log axis): {', '.join(show.index[free])}. "
        if free.any()
        else ""
    )
    b.figure(
        "fig05_price_comparison",
        drawn.assign(plotted=[not f for f in free]),
        title=title,
        caption=f"List prices in force on {as_of} per million input (cache-miss) and output tokens, from "
        "data/api_prices.csv: sky-blue circles the input price, blue diamonds the output price, a grey line between "
        f"them. {free_words}A model not yet priced on that date is left out.",
        sources=[s for ids in show["source_ids"] for s in ids],
    )


# --------------------------------------------------------------------------- quality
def _table4(b: StepBuilder, inputs: Inputs) -> float:
    """R1 against o1-1217 on the R1 paper's Table 4; returns the mean absolute gap (points)."""
    benchmarks = inputs.table("benchmarks")
    scores = benchmarks.pivot(index="benchmark_model", columns="benchmark", values="score")
    pair = scores.loc[["DeepSeek-R1", "OpenAI-o1-1217"]].T.dropna()
    pair["r1_minus_o1"] = pair["DeepSeek-R1"] - pair["OpenAI-o1-1217"]
    percent = pair.drop(index=["codeforces_rating"], errors="ignore")
    gap = b.number(
        "r1_o1_mean_abs_gap_points",
        float(percent["r1_minus_o1"].abs().mean()),
        "percentage points",
        "Mean absolute gap between R1 and o1-1217 over the R1 paper's Table 4 (percent-scale benchmarks)",
        TABLE4,
    )
    b.number(
        "r1_o1_benchmarks_within_5_points",
        int((percent["r1_minus_o1"].abs() <= 5).sum()),
        "benchmarks",
        f"Benchmarks (of {len(percent)}) where R1 is within 5 points of o1-1217",
        TABLE4,
    )
    about = benchmarks[benchmarks["benchmark_model"] == "DeepSeek-R1"].set_index("benchmark").loc[pair.index]
    b.table(
        "table4",
        pair.assign(
            name=[_pricing.BENCHMARK_NAMES.get(name, name) for name in pair.index],
            unit=about["unit"],
            sources=about["source_ids"],
        ).reset_index(drop=True),
        {
            "name": ("Benchmark", "text"),
            "unit": ("Unit", "text"),
            "DeepSeek-R1": ("DeepSeek-R1", "number"),
            "OpenAI-o1-1217": ("OpenAI o1-1217", "number"),
            "r1_minus_o1": ("R1 minus o1 (in the benchmark's unit)", "number"),
            "sources": ("Sources", "sources"),
        },
        caption="The R1 paper's Table 4: R1 against o1-1217.",
    )
    return gap


def _gemini_capability(b: StepBuilder, inputs: Inputs) -> float:
    """R1 against Gemini 2.0 Flash on the benchmarks both DeepSeek and Google publish; returns the mean absolute
    gap (points), judged by the same rule as R1 against o1."""
    benchmarks = inputs.table("benchmarks")
    scores = benchmarks.pivot(index="benchmark_model", columns="benchmark", values="score")
    pair = scores.loc[[R1_BENCHMARKS, GEMINI_FLASH_BENCHMARKS]].T.dropna()
    pair["r1_minus_gemini"] = pair[R1_BENCHMARKS] - pair[GEMINI_FLASH_BENCHMARKS]
    gap = b.number(
        "r1_gemini_2_flash_mean_abs_gap_points",
        float(pair["r1_minus_gemini"].abs().mean()),
        "percentage points",
        f"Mean absolute gap between R1 and Gemini 2.0 Flash over the {len(pair)} benchmarks both DeepSeek and Google "
        "publish",
        (*TABLE4, *GEMINI_CARD),
    )
    rows = benchmarks.set_index(["benchmark_model", "benchmark"])
    b.table(
        "gemini_benchmarks",
        pair.assign(
            name=[_pricing.BENCHMARK_NAMES[name] for name in pair.index],
            unit=[rows.loc[(R1_BENCHMARKS, name), "unit"] for name in pair.index],
            sources=[list(TABLE4) + list(GEMINI_CARD)] * len(pair),
        ).reset_index(drop=True),
        {
            "name": ("Benchmark", "text"),
            "unit": ("Unit", "text"),
            R1_BENCHMARKS: ("DeepSeek-R1", "number"),
            GEMINI_FLASH_BENCHMARKS: ("Gemini 2.0 Flash", "number"),
            "r1_minus_gemini": ("R1 minus Gemini 2.0 Flash (points)", "number"),
            "sources": ("Sources", "sources"),
        },
        caption="R1 against Gemini 2.0 Flash on the benchmarks both publish: the R1 paper's Table 4 and Google's "
        "model card",
    )
    within = "within" if gap <= COMPARABLE_POINTS else "more than"
    b.say(
        "gemini_capability",
        f"On the {len(pair)} benchmarks both publish, R1 and Gemini 2.0 Flash are "
        f"**{format_value(gap, 'percentage points')} apart on average**, {within} the {COMPARABLE_POINTS} points the "
        "claims ledger allows for comparable capability (R1 minus Gemini: "
        + "; ".join(f"{_pricing.BENCHMARK_NAMES[name]} {diff:+.1f}" for name, diff in pair["r1_minus_gemini"].items())
        + ").",
    )
    return gap


def _price_vs_quality(b: StepBuilder, inputs: Inputs, values, table: pd.DataFrame, blend: pd.Series) -> None:
    benchmark, as_of = values["quality_benchmark"], values["as_of_date"]
    benchmarks = inputs.table("benchmarks")
    scores = benchmarks.pivot(index="benchmark_model", columns="benchmark", values="score")
    quality = table.dropna(subset=["benchmark_model"]).assign(price=blend)
    quality["score"] = [
        scores.loc[m, benchmark] if m in scores.index else float("nan") for m in quality["benchmark_model"]
    ]
    quality = quality.dropna(subset=["score"])
    bench_name = _pricing.BENCHMARK_NAMES[benchmark]
    bench_unit = benchmarks.loc[benchmarks["benchmark"] == benchmark, "unit"].unique()[0]
    gap = b.number(
        "r1_minus_o1_quality_benchmark",
        float(quality.loc[R1, "score"] - quality.loc[O1, "score"]),
        "percentage points" if bench_unit.startswith("percent ") else f"{bench_unit} points",
        f"R1's score minus o1-1217's on {bench_name}, the benchmark of the chart of price against quality",
        TABLE4,
        ("quality_benchmark",),
    )
    priced = quality["price"] > 0
    points = "points" if "percent" in bench_unit else bench_unit
    b.figure(
        "fig05_price_vs_quality",
        quality[["benchmark_model", "price", "score"]]
        .rename(columns={"price": "blended_price_usd_per_million_tokens", "score": "benchmark_score"})
        .rename_axis("model")
        .reset_index()
        .assign(benchmark=bench_name, score_unit=bench_unit, plotted=list(priced)),
        title=f"R1 scores {abs(gap):.1f} {points} {'below' if gap < 0 else 'above'} o1 on {bench_name} "
        f"at 1/{b.numbers['price_ratio_o1_to_r1_blended'].value:.0f} of its blended price",
        caption=f"Blended price ({values['input_output_ratio']:g}:1 input:output) on {as_of} against {bench_name}, "
        "for the models with a score in data/benchmarks.csv (the R1 paper's Table 4; Gemini 2.0 Flash Thinking's "
        "scores are secondary and approximate). Vermillion: R1; blue: the others. A model free on that date has no "
        "price to plot on a log axis: its name is written in grey at the left edge, at its score.",
        sources=[
            "deepseek-r1-paper-v1",
            "vips-gemini-flash-thinking",
            *(s for ids in quality["source_ids"] for s in ids),
        ],
        highlight=R1,
        as_of_date=as_of,
        benchmark=bench_name,
        score_unit=bench_unit,
    )


def _per_task(b: StepBuilder, values, prices: pd.DataFrame, table: pd.DataFrame) -> None:
    tokens_in, tokens_out = values["task_input_tokens"], values["task_output_tokens"]
    input_usd = _pricing.input_price(
        table["input_cache_hit_usd_per_m_tokens"], table["input_cache_miss_usd_per_m_tokens"], values["cache_hit_share"]
    )
    per_task = pd.Series(
        _pricing.cost_per_task_usd(tokens_in, tokens_out, input_usd, table["output_usd_per_m_tokens"]),
        index=table.index,
    )
    for name, number_id in ((R1, "cost_per_task_r1_usd"), (O1, "cost_per_task_o1_usd")):
        b.number(
            number_id,
            float(per_task[name]),
            "USD per task",
            f"{name}: one question of {tokens_in:,} input and {tokens_out:,} output tokens",
            (*PRICE_SOURCES, "epoch-llm-benchmark-efficiency"),
            (*_on_date(prices, name), *_cache_hits(table, name), "task_input_tokens", "task_output_tokens"),
        )
    b.table(
        "per_task",
        per_task.sort_values().rename_axis("model").reset_index(name="usd"),
        {
            "model": ("Model", "text"),
            "usd": (f"Cost of one question ({tokens_in:,} tokens in, {tokens_out:,} out)", "USD"),
        },
        caption=f"List prices on {values['as_of_date']} (US$0 is free).",
    )


# --------------------------------------------------------------------------- DeepSeek's day of serving
def _day6(b: StepBuilder, inputs: Inputs, values, point: dict) -> dict:
    """DeepSeek's day rebuilt, at the run's price, at DeepSeek's own and at the owned H800-hour."""
    published = inputs.published
    revenue = inputs.model_data.day6_revenue_usd
    price = values["gpu_hour_price_usd"]
    price_words = f"at US${price:g} per GPU-hour"
    owned_hour = point["owned_cost_per_h800_hour_usd"]
    owned = _s02.cost_dependencies(values, inputs, point)["owned_h800_hour"]  # in this run's methods
    cost = b.number(
        "day6_cost_usd",
        point["day6_cost_usd"],
        "USD",
        f"Cost of DeepSeek's day of serving with the GPUs at a market rent of US${price:g} per GPU-hour (DeepSeek: "
        "US$87,072 at its stated US$2)",
        DAY6,
        PRICE,
        headline=True,
    )
    b.number(
        "day6_cost_owned_usd",
        float(point["day6_cost_owned_usd"]),
        "USD",
        "The same day at step 2's owned H800-hour (the same cost model, this run's parameters)",
        (*DAY6, "epoch-training-cost-trends", "assumption"),
        owned,
    )
    margin = b.number(
        "day6_margin",
        point["day6_margin"],
        "fraction",
        "DeepSeek's cost-profit margin of the day: its theoretical revenue (US$562,027, all tokens at R1 prices) "
        "over the GPU cost, less one",
        DAY6,
        PRICE,
        headline=True,
    )
    rebuilt_revenue = b.number(
        "day6_revenue_usd",
        revenue["r1"],
        "USD",
        "Theoretical revenue rebuilt from the token counts DeepSeek gives, rounded to billions (DeepSeek: US$562,027)",
        DAY6,
    )
    rebuilt = b.number(
        "day6_margin_rebuilt",
        point["day6_margin_rebuilt"],
        "fraction",
        "The same margin with the revenue rebuilt from the rounded token counts",
        DAY6,
        PRICE,
    )
    margin_owned = b.number(
        "day6_margin_owned",
        float(point["day6_margin_owned"]),
        "fraction",
        "DeepSeek's margin with the GPUs at step 2's owned H800-hour",
        (*DAY6, "assumption"),
        owned,
    )
    b.table(
        "day6",
        pd.DataFrame(
            {
                "who": [f"This report, {price_words}", "DeepSeek, 1 March 2025"],
                "cost": [cost, published["day6_cost_usd"]],
                "revenue": [revenue["published"], published["day6_revenue_usd"]],
                "margin": [margin, published["day6_margin"]],
                "sources": [list(DAY6), ["deepseek-open-infra-day6"]],
            }
        ),
        {
            "who": ("Figures of", "text"),
            "cost": ("GPU cost of the day", lambda v: f"US${v:,.0f}"),
            "revenue": ("Revenue at R1 prices", lambda v: f"US${v:,.0f}"),
            "margin": ("Cost-profit margin, to the nearest percent", lambda v: f"{v:.0%}"),
            "sources": ("Sources", "sources"),
        },
        caption="The revenue is DeepSeek's own figure in both rows; the margin is rounded as DeepSeek rounds it.",
    )
    at_deepseek = _at_deepseeks_price(inputs)
    deepseek_price = f"at DeepSeek's own US${at_deepseek['price']:g} per GPU-hour"
    b.number(
        "day6_cost_at_deepseek_price_usd",
        at_deepseek["deepseek_cost"],
        "USD",
        f"Cost of DeepSeek's day of serving {deepseek_price}, rebuilt from its node count (what DeepSeek published; "
        "no run's price moves it)",
        DAY6,
    )
    b.number(
        "day6_margin_at_deepseek_price",
        at_deepseek["deepseek_margin"],
        "fraction",
        f"DeepSeek's cost-profit margin of the day {deepseek_price}: its US$562,027 over the cost rebuilt at that "
        "price, less one (what DeepSeek published; no run's price moves it)",
        DAY6,
    )
    b.say(
        "day6",
        " ".join(
            part
            for part in (
                _deepseeks_arithmetic_words(inputs, at_deepseek),
                _run_price_words(price, at_deepseek["price"], cost, margin),
                f"Rebuilt from the token counts, which DeepSeek rounds to billions, the revenue is "
                f"{format_value(rebuilt_revenue, 'USD')}, {_relative_words(rebuilt_revenue, revenue['published'])} "
                f"DeepSeek's US${revenue['published']:,.0f}, and the margin {format_value(rebuilt, 'fraction')} "
                f"{price_words}; everywhere else the report quotes DeepSeek's revenue.",
                _owned_words(owned_hour, price, margin, margin_owned),
            )
            if part
        ),
    )
    return {**at_deepseek, "cost": cost, "margin": margin}


def _at_deepseeks_price(inputs: Inputs) -> dict:
    """DeepSeek's own arithmetic rebuilt at its published inputs: the cost and margin at its US$2."""
    published = inputs.published
    price = float(published["day6_rental_price_usd_per_gpu_hour"])
    cost = float(
        _pricing.serving_cost_usd(
            published["day6_average_nodes"], published["day6_gpus_per_node"], HOURS_PER_DAY, price
        )
    )
    margin = float(_pricing.cost_profit_margin(published["day6_revenue_usd"], cost))
    return {"price": price, "deepseek_cost": cost, "deepseek_margin": margin}


def _deepseeks_arithmetic_words(inputs: Inputs, at_deepseek: dict) -> str:
    """DeepSeek's cost and margin, rebuilt at its own US$2 and compared with what it published."""
    published = inputs.published
    cost, margin = at_deepseek["deepseek_cost"], at_deepseek["deepseek_margin"]
    cost_words = (
        f"reproduces DeepSeek's US${published['day6_cost_usd']:,.0f} exactly"
        if cost == published["day6_cost_usd"]
        else f"is US${cost:,.0f}, not DeepSeek's US${published['day6_cost_usd']:,.0f}"
    )
    same = f"{margin:.2f}" == f"{published['day6_margin']:.2f}"
    margin_words = (
        f"and with it DeepSeek's margin: **{format_value(margin, 'fraction')}**, its {published['day6_margin']:.0%} "
        "to two decimals."
        if same
        else f"and the margin is {format_value(margin, 'fraction')}, not DeepSeek's {published['day6_margin']:.0%}."
    )
    return f"At DeepSeek's US${at_deepseek['price']:g} per GPU-hour the day's cost {cost_words}, {margin_words}"


def _run_price_words(price: float, deepseek_price: float, cost: float, margin: float) -> str:
    if price == deepseek_price:
        return ""
    return (
        f"At this run's US${price:g} per GPU-hour the day costs {format_value(cost, 'USD')} and the margin is "
        f"{format_value(margin, 'fraction')}."
    )


def _relative_words(value: float, reference: float) -> str:
    """``0.01% above`` or ``the same as``: how ``value`` stands against ``reference``."""
    if value == reference:
        return "the same as"
    return f"{abs(value / reference - 1):.2%} {'above' if value > reference else 'below'}"


def _owned_words(owned_hour: float, price: float, margin: float, margin_owned: float) -> str:
    close = abs(owned_hour / price - 1) <= CLOSE_FRACTION
    verdict = (
        f"whether the GPU-hour is rented or owned changes little, because the two prices are within "
        f"{CLOSE_FRACTION:.0%} of each other."
        if close
        else f"owning the GPUs rather than renting them at US${price:g} moves the margin from "
        f"{format_value(margin, 'fraction')} to {format_value(margin_owned, 'fraction')}, because the owned hour is "
        f"{abs(owned_hour / price - 1):.0%} {'above' if owned_hour > price else 'below'} the rent."
    )
    return (
        f"At step 2's owned H800-hour (US${owned_hour:.2f} in this run) the margin is "
        f"{format_value(margin_owned, 'fraction')}: {verdict}"
    )


def _caveats(b: StepBuilder, inputs: Inputs, values, point: dict, day: dict) -> None:
    revenue = inputs.model_data.day6_revenue_usd
    shares = {name: values[name] for name in SHARES}
    bridge = _pricing.revenue_bridge(
        r1_usd=revenue["r1"],
        v3_usd=revenue["v3"],
        r1_offpeak_usd=revenue["r1_offpeak"],
        v3_offpeak_usd=revenue["v3_offpeak"],
        v3_token_share=shares["day6_v3_token_share"],
        off_peak_share=shares["day6_off_peak_token_share"],
        paid_share=shares["day6_paid_token_share"],
    )
    sources = (*DAY6, "assumption")
    price_words = f"at US${values['gpu_hour_price_usd']:g} per GPU-hour"
    b.number(
        "day6_revenue_after_caveats_usd",
        point["day6_revenue_after_caveats_usd"],
        "USD",
        "Revenue of the day after V3 pricing, night discounts and free use (our assumed shares of V3, night-price "
        "and paid tokens)",
        sources,
        SHARES,
    )
    after = b.number(
        "day6_margin_after_caveats",
        point["day6_margin_after_caveats"],
        "fraction",
        f"Cost-profit margin after DeepSeek's caveats, {price_words} (our assumed shares)",
        sources,
        (*PRICE, *SHARES),
        headline=True,
    )
    _owned_and_paid_margins(b, values, point, sources)
    b.number(
        "day6_breakeven_paid_share",
        point["day6_breakeven_paid_share"],
        "fraction",
        "Share of tokens that must be paid for to cover the day's GPU cost (given the V3 and night-discount shares)",
        sources,
        (*PRICE, "day6_v3_token_share", "day6_off_peak_token_share"),
    )
    share_words = (
        f"{shares['day6_v3_token_share']:.0%} of tokens served by V3, {shares['day6_off_peak_token_share']:.0%} "
        f"at night prices, {shares['day6_paid_token_share']:.0%} paid for"
    )
    b.table(
        "bridge",
        bridge,
        {
            "step": ("Step", "text"),
            "usd": (
                "Revenue of the day, or the change",
                lambda v: ("−" if v < 0 else "") + format_value(abs(v), "USD"),
            ),
        },
        caption=f"Our assumed shares: {share_words}.",
    )
    kinds = {"theoretical revenue (all tokens at R1 prices)": "total", "remaining revenue": "total"}
    bars = bridge.rename(columns={"step": "item"})
    bars["drawn_as"] = [f"{'blue' if kinds.get(s) else 'orange'} bar ({kinds.get(s, 'change')})" for s in bars["item"]]
    lines = pd.DataFrame(
        {
            "item": [f"GPU cost {price_words}", "GPU cost at the owned H800-hour"],
            "usd": [day["cost"], b.numbers["day6_cost_owned_usd"].value],
            "drawn_as": ["black dashed line", "black dotted line"],
        }
    )
    b.figure(
        "fig05_margin_bridge",
        pd.concat([bars, lines], ignore_index=True).rename(columns={"usd": "usd_per_day"}),
        title=f"After DeepSeek's own caveats the day's margin is {format_value(after, 'fraction')} at our assumed "
        f"shares, not {format_value(day['margin'], 'fraction')}",
        caption="DeepSeek's theoretical revenue for 27-28 Feb 2025 (all tokens at R1 prices; first blue bar), less "
        "the effect of V3's lower prices, night discounts and free web and app use (orange bars; our assumptions: "
        f"{share_words}), leaving the remaining revenue (last blue bar), against the day's GPU cost at the rental "
        "price (black dashed line) and at the owned H800-hour (black dotted line).",
        sources=sources,
    )


def _owned_and_paid_margins(b: StepBuilder, values, point: dict, sources: tuple) -> None:
    """DeepSeek's margins at the owned H800-hour beside the rented ones, and the margin on paid tokens.

    The margin on paid tokens prices them against their own cost: the day's revenue after V3 pricing and
    night discounts (as if every token were paid) over the whole day's GPU cost, less one. A GPU cost
    shared in proportion to tokens makes it the same as paid revenue over the paid tokens' share of the
    cost, so the share of paid tokens drops out. It is what "priced at 0 margins" (price against cost)
    is judged on; the margin after free tokens is a business margin, a separate question.
    """
    price_words = f"at US${values['gpu_hour_price_usd']:g} per GPU-hour"
    owned = _s02.cost_dependencies(values, b.inputs, point)["owned_h800_hour"]
    mix = ("day6_v3_token_share", "day6_off_peak_token_share")
    b.number(
        "day6_margin_after_caveats_owned",
        point["day6_margin_after_caveats_owned"],
        "fraction",
        "Cost-profit margin after DeepSeek's caveats, at step 2's owned H800-hour (our assumed shares)",
        (*sources, "epoch-training-cost-trends"),
        (*owned, *SHARES),
    )
    b.number(
        "day6_margin_paid_tokens",
        point["day6_margin_paid_tokens"],
        "fraction",
        f"Cost-profit margin on paid tokens, {price_words}: their prices (after V3 pricing and night discounts, "
        "our assumed shares) against the GPU cost of serving them",
        sources,
        (*PRICE, *mix),
    )
    b.number(
        "day6_margin_paid_tokens_owned",
        point["day6_margin_paid_tokens_owned"],
        "fraction",
        "Cost-profit margin on paid tokens at step 2's owned H800-hour: their prices (after V3 pricing and night "
        "discounts, our assumed shares) against the GPU cost of serving them",
        (*sources, "epoch-training-cost-trends"),
        (*owned, *mix),
    )


def _serving_fleet(b: StepBuilder, inputs: Inputs, values, point: dict) -> None:
    published = inputs.published
    serving_gpus = float(published["day6_average_nodes"] * published["day6_gpus_per_node"])
    h800 = values["h800_gpus"]
    share_h800 = b.number(
        "day6_share_of_claimed_h800",
        serving_gpus / h800,
        "fraction",
        f"Average serving fleet ({serving_gpus:,.0f} H800) as a share of the claimed H800s",
        ("deepseek-open-infra-day6", "semianalysis-2025-deepseek-debates"),
        ("h800_gpus",),
    )
    share = b.number(
        "day6_share_of_claimed_fleet",
        point["fleet_gpu_hours_share_serving"],  # weighed by compute (H800-equivalents), as step 6 allocates
        "fraction",
        "Average serving fleet as a share of the whole claimed fleet's compute (GPUs weighed by dense BF16 peak)",
        (
            "deepseek-open-infra-day6",
            "semianalysis-2025-deepseek-debates",
            "nvidia-h100-datasheet",
            "willitrunai-h20",
            "nvidia-a100-datasheet",
        ),
        COUNTS,
    )
    counted = inputs.register["h800_gpus"].baseline
    whose = (
        f"the {h800:,} H800s SemiAnalysis counts"
        if h800 == counted
        else f"this run's {h800:,} H800s (SemiAnalysis counts {counted:,})"
    )
    b.say(
        "fleet",
        f"The average serving fleet, {serving_gpus:,.0f} H800, is {share_h800:.0%} of {whose} and {share:.1%} of the "
        f"compute of the whole claimed fleet of {point['fleet_gpus_total']:,.0f} GPUs (each GPU weighed by its dense "
        "BF16 peak).",
    )


# --------------------------------------------------------------------------- the answer
def _meaning_margin(b: StepBuilder, inputs: Inputs, values) -> str:
    """The "0 margins" bullet of "What this means", from the run's day of serving: the GPU cost against the
    theoretical revenue (rented and owned), the margin on paid tokens against the ledger's threshold, and
    the business margin after free tokens as a separate reading."""
    numbers = {number_id: n.value for number_id, n in b.numbers.items()}
    revenue = numbers["day6_revenue_usd"]
    price = values["gpu_hour_price_usd"]
    cost_share, owned_share = numbers["day6_cost_usd"] / revenue, numbers["day6_cost_owned_usd"] / revenue
    return (
        f'- **"0 margins" against DeepSeek\'s own day of data.** At US${price:g} per GPU-hour the GPU cost of '
        f"serving was {_wording.percent(cost_share)} of the theoretical revenue, and {_wording.percent(owned_share)} "
        f"at step 2's owned H800-hour. {_paid_words(inputs, numbers)} {_business_words(numbers)}"
    )


def _paid_words(inputs: Inputs, numbers: Mapping[str, float]) -> str:
    """The margin on paid tokens, rented and owned, against the claims ledger's "zero margins"."""
    paid, owned = numbers["day6_margin_paid_tokens"], numbers["day6_margin_paid_tokens_owned"]
    return (
        "Priced against their cost, the tokens DeepSeek charged for (after V3 pricing and night discounts, at our "
        f"assumed shares) earn a margin of {format_value(paid, 'fraction')} at the rent and "
        f"{format_value(owned, 'fraction')} at the owned hour: {_zero_margin_words(inputs, paid, owned)}"
    )


def _business_words(numbers: Mapping[str, float]) -> str:
    """The margin after free tokens, rented and owned: whether the day made money, not whether prices had margins."""
    after, owned = numbers["day6_margin_after_caveats"], numbers["day6_margin_after_caveats_owned"]
    breakeven = numbers["day6_breakeven_paid_share"]
    even = (
        f"break-even at the rent if {format_value(breakeven, 'fraction')} of tokens are paid for"
        if breakeven <= 1
        else "no share of paid tokens breaks even"
    )
    return (
        f"After free web and app use, at our assumed share of paid tokens, the day's business margin is "
        f"{format_value(after, 'fraction')} at the rent and {format_value(owned, 'fraction')} at the owned hour "
        f"({even}): a reading of whether the day made money, not of whether the prices had zero margins."
    )


def _answer(b: StepBuilder, inputs: Inputs, values, gap: float, day: dict) -> str:
    numbers = {number_id: n.value for number_id, n in b.numbers.items()}
    price = values["gpu_hour_price_usd"]
    theoretical = (
        "DeepSeek's own arithmetic gives its day of serving a theoretical cost-profit margin of "
        f"{format_value(day['deepseek_margin'], 'fraction')} at US${day['price']:g} per GPU-hour"
    )
    if price != day["price"]:
        theoretical += f" ({format_value(day['margin'], 'fraction')} at this run's US${price:g})"
    return (
        f"On {values['as_of_date']} o1's output tokens cost {numbers['price_ratio_o1_to_r1_output']:.0f}x R1's, "
        f"with benchmark scores {gap:.1f} points apart on average; {theoretical}. {_paid_words(inputs, numbers)} "
        f"{_business_words(numbers)}"
    )


def _zero_margin_words(inputs: Inputs, paid: float, paid_owned: float) -> str:
    """The margin on paid tokens, rented and owned, against the claims ledger's "zero margins" (its threshold
    in ``data/claims.csv``).

    The ledger judges SemiAnalysis's claim over the Monte Carlo draws (step 6); this states where the run's
    point values stand.
    """
    claims = inputs.table("claims")
    rows = claims[claims["claim_id"] == ZERO_MARGINS_CLAIM]  # one row per condition, one threshold for all
    threshold = float(rows["claimed_value"].iloc[0])
    zero = f"the {threshold:.0%} the claims ledger counts as SemiAnalysis's zero margins"
    weighed = "(step 6 weighs the range of the assumed shares and of the owned hour's drivers)."
    above = [m > threshold for m in (paid, paid_owned)]
    if all(above):
        return f"both above {zero} {weighed}"
    if not any(above):
        loss = "a loss, " if min(paid, paid_owned) < 0 else ""
        return f"{loss}both at or below {zero} {weighed}"
    where = "the rent" if above[0] else "the owned hour"
    return f"above {zero} only at {where} {weighed}"
