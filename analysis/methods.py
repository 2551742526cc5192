"""Published methods as tables: each method a function and the parameters it takes.

A model that can be computed more than one published way (a server priced from a
whole server's price or by Epoch AI's overhead multiplier; capital written off in a
straight line or at Epoch AI's rate of price decline) keeps its methods in one table,
as pvlib keeps its model-parameter tables, and picks one by name through
:func:`choose`. No module compares method names itself, so a new method is one new
row of a table and one function with its tests.

Pure: no I/O.

References
----------
.. [1] W. F. Holmgren, C. W. Hansen and M. A. Mikofski, "pvlib python: a python
   package for modeling solar energy systems", JOSS 3(29), 884, 2018
   (``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS``: methods chosen by name from a table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Method:
    """One published method: the function that computes it and what it needs.

    Parameters
    ----------
    function : callable
        Called with keyword arguments only.
    parameters : tuple of str
        Names of the run's parameters (the assumptions register) the function takes.
    inputs : tuple of str, optional
        Names of the data inputs it takes; when given, :func:`apply` passes only these
        of the inputs it is handed (methods of one table may need different data).
    constants : mapping
        Published values the method fixes (e.g. Epoch AI's 0.14 orders of magnitude a
        year), passed to the function by name.
    source : str
        Source id (``data/sources.csv``) of the method.
    label : str
        The method in words, as tables, figures and result labels name it for readers.
    """

    function: Callable
    parameters: tuple[str, ...] = ()
    inputs: tuple[str, ...] | None = None
    constants: Mapping[str, float] = field(default_factory=dict)
    source: str = ""
    label: str = ""


def choose(table: Mapping[str, Method], name: str, what: str) -> Method:
    """The method called ``name`` in ``table``, or a one-line error listing the allowed names.

    Parameters
    ----------
    table : mapping of str to Method
        The published methods of one model, by name (e.g. :data:`analysis.tco.AMORTISATION_METHODS`).
    name : str
        The method's name.
    what : str
        What the methods are, for the error message (e.g. ``"amortisation method"``).

    Returns
    -------
    Method
        The method called ``name``.

    Raises
    ------
    ValueError
        If ``table`` has no method called ``name``.

    Examples
    --------
    >>> table = {"straight_line": Method(abs)}
    >>> choose(table, "straight_line", "amortisation method").function(-2)
    2
    >>> choose(table, "guess", "amortisation method")
    Traceback (most recent call last):
    ...
    ValueError: unknown amortisation method 'guess'; use one of straight_line
    """
    try:
        return table[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {what} {name!r}; use one of {', '.join(table)}") from None


def apply(table: Mapping[str, Method], name: str, what: str, values: Mapping, **inputs):
    """Compute method ``name`` of ``table`` with ``inputs`` and the run's ``values`` it names.

    Parameters
    ----------
    table : mapping of str to Method
        The published methods of one model, by name.
    name : str
        The method's name.
    what : str
        What the methods are, for the error message.
    values : mapping
        The run's parameters (scalars or draws); the method is given those of its
        ``parameters``.
    **inputs : float or array_like
        The data the method computes on, by keyword; a method with ``inputs`` set is given
        only those it names.

    Returns
    -------
    object
        What the method's function returns (e.g. a dict of arrays [USD]).

    Raises
    ------
    ValueError
        If ``table`` has no method called ``name``.

    Examples
    --------
    >>> table = {"scaled": Method(lambda *, x, k, c: x * k + c, parameters=("k",), constants={"c": 1})}
    >>> apply(table, "scaled", "method", {"k": 3, "unused": 0}, x=2)
    7
    """
    method = choose(table, name, what)
    if method.inputs is not None:
        inputs = {k: inputs[k] for k in method.inputs}
    return method.function(**inputs, **{p: values[p] for p in method.parameters}, **method.constants)
