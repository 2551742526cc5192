"""Step 4's figures: the KV cache per token under each kind of attention, the sequences that fit
against the context, and the roofline cost per token against the batch.

All three give each kind of attention the same colour, in the order the step lists them (MHA, GQA,
MQA, MLA).
"""

from __future__ import annotations

from ..figures import colour, ink, plt
from ._registry import draws

#: The colour of each kind of attention, in the step's order (MHA, GQA, MQA, MLA).
ATTENTION_COLOURS = ("blue", "orange", "green", "vermillion")
#: Each kind of attention's marker and line style, in the same order: the lines differ by more than colour.
ATTENTION_MARKS = (("o", "-"), ("s", "--"), ("^", "-."), ("D", ":"))


def _colours(names) -> dict:
    """Kind of attention -> palette name, in the step's order."""
    names = list(dict.fromkeys(names))
    if len(names) > len(ATTENTION_COLOURS):
        raise ValueError(f"{len(names)} kinds of attention but colours for {len(ATTENTION_COLOURS)}")
    return dict(zip(names, ATTENTION_COLOURS, strict=False))


def _colour_key(colours: dict) -> dict:
    """The caption's ``{colours}`` blank: which colour each kind of attention has."""
    return {"colours": "; ".join(f"{colour}: {name}" for name, colour in colours.items())}


@draws("fig04_kv_bytes_by_attention")
def kv_bytes_by_attention(spec):
    """Dots on a log axis: KV cache per token under each kind of attention (MHA on top)."""
    sizes = spec.data.set_index("attention")["kv_cache_bytes_per_token"]
    kv_bits = spec.extra["kv_cache_bits"]
    colours = _colours(sizes.index)
    rows = list(range(len(sizes)))[::-1]  # MHA on top
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    ax.scatter(sizes / 1e3, rows, color=[colour(colours[name]) for name in sizes.index], s=70, zorder=3)
    for y, v in zip(rows, sizes / 1e3, strict=True):
        ax.annotate(f"{v:,.1f} KB", (v, y), xytext=(9, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(rows, sizes.index)
    ax.set_ylim(-0.6, len(sizes) - 0.4)
    ax.set_xscale("log")
    ax.set_xlabel(f"KV cache per token at {kv_bits:g} bits per element (KB, log scale)")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(sizes.min() / 1e3 / 2, sizes.max() / 1e3 * 6)
    return fig, _colour_key(colours)


@draws("fig04_cached_sequences_vs_context")
def cached_sequences_vs_context(spec):
    """Lines on log-log axes: sequences that fit per node against the context, one per kind of attention."""
    lines, context = spec.data, spec.extra["context_tokens"]
    colours = _colours(lines["attention"])
    contexts = lines["context_tokens"].drop_duplicates().to_numpy()
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    for i, (name, line) in enumerate(lines.groupby("attention", sort=False)):
        marker, style = ATTENTION_MARKS[i % len(ATTENTION_MARKS)]
        ax.plot(
            line["context_tokens"].to_numpy(),
            line["sequences_per_node"].to_numpy(),
            marker=marker,
            linestyle=style,
            markersize=4,
            color=colour(colours[name]),
            label=name,
        )
    ax.axvline(context, color=colour("grey"), linewidth=1, label=f"assumed context ({context:,} tokens)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(contexts[::2])
    ax.set_xlabel("Context length (tokens, log scale)")
    ax.set_ylabel("Sequences that fit per node (log scale)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig, _colour_key(colours)


@draws("fig04_cost_per_m_tokens_vs_batch")
def cost_per_m_tokens_vs_batch(spec):
    """Lines on log-log axes: roofline cost per million output tokens against the batch, with the measured cost."""
    curves, extra = spec.data, spec.extra
    batch, measured = extra["decode_batch_per_gpu"], extra["measured_usd_per_m_output_tokens"]
    colours = _colours(extra["attention"])  # every kind, also one whose cache fits no batch (no line)
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    for (name, colour_name), (_, style) in zip(colours.items(), ATTENTION_MARKS, strict=False):
        curve = curves[curves["attention"] == name]
        ax.plot(
            curve["sequences_per_gpu"].to_numpy(),
            curve["usd_per_million_output_tokens"].to_numpy(),
            color=colour(colour_name),
            linestyle=style,
            label=name,
        )
    ax.axvline(batch, color=colour("grey"), linewidth=1, label=f"assumed batch ({batch} per GPU)")
    ax.axhline(measured, color=ink(), linestyle="--", linewidth=1, label=f"measured by DeepSeek (US${measured:.2f})")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("Sequences decoded together per GPU (log scale)")
    ax.set_ylabel("US$ per million output tokens (log)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig, _colour_key(colours)
