"""Step 6: the claims ledger, with verdicts computed from the report's own results.

Each row of ``data/claims.csv`` is a claim as written, who made it and where, and
either a rule that checks it against a results id (numeric claims) or a typed
verdict with its reason (qualitative claims). :func:`evaluate` applies the rules,
so a numeric verdict follows the numbers of the run, never a typed word.

Verdicts
--------
``reproduced``
    The report's number agrees with the claim within its tolerance.
``reproduced with a caveat``
    It agrees, but the claim needs the qualification given in ``caveat``.
``differs``
    The report's number does not agree with the claim.
``unsupported``
    The report cannot check the number: it only uses it as an input.
``not computed in this run``
    The result the claim is checked against was not produced (e.g. no price in
    force on the chosen date).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from .results import format_value

VERDICTS = ("reproduced", "reproduced with a caveat", "differs", "unsupported", "not computed in this run")
COMPARISONS = ("approx", "above", "below")


def numeric_verdict(value: float, claimed: float, comparison: str, tolerance: float | None = None,
                    tolerance_kind: str = "relative", caveat: str = "") -> str:
    """The verdict on a numeric claim.

    Examples
    --------
    >>> numeric_verdict(5.576e6, 6e6, "approx", 0.1)
    'reproduced'
    >>> numeric_verdict(5.576e6, 6e6, "approx", 0.05)
    'differs'
    >>> numeric_verdict(1.45e9, 5e8, "above", caveat="Only if the counts are right.")
    'reproduced with a caveat'
    """
    if comparison == "approx":
        if tolerance is None:
            raise ValueError("an approx comparison needs a tolerance")
        gap = abs(value - claimed) if tolerance_kind == "absolute" else abs(value / claimed - 1)
        agrees = gap <= tolerance
    elif comparison == "above":
        agrees = value > claimed
    elif comparison == "below":
        agrees = value < claimed
    else:
        raise ValueError(f"comparison must be one of {', '.join(COMPARISONS)}; got {comparison!r}")
    if not agrees:
        return "differs"
    return "reproduced with a caveat" if caveat else "reproduced"


def _reason(row, value: float, unit: str) -> str:
    claimed, comp = row["claimed_value"], row["comparison"]
    shown = format_value(value, unit)
    if comp == "approx":
        if row["tolerance_kind"] == "absolute":
            relation = f"{shown} against the claimed {format_value(claimed, unit)} (tolerance ±{row['tolerance']:g})"
        else:
            relation = f"{shown} against the claimed {format_value(claimed, unit)} ({value / claimed - 1:+.1%}; tolerance ±{row['tolerance']:.0%})"
    else:
        relation = f"{shown}, claimed {'more' if comp == 'above' else 'less'} than {format_value(claimed, unit)}"
    return f"This report computes {relation}." + (f" {row['caveat']}" if row["caveat"] else "")


def evaluate(claims: pd.DataFrame, results: Mapping[str, Mapping]) -> pd.DataFrame:
    """Add ``computed_value``, ``verdict`` and ``reason`` to the ledger.

    Parameters
    ----------
    claims : pandas.DataFrame
        ``data/claims.csv`` as loaded by :func:`analysis.data.load_claims`.
    results : mapping
        Results id -> ``{"value": ..., "unit": ...}`` (``results.json``'s ``results``).
    """
    out = []
    for row in claims.to_dict("records"):
        row = dict(row)
        if row["kind"] == "qualitative":
            row["computed_value"] = None
            out.append(row)
            continue
        result = results.get(row["result_id"])
        if not row["checkable"]:
            row["computed_value"] = result["value"] if result else None
            row["verdict"] = "unsupported"
            row["reason"] = (f"This report takes the figure as an input ({row['result_id']} restates its parameters) and cannot check it; "
                             "DeepSeek has itself shown 10,000 A100 (Fire-Flyer 2), the 2,048 H800 that trained V3 and up to 2,224 H800 that served V3 and R1, but no Hopper total.")
        elif result is None:
            row["computed_value"] = None
            row["verdict"] = "not computed in this run"
            row["reason"] = f"{row['result_id']} was not produced in this run."
        else:
            row["computed_value"] = result["value"]
            row["verdict"] = numeric_verdict(result["value"], row["claimed_value"], row["comparison"], row["tolerance"],
                                             row["tolerance_kind"] or "relative", row["caveat"] or "")
            row["reason"] = _reason(row, result["value"], result["unit"])
        out.append(row)
    return pd.DataFrame(out)
