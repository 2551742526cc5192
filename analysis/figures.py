"""House style and deterministic saving of the report's figures.

:func:`save` gives every figure a title that states the finding, a footer with
its source ids, its stable id and the report's version, and writes it as SVG and
300-dpi PNG with no timestamps or random ids, so the same inputs give the same
bytes. It also emits a manifest entry (MIME type :data:`MIME_TYPE`) that the
runner collects into ``figures.csv``.

Files go to the folder named by the environment variable ``DSTC_FIGURES_DIR``
(the runner sets it) or, when a notebook runs on its own, to ``build/figures/``.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker

from . import __version__
from . import data as _data
from . import paths as _paths
from . import results as _results
from . import run_identity as _run_identity
from .formatting import format_value

MIME_TYPE = _results.FIGURE_MIME_TYPE
ID_PATTERN = re.compile(r"^fig\d{2}_[a-z0-9_]+$")
PNG_DPI = 300
#: zlib level for the PNG files: 3 gives files the size of level 6 with RGBA, in half the time.
PNG_COMPRESS_LEVEL = 3

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "yellow", "black")]

STYLE = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "legend.frameon": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "deepseek-true-cost",
    "path.simplify": True,
    "text.parse_math": False,  # "US$2 ... US$3" is money, not mathtext
}


def apply_style() -> None:
    """Set the house style for every later figure and table (tables show their text in full)."""
    mpl.rcParams.update(STYLE)
    import pandas as pd

    pd.set_option("display.max_colwidth", None)


def run_stamp() -> str:
    """What run a figure belongs to: the runner's scenario and run id ("scenario high · run 1a2b3c4d", and
    "modified data" on other data than the committed), or "not built by the runner" outside a build.

    >>> import os; os.environ.pop("DSTC_RUN", None) and None
    >>> run_stamp()
    'not built by the runner'
    """
    run = _run_identity.current()
    return run.get("label") or "not built by the runner" if isinstance(run, dict) else "not built by the runner"


def footer_text(figure_id: str, sources: Iterable[str]) -> str:
    """The footer stamped on a figure: its sources, its id, the report's version and the run (:func:`run_stamp`).

    >>> import os; os.environ.pop("DSTC_RUN", None) and None
    >>> footer_text("fig03_x", ["deepseek-v3-report"])
    "Source: deepseek-v3-report  ·  Figure fig03_x  ·  DeepSeek's true cost v0.1.0, not built by the runner"
    """
    return f"Source: {'; '.join(sources)}  ·  Figure {figure_id}  ·  DeepSeek's true cost v{__version__}, {run_stamp()}"


def save(
    fig,
    figure_id: str,
    title: str,
    caption: str,
    sources: Iterable[str],
    notebook: str,
    *,
    data,
    data_dir=None,
    out_dir=None,
) -> dict:
    """Title, stamp and write a figure as SVG and 300-dpi PNG, and its data as CSV; return its manifest entry.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    figure_id : str
        Stable id ``figNN_words`` (NN = the step); also the file name.
    title : str
        A sentence that states the finding.
    caption : str
        What the figure shows and how to read it.
    sources : iterable of str
        Source ids from ``data/sources.csv``.
    notebook : str
        The notebook that made it.
    data : pandas.DataFrame
        The numbers drawn, one row per mark, with the unit in each column's name
        (``cost_usd``, ``gpu_hours``); written beside the figure as ``<id>.csv`` by
        :func:`write_data`, with the source ids in a last column. No rows only when nothing is
        drawn (e.g. a sensitivity chart in a run that holds every parameter).
    data_dir : path, optional
        The data folder whose ``sources.csv`` the source ids are checked against.
    out_dir : path, optional
        Where to write the files (default :func:`analysis.paths.figures_dir`).

    Raises
    ------
    ValueError
        Bad id, empty title or caption, no sources or an unknown source id, no data.
    """
    if not ID_PATTERN.match(figure_id):
        raise ValueError(f"figure id {figure_id!r} must look like fig03_cost_by_stage")
    if not title.strip() or not caption.strip():
        raise ValueError(f"figure {figure_id}: title and caption must not be empty")
    sources = list(dict.fromkeys(sources))  # keep order, drop repeats
    known = _data.source_ids(data_dir)
    unknown = [s for s in sources if s not in known]
    if not sources or unknown:
        raise ValueError(
            f"figure {figure_id}: "
            + (f"unknown source id {unknown[0]!r}" if unknown else "name at least one source id")
        )
    if data is None or not hasattr(data, "to_csv") or len(data.columns) == 0:
        raise ValueError(f"figure {figure_id}: give the numbers drawn as data= (a pandas DataFrame with named columns)")
    _plain_log_ticks(fig)
    fig.suptitle(
        textwrap.fill(title, width=int(fig.get_figwidth() * 10.5)), x=0.01, ha="left", fontsize=10.5, fontweight="bold"
    )
    width_chars = int(fig.get_figwidth() * 19)  # ~19 characters per inch at 7 pt
    footer = textwrap.fill(footer_text(figure_id, sources), width=width_chars, break_on_hyphens=False)
    fig.text(0.01, 0.005, footer, fontsize=7, color="#555555", ha="left", va="bottom", linespacing=1.3)
    footer_height = (footer.count("\n") + 1) * 7 * 1.3 / 72 / fig.get_figheight()
    _tight_layout_once(fig, rect=(0, footer_height + 0.01, 1, 1))
    out = Path(out_dir) if out_dir is not None else _paths.figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context({"svg.hashsalt": figure_id}):
        fig.savefig(out / f"{figure_id}.svg", format="svg", metadata={"Date": None, "Creator": "DeepSeek's true cost"})
    _write_png(fig, out / f"{figure_id}.png", PNG_DPI)
    write_data(data, out / f"{figure_id}.csv", sources)
    entry = {"id": figure_id, "title": title, "caption": caption, "sources": sources, "notebook": notebook}
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            # Show the saved SVG file itself (the cited file, footer and id included) by a link, so
            # the figure is stored once, as that file, not again inside the notebook; close the
            # figure, so the inline backend does not render it either.
            display(
                {
                    "text/html": figure_link_html(figure_id, title, _paths.figures_link()),
                    MIME_TYPE: entry,
                    "text/plain": f"Figure {figure_id} (files {figure_id}.svg and {figure_id}.png)",
                },
                raw=True,
            )
            plt.close(fig)
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        pass
    return entry


def write_data(frame, path: Path, sources: Iterable[str]) -> None:
    """Write a figure's numbers as CSV: two ``#`` lines naming the figure and its run, its columns, then
    ``source_ids`` (semicolon-separated) on each row.

    The ``#`` lines (read with ``pandas.read_csv(path, comment="#")``) say which report, version and run
    (:func:`run_stamp`) the numbers come from, so numbers cited from a modified run cannot pass for the
    published ones. A named index becomes a column. Numbers are written in full (Python's shortest
    repr), rows in the order given, with ``\\n`` line ends: the same data gives the same bytes.

    >>> import os, pandas as pd, tempfile, pathlib
    >>> os.environ.pop("DSTC_RUN", None) and None
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "fig00_x.csv"
    >>> write_data(pd.DataFrame({"stage": ["a"], "cost_usd": [5.328e6]}), f, ["s1", "s2"])
    >>> print(f.read_text(), end="")
    # Figure fig00_x, DeepSeek's true cost v0.1.0
    # not built by the runner
    stage,cost_usd,source_ids
    a,5328000.0,s1;s2
    """
    import pandas as pd

    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) or frame.index.name else frame.copy()
    if "source_ids" in frame.columns:
        raise ValueError(f"{path.name}: 'source_ids' is added by the report; name the column otherwise")
    frame["source_ids"] = ";".join(sources)
    header = f"# Figure {Path(path).stem}, DeepSeek's true cost v{__version__}\n# {run_stamp()}\n"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        frame.to_csv(fh, index=False, lineterminator="\n")


def figure_link_html(figure_id: str, title: str, folder: str) -> str:
    """The HTML a notebook shows for a saved figure: its SVG file, linked, not copied in.

    Parameters
    ----------
    figure_id : str
        The figure's id, also its file name.
    title : str
        The figure's title, used as the image's text alternative.
    folder : str
        Where the figure files are, as a URL relative to the notebook.

    Returns
    -------
    str
        An ``<img>`` of ``folder/figure_id.svg`` inside a link to the same file.

    Examples
    --------
    >>> figure_link_html("fig03_x", "A & B", "../figures")
    '<a href="../figures/fig03_x.svg"><img src="../figures/fig03_x.svg" alt="A &amp; B"></a>'
    """
    src = html.escape(f"{folder}/{figure_id}.svg")
    return f'<a href="{src}"><img src="{src}" alt="{html.escape(title)}"></a>'


def _write_png(fig, path: Path, dpi: int) -> None:
    """Write the figure as an opaque RGB PNG at ``dpi`` dots per inch.

    The pixels are matplotlib's Agg rendering, as ``savefig`` would make them; the alpha
    channel is dropped (the figures are opaque: white background) and zlib runs at level
    :data:`PNG_COMPRESS_LEVEL`. Against ``savefig``'s RGBA at level 6 this halves the encoding
    time for files of the same size. No text chunks (no software name, no date): the same
    figure gives the same bytes.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    original_canvas, original_dpi = fig.canvas, fig.dpi
    canvas = FigureCanvasAgg(fig)  # a canvas of its own, so the figure's own (and its window) is untouched
    try:
        fig.set_dpi(dpi)
        canvas.draw()
        rgb = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")  # a copy, made by Pillow
    finally:
        fig.set_dpi(original_dpi)
        fig.set_canvas(original_canvas)
    rgb.save(path, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)


