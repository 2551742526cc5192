"""analysis.tco: amortisation from each purchase date, cost of capital, power, and the cost of owning a fleet."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import params, tco

SL = {"cost_of_capital": 0.0, "useful_life_years": 4.0}


def _charge(method="straight_line", values=SL, **kw):
    window = dict(capex_usd=100.0, purchase_year=2025.0, start_year=2025.0, end_year=2029.0) | kw
    return tco.capital_charges_usd(method, values, **window)


def test_straight_line_writes_off_the_capital_exactly_over_its_life():
    assert float(_charge()["amortisation_usd"]) == pytest.approx(100.0)
    assert float(_charge(values={**SL, "useful_life_years": 5.0})["amortisation_usd"]) == pytest.approx(
        80.0
    )  # 4 of 5 years


def test_hardware_bought_before_the_window_is_charged_only_what_is_left():
    # Bought mid-2021 on a 4-year life: 3.5 years are written off by 2025, half a year is left.
    assert float(_charge(purchase_year=2021.5)["amortisation_usd"]) == pytest.approx(12.5)
    assert float(tco.written_off_fraction("straight_line", SL, purchase_year=2021.5, at_year=2025.0)) == pytest.approx(
        0.875
    )
    # Bought after the window ends: nothing charged.
    assert float(_charge(purchase_year=2030.0)["total_usd"]) == 0.0


def test_epoch_price_decline_rate():
    # Epoch AI: a new chip loses 0.14 x ln(10) = 32.2% of its price a year at first; over a year 1 - 10**-0.14 = 27.6%.
    day = 1 / 365.25
    early = (
        float(_charge("epoch_price_decline", {"cost_of_capital": 0.0}, end_year=2025.0 + day)["amortisation_usd"])
        / 100
        / day
    )
    assert early == pytest.approx(0.14 * math.log(10), rel=1e-3)
    assert float(
        _charge("epoch_price_decline", {"cost_of_capital": 0.0}, end_year=2026.0)["amortisation_usd"]
    ) == pytest.approx(100 * (1 - 10**-0.14))


def test_financing_on_the_value_not_yet_written_off():
    # New, 4-year straight line, 10% a year: the balance falls from 100 to 0,
    # so it averages 50 over 4 years: 10% x 50 x 4 = 20.
    assert float(_charge(values={**SL, "cost_of_capital": 0.1})["financing_usd"]) == pytest.approx(20.0)
    assert float(_charge()["financing_usd"]) == 0.0
    # First year only: balance from 100 to 75, average 87.5: 8.75.
    assert float(_charge(values={**SL, "cost_of_capital": 0.1}, end_year=2026.0)["financing_usd"]) == pytest.approx(
        8.75
    )


def test_electricity_pins_facts_check_10():
    # Epoch AI's power and price figures (source epoch-training-cost-trends), worked by hand:
    # 60,000 GPUs x 10.2 kW/8, PUE 1.25, $0.0806/kWh ≈ $67.5M a year (8,760 h);
    # at Epoch's 0.75-of-TDP ≈ $50.6M.
    kw = tco.average_power_kw_per_gpu(700, tco.EPOCH_SERVER_POWER_MULTIPLIER, 1.0)
    assert tco.annual_electricity_usd(60_000, kw, 1.25, 0.0806) / 1e6 * 8760 / 8766 == pytest.approx(67.5, abs=0.05)
    assert tco.annual_electricity_usd(60_000, kw * 0.75, 1.25, 0.0806) / 1e6 * 8760 / 8766 == pytest.approx(
        50.6, abs=0.05
    )


def test_register_server_power_multiplier_mirrors_epoch():
    # The register holds 1.82 as a literal; it must stay the rounded (10.2 / 8) / 0.7.
    assert params.load_register()["server_power_multiplier"].baseline == round(tco.EPOCH_SERVER_POWER_MULTIPLIER, 2)


def test_owned_cost_per_gpu_hour():
    assert tco.owned_cost_per_gpu_hour(8766 * 2.0, 1, 1.0) == pytest.approx(2.0)
    with pytest.raises(ValueError, match=r"utilisation must be in \(0, 1\]"):
        tco.owned_cost_per_gpu_hour(1.0, 1, 0)


VALUES = dict(
    amortisation_method="straight_line",
    useful_life_years=5.0,
    cost_of_capital=0.035,
    server_power_multiplier=1.82,
    average_power_fraction=0.75,
    pue=1.25,
    electricity_price_usd_per_kwh=0.088,
    hosting_usd_per_kw_month=150.0,
    maintenance_fraction_per_year=0.03,
    operations_staff_usd_per_year=1000.0,
)


def test_one_gpu_for_one_year_by_hand():
    out = tco.ownership_cost_usd(
        VALUES,
        gpus=[1.0],
        cluster_capex_usd=[50_000.0],
        tdp_w=[700.0],
        purchase_year=[2025.0],
        start_year=2025.0,
        years=1.0,
    )
    peak_kw = 0.7 * 1.82
    hand = {
        "amortisation_usd": 50_000 / 5,
        "financing_usd": 0.035 * 50_000 * (1 - 0.5 / 5),  # the balance averages 90% of the capital in year 1
        "electricity_usd": peak_kw * 0.75 * 1.25 * 8766 * 0.088,
        "hosting_usd": peak_kw * 150 * 12,
        "maintenance_usd": 0.03 * 50_000,
        "operations_staff_usd": 1000.0,
    }
    for key, value in hand.items():
        assert float(out[key][0]) == pytest.approx(value), key
    assert float(out["total_usd"][0]) == pytest.approx(sum(hand.values()))


def test_running_costs_follow_the_years_in_service_and_staff_are_shared():
    out = tco.ownership_cost_usd(
        VALUES,
        gpus=[1.0, 3.0],
        cluster_capex_usd=[0.0, 0.0],
        tdp_w=[700.0, 700.0],
        purchase_year=[2020.0, 2027.0],
        start_year=2025.0,
        years=4.0,
    )
    assert out["in_service_years"].tolist() == [4.0, 2.0]
    assert out["electricity_usd"][1] / out["electricity_usd"][0] == pytest.approx(3 * 2 / 4)
    assert out["operations_staff_usd"].sum() == pytest.approx(4 * 1000.0)
    assert out["operations_staff_usd"][1] / out["operations_staff_usd"][0] == pytest.approx(
        6 / 4
    )  # GPU-years 6 against 4


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: _charge("guess"),
            "unknown amortisation method 'guess'; use one of straight_line, epoch_price_decline",
        ),
        (lambda: _charge(values={**SL, "useful_life_years": 0.0}), "useful_life_years must be > 0"),
        (lambda: _charge(values={**SL, "cost_of_capital": -0.1}), "cost_of_capital must be >= 0"),
        (lambda: tco.annual_electricity_usd(1, 1.0, 0.9, 0.1), "pue must be >= 1"),
    ],
)
def test_bad_input_is_one_line(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert "\n" not in str(err.value)


@given(life=st.floats(min_value=1, max_value=10), longer=st.floats(min_value=0.1, max_value=5))
def test_a_longer_life_lowers_the_charge_in_a_window(life, longer):
    short = float(_charge(values={**SL, "useful_life_years": life}, end_year=2026.0)["amortisation_usd"])
    assert (
        float(_charge(values={**SL, "useful_life_years": life + longer}, end_year=2026.0)["amortisation_usd"]) < short
    )


@given(u=st.floats(min_value=0.05, max_value=0.99), more=st.floats(min_value=0.001, max_value=0.5))
def test_higher_utilisation_lowers_the_owned_cost_per_gpu_hour(u, more):
    assert tco.owned_cost_per_gpu_hour(1e6, 100, min(1.0, u + more)) < tco.owned_cost_per_gpu_hour(1e6, 100, u)


@given(rate=st.floats(min_value=0.001, max_value=0.5), bought=st.floats(min_value=2021.1, max_value=2028.5))
def test_cost_of_capital_raises_the_charges_while_value_remains(rate, bought):
    assert float(_charge(values={**SL, "cost_of_capital": rate}, purchase_year=bought)["total_usd"]) > float(
        _charge(purchase_year=bought)["total_usd"]
    )


@given(a=st.floats(2021.0, 2030.0), b=st.floats(2021.0, 2030.0), method=st.sampled_from(list(tco.AMORTISATION_METHODS)))
def test_written_off_share_never_falls_with_time(a, b, method):
    early, late = sorted((a, b))
    w = [float(tco.written_off_fraction(method, SL, purchase_year=2021.5, at_year=t)) for t in (early, late)]
    assert 0.0 <= w[0] <= w[1] <= 1.0


def test_price_decline_value_integral_agrees_with_numerical_integration():
    ages = np.linspace(1.0, 3.0, 20_001)
    numeric = np.trapezoid(tco.price_decline_value_fraction(ages, decline_oom_per_year=0.14), ages)
    assert float(tco.price_decline_value_integral(1.0, 3.0, decline_oom_per_year=0.14)) == pytest.approx(
        numeric, rel=1e-8
    )
