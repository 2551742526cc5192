"""No fixed sentence goes false: a page of a run with other parameters repeats no baseline sentence whose
number is a result that moved.

A sentence that names a run's number must be written from that run's values. The test builds the report
under the ``high`` and ``low`` scenarios, takes every sentence that its pages share word for word with the baseline's
pages, and fails on any such sentence that quotes, as the baseline formats it, a result whose value differs
in the ``high`` run (unless the ``high`` run has a result with that same formatted value): that sentence
kept the baseline's number.
"""

import html
import json
import re

import pytest

from analysis import report
from analysis.formatting import format_value

#: A number as the pages write it: US$5.576M, 34.64%, 4.386×, 2,788,000.
NUMBER = re.compile(r"−?US\$[\d,.]+[KMB]?|\d[\d,]*\.?\d*%|\d[\d,]*\.\d+×|\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def sentences(page: str) -> set[str]:
    """The page's visible text, in sentences (tags, scripts and styles removed)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    parts = re.split(r"(?<=[.!?])\s+|\n", re.sub(r"[ \t]+", " ", text))
    # Prose only: a table cell or a lone value (a scenario table shows the baseline's values by design) is not a
    # sentence.
    return {s.strip() for s in parts if NUMBER.search(s) and len(s.split()) >= 4}


def published_numbers() -> set[str]:
    """What the data publish, as the pages format it: DeepSeek's US$5.328M stays US$5.328M in every run."""
    from analysis import data

    figures = data.load_published_figures()
    units = {"USD": "USD", "fraction": "fraction"}
    shown = {format_value(float(v), units.get(u, "")) for v, u in zip(figures["value"], figures["unit"], strict=True)}
    runs = data.load_training_runs()
    shown |= {format_value(float(v), "USD") for v in runs["published_cost_usd"].dropna()}
    return shown


def formatted(results: dict) -> dict[str, set[str]]:
    """Each formatted value -> the ids of the results it formats."""
    out: dict[str, set[str]] = {}
    for rid, r in results.items():
        out.setdefault(format_value(r["value"], r["unit"]), set()).add(rid)
    return out


@pytest.fixture(scope="module", params=["high", "low"])
def other_build(request, tmp_path_factory):
    """The report built under another committed scenario."""
    out = tmp_path_factory.mktemp(request.param) / request.param
    return report.run_report(report.plan_report(request.param, out=out), jobs=2, progress=lambda m: None)


def pages(build):
    return {p.relative_to(build).as_posix(): p.read_text(encoding="utf-8") for p in build.rglob("*.html")}


def test_no_page_of_another_run_keeps_a_baseline_number_that_moved(baseline_build, other_build):
    base = json.loads((baseline_build / "results.json").read_text())["results"]
    high = json.loads((other_build / "results.json").read_text())["results"]
    moved = {rid for rid in base if rid in high and format_value(**_vu(base[rid])) != format_value(**_vu(high[rid]))}
    base_numbers, high_numbers, published = formatted(base), formatted(high), published_numbers()
    stale = []
    base_pages, high_pages = pages(baseline_build), pages(other_build)
    for name, page in high_pages.items():
        if name not in base_pages:
            continue
        for sentence in sentences(page) & sentences(base_pages[name]):
            for number in NUMBER.findall(sentence):
                ids = base_numbers.get(number, set())
                if ids and ids <= moved and number not in high_numbers and number not in published:
                    stale.append(f"{name}: {sentence!r} keeps {number} ({', '.join(sorted(ids))})")
    assert not stale, "sentences that kept the baseline's number:\n" + "\n".join(stale[:30])


def _vu(r):
    return {"value": r["value"], "unit": r["unit"]}
