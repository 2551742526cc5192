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
    "draws",
    "show",
    "s01_gpu_inventory",
    "s02_capex_amortisation",
    "s03_pretraining_estimate",
    "s04_mla_inference",
    "s05_competitive_pricing",
    "s06_true_cost",
]


def draw(step, figure_id: str):
    """Draw ``figure_id`` of a :class:`analysis.steps.StepResult`; returns ``(figure, caption)``."""
    if figure_id not in step.figures:
        raise ValueError(f"step {step.step} has no figure {figure_id!r}; it has {', '.join(step.figures)}")
    if figure_id not in DRAW:
        raise ValueError(f"no function draws {figure_id!r}: add one to analysis/plots/ with @draws({figure_id!r})")
    spec = step.figures[figure_id]
    _figures.apply_style()
    drawn = DRAW[figure_id](spec)
    fig, fields = drawn if isinstance(drawn, tuple) else (drawn, {})
    return fig, spec.caption.format(**fields) if fields else spec.caption


def show(step, figure_id: str) -> None:
    """Draw ``figure_id`` of ``step`` and save it (:func:`analysis.figures.save`), as a notebook shows it."""
    fig, caption = draw(step, figure_id)
    spec = step.figures[figure_id]
    _figures.save(
        fig, figure_id, title=spec.title, caption=caption, sources=spec.sources, notebook=step.notebook, data=spec.data
    )