def _tight_layout_once(fig, rect) -> None:
    """Fit the axes inside ``rect`` once, and leave the figure with no layout engine.

    ``Figure.tight_layout`` leaves a placeholder engine behind, and a figure with any engine is
    drawn once more, to no effect, before each ``savefig`` (``FigureCanvasBase.print_figure``):
    a fifth of the time :func:`save` took. Running the engine directly lays the figure out the same.
    """
    from matplotlib.layout_engine import TightLayoutEngine

    TightLayoutEngine(rect=rect).execute(fig)


def _plain_number(value: float) -> str:
    """A tick label without mathtext: 0.01, 5, 1,000, 10,000,000."""
    if value == 0:
        return "0"
    if abs(value) >= 1:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.10g}"
    return f"{value:.10g}"


def usd_formatter() -> mticker.FuncFormatter:
    """Tick labels in US$ with K, M and B (for log axes of costs)."""
    return mticker.FuncFormatter(lambda value, _: format_value(float(value), "USD") if value > 0 else "0")


def _plain_log_ticks(fig) -> None:
    """Label log-scale ticks as plain numbers (mathtext is off, so "US$" stays literal).

    Axes given their own formatter (e.g. :func:`usd_formatter`) keep it.
    """
    formatter = mticker.FuncFormatter(lambda value, _: _plain_number(value))
    for ax in fig.axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if scale in ("log", "symlog") and isinstance(axis.get_major_formatter(), mticker.LogFormatter):
                axis.set_major_formatter(formatter)
                axis.set_minor_formatter(mticker.NullFormatter())


