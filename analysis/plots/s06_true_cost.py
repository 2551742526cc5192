"""Step 6's figures: the bridges from the final run, the spread of the four costs, and what moves them."""

from __future__ import annotations

from ..figures import PALETTE, plt, usd_formatter, waterfall
from ..formatting import format_value
from ._registry import draws

DEVELOPMENT_TICKS = ["V3 final\nrun", "R1's RL", "experi-\nments", "research\nstaff"]
YEAR_TICKS = ["final\nruns", "experi-\nments", "serving", "High-\nFlyer", "no\ndisclosed\nuse", "staff"]


@draws("fig06_bridge")
def bridge(spec):
    """Two waterfalls: from the final run to developing V3 and R1, and a year of the company by use."""
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 4.8))
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
    """Each cost's 90% and 50% intervals, median and value at the run's parameters, on a log scale."""
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    rows = spec.data
    for y, row in enumerate(rows.itertuples()):
        ax.plot([row.p05_usd, row.p95_usd], [y, y], color=PALETTE["grey"], linewidth=2)
        ax.plot([row.p25_usd, row.p75_usd], [y, y], color=PALETTE["sky_blue"], linewidth=7, solid_capstyle="butt")
        ax.plot(row.median_usd, y, marker="|", color=PALETTE["black"], markersize=12, markeredgewidth=2)
        ax.plot(row.at_run_parameters_usd, y, marker="o", color=PALETTE["vermillion"], markersize=4, linestyle="none")
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
    return fig


@draws("fig06_tornado")
def tornado(spec):
    """One-at-a-time sensitivity of two costs: bars from the run's value to each parameter's low and high end."""
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 4.3))
    for i, (ax, (key, (title, axis, baseline))) in enumerate(zip(axes, spec.extra["panels"].items(), strict=True)):
        top = spec.data[spec.data["cost"] == spec.extra["costs"][key]].iloc[::-1]
        base = baseline / 1e6
        words = list(top["parameter_in_words"])
        ax.barh(words, top["cost_at_low_end_usd"] / 1e6 - base, left=base, color=PALETTE["sky_blue"])
        ax.barh(words, top["cost_at_high_end_usd"] / 1e6 - base, left=base, color=PALETTE["vermillion"])
        ax.axvline(base, color=PALETTE["black"], linewidth=1)
        ax.set_title(title)
        key_words = "\n(sky blue: the parameter at its range's low end;\nvermillion: at its high end)"
        ax.set_xlabel(axis + (key_words if i == 0 else ""))
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
    return fig
