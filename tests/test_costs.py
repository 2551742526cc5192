"""analysis.costs: the one cost model, checked against hand calculations written out here."""

import numpy as np
import pytest

from analysis import costs, fleet, model, params

HOURS_PER_YEAR = 8766.0


@pytest.fixture(scope="module")
def register():
    return params.load_register()


def _values(register, scenario="baseline"):
    return params.resolve_parameters(register, params.load_scenario(scenario, register=register).overrides)


def _straight_line(capex, age_from, age_to, life, rate):
    """Amortisation and financing of one purchase between two ages, written out: value falls from 1 to 0 over `life`."""
    a, b = min(age_from, life), min(age_to, life)
    amortisation = capex * (b - a) / life
    financing = rate * capex * ((b - a) - (b**2 - a**2) / (2 * life))
    return amortisation, financing


def _year(month_day_year):
    y, m, d = month_day_year
    import datetime as dt

    return y + (dt.date(y, m, d) - dt.date(y, 1, 1)).days / 365


def test_baseline_fleet_and_development_by_hand(register):
    out = model.evaluate(_values(register))
    rate = 7.1358
    servers = {
        "H800": 10_000 * 270_000 / 8,
        "H100": 10_000 * 270_000 / 8,
        "H20": 30_000 * 1_200_000 / 8 / rate,
        "A100": 1e9 / rate,
    }
    assert out["fleet_capex_usd"] == pytest.approx(sum(servers.values()))
    network = (
        sum(v for k, v in servers.items() if k != "A100") * 0.19 / 0.81
    )  # Fire-Flyer 2's budget already holds its network
    assert out["fleet_network_capex_usd"] == pytest.approx(network)
    final_runs = (2_664_000 + 119_000 + 5_000 + 101_376 + 40_960 + 5_000) * 2.0  # V3 Table 1 + R1 Supp. B.4.4, at US$2
    experiments = (3.46 - 1) * final_runs
    staff = 150 * 0.5 * 187_000 * 1.10 * 1.5  # half the staff's time, pay plus 10% social insurance
    assert out["cost_final_run_usd"] == 5_576_000
    assert out["cost_development_usd"] == pytest.approx(final_runs + experiments + staff)
    assert out["company_cost_per_year_usd"] == pytest.approx(out["tco_per_year_usd"] + 150 * 319_000)


def test_deepseek_claimed_four_year_tco_by_hand(register):
    # Only what DeepSeek disclosed: 2,224 H800 (bought mid-2023) and Fire-Flyer 2's 10,000 A100 (mid-2021),
    # 4 years from 1 Jan 2025, 5-year straight line, 3.5% cost of capital, Epoch's power figures,
    # China's industrial electricity, our datacentre and upkeep.
    out = model.evaluate(_values(register, "deepseek-claimed"))
    h800_cluster = 2_224 * 270_000 / 8 / 0.81
    a100_cluster = 1e9 / 7.1358
    total = 0.0
    for cluster, bought in ((h800_cluster, _year((2023, 7, 1))), (a100_cluster, _year((2021, 7, 1)))):
        amortisation, financing = _straight_line(cluster, 2025.0 - bought, 2029.0 - bought, 5.0, 0.035)
        total += amortisation + financing + 4 * 0.03 * cluster  # upkeep
    peak_kw = 2_224 * 0.700 * 1.82 + 10_000 * 0.250 * 1.82
    total += 4 * peak_kw * 0.75 * 1.25 * HOURS_PER_YEAR * 0.088  # electricity
    total += 4 * peak_kw * 150 * 12  # datacentre
    total += 4 * 5_000_000  # operations staff
    assert out["cost_capability_tco_4y_usd"] == pytest.approx(total, rel=1e-9)
    assert out["cost_development_usd"] == pytest.approx((2_788_000 + 147_336) * 2.0)  # no experiments, no staff
    assert out["fleet_gpus_total"] == 12_224


def test_owned_h800_hour_by_hand(register):
    # Over its own 5-year life: capital + 3.5% on the average balance (half of it), power, datacentre, upkeep and a
    # 1/60,000 share of the operations staff, over 80% of the year's hours.
    out = model.evaluate(_values(register))
    cluster = 270_000 / 8 / 0.81
    peak_kw = 0.700 * 1.82
    per_year = (
        (cluster + 0.035 * cluster * 2.5) / 5
        + peak_kw * 0.75 * 1.25 * HOURS_PER_YEAR * 0.088
        + peak_kw * 150 * 12
        + 0.03 * cluster
        + 5_000_000 / 60_000
    )
    assert out["owned_cost_per_h800_hour_usd"] == pytest.approx(per_year / (HOURS_PER_YEAR * 0.8), rel=1e-9)


def test_the_model_broadcasts_draws_like_single_values(register):
    v = _values(register)
    rng = np.random.default_rng(0)
    draws = {
        **v,
        "useful_life_years": rng.uniform(4, 6, 5),
        "hopper_gpus": rng.integers(40_000, 60_000, 5).astype(float),
        "gpu_hour_price_usd": rng.uniform(1.3, 3.4, 5),
    }
    together = costs.cost_model(draws, model.load_data())
    for i in range(5):
        one = model.evaluate(
            {**v, **{k: float(draws[k][i]) for k in ("useful_life_years", "hopper_gpus", "gpu_hour_price_usd")}}
        )
        for key in (*costs.NAMED_COSTS, "owned_cost_per_h800_hour_usd", "fleet_gpu_hours_share_serving"):
            assert together[key][i] == pytest.approx(one[key], rel=1e-12), key


def test_allocation_shares_add_up_and_weigh_compute(register):
    out = model.evaluate(_values(register))
    shares = [
        out[f"fleet_gpu_hours_share_{u}"] for u in ("training", "experiments", "serving", "high_flyer", "unallocated")
    ]
    assert sum(shares) == pytest.approx(1.0)
    # Capacity in H800-equivalents: 20,000 H800/H100 + 30,000 H20 at 148/989.5 + 10,000 A100 at 312/989.5.
    capacity = (20_000 + 30_000 * 148 / 989.5 + 10_000 * 312 / 989.5) * HOURS_PER_YEAR
    assert out["fleet_gpu_hours_capacity"] == pytest.approx(capacity)
    assert out["fleet_gpu_hours_share_serving"] == pytest.approx(226.75 * 8 * HOURS_PER_YEAR / capacity)
    assert out["fleet_gpu_hours_share_training"] == pytest.approx(2_935_336 / 1.5 / capacity)


def test_every_published_method_is_a_register_choice(register):
    from analysis import tco

    assert set(register["capex_method"].allowed) == set(fleet.SERVER_PRICING_METHODS)
    assert set(register["amortisation_method"].allowed) == set(tco.AMORTISATION_METHODS)
    for method in fleet.SERVER_PRICING_METHODS:
        for other in tco.AMORTISATION_METHODS:
            out = model.evaluate({**_values(register), "capex_method": method, "amortisation_method": other})
            assert all(np.isfinite(out[k]) for k in costs.NAMED_COSTS)


def test_a_purchase_date_outside_its_window_is_a_one_line_data_error(data_copy):
    from analysis import data

    path = data_copy / "fleet_vintages.csv"
    path.write_text(path.read_text().replace("A100,2021-07-01,", "A100,2023-07-01,"))
    with pytest.raises(
        data.DataError,
        match=r"data/fleet_vintages.csv, row 1 \(line 2\), column acquired_date: must lie between "
        r"acquired_from \(2021-01-01\) and acquired_to \(2022-10-07\), got 2023-07-01",
    ):
        model.load_data(data_copy)
