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

import contextlib
import functools
import html
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import matplotlib.transforms as mtransforms

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

#: The palette table: what each colour means, the same in every figure. Each GPU type keeps its colour
#: whether or not a run holds it (a run without H20s still draws the H100 orange).
GPU_COLOURS = {"H800": "blue", "H100": "orange", "H20": "green", "A100": "vermillion"}
#: Each cost category: its colour and its hatch, so that no two categories differ by colour alone (under
#: deuteranopia orange and vermillion, and blue and purple, come close; the hatches still tell them apart).
COST_CATEGORY_STYLES = {
    "amortisation": ("blue", ""),
    "financing": ("orange", "//"),
    "electricity": ("green", ".."),
    "hosting": ("vermillion", "xx"),
    "maintenance": ("purple", "\\\\"),
    "operations_staff": ("sky_blue", "--"),
}
#: Where a figure's marks are the run's reference values and where they are steps of a bridge.
ROLE_COLOURS = {"total": "blue", "step": "orange", "other": "grey", "highlight": "vermillion"}

#: The two themes a figure is drawn for: the page's ink, faint ink and grid on its background.
THEMES = {
    "light": {"ink": "#000000", "muted": "#555555", "grid": "#dddddd", "background": "#ffffff"},
    "dark": {"ink": "#e8e8e8", "muted": "#b4b4b4", "grid": "#444444", "background": "#16161a"},
}
#: The variants drawn besides the light, wide figure: (theme, narrow), served with ``<picture>``.
VARIANTS = {"dark": ("dark", False), "narrow": ("light", True), "narrow-dark": ("dark", True)}
#: A narrow variant's width (inches) and its smallest type (points): shown 360 px wide, 8 pt is 10 px.
NARROW_WIDTH_IN = 4.0
NARROW_MIN_FONT_PT = 8.0
#: A narrow variant's longest tick label line (characters); longer ones are wrapped.
NARROW_LABEL_CHARS = 22
_theme = {"name": "light", "narrow": False}


def colour(name: str) -> str:
    """The hex code of a palette colour in the current theme ("black" is the theme's ink).

    >>> colour("blue"), colour("black")
    ('#0072B2', '#000000')
    """
    if name == "black":
        return THEMES[_theme["name"]]["ink"]
    return PALETTE[name]


def ink(kind: str = "ink") -> str:
    """The current theme's ``ink``, ``muted``, ``grid`` or ``background`` colour (hatches are drawn in the
    background colour, over the bar's own)."""
    return THEMES[_theme["name"]][kind]


def gpu_colour(gpu_type: str) -> str:
    """The colour of a GPU type, the same in every figure (:data:`GPU_COLOURS`); grey for a type it lacks."""
    return colour(GPU_COLOURS.get(gpu_type, "grey"))


def colour_words(hex_code: str) -> str:
    """A palette colour's name in words (``sky blue``), for captions."""
    names = {code: name.replace("_", " ") for name, code in PALETTE.items()}
    return names.get(hex_code, "black" if hex_code == ink() else hex_code)


def theme_name() -> str:
    """The theme figures are being drawn for now (``light`` or ``dark``)."""
    return _theme["name"]


def is_narrow() -> bool:
    """Whether figures are being drawn for a phone now (the narrow variant)."""
    return _theme["narrow"]


@contextlib.contextmanager
def drawing_for(theme: str = "light", narrow: bool = False):
    """Draw the figures made inside for ``theme`` (``light`` or ``dark``), narrow or wide.

    Sets the house style with the theme's ink, grid and background (drawn for the theme, not
    inverted: the data colours stay the palette's, lines and text take the theme's ink).
    """
    if theme not in THEMES:
        raise ValueError(f"theme {theme!r}: use one of {', '.join(THEMES)}")
    before = dict(_theme)
    t = THEMES[theme]
    rc = {
        **STYLE,
        "text.color": t["ink"],
        "axes.labelcolor": t["ink"],
        "axes.edgecolor": t["ink"],
        "xtick.color": t["ink"],
        "ytick.color": t["ink"],
        "grid.color": t["grid"],
        "figure.facecolor": t["background"],
        "axes.facecolor": t["background"],
        "savefig.facecolor": t["background"],
        "legend.labelcolor": t["ink"],
    }
    if narrow:
        rc.update(
            {
                "font.size": 9.5,
                "axes.labelsize": 9,
                "axes.titlesize": 10,
                "legend.fontsize": 8.5,
                "xtick.labelsize": NARROW_MIN_FONT_PT,
                "ytick.labelsize": NARROW_MIN_FONT_PT,
            }
        )
    _theme.update(name=theme, narrow=narrow)
    try:
        with mpl.rc_context(rc):
            yield
    finally:
        _theme.clear()
        _theme.update(before)


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


