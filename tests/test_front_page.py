"""The front page's first screen, its verdict and headline rows, and the writing of the pages the site generates
(issue 21, parts 1 and 3): the verdict's numbers are the run's, no sentence opening repeats more than twice on a
page, and no identifier or file path reaches a reader's prose."""

from __future__ import annotations

import html
import json
import re
from collections import Counter

import pandas as pd
import pytest
import yaml

from analysis import params, steps
from analysis.formatting import VERDICT_DIGITS, format_value
from analysis.site import front_page
from analysis.site.reference_pages import CONFIDENCE_GRADES
from conftest import REPO

#: A US$ amount as the pages write it.
USD = re.compile(r"US\$[0-9][0-9,.]*[KMB]?")
#: A snake_case identifier or a path into the repository.
IDENTIFIER = re.compile(
    r"(?<![\w./-])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|(?:data|analysis|notebooks|reports|tools|tests)/[\w./-]*)(?![\w/])"
)
#: Most sentences on a page that may open with the same three words.
MAX_SAME_OPENING = 2
PUBLISHED_USD, PUBLISHED_PRICE = front_page.published_final_run()
COSTS = ("cost_final_run_usd", "cost_development_usd", "company_cost_per_year_usd")


def _values(scenario=None, overrides=None):
    register = params.load_register()
    given = dict(params.load_scenario(scenario, register=register).overrides) if scenario else {}
    return params.resolve_parameters(register, {**given, **(overrides or {})})


RUNS = {
    "baseline": lambda: _values(),
    "high": lambda: _values("high"),
    "low": lambda: _values("low"),
    "deepseek-claimed": lambda: _values("deepseek-claimed"),
    "-p gpu_hour_price_usd 3.42": lambda: _values(overrides={"gpu_hour_price_usd": 3.42}),
}


@pytest.fixture(scope="module", params=list(RUNS))
def run(request):
    """Step 6's results of one run, by id."""
    return {r["id"]: r for r in steps.step6(RUNS[request.param]()).records()}


def _shown(by_id, rid):
    return format_value(by_id[rid]["value"], "USD", VERDICT_DIGITS)


# --------------------------------------------------------------------------- the verdict, from the run's values
def test_every_number_of_the_verdict_is_the_runs_or_deepseeks(run):
    sentences = front_page.verdict(run, PUBLISHED_USD, PUBLISHED_PRICE)
    published = {
        format_value(PUBLISHED_USD, "USD", VERDICT_DIGITS),
        format_value(PUBLISHED_USD, "USD", published=PUBLISHED_USD),
        format_value(PUBLISHED_PRICE, "USD", None),
    }
    # The sentence that names DeepSeek's figure gives only DeepSeek's numbers (not a median of the run's).
    assert "DeepSeek" in sentences[0] and set(USD.findall(sentences[0])) == published
    ours = set(USD.findall(" ".join(sentences[1:])))
    for rid in COSTS:
        held = run[f"{rid}_p05"]["value"] == run[f"{rid}_p95"]["value"]
        expected = {_shown(run, f"{rid}_p50")} | (
            set() if held else {_shown(run, f"{rid}_{q}") for q in ("p05", "p95")}
        )
        assert expected <= ours, rid
    allowed = {_shown(run, f"{rid}_{q}") for rid in COSTS for q in ("p50", "p05", "p95")}
    assert ours <= allowed, ours - allowed


def test_the_verdict_says_which_costs_a_run_holds(run):
    text = " ".join(front_page.verdict(run, PUBLISHED_USD, PUBLISHED_PRICE))
    held = [rid for rid in COSTS if run[f"{rid}_p05"]["value"] == run[f"{rid}_p95"]["value"]]
    assert ("no range" in text) == bool(held)
    assert text.count("90% range") == len(COSTS) - len(held)
    staff = run["research_staff_usd_per_year"]["value"]
    assert ("all its research staff" in text) == (staff > 0) and ("counts no research staff" in text) == (staff == 0)
    times = run["cost_development_usd_p50"]["value"] / PUBLISHED_USD
    assert (f"{times:.0f} times the reported figure" in text) == (times >= 1.5)


# --------------------------------------------------------------------------- the built front page
@pytest.fixture(scope="module")
def page(baseline_build):
    return (baseline_build / "index.html").read_text(encoding="utf-8")


def _first_screen(page: str) -> str:
    """The page from its start to the end of the verdict section (what the reader sees first)."""
    main = page.split("<main>", 1)[1]
    return main.split("</section>", 1)[0]


