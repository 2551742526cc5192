"""One function per figure: each draws a figure from the data its step computed.

A step function (:mod:`analysis.steps`) computes what every figure of its step shows: the numbers
drawn, the title (the finding, written from the run's values), the caption and the sources, as a
:class:`analysis.steps.FigureData`. A function here draws one of them with matplotlib and returns
the figure; :func:`show` draws it and saves it with :func:`analysis.figures.save` (SVG, 300-dpi PNG
and the data as CSV). Nothing here computes a number a reader cites.

A drawing function may return ``(figure, fields)`` instead of the figure alone: ``fields`` fill
named blanks of the caption (``{colours}``) with what only the drawing knows, such as which colour
each series was given.
"""

from __future__ import annotations

from .. import figures as _figures
from . import (  # each registers its drawing functions
    s01_gpu_inventory,
    s02_capex_amortisation,
    s03_pretraining_estimate,
    s04_mla_inference,
    s05_competitive_pricing,
    s06_true_cost,
)
from ._registry import DRAW, draws

__all__ = [
    "DRAW",
    "draw",
    "draw_variants",
    "draws",
    "save",
    "show",
    "s01_gpu_inventory",
    "s02_capex_amortisation",
    "s03_pretraining_estimate",
    "s04_mla_inference",
    "s05_competitive_pricing",
    "s06_true_cost",
]


def draw(step, figure_id: str, theme: str = "light", narrow: bool = False):
    """Draw ``figure_id`` of a :class:`analysis.steps.StepResult` for ``theme`` (``light`` or ``dark``),
    wide or narrow (:func:`analysis.figures.drawing_for`); returns ``(figure, caption)``."""
    if figure_id not in step.figures:
        raise ValueError(f"step {step.step} has no figure {figure_id!r}; it has {', '.join(step.figures)}")
    if figure_id not in DRAW:
        raise ValueError(f"no function draws {figure_id!r}: add one to analysis/plots/ with @draws({figure_id!r})")
    spec = step.figures[figure_id]
    _figures.apply_style()
    with _figures.drawing_for(theme, narrow):
        drawn = DRAW[figure_id](spec)
    fig, fields = drawn if isinstance(drawn, tuple) else (drawn, {})
    return fig, spec.caption.format(**fields) if fields else spec.caption


def draw_variants(step, figure_id: str) -> dict:
    """The dark, narrow and narrow-dark variants of a figure (:data:`analysis.figures.VARIANTS`), each drawn
    for its theme and width, not recoloured: variant name -> figure."""
    return {name: draw(step, figure_id, theme, narrow)[0] for name, (theme, narrow) in _figures.VARIANTS.items()}


def save(step, figure_id: str, *, out_dir=None, data_dir=None) -> dict:
    """Draw ``figure_id`` of ``step`` with its variants and save them (:func:`analysis.figures.save`);
    returns the manifest entry."""
    fig, caption = draw(step, figure_id)
    spec = step.figures[figure_id]
    return _figures.save(
        fig,
        figure_id,
        title=spec.title,
        caption=caption,
        sources=spec.sources,
        notebook=step.notebook,
        data=spec.data,
        data_dir=data_dir,
        out_dir=out_dir,
        variants=draw_variants(step, figure_id),
    )


def show(step, figure_id: str) -> None:
    """Draw ``figure_id`` of ``step`` and save it with its variants (:func:`save`), as a notebook shows it."""
    save(step, figure_id)
