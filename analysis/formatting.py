"""Numbers as a reader would write them: US$ with K, M and B, percentages, thousands separators.

Pure: no I/O. The results table, the claims ledger, the figures' tick labels and the
notebooks' sentences all format a number through :func:`format_value`, so a number reads
the same way everywhere (DeepSeek's margin is "545.47%" on every page).
"""

from __future__ import annotations

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float, digits: int = 4) -> str:
    """A very large or small number as a reader writes it, with ``digits`` significant figures.

    >>> scientific(3.2856e24), scientific(-2.5e-7, 2)
    ('3.286 × 10²⁴', '-2.5 × 10⁻⁷')
    """
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    mantissa = f"{float(mantissa):.{digits}g}"
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def format_value(value: float, unit: str) -> str:
    """A number as a reader would write it.

    >>> format_value(5576000.0, "USD")
    'US$5.576M'
    >>> format_value(0.3464, "fraction")
    '34.64%'
    >>> format_value(1.9412, "USD per GPU-hour"), format_value(4.386, "ratio")
    ('US$1.941 per GPU-hour', '4.386×')
    >>> format_value(-281000.0, "USD")
    '−US$281K'
    """
    if unit.startswith("USD per "):
        return f"{format_value(value, 'USD')} {unit[4:]}"
    if unit == "ratio":
        return f"{format_value(value, '')}×"
    if unit == "USD" and value < 0:
        return "−" + format_value(-value, unit)
    if unit == "USD":
        for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= scale:
                return f"US${value / scale:,.4g}{suffix}"
        return f"US${value:,.4g}"
    if unit == "fraction":
        return f"{value * 100:.2f}%"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        number = f"{int(value):,}"
    elif abs(value) >= 1e15 or (value != 0 and abs(value) < 1e-3):
        number = scientific(value)
    elif abs(value) >= 1000:
        number = f"{value:,.0f}"
    else:
        number = f"{value:,.4g}"
    return f"{number} {unit}" if unit else number