#: A publisher's words that name its people, not the publisher: then the parenthesis names the publisher.
_PEOPLE = re.compile(r";|,(?! Inc\b)| and | et al\b")


def publisher(authors_or_publisher: str) -> str:
    """The short name of who published a source, from its ``authors_or_publisher`` in ``data/sources.csv``.

    A list of people followed by a publisher in parentheses gives the publisher; a publisher followed
    by a note in parentheses gives the publisher; a relay ("X; relayed by Y") gives the first.

    >>> publisher("Dylan Patel; AJ; Doug; Reyk Knuhtsen (SemiAnalysis)")
    'SemiAnalysis'
    >>> publisher("DeepSeek-AI (Guo et al.)"), publisher("Jared Kaplan et al. (OpenAI)")
    ('DeepSeek-AI', 'OpenAI')
    >>> publisher("Reuters; relayed by Benzinga via Longbridge"), publisher("NVIDIA")
    ('Reuters', 'NVIDIA')
    """
    # Letters the figures' font lacks (e.g. a Chinese name beside its Latin one) are left out.
    text = " ".join(re.sub(r"[^\u0000-\u024f\u2000-\u206f]", "", str(authors_or_publisher)).split())
    match = re.match(r"^(?P<before>[^()]*?)\s*\((?P<inside>.*)\)", text)
    if match:
        before, inside = match["before"], match["inside"]
        return inside.strip() if _PEOPLE.search(before) or not before else before.strip()
    return re.split(r";|, (?:relaying|citing) ", text)[0].strip()


def source_names(sources: Iterable[str], data_dir=None) -> list[str]:
    """Each source as its publisher and year ("SemiAnalysis 2025"), in order, repeats dropped.

    The report's own judgement (source id ``assumption``) is "our assumptions". An id that
    ``data/sources.csv`` does not hold is given as it is.
    """
    table = _sources_table(str(Path(data_dir).resolve()) if data_dir else str(_paths.DATA_DIR))
    names = []
    for source in sources:
        if source == "assumption":
            names.append("our assumptions")
        elif source in table:
            who, date = table[source]
            names.append(f"{publisher(who)} {date[:4]}".strip())
        else:
            names.append(source)
    return list(dict.fromkeys(names))


@functools.lru_cache(maxsize=8)
def _sources_table(data_dir: str) -> dict:
    """Source id -> (authors_or_publisher, date) from a data folder's ``sources.csv``."""
    frame = _data.load_sources(data_dir)
    return {
        row["id"]: (str(row["authors_or_publisher"]), "" if row["date"] is None else str(row["date"]))
        for row in frame.to_dict("records")
    }