def collect(notebook) -> list[dict]:
    """The figure manifest entries of an executed notebook (an nbformat node or a dict)."""
    return _results.outputs_of_type(notebook, MIME_TYPE)


def waterfall(
    ax,
    labels,
    amounts,
    *,
    total_label: str,
    scale: float = 1.0,
    value_format: str = "{:,.1f}",
    step_colour: str = PALETTE["orange"],
    total_colour: str = PALETTE["blue"],
    first_is_base: bool = True,
):
    """Draw a bridge: each amount a floating bar from where the last one ended, then the total as a full bar.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    labels : sequence of str
        One label per step, in order.
    amounts : sequence of float
        The steps [any unit]; negative steps go down.
    total_label : str
        Label of the final bar, the sum of the steps.
    scale : float
        Divide every amount by this before drawing (e.g. 1e6 for millions).
    value_format : str
        Format of the value printed on each bar.
    first_is_base : bool
        Colour the first bar as a base (like the total), not as a step.

    Returns
    -------
    float
        The total drawn (unscaled), so a caller can check it against the model's.
    """
    level = 0.0
    for i, amount in enumerate(amounts):
        bottom = min(level, level + amount)
        ax.bar(
            i,
            abs(amount) / scale,
            bottom=bottom / scale,
            color=total_colour if i == 0 and first_is_base else step_colour,
        )
        ax.text(
            i, (bottom + abs(amount)) / scale, value_format.format(amount / scale), ha="center", va="bottom", fontsize=7
        )
        level += amount
    ax.bar(len(amounts), level / scale, color=total_colour)
    ax.text(len(amounts), level / scale, value_format.format(level / scale), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(amounts) + 1), [*labels, total_label])
    return level
