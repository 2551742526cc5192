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
    assert out["company_cost_per_year_usd"] == pytest.approx(out["tco_per_year_usd"] + 150 * 187_000 * 1.10)


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
    total += 4 * peak_kw * 80 * 12  # datacentre (US$80 per kW-month)
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
        + peak_kw * 80 * 12
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


# --------------------------------------------------------------------------- unit prices, scope, the company-year split
def test_unit_price_ranges_are_the_ones_the_sourced_quotes_span(register):
    """Each unit-price factor is drawn over exactly the range its GPU's quotes span: the server quotes of
    data/server_prices.csv and the GPU-only low and high prices of data/gpus.csv, over the quote used."""
    spans = model.unit_price_ratios(register["usd_cny_rate"].baseline)
    assert set(spans) == set(costs.UNIT_PRICE_FACTORS)
    for gpu_type, (low, high) in spans.items():
        p = register[costs.UNIT_PRICE_FACTORS[gpu_type]]
        assert p.distribution != "fixed" and p.baseline == 1.0
        assert (p.low, p.high) == pytest.approx((low, high), abs=5e-4), gpu_type
    assert spans["H100"][1] == pytest.approx(2_700_000 / 8 / 7.1358 / 33_750)  # China's grey-market H100 server
    assert spans["H20"] == pytest.approx((12_000 / 12_500, 13_000 / 12_500))  # the GPU price's range


@pytest.mark.parametrize("method", ["published_server_prices", "epoch_overhead"])
def test_a_unit_price_factor_scales_that_gpus_servers_only(register, method):
    data = model.load_data()
    values = {**_values(register), "capex_method": method}
    base = costs.cost_model(values, data)
    dearer = costs.cost_model({**values, "h100_unit_price_factor": 1.25}, data)
    i = data.index("H100")
    assert dearer["servers_usd_by_type"][i] == pytest.approx(1.25 * base["servers_usd_by_type"][i])
    others = [k for k in range(len(data.gpu_types)) if k != i]
    assert dearer["servers_usd_by_type"][others] == pytest.approx(base["servers_usd_by_type"][others])


def test_capex_at_semianalysis_counts_holds_the_counts_and_moves_with_prices(register):
    data = model.load_data()
    values = _values(register)
    base = costs.cost_model(values, data)
    # By hand at the baseline: 10,000 H800 and 10,000 H100 at US$270,000 / 8, 30,000 H20 at CNY 1.2M / 8 and
    # 10,000 A100 at CNY 1B / 10,000, yuan at 7.1358.
    by_hand = 20_000 * 33_750 + (30_000 * 150_000 + 10_000 * 100_000) / 7.1358
    assert base["fleet_capex_at_sa_counts_usd"] == pytest.approx(by_hand)
    fewer = costs.cost_model({**values, "hopper_gpus": 2_224, "h800_gpus": 2_224, "h100_gpus": 0}, data)
    assert fewer["fleet_capex_at_sa_counts_usd"] == pytest.approx(by_hand)
    assert fewer["fleet_capex_usd"] < 0.5 * by_hand
    dearer = costs.cost_model({**values, "h800_unit_price_factor": 1.2}, data)
    assert dearer["fleet_capex_at_sa_counts_usd"] == pytest.approx(by_hand + 0.2 * 10_000 * 33_750)


def test_development_counts_the_staffs_share_of_time_at_pay_plus_social_insurance(register):
    data = model.load_data()
    values = _values(register)
    base = costs.cost_model(values, data)
    pay, rate, share = (
        values[k] for k in ("research_staff_cost_usd_per_year", "employer_social_insurance_rate", "v3_r1_staff_share")
    )
    years, staff = values["development_years"], values["research_staff"]
    assert base["research_staff_usd"] == pytest.approx(staff * share * pay * (1 + rate) * years)
    assert base["research_staff_usd_per_year"] == pytest.approx(staff * pay * (1 + rate))  # a year: all the staff
    whole = costs.cost_model({**values, "v3_r1_staff_share": 1.0}, data)
    assert whole["research_staff_usd"] == pytest.approx(base["research_staff_usd"] / share)
    assert whole["company_cost_per_year_usd"] == pytest.approx(base["company_cost_per_year_usd"])


@pytest.mark.parametrize("high_flyer_share", [0.0, 0.1, 0.2])
def test_the_company_year_splits_into_deepseeks_share_and_high_flyers(register, high_flyer_share):
    data = model.load_data()
    out = costs.cost_model({**_values(register), "high_flyer_compute_share": high_flyer_share}, data)
    assert out["high_flyer_cost_per_year_usd"] == pytest.approx(high_flyer_share * out["tco_per_year_usd"])
    assert out["deepseek_cost_per_year_usd"] + out["high_flyer_cost_per_year_usd"] == pytest.approx(
        out["company_cost_per_year_usd"]
    )
    assert out["deepseek_cost_per_year_usd"] == pytest.approx(
        (1 - high_flyer_share) * out["tco_per_year_usd"] + out["research_staff_usd_per_year"]
    )
