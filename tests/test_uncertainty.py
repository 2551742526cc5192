"""analysis.uncertainty: joint draws, Monte Carlo, point percentiles, tornado and bridges."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import costs, fleet, model, params, uncertainty


@pytest.fixture(scope="module")
def setup():
    register = params.load_register()
    return register, params.resolve_parameters(register), model.load_data()


def test_joint_fleet_draws_keep_semianalysis_hopper_total(setup):
    register, values, data = setup
    draws = uncertainty.sample_parameters(register, values, 50_000, rng=5)
    gpus = fleet.fleet_gpus(
        hopper_gpus=draws["hopper_gpus"],
        h800_gpus=draws["h800_gpus"],
        h100_gpus=draws["h100_gpus"],
        a100_gpus=draws["a100_gpus"],
    )
    assert np.allclose(
        gpus[:, :3].sum(axis=1), draws["hopper_gpus"]
    )  # H800 + H100 + H20 = the Hopper total, draw by draw
    assert (gpus >= 0).all()
    assert gpus[:, :3].sum(axis=1).mean() == pytest.approx(50_000, rel=0.01)  # the fleet the text describes, on average
    assert gpus[:, 2].mean() == pytest.approx(30_000, rel=0.02)


def test_holding_one_count_holds_the_hopper_group(setup):
    register, values, data = setup
    draws = uncertainty.sample_parameters(register, {**values, "h100_gpus": 0}, 1_000, rng=1, hold=["h100_gpus"])
    assert (
        draws["h100_gpus"] == 0
        and draws["hopper_gpus"] == values["hopper_gpus"]
        and draws["h800_gpus"] == values["h800_gpus"]
    )
    assert isinstance(draws["gpu_hour_price_usd"], np.ndarray)


def test_point_values_sit_in_the_middle_of_their_draws(setup):
    # Every baseline is its range's most likely value,
    # so the point lies between the 25th and 75th percentile of each cost.
    register, values, data = setup
    table = uncertainty.summarise(
        uncertainty.monte_carlo(register, values, data, n=50_000, rng=2), model.evaluate(values, data)
    )
    for key in costs.NAMED_COSTS:
        assert 0.25 <= table.loc[key, "point_percentile"] <= 0.75, (key, table.loc[key, "point_percentile"])


def test_monte_carlo_is_reproducible_by_seed_whatever_the_chunk(setup, monkeypatch):
    register, values, data = setup
    a = uncertainty.summarise(uncertainty.monte_carlo(register, values, data, n=20_000, rng=7))
    monkeypatch.setattr(uncertainty, "CHUNK_DRAWS", 3_000)
    b = uncertainty.summarise(uncertainty.monte_carlo(register, values, data, n=20_000, rng=np.random.default_rng(7)))
    c = uncertainty.summarise(uncertainty.monte_carlo(register, values, data, n=20_000, rng=8))
    assert np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)
    assert not a.equals(c)


def test_monte_carlo_median_lies_inside_the_low_to_high_envelope(setup):
    register, values, data = setup
    summary = uncertainty.summarise(uncertainty.monte_carlo(register, values, data, n=50_000, rng=1))
    low = model.evaluate(params.resolve_parameters(register, params.load_scenario("low").overrides), data)
    high = model.evaluate(params.resolve_parameters(register, params.load_scenario("high").overrides), data)
    for key in costs.NAMED_COSTS:
        assert low[key] <= summary.loc[key, "p05"] <= summary.loc[key, "p50"] <= summary.loc[key, "p95"] <= high[key], (
            key
        )


def test_draws_respect_ranges_and_held_parameters(setup):
    register, values, data = setup
    draws = uncertainty.sample_parameters(
        register, {**values, "gpu_hour_price_usd": 3.0}, 10_000, rng=3, hold=["gpu_hour_price_usd"]
    )
    assert draws["gpu_hour_price_usd"] == 3.0
    for name, p in register.items():
        if p.distribution in ("triangular", "uniform") and name != "gpu_hour_price_usd":
            assert draws[name].min() >= p.low and draws[name].max() <= p.high, name
    lognormal = register["experiment_compute_multiple"]
    x = uncertainty.sample_parameter(lognormal, 200_000, np.random.default_rng(0))
    assert np.quantile(x, 0.05) == pytest.approx(lognormal.low, rel=0.02) and np.quantile(x, 0.95) == pytest.approx(
        lognormal.high, rel=0.02
    )
    assert np.median(x) == pytest.approx(lognormal.baseline, rel=0.02)  # the baseline is the median


def test_point_percentile():
    assert uncertainty.point_percentile(np.arange(1000.0), 250.0) == pytest.approx(
        0.2505
    )  # 250 below, one tie counted half
    assert uncertainty.point_percentile([5.0, 5.0], 5.0) == 0.5


def test_tornado_ranks_by_swing_and_skips_held(setup):
    register, values, data = setup
    t = uncertainty.tornado(register, values, data, "company_cost_per_year_usd")
    assert t["swing"].is_monotonic_decreasing and {"hopper_gpus", "research_staff_cost_usd_per_year"} <= set(
        t["parameter"]
    )
    assert "experiment_compute_multiple" not in set(
        t["parameter"]
    )  # moves the development cost, not the company-year's
    held = uncertainty.tornado(register, values, data, "company_cost_per_year_usd", hold=["h800_gpus"])
    assert not {"hopper_gpus", "h800_gpus", "h100_gpus"} & set(held["parameter"])


def test_bridges_end_on_the_model_totals(setup):
    register, values, data = setup
    point = model.evaluate(values, data)
    dev = uncertainty.development_bridge(point)
    # By hand: V3's Table 1 and R1's RL at US$2, the experiments (3.46 - 1) times both, half the time of 150 staff
    # at US$187K plus 10% social insurance for 1.5 years.
    staff = 150 * 0.5 * 187_000 * 1.10 * 1.5
    assert dev["usd"].tolist()[:4] == pytest.approx([5_576_000, 294_672, 2.46 * 5_870_672, staff])
    assert dev["usd"].iloc[-1] == pytest.approx(5_870_672 * 3.46 + staff)
    year = uncertainty.company_year_bridge(point)
    # The fleet's yearly cost split by use adds back to the fleet's cost; the staff are 150 x US$187K x 1.10.
    assert year["usd"].iloc[:5].sum() == pytest.approx(point["tco_per_year_usd"]) and year["usd"].iloc[
        5
    ] == pytest.approx(150 * 187_000 * 1.10)
    assert year["sources"].str.len().gt(0).all()
    # Every source of a bridge is a source id a reader can follow; the total carries all its steps' sources.
    from analysis import data as data_module

    known = data_module.source_ids()
    for bridge in (dev, year):
        ids = [s.strip() for cell in bridge["sources"] for s in cell.split(";")]
        assert set(ids) <= known, sorted(set(ids) - known)
        assert set(bridge["sources"].iloc[-1].split("; ")) == set(ids)


def test_every_named_cost_has_words_for_readers():
    assert set(costs.NAMED_COST_LABELS) == set(costs.NAMED_COSTS)
    assert all("_" not in label for label in costs.NAMED_COST_LABELS.values())


@settings(max_examples=25, deadline=None)
@given(m=st.floats(1.0, 10.0), extra=st.floats(0.01, 5.0))
def test_more_experiments_never_lower_the_development_cost(setup, m, extra):
    register, values, data = setup
    lo = model.evaluate({**values, "experiment_compute_multiple": m}, data)["cost_development_usd"]
    hi = model.evaluate({**values, "experiment_compute_multiple": m + extra}, data)["cost_development_usd"]
    assert hi > lo


def test_scenarios_order_low_baseline_high(setup):
    register, values, data = setup
    out = {
        name: model.evaluate(params.resolve_parameters(register, params.load_scenario(name).overrides), data)
        for name in ("low", "baseline", "high")
    }
    for key in costs.NAMED_COSTS:
        assert out["low"][key] < out["baseline"][key] < out["high"][key], key


def test_low_and_high_scenarios_use_the_register_ends(setup):
    register = setup[0]
    for name in ("low", "high"):
        for param, value in params.load_scenario(name).overrides.items():
            assert value in (register[param].low, register[param].high), (
                f"{name}.yaml: {param} = {value} is not an end of its range"
            )


def test_bad_sampling_input(setup):
    register, values, data = setup
    with pytest.raises(ValueError, match="n must be >= 1"):
        uncertainty.sample_parameters(register, values, 0)


# --------------------------------------------------------------------------- the register's ranges in the draws
def _drawn_under_some_method(register, values, data) -> set:
    """Every parameter the cost model reads under some choice of its methods (so some run draws it)."""
    from analysis import fleet as fleet_module
    from analysis import tco

    read = set()
    for capex in fleet_module.SERVER_PRICING_METHODS:
        for amortisation in tco.AMORTISATION_METHODS:
            run = {**values, "capex_method": capex, "amortisation_method": amortisation}
            read |= uncertainty._model_reads(run, data)
    return read


@pytest.mark.parametrize(
    "name",
    [n for n, p in params.load_register().items() if p.distribution != "fixed"],
)
def test_every_ranged_parameter_is_used_by_the_draws(setup, name):
    """A parameter with a range is drawn because the cost model reads it: no range is validated and unused."""
    register, values, data = setup
    assert name in _drawn_under_some_method(register, values, data)


def test_every_named_costs_baseline_sits_in_the_middle_half_of_its_draws(setup):
    """At the baseline register, each named cost's baseline value lies between the 25th and 75th percentile of
    its draws: the ranges are centred on the baseline, not hung off one side of it."""
    register, values, data = setup
    point = model.evaluate(values, data)
    mc = uncertainty.MonteCarlo(register, values, data, n=20_000, rng=int(values["random_seed"]))
    spread = mc.summarise(point, keys=costs.NAMED_COSTS, quantiles=(0.25, 0.75))
    for name in costs.NAMED_COSTS:
        assert spread.loc[name, "p25"] <= point[name] <= spread.loc[name, "p75"], (
            name,
            spread.loc[name, "point_percentile"],
        )


def test_the_unit_prices_are_drawn_and_the_counts_held_claim_moves_with_them_only(setup):
    register, values, data = setup
    draws = uncertainty.MonteCarlo(register, values, data, n=5_000, rng=3).draws(
        ["fleet_capex_at_sa_counts_usd", "fleet_capex_usd"]
    )
    held = uncertainty.MonteCarlo(
        register, values, data, n=5_000, rng=3, hold=list(costs.UNIT_PRICE_FACTORS.values()) + ["usd_cny_rate"]
    ).draws(["fleet_capex_at_sa_counts_usd"])
    assert np.ptp(draws["fleet_capex_at_sa_counts_usd"]) > 0.05 * 1.6e9  # the unit prices move it
    assert np.ptp(held["fleet_capex_at_sa_counts_usd"]) == pytest.approx(0, abs=1e-3)  # the counts do not
