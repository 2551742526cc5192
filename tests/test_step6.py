"""Step 6 as a function: the four costs, their Monte Carlo, the scenarios and the claims ledger."""

import pytest

from analysis import claims, costs, steps

BASELINE = {**steps.run_values(), "monte_carlo_draws": 20_000}


@pytest.fixture(scope="module")
def baseline():
    return steps.step6(BASELINE)


def test_the_final_run_is_deepseeks_own_figure(baseline):
    # V3 technical report, Table 1: 2,788K H800 GPU-hours at US$2 per GPU-hour.
    assert baseline["cost_final_run_usd"] == pytest.approx(5_576_000)


def test_the_four_costs_come_with_intervals_around_their_medians(baseline):
    for key in costs.NAMED_COSTS:
        assert baseline[f"{key}_p05"] <= baseline[f"{key}_p50"] <= baseline[f"{key}_p95"], key
        assert 0 <= baseline[f"{key}_point_percentile"] <= 1
        assert baseline.numbers[key].headline


def test_development_adds_experiments_and_staff_to_the_final_runs(baseline):
    # R1's RL (Nature supplement B.4.4): 147,336 GPU-hours at US$2 = US$294,672.
    final_runs = baseline["cost_final_run_usd"] + 294_672
    assert baseline["development_compute_usd"] == pytest.approx(final_runs + baseline["bridge_experiments_usd"])
    assert baseline["cost_development_usd"] == pytest.approx(
        baseline["development_compute_usd"] + baseline["bridge_research_staff_usd"]
    )


def test_scenario_costs_do_not_move_with_the_runs_parameters(baseline):
    other = steps.step6({**BASELINE, "gpu_hour_price_usd": 3.0, "research_staff": 200})
    scenario_ids = [k for k in baseline.numbers if k.startswith("scenario_")]
    assert len(scenario_ids) == 9
    for key in scenario_ids:
        assert other[key] == baseline[key], key
    assert other["cost_development_usd"] > baseline["cost_development_usd"]


def test_a_held_parameter_narrows_the_interval_and_is_named(baseline):
    held = steps.step6(
        {**BASELINE, "research_staff_cost_usd_per_year": BASELINE["research_staff_cost_usd_per_year"] + 1}
    )
    width = held["cost_development_usd_p95"] - held["cost_development_usd_p05"]
    assert width < baseline["cost_development_usd_p95"] - baseline["cost_development_usd_p05"]
    assert "held at this run's values" in held.text["monte_carlo"]
    assert "held" not in baseline.text["monte_carlo"]


def test_the_largest_swing_names_its_parameter_as_data_not_in_words_only(baseline):
    swing = baseline.numbers["cost_development_usd_most_sensitive_swing_usd"]
    assert swing.parameter in steps.Inputs.load().register
    assert steps.Inputs.load().register[swing.parameter].label in swing.label


def test_every_claim_gets_a_verdict_from_the_vocabulary(baseline):
    ledger = baseline.tables["ledger"].frame
    assert len(ledger) == 24
    assert set(ledger["verdict"]) <= set(claims.VERDICTS)
    assert baseline.text["claims"].startswith("**Which claims hold?** Of the 24 claims")


