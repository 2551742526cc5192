"""Physical constants and unit conversions: the one home of every number that is not data.

Pure: no I/O. Every module that turns hours into years, seconds into hours or yuan into
dollars uses these, so a constant is written once.
"""

from __future__ import annotations

import numpy as np

#: Hours in an average year (365.25 days x 24 h) [h/year].
HOURS_PER_YEAR = 365.25 * 24
#: Hours in a day [h/day].
HOURS_PER_DAY = 24.0
#: Seconds in an hour [s/h].
SECONDS_PER_HOUR = 3600.0
#: Tokens in a million tokens, the unit prices are quoted in [tokens].
TOKENS_PER_MILLION = 1e6


def cny_to_usd(amount_cny, usd_cny_rate):
    """Convert yuan to US dollars.

    Parameters
    ----------
    amount_cny : array_like
        Amount [CNY].
    usd_cny_rate : array_like
        Yuan per US dollar [CNY/USD].

    Returns
    -------
    array_like
        Amount [USD].

    Examples
    --------
    >>> round(float(cny_to_usd(1_200_000, 7.2)))
    166667
    """
    rate = np.asarray(usd_cny_rate, dtype=float)
    if np.any(rate <= 0):
        raise ValueError("usd_cny_rate must be > 0 (yuan per US dollar)")
    return np.divide(amount_cny, rate)
