"""The table of drawing functions: figure id -> the function that draws it."""

from __future__ import annotations

from collections.abc import Callable

#: Figure id -> the function that draws it.
DRAW: dict[str, Callable] = {}


def draws(figure_id: str):
    """Register the decorated function as the one that draws ``figure_id``."""

    def register(function: Callable) -> Callable:
        if figure_id in DRAW:
            raise ValueError(f"figure {figure_id!r} has two drawing functions")
        DRAW[figure_id] = function
        return function

    return register