def footer_text(figure_id: str, sources: Iterable[str], data_dir=None) -> str:
    """The footer stamped on a figure: who published its sources (:func:`source_names`), its id, the
    report's version and the run (:func:`run_stamp`). The source ids are in the figure's CSV.

    >>> import os; os.environ.pop("DSTC_RUN", None) and None
    >>> footer_text("fig03_x", ["deepseek-v3-report", "assumption"]).split("  ·  ")[:2]
    ['Sources: DeepSeek-AI 2024; our assumptions', 'Figure fig03_x']
    """
    names = source_names(sources, data_dir)
    label = "Source" if len(names) == 1 else "Sources"
    return f"{label}: {'; '.join(names)}  ·  Figure {figure_id}  ·  DeepSeek's true cost v{__version__}, {run_stamp()}"


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
    variants=None,
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
    variants : dict, optional
        Variant name (a key of :data:`VARIANTS`: ``dark``, ``narrow``, ``narrow-dark``) -> the same figure
        drawn for it (inside :func:`drawing_for`); each is stamped the same way and written as
        ``<id>-<variant>.svg`` only (the pages show it with ``<picture>``; the PNG and the CSV are the
        light figure's). The manifest entry lists them under ``variants``.

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
    _stamp(fig, figure_id, title, sources, data_dir, narrow=False)
    out = Path(out_dir) if out_dir is not None else _paths.figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    _write_svg(fig, out / f"{figure_id}.svg", figure_id)
    _write_png(fig, out / f"{figure_id}.png", PNG_DPI)
    for variant, variant_fig in (variants or {}).items():
        if variant not in VARIANTS:
            raise ValueError(f"figure {figure_id}: variant {variant!r} is not one of {', '.join(VARIANTS)}")
        theme, narrow = VARIANTS[variant]
        with drawing_for(theme, narrow):
            _stamp(variant_fig, figure_id, title, sources, data_dir, narrow=narrow)
            _write_svg(variant_fig, out / f"{figure_id}-{variant}.svg", f"{figure_id}-{variant}")
        plt.close(variant_fig)
    write_data(data, out / f"{figure_id}.csv", sources)
    entry = {"id": figure_id, "title": title, "caption": caption, "sources": sources, "notebook": notebook}
    if variants:
        entry["variants"] = [v for v in VARIANTS if v in variants]
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


def _stamp(fig, figure_id: str, title: str, sources, data_dir, *, narrow: bool) -> None:
    """Give a figure its title and footer and lay it out; a narrow one is first made phone-sized."""
    if narrow:
        _make_narrow(fig)
    _plain_log_ticks(fig)
    title_pt, footer_pt = (11.0, NARROW_MIN_FONT_PT) if narrow else (10.5, 7.0)
    fig.suptitle(
        textwrap.fill(title, width=int(fig.get_figwidth() * 105 / title_pt)),
        x=0.01,
        ha="left",
        fontsize=title_pt,
        fontweight="bold",
        color=ink(),
    )
    width_chars = int(fig.get_figwidth() * 19 * 7 / footer_pt)  # ~19 characters per inch at 7 pt
    footer = textwrap.fill(footer_text(figure_id, sources, data_dir), width=width_chars, break_on_hyphens=False)
    fig.text(0.01, 0.005, footer, fontsize=footer_pt, color=ink("muted"), ha="left", va="bottom", linespacing=1.3)
    footer_height = (footer.count("\n") + 1) * footer_pt * 1.3 / 72 / fig.get_figheight()
    _tight_layout_once(fig, rect=(0, footer_height + 0.01, 1, 1))


def _make_narrow(fig) -> None:
    """Resize a figure for a phone: :data:`NARROW_WIDTH_IN` wide and taller, no text under
    :data:`NARROW_MIN_FONT_PT`, at most five ticks on each linear axis."""
    width, height = fig.get_size_inches()
    panels = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
    side_by_side = len(panels) > 1 and len({ax.get_subplotspec().rowspan.start for ax in panels}) == 1
    if side_by_side:  # panels side by side go one above the other
        grid = fig.add_gridspec(len(panels), 1)
        for i, ax in enumerate(panels):
            ax.set_subplotspec(grid[i])
    rows = len(panels) if side_by_side else 1
    legend_lines = sum(len(ax.get_legend().get_texts()) + 0.5 for ax in fig.axes if ax.get_legend() is not None)
    legend_in = legend_lines * NARROW_MIN_FONT_PT * 1.6 / 72  # the legends go under their plots, one entry a line
    fig.set_size_inches(NARROW_WIDTH_IN, max(height, 3.4) * (1.25 if rows == 1 else 0.8 * rows) + legend_in)
    for ax in fig.axes:
        _legend_below(ax)
        ax.set_xlabel(textwrap.fill(ax.get_xlabel(), NARROW_LABEL_CHARS * 2))
        ax.set_ylabel(textwrap.fill(ax.get_ylabel(), NARROW_LABEL_CHARS * 2))
        for text in ax.texts:  # notes written into the plot (e.g. "free, so not plotted")
            if len(text.get_text()) > NARROW_LABEL_CHARS * 1.5 and "\n" not in text.get_text():
                text.set_text(textwrap.fill(text.get_text(), int(NARROW_LABEL_CHARS * 1.5)))
    fig.draw_without_rendering()  # so that tick labels hold their text
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(len(label) > NARROW_LABEL_CHARS for label in labels) and axis.get_scale() == "linear":
                wrapped = [textwrap.fill(label, NARROW_LABEL_CHARS) for label in labels]
                axis.set_ticks(axis.get_ticklocs(), wrapped)
    for text in fig.findobj(mpl.text.Text):
        if text.get_text() and text.get_fontsize() < NARROW_MIN_FONT_PT:
            text.set_fontsize(NARROW_MIN_FONT_PT)
    for ax in fig.axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if scale == "linear" and isinstance(axis.get_major_locator(), mticker.AutoLocator):
                axis.set_major_locator(mticker.MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
            elif scale == "log":
                axis.set_major_locator(mticker.LogLocator(numticks=4))


def _legend_below(ax) -> None:
    """Move an axes' legend under it, one entry a line (beside or above the plot it would leave the
    plot no room on a phone)."""
    legend = ax.get_legend()
    if legend is None:
        return
    handles, labels = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
    legend.remove()
    below_pt = 22 + 13 * (ax.get_xlabel().count("\n") + 1)  # under the tick labels and the axis label
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        bbox_transform=mtransforms.offset_copy(ax.transAxes, fig=ax.figure, y=-below_pt, units="points"),
        ncols=1,
        fontsize=NARROW_MIN_FONT_PT,
        borderaxespad=0,
    )


def _write_svg(fig, path: Path, salt: str) -> None:
    """Write the figure as SVG with no date and ids salted by ``salt``: the same figure, the same bytes."""
    with mpl.rc_context({"svg.hashsalt": salt}):
        fig.savefig(path, format="svg", metadata={"Date": None, "Creator": "DeepSeek's true cost"})


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
