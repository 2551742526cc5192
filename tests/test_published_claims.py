"""Claims about what someone published are judged at the published inputs, in every run.

A claim that DeepSeek's figure is US$5.576M or 545% is about DeepSeek's arithmetic at its own US$2 per
GPU-hour, not about this run's price: its verdict must not move with any parameter. The test builds the
claims ledger from the step functions at the baseline, the committed scenarios and a random point of the
register, and holds equal every verdict judged against a result that no parameter moves.
"""

import pytest

from analysis import model, params, steps
from conftest import random_register_point

REGISTER = params.load_register()
#: Few draws: the verdicts held here are judged on the point value, not the draws.
QUICK = {"monte_carlo_draws": 2_000}


def run(scenario=None, overrides=None):
    given = dict(params.load_scenario(scenario, register=REGISTER).overrides) if scenario else {}
    values = {**params.resolve_parameters(REGISTER, {**given, **(overrides or {})}), **QUICK}
    results = steps.claim_results(values)
    return results, model.claims_ledger(values, results).set_index("claim_id")


def random_point(seed=19):
    return random_register_point(REGISTER, seed)


@pytest.fixture(scope="module")
def baseline():
    return run()


RUNS = {
    "high": lambda: run("high"),
    "low": lambda: run("low"),
    "deepseek-claimed": lambda: run("deepseek-claimed"),
    "random point": lambda: run(overrides=random_point()),
}


def fixed_claims(results, ledger):
    """The claims judged on the point value of a result that no parameter a run may set moves (DeepSeek's own
    arithmetic at its US$2, V2's 93.3% at V2's published cache precisions, which the register fixes)."""
    settable = {name for name, p in REGISTER.items() if p.distribution != "fixed"}
    moved = {
        n.id
        for step in (1, 2, 3, 4, 5)
        for n in steps.STEPS[step](steps.run_values()).numbers.values()
        if settable & set(n.depends_on)
    }
    numeric = ledger[(ledger["kind"] == "numeric") & (ledger["basis"] == "point")]
    return [c for c, r in numeric["result_id"].items() if r in results and r not in moved]


def test_deepseeks_own_figures_are_judged_at_its_own_price(baseline):
    results, ledger = baseline
    assert {"news-6m", "deepseek-545", "v2-mla-93"} <= set(fixed_claims(results, ledger))
    assert results["v3_training_cost_at_deepseek_price_usd"]["value"] == pytest.approx(5_576_000)  # Table 1
    assert results["day6_cost_at_deepseek_price_usd"]["value"] == pytest.approx(87_072)  # Day 6
    assert results["day6_margin_at_deepseek_price"]["value"] == pytest.approx(562_027 / 87_072 - 1)  # 545%
    # Reproduced, each with its caveat (a theoretical revenue; a rental price, not an investment).
    assert ledger.loc["deepseek-545", "verdict"] == ledger.loc["news-6m", "verdict"] == "reproduced with a caveat"


@pytest.mark.parametrize("name", list(RUNS))
def test_a_verdict_on_published_arithmetic_is_the_same_in_every_run(baseline, name):
    results, ledger = baseline
    other_results, other = RUNS[name]()
    assert (
        other_results["gpu_hour_price_usd" if False else "v3_training_cost_usd"]["value"]
        != pytest.approx(results["v3_training_cost_usd"]["value"])
        or name == "deepseek-claimed"
    )  # the run's own cost moves (its price does) ...
    for claim_id in fixed_claims(results, ledger):
        # ... but a claim about what was published is judged the same
        assert other.loc[claim_id, "verdict"] == ledger.loc[claim_id, "verdict"], (name, claim_id)
        assert other.loc[claim_id, "computed_value"] == pytest.approx(ledger.loc[claim_id, "computed_value"])


def result_dependencies():
    """Result id -> the parameters that move it, as steps 1 to 5 declare them (tests/test_steps.py holds them
    true)."""
    values = steps.run_values()
    return {n.id: set(n.depends_on) for step in (1, 2, 3, 4, 5) for n in steps.STEPS[step](values).numbers.values()}


def test_a_verdict_moves_only_with_the_parameters_its_results_depend_on(baseline):
    """Each claim judged at the point value keeps its verdict when every parameter none of its results depends on
    moves (a claim of several conditions: all its results); and one that a parameter moves is among them."""
    results, ledger = baseline
    deps = result_dependencies()
    point = ledger[(ledger["kind"] == "numeric") & (ledger["basis"] == "point") & ledger["checkable"]]
    judged = {c: r.split(";") for c, r in point["result_id"].items() if all(x in deps for x in r.split(";"))}
    assert {"news-gemini-cheaper", "amodei-sonnet-cost", "news-mla-93"} <= set(judged)
    used = set().union(*(deps[x] for ids in judged.values() for x in ids))
    assert "gpu_hour_price_usd" in used or any("price" in p for p in used)  # amodei's final runs move with a price
    free = {name: value for name, value in random_point().items() if name not in used}
    assert len(free) > 10  # the run moves many parameters: fleet, staff, datacentre, Monte Carlo ...
    other_results, other = run(overrides=free)
    for claim_id in judged:
        assert other.loc[claim_id, "verdict"] == ledger.loc[claim_id, "verdict"], claim_id
        assert other.loc[claim_id, "reason"] == ledger.loc[claim_id, "reason"], claim_id
