"""Every scenario in data/scenarios/ renders through the real runner."""

import json

import pytest

from analysis import params, report

OTHER_SCENARIOS = [n for n in params.scenario_names() if n != "baseline"]


def test_the_required_scenarios_exist():
    assert {
        "baseline",
        "deepseek-claimed",
        "semianalysis-first-version",
        "epoch-method",
        "low",
        "high",
        "no-h20",
    } <= set(params.scenario_names())


@pytest.mark.parametrize("name", OTHER_SCENARIOS)
def test_scenario_renders(tmp_path, name, baseline_build):
    plan = report.plan_report(name, out=tmp_path / name)
    out = report.run_report(plan, jobs=2, progress=lambda m: None)
    meta = json.loads((out / "results.json").read_text())["meta"]
    results = json.loads((out / "results.json").read_text())["results"]
    base = json.loads((baseline_build / "results.json").read_text())["results"]
    assert meta["scenario"] == name
    assert sorted(meta["differs_from_baseline"]) == sorted(
        k for k, v in plan.scenario.overrides.items() if v != plan.register[k].baseline
    )
    assert (out / "index.html").is_file() and (out / "claims.csv").is_file()
    assert name in (out / "index.html").read_text()
    moved = [
        k
        for k in ("cost_development_usd", "company_cost_per_year_usd", "cost_capability_tco_4y_usd")
        if results[k]["value"] != base[k]["value"]
    ]
    assert moved, f"scenario {name} changed none of the named costs"
    if name == "no-h20":  # SemiAnalysis's fleet without its H20s: the baseline's CapEx less theirs, as built
        assert results["fleet_h20_gpus"]["value"] == 0
        assert results["fleet_capex_usd"]["value"] == pytest.approx(
            base["fleet_capex_usd"]["value"] - base["fleet_capex_h20_usd"]["value"], rel=1e-12
        )
    # One model: steps 4 and 5 price with step 2's owned H800-hour at this scenario's parameters.
    owned = results["owned_cost_per_h800_hour_usd"]["value"]
    assert results["day6_cost_owned_usd"]["value"] == pytest.approx(226.75 * 8 * 24 * owned, rel=1e-12)
    assert results["cost_per_m_output_tokens_owned_usd"]["value"] == pytest.approx(
        8 * owned / (14_800 * 3600) * 1e6, rel=1e-12
    )