def test_the_first_screen_holds_title_verdict_authors_date_and_the_bridge(page, baseline_build):
    first = _first_screen(page)
    results = json.loads((baseline_build / "results.json").read_text())["results"]
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert "<h1>DeepSeek's true cost</h1>" in html.unescape(first)
    for author in cff["authors"]:
        assert (author.get("name") or author["family-names"]) in html.unescape(first)
    assert str(cff["date-released"]) in first
    verdict = re.search(r'<p class="verdict">(.*?)</p>', first, flags=re.S)[1]
    text = html.unescape(re.sub(r"<[^>]+>", "", verdict))
    assert text == " ".join(front_page.verdict(results, PUBLISHED_USD, PUBLISHED_PRICE))
    assert re.search(r'<img src="figures/fig06_bridge\.[a-z]+"', first)
    assert first.index('class="verdict"') < first.index("fig06_bridge")  # the verdict first, then the figure
    assert "<section" not in first.split('<section id="verdict"', 1)[0]  # nothing before it but the header
    assert not IDENTIFIER.search(re.sub(r"<[^>]+>", " ", first.split("<figure", 1)[0]))  # no file path, no id


def test_each_headline_row_cites_the_medians_id_for_the_median_and_the_points_for_the_point(page):
    table = page.split('<section id="headline">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><td id="r-([a-z0-9_]+)">.*?</tr>', table, flags=re.S)
    assert set(front_page.HEADLINE_COSTS) <= set(rows)
    for rid in rows:
        row = re.search(rf'<tr><td id="r-{rid}">(.*?)</tr>', table, flags=re.S)[1]
        median_cell, point_cell = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, flags=re.S)
        assert f'<code class="rid">{rid}_p50</code>' in median_cell
        assert f"{rid}_p50" not in point_cell and rid in html.unescape(re.sub(r"<wbr>", "", point_cell))


def test_key_findings_put_each_id_after_its_own_number(page):
    findings = page.split('<ul class="findings">', 1)[1].split("</ul>", 1)[0]
    for rid in front_page.HEADLINE_COSTS:
        item = next(li for li in re.findall(r"<li>(.*?)</li>", findings, flags=re.S) if f">{rid}<" in li)
        median, point = item.index(f">{rid}_p50<"), item.index(f">{rid}<")
        assert item.index("median") < median < item.index("90% interval") and median < point


# --------------------------------------------------------------------------- the writing of the pages
def _prose(page: str) -> list[str]:
    """A page's prose: the text of its paragraphs, list items, definitions and table cells, without code, commands,
    citation ids, figure ids and addresses."""
    page = re.sub(r"<(pre|style|script|nav)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(
        r'<code class="rid">.*?</code>|<strong class="fid">.*?</strong>|<span class="src">.*?</span>', " ", page
    )
    page = re.sub(r'<a [^>]*href="https?:[^"]*"[^>]*>.*?</a>', " ", page, flags=re.S)
    blocks = re.findall(r"<(p|li|dd|td|blockquote|figcaption)\b[^>]*>(.*?)</\1>", page, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split()) for _, inner in blocks]


def _sentences(texts: list[str]) -> list[str]:
    """The sentences of at least four words (a heading, a byline or a label without a full stop is not one)."""
    split = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z“\"])")
    return [s for t in texts for s in split.split(t) if len(s.split()) >= 4 and re.search(r"[.!?][)”\"]?$", s)]


def repeated_openings(texts: list[str]) -> dict[str, int]:
    """Three-word sentence openings used more than :data:`MAX_SAME_OPENING` times."""
    counts = Counter(" ".join(s.split()[:3]) for s in _sentences(texts))
    return {opening: n for opening, n in counts.items() if n > MAX_SAME_OPENING}


def test_the_opening_cap_counts_what_it_should():
    assert repeated_openings(["This report computes A. This report computes B.", "This report computes C here."]) == {
        "This report computes": 3
    }
    assert repeated_openings(["This report computes A here. We compute B here.", "Ours is C here."]) == {}


