"""Numbers as a reader would write them: US$ with K, M and B, percentages, thousands separators.

Pure: no I/O. The pages' tables and sentences, the claims ledger and the figures' labels all format a
number through :func:`format_value`, so a number reads the same way everywhere.

The precision rule
------------------
* **Pages show three significant figures** (:data:`PAGE_DIGITS`): US$98.8M, 34.6%, 4.39×, 87,100 tokens per
  second. A computed number carries no more precision than its inputs, and three figures are enough to
  compare and to quote. The front page's one-paragraph verdict rounds further, to two
  (:data:`VERDICT_DIGITS`: "about US$99M").
* **A number that reproduces a published figure keeps the precision it was published with**: pass the
  published value as ``published=`` and, when the number equals it at that precision, it is written with the
  published figure's significant figures (at least three): DeepSeek's US$5.576M stays "US$5.576M", not
  "US$5.58M", so a reader finds the figure they know. A number that does not reproduce it (a run at another
  price) is written at the ordinary precision: the published figure's precision is never borrowed by a
  number that differs from it.
* **Whole numbers are exact and written in full** (counts of GPUs, GPU-hours, tokens): 2,788,000 GPU-hours.
* **Identifiers are not quantities**: a value in a unit of :data:`IDENTIFIER_UNITS` (a random seed) is written
  as typed, without separators (20250131, not 20,250,131).
* ``digits=None`` writes a number as given (the shortest form that reads back as the same number): for the
  inputs a reader types, such as the assumptions register's values and ranges.

Results files (``results.csv``, ``results.json``) and ids keep full precision: they never go through this
module.
"""

from __future__ import annotations

import math

#: Significant figures of a number on a page.
PAGE_DIGITS = 3
#: Significant figures of a number in the front page's verdict paragraph.
VERDICT_DIGITS = 2
#: Units whose values name something rather than measure it: written as typed, without separators.
IDENTIFIER_UNITS = frozenset({"seed", "year"})

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float, digits: int = PAGE_DIGITS) -> str:
    """A very large or small number as a reader writes it, with ``digits`` significant figures.

    >>> scientific(3.2856e24), scientific(-2.5e-7, 2)
    ('3.29 × 10²⁴', '-2.5 × 10⁻⁷')
    """
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = f"{float(mantissa):.{digits}g}"
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def significant_digits(value: float) -> int:
    """How many significant figures a published number was given with (its shortest decimal form).

    Parameters
    ----------
    value : float
        A published figure as a number (``5576000.0`` for "US$5.576M", ``0.933`` for "93.3%").

    Returns
    -------
    int
        Its significant figures, trailing zeros of a whole number not counted (at least 1).

    Examples
    --------
    >>> significant_digits(5576000.0), significant_digits(0.933), significant_digits(5.45), significant_digits(6e6)
    (4, 3, 3, 1)
    """
    if value == 0 or not math.isfinite(value):
        return 1
    mantissa = f"{abs(value):.15g}".split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return max(1, len(mantissa))


def round_significant(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant figures.

    >>> round_significant(98772444.9, 3), round_significant(999.6, 3), round_significant(0.0, 3)
    (98800000.0, 1000.0, 0.0)
    """
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits - 1}e}")


def _decimal(value: float, digits: int | None) -> str:
    """``value`` at ``digits`` significant figures (None: as given), with separators and no exponent."""
    if digits is None:
        text = f"{value:.15g}"
        if "e" in text:
            return scientific(value, significant_digits(value))
        whole, _, fraction = text.partition(".")
        return f"{int(whole):,}" + (f".{fraction}" if fraction else "") if whole != "-0" else text
    rounded = round_significant(value, digits)
    if rounded == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _precision(value: float, digits: int | None, published: float | None) -> int | None:
    """The figures to write ``value`` with: the published figure's if ``value`` reproduces it, else ``digits``."""
    if published is None or digits is None:
        return digits
    kept = max(digits, significant_digits(published))
    reproduces = round_significant(value, kept) == round_significant(published, kept)
    return kept if reproduces else digits


def format_value(value: float, unit: str, digits: int | None = PAGE_DIGITS, published: float | None = None) -> str:
    """A number as a reader would write it, at the page's precision (see the module's precision rule).

    Parameters
    ----------
    value : float
        The number, in ``unit``.
    unit : str
        ``"USD"`` (US$ with K, M, B), ``"USD per ..."``, ``"fraction"`` (a percentage), ``"ratio"`` (×),
        a unit of :data:`IDENTIFIER_UNITS` (written as typed), any other unit (written after the number),
        or ``""``.
    digits : int or None
        Significant figures (default :data:`PAGE_DIGITS`); None writes the number as given.
    published : float, optional
        The published figure this number reproduces, in the same unit: when the number equals it at its
        precision, that precision is kept.

    Returns
    -------
    str
        The number in words a reader uses.

    Examples
    --------
    >>> format_value(98772444.9, "USD"), format_value(5576000.0, "USD")
    ('US$98.8M', 'US$5.58M')
    >>> format_value(5576000.0, "USD", published=5.576e6)  # reproduces DeepSeek's figure: its four figures
    'US$5.576M'
    >>> format_value(9535000.0, "USD", published=5.576e6)  # does not reproduce it: the page's precision
    'US$9.54M'
    >>> format_value(0.3464, "fraction"), format_value(5.4547, "fraction", published=5.45)
    ('34.6%', '545%')
    >>> format_value(1.9412, "USD per GPU-hour"), format_value(4.386, "ratio")
    ('US$1.94 per GPU-hour', '4.39×')
    >>> format_value(-281000.0, "USD"), format_value(98772444.9, "USD", digits=2)
    ('−US$281K', 'US$99M')
    >>> format_value(20250131, "seed"), format_value(2788000.0, "GPU-hours"), format_value(7.1358, "", digits=None)
    ('20250131', '2,788,000 GPU-hours', '7.1358')
    """
    digits = _precision(value, digits, published)
    if unit in IDENTIFIER_UNITS:
        return str(int(value)) if float(value).is_integer() else str(value)
    if unit.startswith("USD per "):
        return f"{format_value(value, 'USD', digits)} {unit[4:]}"
    if unit == "ratio":
        return f"{format_value(value, '', digits)}×"
    if unit == "USD" and value < 0:
        return "−" + format_value(-value, unit, digits)
    if unit == "USD":
        rounded = value if digits is None else round_significant(value, digits)
        for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(rounded) >= scale:
                return f"US${_decimal(rounded / scale, digits)}{suffix}"
        return f"US${_decimal(rounded, digits)}"
    if unit == "fraction":
        return f"{_decimal(value * 100, digits)}%"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        number = f"{int(value):,}"
    elif abs(value) >= 1e15 or (value != 0 and abs(value) < 1e-3):
        number = scientific(value, digits or significant_digits(value))
    else:
        number = _decimal(value, digits)
    return f"{number} {unit}" if unit else number
