"""Step 1's figures: the fleet by GPU type (count and server CapEx), and its compute beside the
clusters DeepSeek says it used. Each GPU type keeps its colour of the palette table
(:data:`analysis.figures.GPU_COLOURS`) in these and every other figure; each bar is also labelled
with its type, so no information is carried by colour alone; captions name the colours."""

from __future__ import annotations

from ..figures import colour, colour_words, gpu_colour, mticker, plt
from ._registry import draws


def _type_colours(gpu_types) -> dict:
    """GPU type -> its colour in the palette table, in the order the fleet lists the types."""
    return {gpu_type: gpu_colour(gpu_type) for gpu_type in gpu_types}


def _colours_text(type_colours: dict) -> str:
    """The colours of the GPU types in words, for a caption (``blue H800, orange H100, ...``)."""
    return ", ".join(f"{colour_words(hex_code)} {gpu_type}" for gpu_type, hex_code in type_colours.items())


@draws("fig01_fleet_by_gpu_type")
def fleet_by_gpu_type(spec):
    """Two bar charts side by side: GPUs by type (left) and their server CapEx (right)."""
    fleet = spec.data
    type_colours = _type_colours(fleet.index)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.0, 3.4))
    colours = [type_colours[t] for t in fleet.index]
    ax1.bar(fleet.index, fleet["gpus"] / 1e3, color=colours)
    ax1.set_ylabel("GPUs (thousands)")
    ax2.bar(fleet.index, fleet["server_capex_usd"] / 1e9, color=colours)
    ax2.set_ylabel("Server CapEx (US$ billion)")
    for ax, column, scale, fmt in ((ax1, "gpus", 1e3, "{raw:,.0f}"), (ax2, "server_capex_usd", 1e9, "US${v:.2f}B")):
        for x, raw in zip(fleet.index, fleet[column], strict=True):
            ax.text(x, raw / scale, fmt.format(v=raw / scale, raw=raw), ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, (fleet[column] / scale).max() * 1.15)
    ax1.set_title("GPUs by type")
    ax2.set_title("Server CapEx by type")
    return fig, {"colours": _colours_text(type_colours)}


@draws("fig01_capacity_vs_use")
def capacity_vs_use(spec):
    """Horizontal bars: dense BF16 peak of each GPU type (its colour), then DeepSeek's clusters (grey)."""
    parts, n_types = spec.data, spec.extra["fleet_types"]
    type_colours = _type_colours(parts.index[:n_types])
    others = len(parts) - n_types
    pflops = parts["dense_bf16_pflops"]
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    colours = [colour("grey")] * others + [type_colours[t] for t in parts.index[:n_types]][::-1]
    ax.barh(parts.index[::-1], pflops[::-1], color=colours)
    for y, value in enumerate(pflops[::-1]):
        ax.text(value, y, f"  {value:,.0f}", va="center", fontsize=8)
    ax.set_xlabel("Dense BF16 peak (PFLOPS)")
    ax.xaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, pflops.max() * 1.2)
    return fig, {"colours": _colours_text(type_colours)}
