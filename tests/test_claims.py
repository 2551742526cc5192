"""analysis.claims and data/claims.csv: the ledger covers the article, and numeric verdicts follow the numbers."""

import re

import pytest

from analysis import claims, data
from conftest import REPO

SEED_DIR = REPO.parent / "shared" / "seed"

# Every quantitative claim of the news article in shared/seed, by a phrase of it.
ARTICLE_CLAIMS = {
    "US$ 6 million": "news-6m",
    "US$ 1.3 billion": "news-1-3b",
    "US$ 1.6 billion": "news-1-6b",
    "50,000 Hopper": "news-50k-hopper",
    "93.3%": "news-mla-93",
    "comparable to OpenAI’s o1": "news-r1-o1",
    "Gemini Flash 2.0": "news-gemini-cheaper",
}


@pytest.fixture(scope="module")
def ledger():
    return data.load_claims().set_index("claim_id")


def _normalise(text):
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


def test_every_quantitative_claim_of_the_article_has_a_ledger_row(ledger):
    seed = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEED_DIR.glob("*.txt"))) if SEED_DIR.is_dir() else None
    for phrase, claim_id in ARTICLE_CLAIMS.items():
        assert claim_id in ledger.index, f"no ledger row for {phrase!r}"
        row = ledger.loc[claim_id]
        assert row["claimant"] == "news article"
        if seed is not None:
            assert phrase in seed, f"{phrase!r} is not in the seed article"
            assert _normalise(row["claim"]) in _normalise(seed), f"{claim_id}: the claim is not quoted verbatim from the article"


def test_numeric_claims_point_at_results_the_report_produces(ledger):
    import json

    committed = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["results"]
    for claim_id, row in ledger[ledger["kind"] == "numeric"].iterrows():
        assert row["result_id"] in committed, f"{claim_id}: {row['result_id']} is not a result of the baseline report"


def test_numeric_verdicts_are_computed_from_the_results(ledger):
    results = {"v3_training_cost_usd": {"value": 5_576_000.0, "unit": "USD"}}
    row = ledger.loc[["news-6m"]].reset_index()
    assert claims.evaluate(row, results)["verdict"].iloc[0] == "reproduced with a caveat"
    results["v3_training_cost_usd"]["value"] = 9_000_000.0  # a different run gives a different verdict
    out = claims.evaluate(row, results)
    assert out["verdict"].iloc[0] == "differs"
    assert "US$9M" in out["reason"].iloc[0]
    assert claims.evaluate(row, {})["verdict"].iloc[0] == "not computed in this run"


def test_baseline_verdicts(ledger):
    import json

    committed = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["results"]
    verdicts = claims.evaluate(ledger.reset_index(), committed).set_index("claim_id")["verdict"]
    assert verdicts["v2-mla-93"] == "reproduced"            # the V2 paper's own 93.3%
    assert verdicts["sa-mla-93"] == "differs"               # "versus standard attention" is 98.2%
    assert verdicts["news-mla-93"] == "differs"             # not a 93.3% cut in cost
    assert verdicts["news-50k-hopper"] == "unsupported"     # an input this report cannot check
    assert verdicts["sa-0-margins"] == "differs"
    assert set(verdicts.index) == set(ledger.index) and verdicts.isin(claims.VERDICTS).all()


@pytest.mark.parametrize("value, claimed, comparison, tol, kind, caveat, expected", [
    (0.9334, 0.933, "approx", 0.001, "relative", "", "reproduced"),
    (1.4, 0.0, "approx", 5, "absolute", "c", "reproduced with a caveat"),
    (6.0, 0.0, "approx", 5, "absolute", "", "differs"),
    (0.0, 1.0, "below", None, "relative", "", "reproduced"),
    (2.0, 1.0, "below", None, "relative", "", "differs"),
])
def test_numeric_verdict_rules(value, claimed, comparison, tol, kind, caveat, expected):
    assert claims.numeric_verdict(value, claimed, comparison, tol, kind, caveat) == expected


def test_bad_ledger_rows_are_caught(data_copy):
    path = data_copy / "claims.csv"
    text = path.read_text()
    path.write_text(text.replace("0.1,relative,true,\"It is DeepSeek's", "0.1,relative,true,\"It is DeepSeek's", 1).replace(
        "news-6m,news article,", "news-6m,the press,", 1))
    with pytest.raises(data.DataError, match=r"^data/claims\.csv, row 1 \(line 2\), column claimant: must be one of"):
        data.load_claims(data_copy)
    path.write_text(text.replace(",,differs,\"SemiAnalysis gives", ",,,\"SemiAnalysis gives", 1))
    with pytest.raises(data.DataError, match=r"column verdict: a qualitative claim needs a typed verdict and its reason"):
        data.load_claims(data_copy)
