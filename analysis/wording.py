"""Sentences that stay true in every run: a comparison worded from two numbers and a tolerance.

A sentence with a fixed comparison ("not zero margins", "exactly as Table 1 says", "of the order of a
hundred million") is true at the baseline and may be false in a run with other parameters. The steps
word such comparisons with these functions from the run's own numbers, so the words move with them.

References
----------
Issue 19, "Every run tells the truth" (the project's issue tracker).
"""

from __future__ import annotations

import math

from .formatting import format_value

#: Relations :func:`relation` returns.
RELATIONS = ("below", "equal", "above")


def relation(value: float, reference: float, tolerance: float = 0.0, *, relative: bool = True) -> str:
    """Where ``value`` lies against ``reference``: ``"below"``, ``"equal"`` (within ``tolerance``) or ``"above"``.

    Parameters
    ----------
    value, reference : float
        The two numbers, in the same unit.
    tolerance : float, default 0.0
        How far apart they may be and still count as equal: a fraction of ``|reference|`` when
        ``relative`` (0.02 is 2%), else in their unit. Zero asks for equality to rounding (1e-9
        relative).
    relative : bool, default True
        Whether ``tolerance`` is a fraction of the reference.

    Returns
    -------
    str
        One of :data:`RELATIONS`.

    Raises
    ------
    ValueError
        If a number is not finite or the tolerance is negative.

    Examples
    --------
    >>> relation(5.576e6, 5.576e6), relation(9.535e6, 5.576e6), relation(1.01, 1.0, 0.02)
    ('equal', 'above', 'equal')
    """
    if not (math.isfinite(value) and math.isfinite(reference)):
        raise ValueError(f"cannot compare {value!r} with {reference!r}: both must be finite numbers")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    allowed = tolerance * abs(reference) if relative else tolerance
    if math.isclose(value, reference, rel_tol=1e-9, abs_tol=allowed):
        return "equal"
    return "below" if value < reference else "above"


def compared(
    value: float,
    reference: float,
    unit: str,
    tolerance: float = 0.0,
    *,
    reference_words: str = "",
    relative: bool = True,
) -> str:
    """``value`` worded against ``reference``: "US$9.535M, 71% above US$5.576M" or "US$5.576M, the same as ...".

    Parameters
    ----------
    value, reference : float
        The two numbers [``unit``].
    unit : str
        Their unit, as :func:`analysis.formatting.format_value` takes it.
    tolerance : float, default 0.0
        As :func:`relation`.
    reference_words : str, optional
        What the reference is ("DeepSeek's Table 1"), written after its value.
    relative : bool, default True
        As :func:`relation`.

    Returns
    -------
    str
        The phrase; the difference is in % of the reference when it is not zero, else in ``unit``.

    Examples
    --------
    >>> compared(9.535e6, 5.576e6, "USD", reference_words="DeepSeek's figure")
    "US$9.54M, 71% above DeepSeek's figure of US$5.58M"
    >>> compared(5.576e6, 5.576e6, "USD", reference_words="DeepSeek's figure")
    "US$5.58M, the same as DeepSeek's figure of US$5.58M"
    """
    where = relation(value, reference, tolerance, relative=relative)
    shown, against = format_value(value, unit), format_value(reference, unit)
    named = f"{reference_words} of {against}" if reference_words else against
    if where == "equal":
        within = "" if tolerance == 0 else (f" (within {tolerance:.0%})" if relative else "")
        return f"{shown}, the same as {named}{within}"
    if reference == 0:
        return f"{shown}, {where} {named}"
    return f"{shown}, {abs(value / reference - 1):.0%} {where} {named}"


def about(value: float, unit: str, digits: int = 2) -> str:
    """``value`` rounded to ``digits`` significant figures and formatted: "about US$310M" for 3.08e8.

    For sentences that give a rough size ("about US$310M a year") instead of a fixed phrase
    ("of the order of a hundred million") that a run with other parameters would make false.

    Parameters
    ----------
    value : float
        The number [``unit``].
    unit : str
        Its unit, as :func:`analysis.formatting.format_value` takes it.
    digits : int, default 2
        Significant figures kept, >= 1.

    Returns
    -------
    str
        "about " and the rounded value; "" before an exact zero.

    Examples
    --------
    >>> about(3.08e8, "USD"), about(1.0617e9, "USD"), about(0.2262, "fraction")
    ('about US$310M', 'about US$1.1B', 'about 23%')
    """
    if digits < 1:
        raise ValueError(f"digits must be >= 1, got {digits!r}")
    if value == 0 or not math.isfinite(value):
        return format_value(value, unit)
    rounded = round(value, digits - 1 - math.floor(math.log10(abs(value))))
    if unit == "fraction":
        return f"about {rounded * 100:g}%"
    return f"about {format_value(rounded, unit)}"


def percent(share: float) -> str:
    """A fraction as the steps print a percentage: whole per cent, or one decimal below 10%.

    Sentences and tests use this one function, so a test can find the number a sentence quotes.

    Parameters
    ----------
    share : float
        The fraction (0.226 is 22.6%).

    Returns
    -------
    str
        "23%", "4.5%", "0%".

    Examples
    --------
    >>> percent(0.2262), percent(0.045), percent(1.78), percent(0.0)
    ('23%', '4.5%', '178%', '0%')
    """
    if not math.isfinite(share):
        raise ValueError(f"a share must be finite, got {share!r}")
    if share != 0 and abs(share) < 0.1:
        return f"{share:.1%}"
    return f"{share:.0%}"


def whose(values, baselines, names, at_baseline: str, otherwise: str) -> str:
    """``at_baseline`` if every parameter in ``names`` is at its baseline in ``values``, else ``otherwise``.

    For attributions that hold only at the baseline ("the fleet SemiAnalysis describes"): a run with
    other counts gets ``otherwise`` ("this run's fleet") instead.

    Parameters
    ----------
    values, baselines : mapping
        The run's value and the baseline of each parameter.
    names : iterable of str
        The parameters the attribution rests on.
    at_baseline, otherwise : str
        The two wordings.

    Examples
    --------
    >>> whose({"n": 1}, {"n": 1}, ["n"], "SemiAnalysis's", "this run's")
    "SemiAnalysis's"
    >>> whose({"n": 2}, {"n": 1}, ["n"], "SemiAnalysis's", "this run's")
    "this run's"
    """
    return at_baseline if all(values[n] == baselines[n] for n in names) else otherwise


def gap_words(value: float, reference: float, tolerance: float = 0.0, reference_words: str = "it") -> str:
    """How far ``value`` lies from ``reference``, in % of it: "within 2% of it", "10% below it", "7.5% above it".

    Parameters
    ----------
    value, reference : float
        The two numbers, in the same unit (``reference`` not zero).
    tolerance : float, default 0.0
        As :func:`relation` (relative): a gap within it is "within".
    reference_words : str, default "it"
        What the reference is called at the end of the phrase ("SemiAnalysis's US$1.6B").

    Returns
    -------
    str
        The phrase, the gap formatted by :func:`percent`.

    Examples
    --------
    >>> gap_words(1.446e9, 1.6e9), gap_words(1.61e9, 1.6e9, 0.02), gap_words(1.72e9, 1.6e9)
    ('9.6% below it', 'within 2% of it', '7.5% above it')
    """
    if reference == 0:
        raise ValueError("gap_words needs a reference other than zero")
    where = relation(value, reference, tolerance)
    if where == "equal":
        return f"within {tolerance:.0%} of {reference_words}" if tolerance else f"equal to {reference_words}"
    return f"{percent(abs(value / reference - 1))} {where} {reference_words}"
