"""Step 6's figures: the bridges from the final run, the spread of the four costs, and what moves them."""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..figures import colour, ink, is_narrow, mticker, plt, usd_formatter, waterfall
from ..formatting import format_value
from ._registry import draws

DEVELOPMENT_TICKS = ["V3 final\nrun", "R1's RL", "experi-\nments", "research\nstaff"]
YEAR_TICKS = ["final\nruns", "experi-\nments", "serving", "High-\nFlyer", "no\ndisclosed\nuse", "staff"]


@draws("fig06_bridge")
def bridge(spec):
    """Two waterfalls: from the final run to developing V3 and R1, and a year of the company by use."""
    # On a phone the two bridges are drawn one above the other and short, so that the front page's first screen
    # holds the verdict and the whole figure (issue 21); the narrow variant keeps its 4-inch width.
    fig, axes = plt.subplots(2, 1, figsize=(4.0, 2.6)) if is_narrow() else plt.subplots(1, 2, figsize=(7.6, 4.8))
    waterfall(axes[0], DEVELOPMENT_TICKS, spec.extra["development"], total_label="developing\nV3 and R1", scale=1e6)
    axes[0].set_ylabel("US$ million")
    axes[0].set_title("Developing V3 and R1 (one model)")
    waterfall(
        axes[1],
        YEAR_TICKS,
        spec.extra["company"],
        total_label="company\nyear",
        scale=1e6,
        value_format="{:,.0f}",
        first_is_base=False,
    )
    axes[1].set_ylabel("US$ million per year")
    axes[1].set_title("A year of the company")
    for ax in axes:
        ax.tick_params(axis="x", labelsize=7)
    return fig


@draws("fig06_uncertainty")
def uncertainty(spec):
    """Each cost's 90% and 50% intervals, median and value at the run's parameters, on a log scale, with a key."""
    fig, ax = plt.subplots(figsize=(7.0, 3.9))
    rows = spec.data
    for y, row in enumerate(rows.itertuples()):
        ax.plot([row.p05_usd, row.p95_usd], [y, y], color=colour("grey"), linewidth=2)
        ax.plot([row.p25_usd, row.p75_usd], [y, y], color=colour("sky_blue"), linewidth=7, solid_capstyle="butt")
        ax.plot(row.median_usd, y, marker="|", color=ink(), markersize=12, markeredgewidth=2)
        ax.plot(row.at_run_parameters_usd, y, marker="o", color=colour("vermillion"), markersize=4, linestyle="none")
    ticks = [
        f"{row.cost}\nmedian {format_value(row.median_usd, 'USD')}\n90%: {format_value(row.p05_usd, 'USD')} "
        f"to {format_value(row.p95_usd, 'USD')}"
        for row in rows.itertuples()
    ]
    ax.set_yticks(range(len(rows)), ticks, fontsize=7.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(usd_formatter())
    ax.set_xlabel("US$ (log scale)")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    key = [
        Line2D([], [], color=colour("grey"), linewidth=2, label="90% of draws"),
        Line2D([], [], color=colour("sky_blue"), linewidth=7, label="middle 50%"),
        Line2D([], [], color=ink(), marker="|", markersize=10, markeredgewidth=2, linestyle="none", label="median"),
        Line2D(
            [], [], color=colour("vermillion"), marker="o", markersize=4, linestyle="none", label="at this run's values"
        ),
    ]
    ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=4, fontsize=8, borderaxespad=0)
    return fig


@draws("fig06_tornado")
def tornado(spec):
    """One-at-a-time sensitivity of two costs: bars from the run's value to each parameter's low end (plain)
    and high end (hatched), with a key under the panels; a run that holds every parameter gets a note."""
    fig, axes = plt.subplots(2, 1, figsize=(7.0, 5.8))  # one above the other: each panel gets the full width
    for ax, (key, (title, axis, baseline)) in zip(axes, spec.extra["panels"].items(), strict=True):
        top = spec.data[spec.data["cost"] == spec.extra["costs"][key]].iloc[::-1]
        top = top[top["swing_usd"] > 0] if "swing_usd" in top else top
        base = baseline / 1e6
        words = list(top["parameter_in_words"])
        low, high = top["cost_at_low_end_usd"] / 1e6, top["cost_at_high_end_usd"] / 1e6
        ax.barh(words, low - base, left=base, color=colour("sky_blue"))
        ax.barh(words, high - base, left=base, color=colour("vermillion"), hatch="//", edgecolor=ink("background"))
        ax.axvline(base, color=ink(), linewidth=1)
        if not len(top):
            ax.text(0.5, 0.5, "every parameter held:\nnothing moves this cost", transform=ax.transAxes, ha="center")
            ax.set_yticks([])
        span = max([base * 0.05, *(abs(low - base)), *(abs(high - base))])
        ax.set_xlim(base - span * 1.15, base + span * 1.15)
        ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=5))
        ax.set_title(title, loc="left")
        ax.set_xlabel(axis)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
    key = [
        Patch(facecolor=colour("sky_blue"), label="the parameter at its range's low end"),
        Patch(facecolor=colour("vermillion"), hatch="//", edgecolor=ink("background"), label="at its high end"),
        Line2D([], [], color=ink(), linewidth=1, label="the cost at this run's values"),
    ]
    columns, above = (1, 1.2) if is_narrow() else (3, 1.12)  # a phone's key is one entry a line
    axes[0].legend(
        handles=key, loc="lower left", bbox_to_anchor=(0.0, above), ncols=columns, fontsize=8, borderaxespad=0
    )
    return fig
