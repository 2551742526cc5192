"""Step 5's figures: list prices on a date, price against quality, and what DeepSeek's caveats leave of
its day's revenue."""

from __future__ import annotations

import pandas as pd

from ..figures import colour, ink, plt, waterfall
from ._registry import draws

#: The marks of the price chart: price column -> (legend, colour, marker).
PRICE_MARKS = {
    "input_cache_miss_usd_per_million_tokens": ("input (cache miss)", "sky_blue", "o"),
    "output_usd_per_million_tokens": ("output", "blue", "D"),
}
#: The bars of the revenue bridge, by the step's name for each (:func:`analysis.pricing.revenue_bridge`),
#: with their tick labels; the last bar, the remaining revenue, is the bridge's sum.
BRIDGE_TICKS = {
    "theoretical revenue (all tokens at R1 prices)": "theoretical\n(all at R1 prices)",
    "V3 is cheaper than R1": "V3 is cheaper\nthan R1",
    "night discounts": "night\ndiscounts",
    "free web and app use": "free web\nand app use",
}
#: How each cost line of the bridge is drawn, by its ``drawn_as`` words.
LINE_STYLES = {"black dashed line": "--", "black dotted line": ":"}


def _free_note(ax, text: str, y: float) -> None:
    """A model with no price to plot on a log axis: its words in grey at the left edge, at ``y``."""
    ax.annotate(
        text,
        xy=(0, y),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=8,
        fontstyle="italic",
        color=colour("grey"),
    )


@draws("fig05_price_comparison")
def price_comparison(spec):
    """Dots on a log axis: each model's input and output price, a grey line between them; free models named."""
    show = spec.data.set_index("model")
    marks = list(PRICE_MARKS)
    rows = pd.Series(range(len(show)), index=show.index)
    free = ~show["plotted"]
    fig, ax = plt.subplots(figsize=(7.0, 3.9))
    paid_rows = show.loc[~free, marks]
    ax.hlines(rows[~free], paid_rows.min(axis=1), paid_rows.max(axis=1), color=colour("grey"), linewidth=1)
    for column, (label, colour_name, marker) in PRICE_MARKS.items():
        paid = show[column] > 0
        ax.scatter(
            show.loc[paid, column], rows[paid], color=colour(colour_name), marker=marker, s=30, zorder=3, label=label
        )
    for model in show.index[free]:
        _free_note(ax, "free (not plotted)", rows[model])
    ax.set_yticks(rows, show.index)
    ax.set_ylim(-0.8, len(show) - 0.4)
    ax.set_xscale("log")
    ax.set_xlabel("US$ per million tokens (log scale)")
    ax.set_xlim(show[marks][show[marks] > 0].min().min() / 2, show[marks].max().max() * 2)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


@draws("fig05_price_vs_quality")
def price_vs_quality(spec):
    """Scatter on a log price axis: blended price against a benchmark score (R1 in vermillion)."""
    quality, extra = spec.data.set_index("model"), spec.extra
    price, score = quality["blended_price_usd_per_million_tokens"], quality["benchmark_score"]
    priced = quality["plotted"]
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    colours = [colour("vermillion" if m == extra["highlight"] else "blue") for m in quality.index[priced]]
    ax.scatter(price[priced], score[priced], s=40, zorder=3, color=colours)
    for model in quality.index[priced]:
        ax.annotate(model, (price[model], score[model]), textcoords="offset points", xytext=(6, -3), fontsize=8)
    for model in quality.index[~priced]:
        _free_note(ax, f"{model}: free, so not plotted (score {score[model]:g})", score[model])
    ax.set_xscale("log")
    ax.set_xlim(price[priced].min() / 4, price[priced].max() * 4)
    ax.set_xlabel(f"Blended price on {extra['as_of_date']}, US$ per million tokens (log scale)")
    ax.set_ylabel(f"{extra['benchmark']} ({extra['score_unit']})")
    return fig


@draws("fig05_margin_bridge")
def margin_bridge(spec):
    """Waterfall from the theoretical revenue to what remains, with the day's GPU cost as lines."""
    rows = spec.data.set_index("item")
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    waterfall(
        ax,
        list(BRIDGE_TICKS.values()),
        rows.loc[list(BRIDGE_TICKS), "usd_per_day"],
        total_label="remaining\nrevenue",
        scale=1e3,
        value_format="{:,.0f}K",
    )
    lines = rows[rows["drawn_as"].isin(list(LINE_STYLES))].sort_values("usd_per_day", ascending=False)
    for rank, (item, usd, drawn_as) in enumerate(
        zip(lines.index, lines["usd_per_day"], lines["drawn_as"], strict=True)
    ):
        ax.axhline(usd / 1e3, color=ink(), linestyle=LINE_STYLES[drawn_as], linewidth=1)
        # Named on the line, the higher one's words above it and the lower one's below: the two lines
        # can lie within a few thousand dollars of each other.
        ax.annotate(
            f"{item}: {usd / 1e3:,.0f}K",
            (2.0, usd / 1e3),
            xytext=(0, 3 if rank == 0 else -3),
            textcoords="offset points",
            ha="center",
            va="bottom" if rank == 0 else "top",
            fontsize=8,
            color=ink(),
        )
    ax.tick_params(axis="x", labelsize=8)
    ax.set_ylabel("US$ thousand per day")
    return fig
