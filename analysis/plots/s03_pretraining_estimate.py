"""Step 3's figures: the final run by stage, against the price of a GPU-hour, against the fleet, and
beside other labs' disclosed runs."""

from __future__ import annotations

from ..figures import colour, colour_words, gpu_colour, ink, plt
from ._registry import draws


@draws("fig03_cost_by_stage")
def cost_by_stage(spec):
    """Horizontal bars: the cost of each disclosed training stage (V3 in blue, R1 in orange)."""
    stages, price = spec.data, spec.extra["price_usd_per_gpu_hour"]
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    colours = [colour("blue") if m == "DeepSeek-V3" else colour("orange") for m in stages["model"]]
    labels = [f"{m.split('-')[1]}: {s}" for m, s in zip(stages["model"], stages["stage"], strict=True)]
    millions = stages["cost_usd"].to_numpy()[::-1] / 1e6
    ax.barh(labels[::-1], millions, color=colours[::-1])
    for y, value in enumerate(millions):
        ax.text(value, y, f"  US${value:.3f}M", va="center", fontsize=8)
    ax.set_xlabel(f"Cost at US${price:g} per GPU-hour (US$ million)")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, stages["cost_usd"].max() / 1e6 * 1.25)
    return fig


@draws("fig03_cost_vs_gpu_hour_price")
def cost_vs_gpu_hour_price(spec):
    """Lines: the final run's cost against the price of a GPU-hour, the register's range shaded."""
    lines, extra = spec.data, spec.extra
    low, high = extra["price_range"]
    v3_gpu_hours = extra["v3_gpu_hours"]
    marked = extra["marked_costs_usd"]  # price of a GPU-hour -> cost of the final run
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    grid = lines["price_usd_per_gpu_hour"]
    ax.plot(grid, lines["v3_cost_usd"] / 1e6, label=f"V3 full training ({v3_gpu_hours / 1e3:,.0f}K GPU-hours)")
    ax.plot(grid, lines["v3_and_r1_rl_cost_usd"] / 1e6, label="V3 plus R1's RL", linestyle="--")
    ax.axvspan(low, high, color=colour("grey"), alpha=0.15, label="range in the assumptions register")
    prices, costs = list(marked), [cost / 1e6 for cost in marked.values()]
    ax.plot(prices, costs, "o", color=colour("blue"), markersize=4)
    for p, cost in zip(prices, costs, strict=True):
        ax.annotate(f"US${cost:.2f}M at US${p:g}", (p, cost), textcoords="offset points", xytext=(6, -14), fontsize=8)
    ax.set_xlabel("Price of GPU time (US$ per GPU-hour)")
    ax.set_ylabel("Cost of the final run (US$ million)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=3, fontsize=8)  # above the plot, off the data
    return fig


@draws("fig03_run_vs_fleet_year")
def run_vs_fleet_year(spec):
    """Stacked bar of a year of the fleet by GPU type, beside the final run's GPU-hours (black)."""
    bars, n_types, gpus = spec.data, spec.extra["fleet_types"], spec.extra["gpus"]
    fleet_bars, run_bars = bars.iloc[:n_types], bars.iloc[n_types:]
    fleet_total = fleet_bars["h800_equivalent_gpu_hours"].sum()
    type_colours = {gpu_type: gpu_colour(gpu_type) for gpu_type in fleet_bars["gpu_type"]}
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    left = 0.0
    for bar, gpu_type, hours in fleet_bars.itertuples(index=False):
        ax.barh([bar], [hours / 1e6], left=left, color=type_colours[gpu_type])
        if hours:
            label = f"{gpu_type}\n{gpus[gpu_type]:,.0f}"
            ax.text(left + hours / 2e6, bar, label, ha="center", va="center", color="white", fontsize=8)
        left += hours / 1e6
    for bar, _, hours in run_bars.itertuples(index=False):
        ax.barh([bar], [hours / 1e6], color=ink())
        words = f"  {hours / 1e6:.2f}M GPU-hours ({hours / fleet_total:.2%} of the fleet's compute)"
        ax.text(hours / 1e6, bar, words, va="center", fontsize=8)
    ax.set_xlabel("H800-equivalent GPU-hours (million)")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.invert_yaxis()
    shown = fleet_bars[fleet_bars["h800_equivalent_gpu_hours"] > 0]["gpu_type"]
    return fig, {"colours": ", ".join(f"{colour_words(type_colours[t])}: {t}" for t in shown)}


@draws("fig03_comparable_runs")
def comparable_runs(spec):
    """Horizontal bars: disclosed final runs at one price per GPU-hour (DeepSeek's in blue)."""
    show, price = spec.data, spec.extra["price_usd_per_gpu_hour"]
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    colours = [colour("blue") if name.startswith("DeepSeek") else colour("grey") for name in show.index]
    labels = [f"{name} ({g})" for name, g in zip(show.index, show["gpu_type"], strict=True)]
    ax.barh(labels, show["cost_usd"] / 1e6, color=colours)
    for y, value in enumerate(show["cost_usd"] / 1e6):
        ax.text(value, y, f"  US${value:,.1f}M", va="center", fontsize=8)
    ax.set_xlabel(f"Final run's GPU-hours at US${price:g} per GPU-hour (US$ million)")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, show["cost_usd"].max() / 1e6 * 1.3)
    return fig