@pytest.mark.parametrize("name", ["index.html", "sources.html", "glossary.html"])
def test_no_sentence_opening_repeats_more_than_twice_on_a_generated_page(baseline_build, name):
    page = (baseline_build / name).read_text(encoding="utf-8")
    # Tables (the register's and the ledger's cells, checked below), captions (the figures'), titles of sources and
    # the links under each step are not the page's sentences.
    page = re.sub(r"<table\b.*?</table>|<figcaption\b.*?</figcaption>", " ", page, flags=re.S)
    if name == "sources.html":  # a source's title is its name, not a sentence
        page = re.sub(r"<strong>.*?</strong>", " ", page)
    page = re.sub(r'<p class="links">.*?</p>', " ", page)
    prose = _prose(page)
    assert len(_sentences(prose)) > 10
    assert repeated_openings(prose) == {}


def test_the_ledgers_reasons_do_not_open_alike(baseline_build):
    ledger = pd.read_csv(baseline_build / "claims.csv")
    rows = pd.read_csv(REPO / "data" / "claims.csv")
    written = rows.groupby("claim_id")["caveat"].agg(lambda c: [t for t in c.fillna("") if t])  # one per condition

    def generated_part(cid: str, reason: str) -> str:
        for caveat in written.get(cid, []):
            reason = reason.replace(caveat, "")
        return reason.strip()

    generated = [
        generated_part(cid, reason) for cid, reason in zip(ledger["claim_id"], ledger["reason"].fillna(""), strict=True)
    ]
    assert len(_sentences(generated)) > 10
    assert repeated_openings(generated) == {}


def test_no_sentence_opening_of_a_steps_text_repeats_more_than_twice():
    values = _values()
    for number, step in steps.STEPS.items():
        result = step(values)
        assert repeated_openings([result.answer, *result.text.values()]) == {}, number


def _command(code: str) -> bool:
    return code.startswith(("python ", "-p ", ".venv/", "--"))


@pytest.mark.parametrize("name", ["index.html", "sources.html", "glossary.html"])
def test_no_identifier_or_file_path_in_the_prose_of_a_generated_page(baseline_build, name):
    page = (baseline_build / name).read_text(encoding="utf-8")
    results = json.loads((baseline_build / "results.json").read_text())["results"]
    cited = set(results) | {f.stem for f in (baseline_build / "figures").glob("*.svg")}  # citation ids
    page = re.sub(
        r"<code>(.*?)</code>", lambda m: " " if _command(html.unescape(m[1])) or m[1] in cited else m[0], page
    )
    # The register's and the ledger's cells name parameters a reader types (as code, under their words); prose is
    # everything else: paragraphs, list items, definitions and captions.
    page_without_tables = re.sub(r"<table\b.*?</table>", " ", page, flags=re.S)
    prose = _prose(page_without_tables)
    found = sorted({m for t in prose for m in IDENTIFIER.findall(t)})
    assert found == []


def test_no_bare_identifier_in_a_steps_sentences_and_code_only_for_what_a_reader_types():
    values = _values()
    register = params.load_register()
    typed = set(register) | {a for p in register.values() for a in (p.allowed or ())}
    typed |= {p.stem for p in (REPO / "data" / "scenarios").glob("*.yaml")}
    for number, step in steps.STEPS.items():
        result = step(values)
        for sentence in [result.answer, *result.text.values()]:
            assert not IDENTIFIER.search(re.sub(r"`[^`]*`", " ", sentence)), (number, sentence)
            assert set(re.findall(r"`([^`]*)`", sentence)) <= typed, (number, sentence)


def test_the_sources_page_speaks_to_readers(baseline_build):
    page = (baseline_build / "sources.html").read_text(encoding="utf-8")
    text = " ".join(_prose(page))
    for internal in ("file id", "was not opened", "was not read", "stored copy", "shared/", "[H]", "[M]", "[M-H]"):
        assert internal not in text, internal
    legend = page.split('<section id="confidence"', 1)[1].split("</section>", 1)[0]
    shown = set(re.findall(r'<a href="#confidence">Confidence</a>: ([^.<]+)\.', page))
    assert shown and shown <= {html.escape(g) for g, _ in CONFIDENCE_GRADES.values()}
    assert all(f"<strong>{g}</strong>" in legend for g in shown)


def test_no_key_finding_attributes_a_median_to_deepseek():
    r = lambda v: {"value": v, "unit": "USD", "label": "x"}  # noqa: E731
    by_id = {f"{c}_{q}": r(6e6) for c in front_page.HEADLINE_COSTS for q in ("p50", "p05", "p95")}
    by_id.update({c: r(5.576e6) for c in front_page.HEADLINE_COSTS})
    for finding in front_page.key_findings(by_id):
        assert not ("DeepSeek" in finding and "median" in finding), finding
