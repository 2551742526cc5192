"""Step 2's figures: the fleet's yearly cost stacked by component, and the owned GPU-hour against
utilisation beside the rental price."""

from __future__ import annotations

import numpy as np

from ..figures import COST_CATEGORY_STYLES, colour, colour_words, gpu_colour, ink, mticker, plt
from ..formatting import format_value
from ._registry import draws


@draws("fig02_yearly_cost_stack")
def yearly_cost_stack(spec):
    """Stacked bars of each year's cost by component, each with its colour and hatch from the palette table
    (:data:`analysis.figures.COST_CATEGORY_STYLES`) and named beside the last bar; Glenn's reading of
    SemiAnalysis as a dashed line."""
    schedule, words = spec.data, spec.extra["components"]
    drawn = {c: w for c, w in words.items() if f"{c}_usd_per_year" in schedule.columns}
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    years = schedule["year_start_decimal_year"].astype(int)
    bottom = np.zeros(len(schedule))
    for component, label in drawn.items():
        column = schedule[f"{component}_usd_per_year"]
        name, hatch = COST_CATEGORY_STYLES[component]
        ax.bar(
            years,
            column / 1e6,
            bottom=bottom / 1e6,
            color=colour(name),
            hatch=hatch,
            edgecolor=ink("background"),
            linewidth=0.5,
            label=label,
        )
        bottom += column.to_numpy()
    glenn = schedule["glenn_reading_usd_per_year"].iloc[0]
    ax.axhline(
        glenn / 1e6,
        color=ink(),
        linestyle="--",
        linewidth=1,
        label=f"Glenn's reading of\nSemiAnalysis: {format_value(glenn, 'USD')} a year",
    )
    ax.set_xticks(years)
    ax.set_xlabel("Year of the ownership window")
    ax.set_ylabel("Cost (US$ million per year)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, reverse=True, handleheight=1.6)
    ax.set_ylim(0, max(bottom.max(), glenn) / 1e6 * 1.1)
    colours = "; ".join(
        f"{colour_words(colour(COST_CATEGORY_STYLES[c][0]))}"
        + (f" hatched {_HATCH_WORDS[COST_CATEGORY_STYLES[c][1]]}" if COST_CATEGORY_STYLES[c][1] else " plain")
        + f": {w}"
        for c, w in drawn.items()
    )
    return fig, {"colours": colours}


#: Each hatch in words, for captions.
_HATCH_WORDS = {
    "//": "with slashes",
    "..": "with dots",
    "xx": "with crosses",
    "\\\\": "with backslashes",
    "--": "with dashes",
}


@draws("fig02_owned_vs_rented_gpu_hour")
def owned_vs_rented_gpu_hour(spec):
    """Lines: the owned cost of a useful GPU-hour against utilisation, the rental price and the run's utilisation."""
    lines, extra = spec.data, spec.extra
    price, utilisation = extra["price_usd_per_gpu_hour"], extra["utilisation"]
    grid = lines["utilisation_fraction"].to_numpy()
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    for gpu_type, style in zip(extra["drawn_types"], ("-", "-."), strict=False):
        column = f"owned_{gpu_type.lower()}_usd_per_gpu_hour"
        if column in lines.columns:
            curve = lines[column].to_numpy()
            ax.plot(grid, curve, color=gpu_colour(gpu_type), linestyle=style, label=f"owned {gpu_type}")
            ax.annotate(  # named at the line's left end too: not by colour alone
                gpu_type, (grid[0], curve[0]), xytext=(4, 2), textcoords="offset points", fontsize=8, color=ink()
            )
    ax.axhline(price, color=ink(), linestyle="--", linewidth=1, label=f"rented, US${price:g} a GPU-hour")
    ax.axvline(utilisation, color=colour("grey"), linewidth=1, label=f"assumed utilisation ({utilisation:.0%})")
    ax.set_xlabel("Utilisation (share of hours doing useful work)")
    ax.set_ylabel("Cost per useful GPU-hour (US$)")
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(xmax=1.0))
    ax.set_ylim(0, None)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig
