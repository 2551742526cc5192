"""analysis.uncertainty: the vectorised cost model, Monte Carlo, tornado and bridges."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import data, params, uncertainty
from conftest import REPO


@pytest.fixture(scope="module")
def setup():
    register = params.load_register()
    inputs = uncertainty.CostInputs.from_frames(data.load_gpus().set_index("gpu_type"), data.load_server_prices(), data.load_training_runs())
    return register, params.resolve_parameters(register), inputs


def test_cost_model_agrees_with_steps_1_to_3(setup):
    # One formula, two paths: the vectorised model at the baseline equals what the step notebooks recorded.
    register, values, inputs = setup
    committed = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["results"]
    c = uncertainty.cost_model(values, inputs)
    assert c["cost_final_run_usd"] == committed["v3_training_cost_usd"]["value"] == 5_576_000
    assert c["r1_rl_usd"] == committed["r1_rl_cost_usd"]["value"]
    assert c["fleet_server_capex_usd"] == pytest.approx(committed["fleet_capex_usd"]["value"], rel=1e-12)
    assert c["cost_capability_tco_4y_usd"] == pytest.approx(committed["tco_4y_usd"]["value"], rel=1e-12)
    assert c["cost_capability_tco_4y_usd"] == pytest.approx(committed["cost_capability_tco_4y_usd"]["value"], rel=1e-12)
    assert c["cost_final_run_usd"] == committed["cost_final_run_usd"]["value"]


def test_epoch_method_agrees_with_step_1(setup):
    register, values, inputs = setup
    from analysis import fleet
    counts = {t: values[uncertainty.COUNT_PARAMETERS[t]] for t in uncertainty.GPU_TYPES}
    table = fleet.fleet_server_costs(counts, data.load_gpus().set_index("gpu_type"), data.load_server_prices(), method="epoch_overhead",
                                     usd_cny_rate=values["usd_cny_rate"], server_overhead_multiplier=values["server_overhead_multiplier"])
    c = uncertainty.cost_model({**values, "capex_method": "epoch_overhead"}, inputs)
    assert c["fleet_server_capex_usd"] == pytest.approx(table["server_capex_usd"].sum(), rel=1e-12)


def test_bridges_sum_exactly_to_each_total(setup):
    register, values, inputs = setup
    c = uncertainty.cost_model(values, inputs)
    for bridge, total in ((uncertainty.development_bridge(c), "cost_development_usd"), (uncertainty.capability_bridge(c), "cost_capability_tco_4y_usd")):
        assert bridge["usd"].iloc[:-1].sum() == pytest.approx(bridge["usd"].iloc[-1], rel=1e-15)
        assert bridge["usd"].iloc[-1] == pytest.approx(float(c[total]), rel=1e-12)
        assert bridge["usd"].iloc[0] == 5_576_000
        assert bridge["sources"].str.len().gt(0).all()


def test_monte_carlo_is_reproducible_by_seed_and_differs_by_seed(setup):
    register, values, inputs = setup
    a = uncertainty.summarise(uncertainty.monte_carlo(register, values, inputs, n=20_000, rng=7))
    b = uncertainty.summarise(uncertainty.monte_carlo(register, values, inputs, n=20_000, rng=np.random.default_rng(7)))
    c = uncertainty.summarise(uncertainty.monte_carlo(register, values, inputs, n=20_000, rng=8))
    assert a.equals(b)
    assert not a.equals(c)


def test_monte_carlo_median_lies_inside_the_low_to_high_envelope(setup):
    register, values, inputs = setup
    summary = uncertainty.summarise(uncertainty.monte_carlo(register, values, inputs, n=50_000, rng=1))
    low = uncertainty.cost_model(params.resolve_parameters(register, params.load_scenario("low").overrides), inputs)
    high = uncertainty.cost_model(params.resolve_parameters(register, params.load_scenario("high").overrides), inputs)
    for key in uncertainty.NAMED_COSTS:
        assert float(low[key]) <= summary.loc[key, "p05"] <= summary.loc[key, "p50"] <= summary.loc[key, "p95"] <= float(high[key]), key


def test_draws_respect_ranges_and_held_parameters(setup):
    register, values, inputs = setup
    draws = uncertainty.sample_parameters(register, {**values, "gpu_hour_price_usd": 3.0}, 10_000, rng=3, hold=["gpu_hour_price_usd"])
    assert draws["gpu_hour_price_usd"] == 3.0
    for name, p in register.items():
        if p.distribution in ("triangular", "uniform") and name != "gpu_hour_price_usd":
            assert draws[name].min() >= p.low and draws[name].max() <= p.high, name
        if p.bounds is not None and p.distribution != "fixed" and name != "gpu_hour_price_usd":
            assert all(p.bounds.contains(v) for v in (draws[name].min(), draws[name].max())), name
    lognormal = register["experiment_compute_multiple"]
    x = uncertainty.sample_parameter(lognormal, 200_000, np.random.default_rng(0))
    assert np.quantile(x, 0.05) == pytest.approx(lognormal.low, rel=0.02) and np.quantile(x, 0.95) == pytest.approx(lognormal.high, rel=0.02)


def test_tornado_ranks_by_swing_and_skips_held(setup):
    register, values, inputs = setup
    t = uncertainty.tornado(register, values, inputs, "cost_capability_tco_4y_usd")
    assert t["swing"].is_monotonic_decreasing and {"h20_gpus", "h100_gpus"} <= set(t["parameter"])
    assert "research_staff" not in set(t["parameter"])  # moves development cost only
    assert "h20_gpus" not in set(uncertainty.tornado(register, values, inputs, "cost_capability_tco_4y_usd", hold=["h20_gpus"])["parameter"])


@settings(max_examples=25, deadline=None)
@given(m=st.floats(1.0, 10.0), extra=st.floats(0.01, 5.0))
def test_more_experiments_never_lower_the_development_cost(setup, m, extra):
    register, values, inputs = setup
    lo = uncertainty.cost_model({**values, "experiment_compute_multiple": m}, inputs)["cost_development_usd"]
    hi = uncertainty.cost_model({**values, "experiment_compute_multiple": m + extra}, inputs)["cost_development_usd"]
    assert hi > lo


def test_scenarios_order_low_baseline_high(setup):
    register, values, inputs = setup
    costs = {name: uncertainty.cost_model(params.resolve_parameters(register, params.load_scenario(name).overrides), inputs)
             for name in ("low", "baseline", "high")}
    for key in uncertainty.NAMED_COSTS:
        assert float(costs["low"][key]) < float(costs["baseline"][key]) < float(costs["high"][key]), key


def test_low_and_high_scenarios_use_the_register_ends(setup):
    register = setup[0]
    for name in ("low", "high"):
        for param, value in params.load_scenario(name).overrides.items():
            assert value in (register[param].low, register[param].high), f"{name}.yaml: {param} = {value} is not an end of its range"


def test_bad_sampling_input(setup):
    register, values, inputs = setup
    with pytest.raises(ValueError, match="n must be >= 1"):
        uncertainty.sample_parameters(register, values, 0)
