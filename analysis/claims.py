"""Step 6: the claims ledger, with verdicts computed from the report's own results and Monte Carlo draws.

Each row of ``data/claims.csv`` is a claim as written, who made it, when and where, and
either a rule that checks it against a results id of the same scope (numeric claims) or
a typed verdict with its reason (qualitative claims). :func:`evaluate` applies the rules,
so a numeric verdict follows the numbers of the run, never a typed word.

A numeric rule is judged on one of two bases:

``point``
    Arithmetic on published figures (DeepSeek's Table 1, the V2 paper's cache sizes,
    list prices): the run's value decides.
``draws``
    A quantity that rests on ranged parameters (a cost, a margin after caveats): the
    claim is tested in every Monte Carlo draw, and only a decisive share of draws
    (``data/verdict_rules.csv``) gives *reproduced* or *differs*; between, the verdict is
    *undetermined* and the reason names the parameter that decides it and its break-even.

Verdicts
--------
``reproduced``
    The report's number agrees with the claim within its tolerance.
``reproduced with a caveat``
    It agrees, but the claim needs the qualification given in ``caveat``.
``misleading``
    The number is right, but it is presented as something else: it disagrees with the
    quantity the claim is about and agrees with ``alternative_result_id``.
``differs``
    The report's number does not agree with the claim.
``undetermined``
    The report's own evidence cannot decide: the claim holds in some draws and not others.
``unsupported``
    The report cannot check the number: it only uses it as an input.
``not checkable``
    No sourced numbers of the claim's scope exist; the row's ``reason`` says what is missing.
``not computed in this run``
    The result the claim is checked against was not produced (e.g. no price in force on
    the chosen date).

A claim that needs several conditions (cheaper *and* as capable) has one row per condition in
``data/claims.csv``, each with its own result, rule and ``scope``, under the same ``claim_id``;
:func:`combine_verdicts` joins their verdicts: it holds only if every condition holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from .formatting import format_value
from .uncertainty import MonteCarlo

VERDICTS = (
    "reproduced",
    "reproduced with a caveat",
    "misleading",
    "differs",
    "undetermined",
    "unsupported",
    "not checkable",
    "not computed in this run",
)
#: The verdicts a qualitative row may be given by hand (the last two are computed only).
TYPED_VERDICTS = VERDICTS[:-2]
#: What each verdict means, for the legend of every ledger page; ``{reproduced}`` and ``{differs}`` are
#: filled from ``data/verdict_rules.csv`` by :func:`verdict_legend`.
VERDICT_MEANINGS = {
    "reproduced": "The report's number agrees with the claim within the claim's tolerance; a claim judged over "
    "the Monte Carlo draws holds in at least {reproduced} of them.",
    "reproduced with a caveat": "It agrees as for reproduced, but only with the qualification given in the reason.",
    "misleading": "The number is right, but it is presented as something else: it disagrees with what the claim "
    "says it is and agrees with another of the report's numbers.",
    "differs": "The report's number does not agree with the claim; a claim judged over the Monte Carlo draws "
    "holds in at most {differs} of them.",
    "undetermined": "The report's own evidence cannot decide: the claim holds in more than {differs} and fewer "
    "than {reproduced} of the Monte Carlo draws; the reason names the assumption it turns on.",
    "unsupported": "The report takes the number as an input and cannot check it.",
    "not checkable": "No sourced numbers of the claim's scope exist; the reason says what is missing.",
    "not computed in this run": "The number the claim is judged against was not produced in this run (for "
    "example, no price in force on the run's date).",
}
#: How the verdicts of a claim's conditions combine: the first of these any condition has decides, and a
#: claim is reproduced only if every condition is (with a caveat if any has one).
_COMBINED_ORDER = (
    "not computed in this run",
    "not checkable",
    "differs",
    "misleading",
    "undetermined",
    "unsupported",
    "reproduced with a caveat",
    "reproduced",
)
COMPARISONS = ("approx", "above", "below")
BASES = ("point", "draws")


def holds(value, claimed: float, comparison: str, tolerance: float | None = None, tolerance_kind: str = "relative"):
    """Whether a value bears a claim out, elementwise (a value, or an array of draws).

    Parameters
    ----------
    value : float or array_like
        The report's value, or its Monte Carlo draws [the claim's unit].
    claimed : float
        The claimed value [the same unit].
    comparison : {"approx", "above", "below"}
        ``approx``: ``value`` is within ``tolerance`` of ``claimed``; ``above`` and
        ``below``: strictly more, or less, than ``claimed``.
    tolerance : float, optional
        Allowed gap for ``approx`` (required for it): a share of ``claimed`` [-] when
        ``tolerance_kind`` is ``relative``, in the claim's unit when ``absolute``.
    tolerance_kind : {"relative", "absolute"}, default "relative"
        How ``tolerance`` is measured.

    Returns
    -------
    bool or numpy.ndarray of bool
        Whether the claim holds: a bool for a scalar ``value``, else one per element.

    Raises
    ------
    ValueError
        If ``comparison`` is unknown, or ``approx`` has no ``tolerance``.

    Examples
    --------
    >>> holds(5.576e6, 6e6, "approx", 0.1), holds(5.576e6, 6e6, "approx", 0.05)
    (True, False)
    >>> holds(np.array([1.0, 3.0]), 2.0, "above").tolist()
    [False, True]
    """
    value = np.asarray(value, dtype=float)
    if comparison == "approx":
        if tolerance is None:
            raise ValueError("an approx comparison needs a tolerance")
        gap = np.abs(value - claimed) if tolerance_kind == "absolute" else np.abs(value / claimed - 1)
        out = gap <= tolerance
    elif comparison == "above":
        out = value > claimed
    elif comparison == "below":
        out = value < claimed
    else:
        raise ValueError(f"comparison must be one of {', '.join(COMPARISONS)}; got {comparison!r}")
    return bool(out) if out.ndim == 0 else out


def numeric_verdict(
    value: float,
    claimed: float,
    comparison: str,
    tolerance: float | None = None,
    tolerance_kind: str = "relative",
    caveat: str = "",
    *,
    share: float | None = None,
    thresholds: Mapping[str, float] | None = None,
    alternative_holds: bool = False,
) -> str:
    """The verdict on a numeric claim: at the point value, or by the share of draws in which it holds.

    Parameters
    ----------
    value : float
        The report's value at the run's parameters [the claim's unit].
    claimed : float
        The claimed value [the same unit].
    comparison : {"approx", "above", "below"}
        As in :func:`holds`.
    tolerance : float, optional
        Allowed gap for ``approx``, as in :func:`holds`.
    tolerance_kind : {"relative", "absolute"}, default "relative"
        How ``tolerance`` is measured, as in :func:`holds`.
    caveat : str
        A qualification; a claim that holds with one is *reproduced with a caveat*.
    share : float, optional
        Share of Monte Carlo draws in which the claim holds [0-1]; given, it decides.
    thresholds : mapping, optional
        ``reproduced_min_share`` and ``differs_max_share`` (``data/verdict_rules.csv``).
    alternative_holds : bool
        Whether the number agrees with the quantity it really is (see *misleading*).

    Returns
    -------
    str
        One of ``reproduced``, ``reproduced with a caveat``, ``misleading``, ``differs`` and
        ``undetermined`` (:data:`VERDICTS`).

    Raises
    ------
    ValueError
        If ``share`` is given without ``thresholds``.

    Examples
    --------
    >>> numeric_verdict(5.576e6, 6e6, "approx", 0.1)
    'reproduced'
    >>> numeric_verdict(1.45e9, 5e8, "above", caveat="Only if the counts are right.")
    'reproduced with a caveat'
    >>> numeric_verdict(9.2e7, 1.3e9, "approx", 0.15, alternative_holds=True)
    'misleading'
    >>> rules = {"reproduced_min_share": 0.9, "differs_max_share": 0.1}
    >>> numeric_verdict(7.5e8, 9.44e8, "approx", 0.15, share=0.4, thresholds=rules)
    'undetermined'
    """
    if share is None:
        agrees = holds(value, claimed, comparison, tolerance, tolerance_kind)
    else:
        if thresholds is None:
            raise ValueError("a verdict from draws needs thresholds (data/verdict_rules.csv)")
        if share >= thresholds["reproduced_min_share"]:
            agrees = True
        elif share <= thresholds["differs_max_share"]:
            agrees = False
        else:
            return "undetermined"
    if agrees:
        return "reproduced with a caveat" if caveat else "reproduced"
    return "misleading" if alternative_holds else "differs"


def _relation(row, value: float, unit: str) -> str:
    claimed, comp = row["claimed_value"], row["comparison"]
    shown = format_value(value, unit)
    written = row.get("claimed_as_written")
    written = written if isinstance(written, str) else ""
    if comp == "approx":
        if row["tolerance_kind"] == "absolute":
            give = format_value(row["tolerance"], unit)
        else:
            give = f"{row['tolerance']:.0%}"
        if not written:  # the claim gives no number: say what we take it to imply, and how loosely
            return f"{shown}, where the claim implies {format_value(claimed, unit)} give or take {give}"
        if row["tolerance_kind"] == "absolute":
            return f"{shown} against the claimed {written} (tolerance ±{give})"
        return f"{shown} against the claimed {written} ({value / claimed - 1:+.1%}; tolerance ±{give})"
    return f"{shown}, claimed {'more' if comp == 'above' else 'less'} than {format_value(claimed, unit)}"


def evaluate(
    claims: pd.DataFrame,
    results: Mapping[str, Mapping],
    draws: Mapping[str, np.ndarray] | None = None,
    thresholds: Mapping[str, float] | None = None,
    decider: Callable[[str, Callable], tuple | None] | None = None,
) -> pd.DataFrame:
    """Add ``computed_value``, ``share_of_draws_holding``, ``verdict`` and ``reason`` to the ledger.

    Parameters
    ----------
    claims : pandas.DataFrame
        ``data/claims.csv`` as loaded by :func:`analysis.data.load_claims`.
    results : mapping
        Results id -> ``{"value": ..., "unit": ...}`` (``results.json``'s ``results``).
    draws : mapping or analysis.uncertainty.MonteCarlo, optional
        Results id -> array of Monte Carlo draws of it, or a :class:`~analysis.uncertainty.MonteCarlo`
        (its outputs by name; the shares of all rows are then counted in one pass over its chunks,
        equal to those of whole arrays). Rows on the ``draws`` basis need it; without it they are
        judged at the point value, and the reason says so.
    thresholds : mapping, optional
        ``reproduced_min_share`` and ``differs_max_share`` (``data/verdict_rules.csv``).
    decider : callable, optional
        ``decider(result_id, predicate)`` returns ``(parameter, break_even, unit, side)`` for
        the ranged parameter whose range decides whether ``predicate(value)`` holds, or None;
        it names the parameter behind an *undetermined* verdict, in words.

    Returns
    -------
    pandas.DataFrame
        The ledger, one row per claim, with ``computed_value`` (None for qualitative rows,
        results not produced and claims of several conditions), ``share_of_draws_holding`` [0-1]
        (None unless judged on draws), ``conditions`` (each condition's judged row, for a claim of
        several; else empty), and, for numeric rows, the computed ``verdict`` and its ``reason``;
        qualitative rows keep their typed verdict and reason.
    """
    shares = _shares_of_draws(claims, results, draws)
    judged: dict[str, list[dict]] = {}
    for row in claims.to_dict("records"):
        judged.setdefault(row["claim_id"], []).append(_judge(dict(row), results, shares, thresholds, decider))
    out = [rows[0] | {"conditions": ()} if len(rows) == 1 else _combined(rows) for rows in judged.values()]
    return pd.DataFrame(out)


def _judge(row: dict, results: Mapping, shares: Mapping, thresholds, decider) -> dict:
    """One row of ``data/claims.csv`` (a claim, or one condition of it) with its value, share, verdict and
    reason."""
    row["share_of_draws_holding"] = None
    if row["kind"] == "qualitative":
        row["computed_value"] = None
        return row
    if not row["checkable"] and not row["result_id"]:
        row["computed_value"] = None
        row["verdict"] = "not checkable"
        return row  # its typed reason says what is missing
    result = results.get(row["result_id"])
    if not row["checkable"]:
        row["computed_value"] = result["value"] if result else None
        row["verdict"] = "unsupported"
        row["reason"] = "This report takes the figure as an input (a parameter) and cannot check it. " + (
            row["caveat"] or ""
        )
        return row
    if result is None:
        row["computed_value"] = None
        row["verdict"] = "not computed in this run"
        row["reason"] = "The number it is judged against was not produced in this run."
        return row
    rule = _rule(row)
    value, unit = result["value"], result["unit"]
    row["computed_value"] = value
    share = shares.get(_share_key(row))
    row["share_of_draws_holding"] = share
    alt = results.get(row["alternative_result_id"]) if row["alternative_result_id"] else None
    alt_holds = bool(alt and holds(alt["value"], **rule))
    row["verdict"] = numeric_verdict(
        value, caveat=row["caveat"] or "", share=share, thresholds=thresholds, alternative_holds=alt_holds, **rule
    )
    # The sentence opens with the computed number, so the ledger's reasons do not all open alike.
    relation = _relation(row, value, unit) + (" at the run's parameters" if row["basis"] == "draws" else "")
    if share is not None:
        relation += f"; the claim holds in {share:.0%} of the Monte Carlo draws"
    if row["verdict"] == "undetermined" and decider is not None:
        found = decider(row["result_id"], lambda v, rule=rule: holds(v, **rule))
        if found:
            name, break_even, p_unit, side = found
            relation += (
                f"; it turns on the {name}: the claim holds when it is {side} {format_value(break_even, '')} {p_unit}"
            )
    if row["verdict"] == "misleading":
        relation += (
            f"; it agrees instead with {alt.get('label') or row['alternative_result_id']} "
            f"({format_value(alt['value'], alt['unit'])}): right as that, wrong as what the claim says it is"
        )
    parts = [relation[:1].upper() + relation[1:] + "."]
    if share is None and row["basis"] == "draws":
        parts.append("No Monte Carlo draws were given, so the run's value decides.")
    if row["caveat"]:
        parts.append(row["caveat"])
    row["reason"] = " ".join(parts)
    return row


def combine_verdicts(verdicts) -> str:
    """The verdict on a claim of several conditions, from the verdict on each.

    The claim holds only if every condition holds: one that differs makes it differ, one the
    evidence cannot decide leaves it undetermined, and it is reproduced with a caveat if any
    condition has one.

    Parameters
    ----------
    verdicts : iterable of str
        One verdict per condition (:data:`VERDICTS`).

    Returns
    -------
    str
        One of :data:`VERDICTS`.

    Raises
    ------
    ValueError
        If there is no verdict, or one is not in :data:`VERDICTS`.

    Examples
    --------
    >>> combine_verdicts(["reproduced", "differs"])
    'differs'
    >>> combine_verdicts(["reproduced", "reproduced with a caveat"])
    'reproduced with a caveat'
    >>> combine_verdicts(["reproduced", "undetermined"])
    'undetermined'
    """
    verdicts = list(verdicts)
    unknown = [v for v in verdicts if v not in VERDICTS]
    if not verdicts or unknown:
        raise ValueError(f"verdicts must be one or more of {', '.join(VERDICTS)}; got {verdicts!r}")
    return next(v for v in _COMBINED_ORDER if v in verdicts)


def _combined(rows: list[dict]) -> dict:
    """One ledger row for a claim of several conditions: the claim's own columns, each condition's scope,
    result and reason, and the combined verdict."""
    first = rows[0]
    reasons = " ".join(
        f"({i}) On {r['scope']}: {r['reason'] or ''} [{r['verdict']}]".replace("  ", " ")
        for i, r in enumerate(rows, start=1)
    )
    return first | {
        "scope": "; and ".join(r["scope"] for r in rows),
        "result_id": ";".join(r["result_id"] or "" for r in rows),
        "claimed_value": None,
        "claimed_as_written": None,
        "computed_value": None,
        "share_of_draws_holding": None,
        "caveat": " ".join(r["caveat"] for r in rows if r["caveat"]) or None,
        "verdict": combine_verdicts(r["verdict"] for r in rows),
        "reason": f"The claim needs {len(rows)} conditions, each judged on its own; it holds only if all do. "
        + reasons,
        "conditions": tuple(rows),
    }


def verdict_legend(thresholds: Mapping[str, float]) -> pd.DataFrame:
    """What each verdict means, with the shares of draws that decide it (for every ledger page).

    Parameters
    ----------
    thresholds : mapping
        ``reproduced_min_share`` and ``differs_max_share`` [0-1] (``data/verdict_rules.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``verdict`` and ``meaning``, one row per verdict in :data:`VERDICTS` order.

    Examples
    --------
    >>> legend = verdict_legend({"reproduced_min_share": 0.9, "differs_max_share": 0.1})
    >>> legend.set_index("verdict").loc["differs", "meaning"].endswith("holds in at most 10% of them.")
    True
    """
    shares = {
        "reproduced": f"{float(thresholds['reproduced_min_share']):.0%}",
        "differs": f"{float(thresholds['differs_max_share']):.0%}",
    }
    return pd.DataFrame(
        {"verdict": list(VERDICTS), "meaning": [VERDICT_MEANINGS[v].format(**shares) for v in VERDICTS]}
    )


def _rule(row: Mapping) -> dict:
    """The keyword arguments of :func:`holds` for a numeric claim's row."""
    return dict(
        claimed=row["claimed_value"],
        comparison=row["comparison"],
        tolerance=row["tolerance"],
        tolerance_kind=row["tolerance_kind"] or "relative",
    )


def _share_key(row: Mapping) -> str:
    """A row's key among the shares: its claim and result (a claim of several conditions has one per row)."""
    return f"{row['claim_id']}|{row['result_id']}"


def _shares_of_draws(claims: pd.DataFrame, results: Mapping, draws) -> dict:
    """Row key (:func:`_share_key`) -> share of the draws in which it holds [0-1], for each numeric,
    checkable row on the ``draws`` basis whose result was produced and drawn; counted in one pass over a
    MonteCarlo's chunks."""
    if draws is None:
        return {}
    rows = [
        r
        for r in claims.to_dict("records")
        if r["kind"] != "qualitative"
        and r["checkable"]
        and r["basis"] == "draws"
        and r["result_id"] in results
        and r["result_id"] in draws
    ]
    if isinstance(draws, MonteCarlo):
        predicates = {_share_key(r): (r["result_id"], functools.partial(holds, **_rule(r))) for r in rows}
        return draws.shares(predicates)
    return {_share_key(r): float(np.mean(holds(draws[r["result_id"]], **_rule(r)))) for r in rows}
