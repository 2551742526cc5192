"""Step 5: API prices on a date, blended prices, cost per task, and DeepSeek's serving margin.

Pure functions on numbers, arrays and small frames; no I/O.

References
----------
.. [1] DeepSeek-AI, "Day 6: One More Thing – DeepSeek-V3/R1 Inference System
   Overview", open-infra-index, 1 Mar 2025 (cost US$87,072, theoretical revenue
   US$562,027, "cost profit margin of 545%").
.. [2] Epoch AI, "LLM inference prices have fallen rapidly but unequally", 2025:
   blended price = 3:1 weighted average of input and output (Artificial Analysis's
   convention).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

PRICE_COLUMNS = ("input_cache_hit_usd_per_m_tokens", "input_cache_miss_usd_per_m_tokens", "output_usd_per_m_tokens")
#: The benchmarks of ``data/benchmarks.csv`` (the R1 paper's Table 4 and those Gemini 2.0 Flash's model card shares
#: with it), by id, and their names for readers.
BENCHMARK_NAMES = {
    "aime_2024": "AIME 2024",
    "math_500": "MATH-500",
    "gpqa_diamond": "GPQA Diamond",
    "codeforces_percentile": "Codeforces (percentile)",
    "codeforces_rating": "Codeforces (rating)",
    "mmlu": "MMLU",
    "livecodebench": "LiveCodeBench",
    "swe_bench_verified": "SWE-bench Verified",
    "mmlu_pro": "MMLU-Pro",
    "simpleqa": "SimpleQA",
}
#: The day DeepSeek's serving statistics end (12:00 UTC+8, 28 Feb 2025) [1]: its prices are those in force then.
DAY6_DATE = "2025-02-28"


def prices_as_of(prices: pd.DataFrame, as_of: dt.date | str) -> pd.DataFrame:
    """The price of each model in force on a date.

    A row is in force from its ``effective_from`` date until the model's next row.
    A model with no row in force yet (released later) has no price: it is left out,
    never given a later price.

    Parameters
    ----------
    prices : pandas.DataFrame
        ``data/api_prices.csv`` (columns ``model``, ``effective_from`` and the prices).
    as_of : datetime.date or str
        The date, as a date or an ISO string ``YYYY-MM-DD``.

    Returns
    -------
    pandas.DataFrame
        One row per model priced on that date, indexed by model.

    Examples
    --------
    >>> p = pd.DataFrame({"model": ["a", "a", "b"],
    ...                   "effective_from": [dt.date(2025, 1, 1), dt.date(2025, 2, 9), dt.date(2025, 3, 1)],
    ...                   "output_usd_per_m_tokens": [0.28, 1.10, 5.0]})
    >>> prices_as_of(p, "2025-02-08")["output_usd_per_m_tokens"].to_dict()
    {'a': 0.28}
    >>> prices_as_of(p, "2025-02-09")["output_usd_per_m_tokens"].to_dict()
    {'a': 1.1}
    """
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    in_force = prices[prices["effective_from"] <= day].sort_values(["model", "effective_from"])
    return in_force.groupby("model", sort=False).tail(1).set_index("model").sort_index()


def effective_price(standard, offpeak, off_peak_share):
    """Average price when a share of the tokens is served off-peak (NaN off-peak = no discount).

    Parameters
    ----------
    standard : array_like
        Standard price [USD per million tokens].
    offpeak : array_like
        Off-peak price, NaN where there is none [USD per million tokens].
    off_peak_share : array_like
        Share of tokens served off-peak [0-1].

    Returns
    -------
    array_like
        Token-weighted average price [USD per million tokens].

    Examples
    --------
    >>> float(effective_price(2.19, 0.55, 0.25))
    1.78
    """
    standard = np.asarray(standard, dtype=float)
    offpeak = np.where(np.isnan(np.asarray(offpeak, dtype=float)), standard, offpeak)
    return (1 - off_peak_share) * standard + off_peak_share * offpeak


def input_price(cache_hit, cache_miss, cache_hit_share):
    """Average price of an input token for a given share of cache hits (NaN hit = no discount).

    Parameters
    ----------
    cache_hit : array_like
        Input price on a cache hit, NaN where there is none [USD per million tokens].
    cache_miss : array_like
        Input price on a cache miss [USD per million tokens].
    cache_hit_share : array_like
        Share of input tokens that hit the cache [0-1].

    Returns
    -------
    array_like
        Token-weighted average input price [USD per million tokens].

    Examples
    --------
    >>> round(float(input_price(0.14, 0.55, 342 / 608)), 4)
    0.3194
    """
    cache_miss = np.asarray(cache_miss, dtype=float)
    cache_hit = np.where(np.isnan(np.asarray(cache_hit, dtype=float)), cache_miss, cache_hit)
    return cache_hit_share * cache_hit + (1 - cache_hit_share) * cache_miss


def blended_price_usd_per_m(
    table: pd.DataFrame, *, input_output_ratio: float, cache_hit_share: float = 0.0, off_peak_share: float = 0.0
) -> pd.Series:
    """Price per million tokens of a mix of input and output tokens.

    Parameters
    ----------
    table : pandas.DataFrame
        Prices (columns of ``data/api_prices.csv``), one row per model.
    input_output_ratio : float
        Input tokens per output token; 3 is Artificial Analysis's convention [2].
    cache_hit_share : float
        Share of input tokens that hit the cache [0-1].
    off_peak_share : float
        Share of tokens served at off-peak prices, where a model has them [0-1].

    Returns
    -------
    pandas.Series
        US$ per million tokens (input and output together), by model.

    Notes
    -----
    ``(r x input + output) / (r + 1)``, with ``input`` averaged over cache hits and
    misses and each price averaged over peak and off-peak hours.

    Examples
    --------
    R1 at list prices, 3:1, no cache hits: (3 x 0.55 + 2.19) / 4 = 0.96.

    >>> r1 = pd.DataFrame({"input_cache_hit_usd_per_m_tokens": [0.14], "input_cache_miss_usd_per_m_tokens": [0.55],
    ...                    "output_usd_per_m_tokens": [2.19],
    ...                    "offpeak_input_cache_hit_usd_per_m_tokens": [float("nan")],
    ...                    "offpeak_input_cache_miss_usd_per_m_tokens": [float("nan")],
    ...                    "offpeak_output_usd_per_m_tokens": [float("nan")]},
    ...                   index=["r1"])
    >>> round(float(blended_price_usd_per_m(r1, input_output_ratio=3)["r1"]), 4)
    0.96
    """
    for name, share in (("cache_hit_share", cache_hit_share), ("off_peak_share", off_peak_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name} must be in [0, 1]; got {share}")
    if input_output_ratio < 0:
        raise ValueError(f"input_output_ratio must be >= 0; got {input_output_ratio}")
    hit = effective_price(
        table["input_cache_hit_usd_per_m_tokens"], table["offpeak_input_cache_hit_usd_per_m_tokens"], off_peak_share
    )
    miss = effective_price(
        table["input_cache_miss_usd_per_m_tokens"], table["offpeak_input_cache_miss_usd_per_m_tokens"], off_peak_share
    )
    out = effective_price(table["output_usd_per_m_tokens"], table["offpeak_output_usd_per_m_tokens"], off_peak_share)
    inp = input_price(hit, miss, cache_hit_share)
    return pd.Series((input_output_ratio * inp + out) / (input_output_ratio + 1), index=table.index)


def cost_per_task_usd(input_tokens, output_tokens, input_usd_per_m, output_usd_per_m):
    """Cost of one task (e.g. one benchmark question) from its token counts.

    Reasoning models bill their hidden reasoning as output tokens, so a task's
    output can be thousands of tokens.

    Parameters
    ----------
    input_tokens : array_like
        Input tokens of the task [tokens].
    output_tokens : array_like
        Output tokens of the task, reasoning included [tokens].
    input_usd_per_m : array_like
        Input price [USD per million tokens].
    output_usd_per_m : array_like
        Output price [USD per million tokens].

    Returns
    -------
    array_like
        Cost of the task [USD].

    Examples
    --------
    R1 on a GPQA Diamond question (Epoch AI: ~247 input and ~7,576 output tokens):

    >>> round(float(cost_per_task_usd(247, 7576, 0.55, 2.19)), 4)
    0.0167
    """
    return (np.multiply(input_tokens, input_usd_per_m) + np.multiply(output_tokens, output_usd_per_m)) / 1e6


def serving_cost_usd(nodes, gpus_per_node, hours, price_usd_per_gpu_hour):
    """Cost of serving on ``nodes`` nodes for ``hours`` at a GPU-hour price.

    Parameters
    ----------
    nodes : array_like
        Nodes serving, on average [nodes].
    gpus_per_node : array_like
        GPUs per node [GPUs/node].
    hours : array_like
        Duration [h].
    price_usd_per_gpu_hour : array_like
        Price of a GPU-hour [USD/GPU-hour].

    Returns
    -------
    array_like
        Cost of the GPU time [USD].

    Examples
    --------
    DeepSeek's day of serving [1]: 226.75 nodes x 8 GPUs x 24 h x US$2.

    >>> float(serving_cost_usd(226.75, 8, 24, 2.0))
    87072.0
    """
    return np.multiply(np.multiply(nodes, gpus_per_node) * hours, price_usd_per_gpu_hour)


def token_revenue_usd(
    cache_hit_tokens, cache_miss_tokens, output_tokens, hit_usd_per_m, miss_usd_per_m, output_usd_per_m
) -> dict:
    """Revenue of a token volume at given prices, by component and in total.

    Parameters
    ----------
    cache_hit_tokens, cache_miss_tokens : float or array_like
        Input tokens that hit, and that missed, the cache [tokens].
    output_tokens : float or array_like
        Output tokens [tokens].
    hit_usd_per_m, miss_usd_per_m : float or array_like
        Input prices on a cache hit and on a miss [USD per million tokens].
    output_usd_per_m : float or array_like
        Output price [USD per million tokens].

    Returns
    -------
    dict
        ``cache_hit_usd``, ``cache_miss_usd``, ``output_usd`` and their sum ``total_usd`` [USD].

    Examples
    --------
    DeepSeek's day at R1 prices: 342B hits, 266B misses, 168B output [1].

    >>> round(token_revenue_usd(342e9, 266e9, 168e9, 0.14, 0.55, 2.19)["total_usd"])
    562100
    """
    parts = {
        "cache_hit_usd": cache_hit_tokens * hit_usd_per_m / 1e6,
        "cache_miss_usd": cache_miss_tokens * miss_usd_per_m / 1e6,
        "output_usd": output_tokens * output_usd_per_m / 1e6,
    }
    parts["total_usd"] = sum(parts.values())
    return parts


def cost_profit_margin(revenue_usd, cost_usd):
    """DeepSeek's "cost profit margin": profit over cost (5.45 means 545%).

    Parameters
    ----------
    revenue_usd : array_like
        Revenue [USD].
    cost_usd : array_like
        Cost, > 0 [USD].

    Returns
    -------
    array_like
        ``(revenue - cost) / cost`` [-].

    Raises
    ------
    ValueError
        If ``cost_usd`` is not > 0.

    Examples
    --------
    >>> round(float(cost_profit_margin(562_027, 87_072)), 3)
    5.455
    """
    if np.any(np.asarray(cost_usd) <= 0):
        raise ValueError("cost_usd must be > 0")
    return (np.asarray(revenue_usd) - cost_usd) / cost_usd


def revenue_after_caveats_usd(
    *, r1_usd, v3_usd, r1_offpeak_usd, v3_offpeak_usd, v3_token_share, off_peak_share, paid_share
) -> dict:
    """DeepSeek's theoretical revenue and what its three caveats leave of it, for scalars or arrays of shares [1].

    Parameters
    ----------
    r1_usd, v3_usd : array_like
        Revenue of the day's tokens if all were billed at R1's, or V3's, standard prices [USD].
    r1_offpeak_usd, v3_offpeak_usd : array_like
        The same at off-peak prices [USD].
    v3_token_share : array_like
        Share of tokens served by V3 rather than R1 [0-1].
    off_peak_share : array_like
        Share of tokens billed at off-peak prices [0-1].
    paid_share : array_like
        Share of tokens that are paid for at all (web and app use is free) [0-1].

    Returns
    -------
    dict of array_like
        ``theoretical_usd`` (everything at R1 prices), ``standard_usd`` (V3's tokens at V3's
        prices), ``after_night_usd`` (night discounts too) and ``remaining_usd`` (only paid
        tokens) [USD].

    Examples
    --------
    >>> out = revenue_after_caveats_usd(r1_usd=100, v3_usd=50, r1_offpeak_usd=25, v3_offpeak_usd=25, v3_token_share=0.5,
    ...                                 off_peak_share=0.0, paid_share=0.5)
    >>> {k: float(v) for k, v in out.items()}
    {'theoretical_usd': 100.0, 'standard_usd': 75.0, 'after_night_usd': 75.0, 'remaining_usd': 37.5}
    """
    for name, share in (
        ("v3_token_share", v3_token_share),
        ("off_peak_share", off_peak_share),
        ("paid_share", paid_share),
    ):
        share = np.asarray(share, dtype=float)
        if np.any((share < 0) | (share > 1)):
            raise ValueError(f"{name} must be in [0, 1]; got {share.min() if share.ndim else float(share)}")
    standard = np.multiply(np.subtract(1, v3_token_share), r1_usd) + np.multiply(v3_token_share, v3_usd)
    offpeak = np.multiply(np.subtract(1, v3_token_share), r1_offpeak_usd) + np.multiply(v3_token_share, v3_offpeak_usd)
    after_night = np.multiply(np.subtract(1, off_peak_share), standard) + np.multiply(off_peak_share, offpeak)
    return {
        "theoretical_usd": np.asarray(r1_usd, dtype=float) * np.ones_like(standard),
        "standard_usd": standard,
        "after_night_usd": after_night,
        "remaining_usd": np.multiply(paid_share, after_night),
    }


def revenue_bridge(
    *,
    r1_usd: float,
    v3_usd: float,
    r1_offpeak_usd: float,
    v3_offpeak_usd: float,
    v3_token_share: float,
    off_peak_share: float,
    paid_share: float,
) -> pd.DataFrame:
    """From DeepSeek's theoretical revenue (everything at R1 prices) to what its caveats leave [1].

    Parameters
    ----------
    r1_usd, v3_usd : float
        Revenue of the day's tokens if all were billed at R1's, or V3's, standard prices [USD].
    r1_offpeak_usd, v3_offpeak_usd : float
        The same at off-peak prices [USD].
    v3_token_share : float
        Share of tokens served by V3 rather than R1 [0-1].
    off_peak_share : float
        Share of tokens billed at off-peak prices [0-1].
    paid_share : float
        Share of tokens that are paid for at all (web and app use is free) [0-1].

    Returns
    -------
    pandas.DataFrame
        Column ``step``: ``theoretical revenue`` (all tokens at R1 prices), ``V3 is cheaper
        than R1``, ``night discounts``, ``free web and app use`` and ``remaining revenue``;
        column ``usd``: the total or the change at each step [USD].

    Examples
    --------
    >>> t = revenue_bridge(r1_usd=100, v3_usd=50, r1_offpeak_usd=25, v3_offpeak_usd=25, v3_token_share=0.5,
    ...                    off_peak_share=0.0, paid_share=0.5)
    >>> t["usd"].tolist()
    [100.0, -25.0, 0.0, -37.5, 37.5]
    """
    r = revenue_after_caveats_usd(
        r1_usd=r1_usd,
        v3_usd=v3_usd,
        r1_offpeak_usd=r1_offpeak_usd,
        v3_offpeak_usd=v3_offpeak_usd,
        v3_token_share=v3_token_share,
        off_peak_share=off_peak_share,
        paid_share=paid_share,
    )
    steps = [
        ("theoretical revenue (all tokens at R1 prices)", float(r1_usd)),
        ("V3 is cheaper than R1", float(r["standard_usd"] - r1_usd)),
        ("night discounts", float(r["after_night_usd"] - r["standard_usd"])),
        ("free web and app use", float(r["remaining_usd"] - r["after_night_usd"])),
        ("remaining revenue", float(r["remaining_usd"])),
    ]
    return pd.DataFrame(steps, columns=["step", "usd"])