def test_the_ledger_step_6_shows_is_the_one_the_runner_publishes():
    """One composition of the claims: step 6 judges them against the steps' own numbers (steps.claim_results),
    and the committed report's claims.csv (the runner's, from the notebooks' results) has the same verdicts."""
    import pandas as pd

    from conftest import REPO

    values = steps.run_values()
    shown = steps.step6(values).tables["ledger"].frame.set_index("claim_id")
    published = pd.read_csv(REPO / "reports" / "baseline" / "claims.csv").set_index("claim_id")
    assert shown["verdict"].to_dict() == published["verdict"].to_dict()
    numeric = published["computed_value"].notna()
    assert shown.loc[numeric[numeric].index, "computed_value"].to_numpy() == pytest.approx(
        published.loc[numeric, "computed_value"].to_numpy(), rel=1e-9
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"gpu_hour_price_usd": 3.42, "research_staff_cost_usd_per_year": 150_000.0},
        {"high_flyer_compute_share": 0.0},
    ],
    ids=["baseline", "dear-hours-cheap-staff", "no-high-flyer"],
)
def test_what_this_means_is_written_from_the_runs_numbers(overrides):
    from analysis import wording

    r = steps.step6({**BASELINE, **overrides})
    meaning = r.text["meaning"]
    for key in ("cost_development_usd", "company_cost_per_year_usd"):
        assert wording.about(r[f"{key}_p50"], "USD") in meaning  # the median, rounded
    staff = r["bridge_research_staff_usd"] / r["cost_development_usd"]
    assert f"the research staff ({staff:.0%})" in meaning
    parts = [r["bridge_research_staff_usd"], r["bridge_experiments_usd"]]
    first = "the research staff" if parts[0] >= parts[1] else "the experiments and ablations"
    assert meaning.split("it is ", 1)[1].startswith(first)  # largest first, whichever it is in this run
    assert ("shares with a hedge fund" in meaning) == (overrides.get("high_flyer_compute_share", 0.1) > 0)
    assert "of the order of" not in meaning


@pytest.mark.parametrize("scenario", ["high", "deepseek-claimed"])
def test_what_this_means_holds_in_a_run_that_holds_everything_or_has_no_staff(scenario):
    from analysis import params

    register = params.load_register()
    values = params.resolve_parameters(register, params.load_scenario(scenario, register=register).overrides)
    r = steps.step6({**values, "monte_carlo_draws": 5_000})
    meaning = r.text["meaning"]
    for key in ("cost_development_usd", "company_cost_per_year_usd"):
        if r[f"{key}_p05"] == r[f"{key}_p95"]:  # every parameter that moves it is held: no interval to quote
            assert "no interval: this run holds every parameter that moves it" in meaning
    assert "(0%)" not in meaning  # a part that is nothing in this run is not listed
    if r["bridge_research_staff_usd"] == 0:
        assert "it has no staff in this run" in meaning and "the rest the research staff" not in meaning


def test_semianalysis_capex_is_judged_on_its_own_counts_whatever_counts_the_run_uses():
    """sa-1-6b and news-1-6b price SemiAnalysis's own counts: the unit prices are drawn, the counts are held, so
    a run with other counts (DeepSeek's disclosed GPUs) judges them the same; the result names what it holds."""
    from analysis import params

    fast = {**BASELINE, "monte_carlo_draws": 2_000}
    claimed = params.load_scenario("deepseek-claimed", register=steps.Inputs.load().register).overrides
    runs = [steps.step6(fast), steps.step6({**fast, **claimed})]
    for r in runs:
        ledger = r.tables["ledger"].frame.set_index("claim_id")
        for claim_id in ("sa-1-6b", "news-1-6b"):
            assert ledger.loc[claim_id, "share_of_draws_holding"] >= 0.9, claim_id
            assert ledger.loc[claim_id, "verdict"] == "reproduced with a caveat", claim_id
    assert runs[0]["fleet_capex_at_sa_counts_usd"] == runs[1]["fleet_capex_at_sa_counts_usd"]
    assert "h800_gpus" not in runs[0].numbers["fleet_capex_at_sa_counts_usd"].depends_on
    assert "h100_unit_price_factor" in runs[0].numbers["fleet_capex_at_sa_counts_usd"].depends_on


def test_the_company_year_is_split_into_deepseeks_share_and_high_flyers(baseline):
    from analysis.formatting import format_value

    total = baseline["company_cost_per_year_usd"]
    deepseek, high_flyer = baseline["deepseek_cost_per_year_usd"], baseline["high_flyer_cost_per_year_usd"]
    assert deepseek + high_flyer == pytest.approx(total) and 0 < high_flyer < deepseek
    sentence = baseline.text["company_split"]
    assert format_value(deepseek, "USD") in sentence and format_value(high_flyer, "USD") in sentence
    alone = steps.step6({**BASELINE, "monte_carlo_draws": 2_000, "high_flyer_compute_share": 0.0})
    assert alone["high_flyer_cost_per_year_usd"] == 0
    assert "no share" in alone.text["company_split"]
