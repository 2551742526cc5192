"""Step 2's figures: the fleet's yearly cost stacked by component, and the owned GPU-hour against
utilisation beside the rental price."""

from __future__ import annotations

import numpy as np

from ..figures import CYCLE, PALETTE, mticker, plt
from ..formatting import format_value
from ._registry import draws


@draws("fig02_yearly_cost_stack")
def yearly_cost_stack(spec):
    """Stacked bars of each year's cost by component, with Glenn's reading of SemiAnalysis as a dashed line."""
    schedule, words = spec.data, spec.extra["components"]
    component_colours = dict(zip(words, CYCLE, strict=False))  # one colour per component, drawn or not
    colour_words = {hex_code: name.replace("_", " ") for name, hex_code in PALETTE.items()}
    drawn = {c: w for c, w in words.items() if f"{c}_usd_per_year" in schedule.columns}
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    years = schedule["year_start_decimal_year"].astype(int)
    bottom = np.zeros(len(schedule))
    for component, label in drawn.items():
        column = schedule[f"{component}_usd_per_year"]
        ax.bar(years, column / 1e6, bottom=bottom / 1e6, color=component_colours[component], label=label)
        bottom += column.to_numpy()
    glenn = schedule["glenn_reading_usd_per_year"].iloc[0]
    ax.axhline(
        glenn / 1e6,
        color=PALETTE["black"],
        linestyle="--",
        linewidth=1,
        label=f"Glenn's reading of\nSemiAnalysis: {format_value(glenn, 'USD')} a year",
    )
    ax.set_xticks(years)
    ax.set_xlabel("Year of the ownership window")
    ax.set_ylabel("Cost (US$ million per year)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, reverse=True)
    ax.set_ylim(0, max(bottom.max(), glenn) / 1e6 * 1.1)
    colours = "; ".join(f"{colour_words[component_colours[c]]}: {w}" for c, w in drawn.items())
    return fig, {"colours": colours}


@draws("fig02_owned_vs_rented_gpu_hour")
def owned_vs_rented_gpu_hour(spec):
    """Lines: the owned cost of a useful GPU-hour against utilisation, the rental price and the run's utilisation."""
    lines, extra = spec.data, spec.extra
    price, utilisation = extra["price_usd_per_gpu_hour"], extra["utilisation"]
    grid = lines["utilisation_fraction"].to_numpy()
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    for gpu_type, colour in zip(extra["drawn_types"], CYCLE, strict=False):
        column = f"owned_{gpu_type.lower()}_usd_per_gpu_hour"
        if column in lines.columns:
            ax.plot(grid, lines[column].to_numpy(), color=colour, label=f"owned {gpu_type}")
    ax.axhline(price, color=PALETTE["black"], linestyle="--", linewidth=1, label=f"rented, US${price:g} a GPU-hour")
    ax.axvline(utilisation, color=PALETTE["grey"], linewidth=1, label=f"assumed utilisation ({utilisation:.0%})")
    ax.set_xlabel("Utilisation (share of hours doing useful work)")
    ax.set_ylabel("Cost per useful GPU-hour (US$)")
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(xmax=1.0))
    ax.set_ylim(0, None)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig
