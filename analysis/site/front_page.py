"""The report's front page (``index.html``): the answer first, then the detail.

Layout: ``templates/index.html.j2``. This module gathers what the page shows from the run
(results, figures, answers, the claims ledger, the plan's parameters) into plain values; the
template escapes them, and the link filter links "step N" and glossary terms in its prose.
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup, escape

from .. import __version__
from .. import compare as _compare
from .. import costs as _costs
from .. import data as _data
from .. import paths as _paths
from ..formatting import IDENTIFIER_UNITS, PAGE_DIGITS, VERDICT_DIGITS, format_value
from ..tables import source_links
from .links import GLOSSARY_PAGE, SOURCES_PAGE, code_files, step_number
from .notebook_page import notebook_title
from .reference_pages import text
from .templating import macro, render, stylesheet

#: What each named cost (:data:`analysis.costs.NAMED_COSTS`, in that order) covers, as the front page's
#: key findings say it; the costs' short names are :data:`analysis.costs.NAMED_COST_LABELS`.
HEADLINE_COSTS = dict(
    zip(
        _costs.NAMED_COSTS,
        (
            "V3's final training run, priced over our range of rental prices per GPU-hour",
            "Developing V3 and R1: final runs, experiments and the research staff of the same period",
            "A year of the company: the shared GPU fleet's cost of ownership and all research staff",
            "Owning the GPU fleet for four years from 2025",
        ),
        strict=True,
    )
)
#: Each named cost as the subject of a phrase ("for developing V3 and R1, ...").
COST_SUBJECTS = dict(
    zip(
        _costs.NAMED_COSTS,
        ("the final run", "developing V3 and R1", "a year of the company", "owning the fleet for four years"),
        strict=True,
    )
)
#: Where a description or caption names a data file, the words a reader knows it by on the front page (any other
#: ``data/NAME.csv`` reads "our NAME table").
_FILES_IN_WORDS = {"data/assumptions.csv": "the assumptions register", "data/sources.csv": "the sources page"}
#: The published figure the verdict opens with: DeepSeek's final-run cost (``data/published_figures.csv``).
PUBLISHED_FINAL_RUN = "v3_table1_total_cost_usd"
#: Step 6's result giving each cost's swing across its most influential parameter (which it names in its
#: ``parameter`` field): ``<cost id>_most_sensitive_swing_usd``.
_SWING_SUFFIX = "_most_sensitive_swing_usd"


def most_influential_parameter(by_id: dict, cost_id: str, labels: dict | None = None) -> tuple[str, dict] | None:
    """The parameter a named cost's uncertainty depends on most, in words, and the result giving its swing.

    Step 6's ``<cost_id>_most_sensitive_swing_usd`` names the parameter in its ``parameter`` field
    (:attr:`analysis.steps.Number.parameter`); its words are the register's label.

    Parameters
    ----------
    by_id : dict
        The run's results by id.
    cost_id : str
        A named cost (:data:`analysis.costs.NAMED_COSTS`).
    labels : dict, optional
        Parameter name -> its label in words (default: the register's labels; a name without one
        is shown as it is).

    Returns
    -------
    (str, dict) or None
        The parameter in words and the swing's result, or None when the run did not record it.

    Examples
    --------
    >>> swing = {"value": 2e6, "unit": "USD", "label": "Swing", "parameter": "gpu_hour_price_usd"}
    >>> most_influential_parameter({"c_most_sensitive_swing_usd": swing}, "c", {"gpu_hour_price_usd": "price"})[0]
    'price'
    >>> most_influential_parameter({}, "c") is None
    True
    """
    swing = by_id.get(cost_id + _SWING_SUFFIX)
    if not swing or not swing.get("parameter"):
        return None
    if labels is None:
        from .. import params as _params

        labels = {name: p.label for name, p in _params.load_register().items()}
    return labels.get(swing["parameter"]) or swing["parameter"], swing


def _quantiles(by_id: dict, rid: str, digits: int = PAGE_DIGITS) -> tuple[str, str, str, bool] | None:
    """A result's median, 5th and 95th percentiles as written, and whether the run holds it (no spread)."""
    q = [by_id.get(f"{rid}_{x}") for x in ("p50", "p05", "p95")]
    if not all(q):
        return None
    mid, lo, hi = (format_value(r["value"], r["unit"], digits) for r in q)
    return mid, lo, hi, q[1]["value"] == q[2]["value"]


def _about(by_id: dict, rid: str) -> str:
    """A cost for the verdict: 'about US$99M (90% range US$53M to US$190M)', at two significant figures."""
    mid, lo, hi, held = _quantiles(by_id, rid, VERDICT_DIGITS)
    return mid if held else f"about {mid} (90% range {lo} to {hi})"


def verdict(by_id: dict, published_usd: float, published_price_usd: float = 2.0) -> list[str]:
    """The front page's verdict: what the reported final-run cost is and is not, what developing V3 and R1
    cost, what a year of the company costs, each a median at two significant figures with its 90% range.

    Every sentence is written from the run's results; the only number it does not take from them is DeepSeek's
    published figure, which it names as DeepSeek's.

    Parameters
    ----------
    by_id : dict
        The run's results by id (the named costs with their ``_p50``, ``_p05`` and ``_p95``).
    published_usd : float
        The final-run cost DeepSeek published (``v3_table1_total_cost_usd``), US$.
    published_price_usd : float
        The rental price it assumed (``v3_rental_price``), US$ per GPU-hour.

    Returns
    -------
    list of str
        Plain-text sentences (the template escapes them); empty if the run lacks a named cost's quantiles.

    Examples
    --------
    >>> r = lambda v: {"value": v, "unit": "USD"}
    >>> by_id = {f"{c}_{q}": r(v * m) for c, v in (("cost_final_run_usd", 6.1e6), ("cost_development_usd", 9.9e7),
    ...          ("company_cost_per_year_usd", 6e8)) for q, m in (("p50", 1), ("p05", 0.5), ("p95", 2))}
    >>> by_id["cost_final_run_usd"] = dict(r(5.576e6), depends_on=["gpu_hour_price_usd"])
    >>> print(" ".join(verdict(by_id, 5.576e6)))  # doctest: +NORMALIZE_WHITESPACE
    The “US$5.6M” is DeepSeek's own US$5.576M: V3's final training run alone, priced at US$2 per rented GPU-hour.
    It is real but narrow: over our range for the price of a GPU-hour that run costs about US$6.1M (90% range
    US$3M to US$12M), and it leaves out the experiments before it, the researchers and the hardware.
    Developing V3 and R1 cost about US$99M (90% range US$50M to US$200M), 18 times the reported figure.
    A year of the company, the GPU fleet it shares with High-Flyer and all its research staff, costs about
    US$600M (90% range US$300M to US$1.2B).
    """
    needed = ("cost_final_run_usd", "cost_development_usd", "company_cost_per_year_usd")
    if any(_quantiles(by_id, rid) is None for rid in needed):
        return []
    reported = format_value(published_usd, "USD", VERDICT_DIGITS)
    exact = format_value(published_usd, "USD", published=published_usd)
    held = [COST_SUBJECTS[rid] for rid in needed if _quantiles(by_id, rid)[3]]
    staff = by_id.get("research_staff_usd_per_year", {}).get("value")
    year_words = "and all its research staff" if staff != 0 else "(this run counts no research staff)"
    if _quantiles(by_id, "cost_final_run_usd")[3]:  # the run holds the price: one value, no range
        final_words = f"at this run's price that run costs {_about(by_id, 'cost_final_run_usd')}"
    else:
        moved_by = by_id.get("cost_final_run_usd", {}).get("depends_on")
        ranges = "our range for the price of a GPU-hour" if moved_by == ["gpu_hour_price_usd"] else "our ranges"
        final_words = f"over {ranges} that run costs {_about(by_id, 'cost_final_run_usd')}"
    development = by_id["cost_development_usd_p50"]["value"]
    times = development / published_usd
    if times >= 1.5:
        development_words = f"{_about(by_id, 'cost_development_usd')}, {times:.0f} times the reported figure"
    else:
        development_words = f"{_about(by_id, 'cost_development_usd')}, little more than the reported figure"
    sentences = [
        f"The “{reported}” is DeepSeek's own {exact}: V3's final training run alone, priced at "
        f"{format_value(published_price_usd, 'USD', digits=None)} per rented GPU-hour.",
        f"It is real but narrow: {final_words}, and it leaves out the experiments before it, the researchers and "
        "the hardware.",
        f"Developing V3 and R1 cost {development_words}.",
        f"A year of the company, the GPU fleet it shares with High-Flyer {year_words}, costs "
        f"{_about(by_id, 'company_cost_per_year_usd')}.",
    ]
    if held:
        which = " and ".join([", ".join(held[:-1]), held[-1]] if len(held) > 1 else held)
        sentences.append(
            f"This run holds every parameter that moves {which}, "
            + ("so they have no range." if len(held) > 1 else "so it has no range.")
        )
    return sentences


def key_findings(
    by_id: dict, *, point_words: str = "at the baseline parameters", labels: dict | None = None
) -> list[str]:
    """The front page's key findings: a sentence per headline cost, median and 90% interval first, then the
    parameter its uncertainty depends on most. Numbers come from the run's results; any missing one is skipped.

    Parameters
    ----------
    by_id : dict
        The run's results by id (each with ``value``, ``unit`` and ``label``).
    point_words : str
        How the value at the run's own parameters is described.
    labels : dict, optional
        Parameter name -> its label in words (default: the register's).

    Returns
    -------
    list of str
        Sentences as HTML (escaped); the median's results id follows the median, the point value's id the
        point value.

    Examples
    --------
    >>> r = lambda v: {"value": v, "unit": "USD", "label": "x"}
    >>> by_id = {"cost_final_run_usd": r(5.576e6), "cost_final_run_usd_p50": r(6.1e6),
    ...          "cost_final_run_usd_p05": r(4.4e6), "cost_final_run_usd_p95": r(8.5e6)}
    >>> print(key_findings(by_id)[0])  # doctest: +NORMALIZE_WHITESPACE
    <strong>V3&#39;s final training run, priced over our range of rental prices per GPU-hour:</strong>
    a median of US$6.1M <code class="rid">cost_final_run_usd_p50</code> (90% interval US$4.4M to US$8.5M);
    US$5.58M at the baseline parameters <code class="rid">cost_final_run_usd</code>.
    """
    out = []
    for rid, words in HEADLINE_COSTS.items():
        point, q = by_id.get(rid), _quantiles(by_id, rid)
        if point and q:
            point_shown = format_value(point["value"], point["unit"])
            out.append(macro("finding", words, q, point_shown, point_words, rid))
    drivers = []
    for rid in HEADLINE_COSTS:
        found = most_influential_parameter(by_id, rid, labels)
        if found:
            parameter, swing = found
            drivers.append((COST_SUBJECTS[rid], parameter, format_value(swing["value"], swing["unit"])))
    if drivers:
        out.append(macro("drivers", drivers))
    return [str(sentence) for sentence in out]


def _citation(repo_root=None) -> dict:
    """What ``CITATION.cff`` says about the report (title, version, date, authors, address)."""
    import yaml

    root = Path(repo_root) if repo_root else _paths.REPO_ROOT
    try:
        meta = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8")) or {}
    except OSError:
        meta = {}
    return {
        "title": str(meta.get("title") or "DeepSeek's true cost"),
        "version": str(meta.get("version") or __version__),
        "date": str(meta.get("date-released") or ""),
        "authors": "; ".join(str(a.get("name") or a.get("family-names") or "") for a in meta.get("authors") or []),
        "url": str(meta.get("url") or meta.get("repository-code") or ""),
    }


def how_to_cite_html(citation: dict, example_result: str, example_figure: str, run: dict | None = None) -> str:
    """The "How to cite" block: the report as text and BibTeX, a number, a figure (all with the version).

    Parameters
    ----------
    citation : dict
        ``title``, ``version``, ``date``, ``authors`` and ``url`` (as ``CITATION.cff`` gives them).
    example_result, example_figure : str
        A results id and a figure id to show as examples.
    run : dict, optional
        The run's identity (``results.json``'s ``run``): its scenario and run id join every citation.

    Returns
    -------
    str
        A ``<section id="cite">``.

    Examples
    --------
    >>> c = dict(title="T", version="0.1.0", date="2026-11-29", authors="A", url="")
    >>> block = how_to_cite_html(c, "cost_development_usd_p50", "fig06_bridge")
    >>> "@software{deepseek_true_cost_v0_1_0," in block, "version = {0.1.0}" in block, "fig06_bridge" in block
    (True, True, True)
    """
    c = citation
    year = c["date"][:4]
    where = f" {c['url']}." if c["url"] else ""
    of_run = f", {run['label']}" if run else ""
    as_text = f"{c['authors']} ({year or 'n.d.'}). {c['title']}. Version {c['version']}{of_run}.{where}"
    key = "deepseek_true_cost_v" + re.sub(r"\W", "_", c["version"])
    bib = [f"@software{{{key},", f"  title = {{{{{c['title']}}}}},", f"  author = {{{{{c['authors']}}}}},"]
    bib += [f"  version = {{{c['version']}}},"] + ([f"  year = {{{year}}},"] if year else [])
    bib += [f"  note = {{{run['label']}}},"] if run else []
    bib += ([f"  date = {{{c['date']}}},"] if c["date"] else []) + ([f"  url = {{{c['url']}}},"] if c["url"] else [])
    bib.append("}")
    return str(macro("citation", c, as_text, "\n".join(bib), example_result, example_figure, run))


def _register_rows(plan) -> list[dict]:
    """The assumptions register as the page shows it; names a reader types (parameters, a choice's values) as code."""
    typed = set(plan.register) | {a for p in plan.register.values() for a in (p.allowed or ())}
    names = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(typed, key=len, reverse=True)) + r")(?![\w-])"
    )

    def as_code(words: str) -> Markup:
        return Markup(code_files(names.sub(r"<code>\1</code>", str(escape(words)))))

    rows = []
    for name, p in plan.register.items():
        if p.low is not None:
            span = f"{format_value(p.low, '', None)} to {format_value(p.high, '', None)} ({p.distribution})"  # as typed
        else:
            span = "one of " + ", ".join(p.allowed) if p.allowed else p.distribution
        value = plan.values[name]

        def shown_value(v, unit=p.unit) -> str:
            """An input as typed (not rounded like a result); an identifier such as the seed without separators."""
            if isinstance(v, int | float) and not isinstance(v, bool):
                return format_value(v, unit if unit in IDENTIFIER_UNITS else "", None)
            return str(v)

        shown = shown_value(value)
        rows.append(
            {
                "label": p.label or name,
                "name": name,
                "value": as_code(shown),
                "baseline": as_code(shown_value(p.baseline)),
                "changed": value != p.baseline,
                "range": as_code(span),
                "unit": p.unit,
                "sources_html": Markup(source_links(p.source_ids)),
                "note": as_code(p.note),
            }
        )
    return rows


def _source_ids(value) -> list[str]:
    """Source ids from a list, a tuple or a ``"a;b"`` string (empty for None or NaN)."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [v.strip() for v in text(value).split(";") if v.strip()]


def _claim_rows(ledger) -> list[dict]:
    """The claims ledger as the page shows it."""
    if ledger is None or not len(ledger):
        return []

    def holds(r) -> str:
        share = r.get("share_of_draws_holding")
        return "–" if share is None or share != share else format_value(float(share), "fraction")

    return [
        {
            "claim": text(r["claim"]),
            "scope": text(r.get("scope")),
            "claimant": text(r["claimant"]),
            "sources_html": Markup(source_links(_source_ids(r.get("source_ids")))),
            "verdict": text(r["verdict"]),
            "holds": holds(r),
            "reason": text(r["reason"]),
        }
        for r in ledger.to_dict("records")
    ]


def _verdict_legend(plan) -> list[dict]:
    """What each verdict means, its thresholds from the run's ``data/verdict_rules.csv``."""
    from .. import model as _model

    return _model.verdict_legend(plan.data_dir).to_dict("records")


def _result_rows(results: list[dict], by_id: dict) -> tuple[list[dict], list[dict]]:
    """The headline results: those with a Monte Carlo interval, and the step numbers they rest on."""

    def row(r: dict) -> dict:
        shown = Markup("_<wbr>").join(r["id"].split("_"))  # breaks only after an underscore; copying gives the id
        return dict(
            r,
            sources_html=Markup(source_links(r["sources"])),
            point=format_value(r["value"], r["unit"]),
            id_breakable=shown,
        )

    def interval(r: dict) -> tuple[str, str, str]:
        return tuple(format_value(by_id[f"{r['id']}_{q}"]["value"], r["unit"]) for q in ("p50", "p05", "p95"))

    headline = sorted(
        (r for r in results if r.get("headline")), key=lambda r: (r["notebook"] != "06_true_cost", r["notebook"])
    )
    ranged = [
        dict(row(r), interval=interval(r), median_id=f"{r['id']}_p50") for r in headline if _quantiles(by_id, r["id"])
    ]
    ranged_ids = {r["id"] for r in ranged}
    return ranged, [row(r) for r in headline if r["id"] not in ranged_ids]


def _step_entries(executed: dict, answers: dict, figure_by_id: dict, shown: set | None = None) -> list[dict]:
    """Each step on the front page: its number, question, one-sentence answer and key figure.

    A key figure already in ``shown`` (the hero figure above the steps) is not shown again: the entry's
    ``figure`` is None and ``figure_above`` names it, for a link. Each one the steps show is added to ``shown``.
    """
    shown = set() if shown is None else shown
    entries = []
    for stem, nb in executed.items():
        title = notebook_title(nb)
        is_step = title.lower().startswith("step")
        answer = answers.get(stem)
        entries.append(
            {
                "stem": stem,
                "step": title.split(":")[0] if is_step else "",
                "question": title.split(": ", 1)[1] if is_step and ": " in title else title,
                "answer": answer["answer"] if answer else "",
                "figure": None,
                "figure_above": None,
            }
        )
        key = figure_by_id.get(answer["key_figure"]) if answer else None
        if key is not None:
            entries[-1]["figure_above" if key["id"] in shown else "figure"] = key["id"] if key["id"] in shown else key
            shown.add(key["id"])
    return entries


def beside_baseline(by_id: dict, baseline: dict) -> list[dict]:
    """The four headline costs of a run beside the baseline's, with the change: the rows of "This run | Baseline |
    Change".

    Parameters
    ----------
    by_id : dict
        The run's results by id.
    baseline : dict
        The baseline's results by id (step 6 at the baseline's values).

    Returns
    -------
    list of dict
        Per named cost (:data:`analysis.costs.NAMED_COSTS`) both have: ``id``, ``label`` (its short name), ``run``
        and ``baseline`` (formatted by :func:`analysis.formatting.format_value`) and ``change`` (signed, in %,
        against the baseline; :func:`analysis.compare.format_change`).

    Examples
    --------
    >>> r = lambda v: {"value": v, "unit": "USD"}
    >>> row = beside_baseline({"cost_final_run_usd": r(9.535e6)}, {"cost_final_run_usd": r(5.576e6)})[0]
    >>> row["run"], row["baseline"], row["change"]
    ('US$9.54M', 'US$5.58M', '+71%')
    """
    rows = []
    for rid in HEADLINE_COSTS:
        run, base = by_id.get(rid), baseline.get(rid)
        if run is None or base is None:
            continue
        label = _costs.NAMED_COST_LABELS[rid]
        rows.append(
            {
                "id": rid,
                "label": label[:1].upper() + label[1:],
                "run": format_value(run["value"], run["unit"]),
                "baseline": format_value(base["value"], base["unit"]),
                "change": _compare.format_change(_compare.change_fraction(base["value"], run["value"])),
            }
        )
    return rows


def published_final_run(data_dir=None) -> tuple[float, float]:
    """DeepSeek's published final-run cost (US$) and the rental price it assumed (US$ per GPU-hour).

    >>> published_final_run()
    (5576000.0, 2.0)
    """
    figures = _data.load_published_figures(data_dir).set_index("figure_id")["value"]
    return float(figures[PUBLISHED_FINAL_RUN]), float(figures["v3_rental_price"])


def in_words(description: str) -> str:
    """A description or caption with the data files it names replaced by the words a reader knows them by.

    >>> in_words("every parameter at its baseline in data/assumptions.csv: ...")
    'every parameter at its baseline in the assumptions register: ...'
    >>> in_words("servers priced by published server prices (data/server_prices.csv and data/gpus.csv)")
    'servers priced by published server prices (our server prices table and our gpus table)'
    """
    for path, words in _FILES_IN_WORDS.items():
        description = description.replace(path, words)
    return re.sub(r"\bdata/([a-z0-9_]+)\.csv\b", lambda m: f"our {m[1].replace('_', ' ')} table", description)


def _run_of(plan) -> dict | None:
    run = getattr(plan, "run", None)
    return run.as_dict() if run is not None else None


def _labels(register) -> dict:
    return {name: p.label for name, p in register.items()}


def index_html(
    plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None, baseline=None
) -> str:
    """The report's front page, answer first (offline: no request leaves the folder).

    Parameters
    ----------
    plan : analysis.report.Plan
        The run's plan (scenario, parameters, register).
    executed : dict
        The executed notebooks by stem, in step order.
    results : list of dict
        The run's results.
    figures : list of dict
        The run's figure manifest.
    ledger : pandas.DataFrame, optional
        The claims ledger.
    answers : list of dict, optional
        Each step's one-sentence answer and key figure.
    baseline : dict, optional
        For a run that differs from the baseline: the baseline's ``results`` by id, its ``bridge``
        figure's manifest entry and the ``folder`` that holds it
        (:func:`analysis.runner.publish.baseline_beside`).

    Returns
    -------
    str
        The page: its first screen holds the title, the verdict (:func:`verdict`), the authors and date, and
        the bridge figure; then the scenario, the key findings (:func:`key_findings`) with the bridge
        figure; for a run that differs from the baseline, its four costs beside the baseline's with the
        change (:func:`beside_baseline`) and its bridge figure beside the baseline's; the headline costs
        (median and 90% interval first) and the step numbers they rest on, each with its results id as a
        small citable anchor; the six steps; the figure gallery; the assumptions register; the claims ledger;
        how to re-run and how to cite. Source ids link to ``sources.html`` and the first use of each glossary
        term to ``glossary.html``.
    """
    by_id = {r["id"]: r for r in results}
    answers = {a["notebook"]: a for a in (answers or [])}
    figure_by_id = {f["id"]: f for f in figures}
    citation = _citation()
    point_words = "at the baseline parameters" if not plan.differs else "at this run's parameters"
    where = [
        by_id[f"{rid}_point_percentile"]["value"]
        for rid in HEADLINE_COSTS
        if f"{rid}_point_percentile" in by_id
        and by_id.get(f"{rid}_p05", {}).get("value")
        != by_id.get(f"{rid}_p95", {}).get("value")  # a held cost has no spread
    ]
    bridge = figure_by_id.get("fig06_bridge")
    ranged, step_numbers = _result_rows(results, by_id)
    example = next((f"{r}_p50" for r in HEADLINE_COSTS if f"{r}_p50" in by_id), results[0]["id"] if results else "")
    differs = differs_rows(plan)
    return render(
        "index.html.j2",
        title=f"DeepSeek's true cost: {plan.label}",
        css=Markup(stylesheet()),
        glossary=_data.load_glossary(plan.data_dir),
        step_pages={n: f"notebooks/{stem}.html" for stem in executed if (n := step_number(stem)) is not None},
        version=__version__,
        citation=citation,
        label=plan.label,
        description=in_words(plan.scenario.description),
        verdict=verdict(by_id, *published_final_run(plan.data_dir)),
        sources_page=SOURCES_PAGE,
        glossary_page=GLOSSARY_PAGE,
        findings=[Markup(f) for f in key_findings(by_id, point_words=point_words, labels=_labels(plan.register))],
        bridge=bridge,
        placed=(f"{min(where):.0%}", f"{max(where):.0%}") if where else None,
        differs=differs,
        versus=beside_baseline(by_id, baseline["results"]) if baseline else [],
        baseline_bridge=dict(baseline["bridge"], folder=baseline["folder"]) if baseline else None,
        point_heading=point_words.capitalize(),
        ranged=ranged,
        step_numbers=step_numbers,
        steps=_step_entries(executed, answers, figure_by_id, shown := {bridge["id"]} if bridge else set()),
        gallery=[
            dict(f, caption=in_words(f["caption"]), sources_html=Markup(source_links(f["sources"])))
            for f in sorted(figures, key=lambda f: f["id"])
            if f["id"] not in shown  # each figure once per page: the gallery holds the ones not shown above
        ],
        shown_above=sorted(shown),
        register=_register_rows(plan),
        claims=_claim_rows(ledger),
        verdict_legend=_verdict_legend(plan) if ledger is not None and len(ledger) else [],
        rerun_command=plan.rerun_command(),
        cite=Markup(
            how_to_cite_html(
                citation, example, "fig06_bridge" if bridge else next(iter(figure_by_id), ""), _run_of(plan)
            )
        ),
        run=_run_of(plan),
    )


def monte_carlo_words(param, value, run_range) -> str:
    """What the Monte Carlo does with a parameter a run set: held (its spread is off) or drawn from the run's range.

    >>> from analysis.params import load_register
    >>> monte_carlo_words(load_register()["pue"], 1.2, None)
    'held at 1.2 (its spread is off; give it a range with -p pue LOW..HIGH)'
    >>> print(monte_carlo_words(load_register()["pue"], 1.25, (1.2, 1.3)))
    drawn from 1.2 to 1.3 (this run's range; the register's is 1.1 to 1.3)
    >>> monte_carlo_words(load_register()["as_of_date"], "2025-03-01", None)
    'not drawn (fixed in the register)'
    """
    if run_range is not None:
        low, high = run_range
        return f"drawn from {low:g} to {high:g} (this run's range; the register's is {param.low:g} to {param.high:g})"
    if param.distribution == "fixed":
        return "not drawn (fixed in the register)"
    return f"held at {value:g} (its spread is off; give it a range with -p {param.name} LOW..HIGH)"


def differs_rows(plan) -> list[dict]:
    """The parameters a run set (value or range), each with what the Monte Carlo does with it."""
    rows = []
    ranges = getattr(plan, "ranges", {})
    for name in sorted(set(plan.differs) | set(ranges)):
        p = plan.register[name]
        run_range = ranges.get(name)
        value = plan.values[name]
        rows.append(
            {
                "label": p.label or name,
                "name": name,
                "baseline": p.baseline,
                "value": value if run_range is None else f"{run_range[0]:g} to {run_range[1]:g}",
                "unit": p.unit,
                "monte_carlo": monte_carlo_words(p, value, run_range),
            }
        )
    return rows
