"""analysis.tco: amortisation, power, TCO and owned cost per GPU-hour."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import params, tco


def test_straight_line_writes_off_the_capital_exactly():
    assert tco.straight_line_amortisation(1.6e9, 4, 4).sum() == pytest.approx(1.6e9)
    assert tco.straight_line_amortisation(1.6e9, 5, 4).sum() == pytest.approx(1.6e9 * 4 / 5)


def test_epoch_price_decline_rate():
    # Epoch AI: price x 0.14 OOM/yr x ln(10) per year, i.e. 32.2% of the capital a year.
    assert tco.epoch_price_decline_amortisation(1.0, 1)[0] == pytest.approx(0.14 * math.log(10))


def test_financing_on_the_declining_balance():
    assert tco.financing_cost_usd(100.0, 4, 0.0, 4).tolist() == [0, 0, 0, 0]
    assert tco.financing_cost_usd(100.0, 4, 0.1, 5).tolist() == pytest.approx([10, 7.5, 5, 2.5, 0])


def test_electricity_pins_facts_check_10():
    # research/facts.md check 10: 60,000 GPUs x 10.2 kW/8, PUE 1.25, $0.0806/kWh ≈ $67.5M a year (8,760 h);
    # at Epoch's 0.75-of-TDP ≈ $50.6M.
    kw = tco.average_power_kw_per_gpu(700, tco.EPOCH_SERVER_POWER_MULTIPLIER, 1.0)
    assert kw == pytest.approx(10.2 / 8)
    assert tco.annual_electricity_usd(60_000, kw, 1.25, 0.0806) / 1e6 * 8760 / 8766 == pytest.approx(67.5, abs=0.05)
    assert tco.annual_electricity_usd(60_000, kw * 0.75, 1.25, 0.0806) / 1e6 * 8760 / 8766 == pytest.approx(50.6, abs=0.05)


def test_register_server_power_multiplier_mirrors_epoch():
    # The register holds 1.82 as a literal; it must stay the rounded (10.2 / 8) / 0.7.
    assert params.load_register()["server_power_multiplier"].baseline == round(tco.EPOCH_SERVER_POWER_MULTIPLIER, 2)


def test_semianalysis_tco_reading():
    # research/facts.md check 8: ($1.6B + $0.944B) / 4 = $636M a year (Glenn: "$640M p.a.").
    schedule = tco.tco_schedule(server_capex_usd=1.6e9, network_capex_usd=0.0, amortisation="straight_line",
                                useful_life_years=4, cost_of_capital=0.0, annual_opex={"operations": 0.944e9 / 4})
    assert schedule["total_usd"].sum() == pytest.approx(2.544e9)
    assert schedule["total_usd"].mean() / 1e6 == pytest.approx(636, abs=0.5)


def test_owned_cost_per_gpu_hour():
    assert tco.owned_cost_per_gpu_hour(8766 * 2.0, 1, 1.0) == pytest.approx(2.0)
    with pytest.raises(ValueError, match=r"utilisation must be in \(0, 1\]"):
        tco.owned_cost_per_gpu_hour(1.0, 1, 0)


def _fleet():
    return pd.DataFrame({"gpus": [10_000, 30_000], "server_capex_usd": [3.375e8, 6.25e8], "tdp_w": [700, 400]}, index=["H800", "H20"])


BASE = dict(interconnect_fraction=0.19, amortisation="straight_line", useful_life_years=4.0, cost_of_capital=0.0,
            server_power_multiplier=1.82, average_power_fraction=0.75, pue=1.25, electricity_usd_per_kwh=0.0806,
            hosting_usd_per_kw_month=150.0, maintenance_fraction_per_year=0.03, operations_staff_usd_per_year=5e6)


def test_ownership_costs_add_up():
    out = tco.ownership_costs(_fleet(), **BASE)
    by_type, schedule = out["by_type"], out["schedule"]
    assert schedule["total_usd"].sum() / 4 == pytest.approx(by_type["total_usd_per_year"].sum())
    assert schedule["amortisation_usd"].sum() == pytest.approx((3.375e8 + 6.25e8) / 0.81)
    assert by_type["operations_staff_usd_per_year"].sum() == pytest.approx(5e6)


@pytest.mark.parametrize("bad, message", [
    (dict(amortisation="guess"), "unknown amortisation 'guess'"),
    (dict(useful_life_years=0), "useful_life_years must be > 0"),
    (dict(pue=0.9), "pue must be >= 1"),
    (dict(cost_of_capital=-0.1), "cost_of_capital must be >= 0"),
])
def test_bad_input_raises(bad, message):
    with pytest.raises(ValueError, match=message):
        tco.ownership_costs(_fleet(), **{**BASE, **bad})


@given(life=st.floats(min_value=1, max_value=10), longer=st.floats(min_value=0.1, max_value=5), capex=st.floats(min_value=1e3, max_value=1e10))
def test_a_longer_life_lowers_yearly_amortisation(life, longer, capex):
    assert tco.straight_line_amortisation(capex, life + longer, 1)[0] < tco.straight_line_amortisation(capex, life, 1)[0]


@given(u=st.floats(min_value=0.05, max_value=0.99), more=st.floats(min_value=0.001, max_value=0.5))
def test_higher_utilisation_lowers_the_owned_cost_per_gpu_hour(u, more):
    higher = min(1.0, u + more)
    assert tco.owned_cost_per_gpu_hour(1e6, 100, higher) < tco.owned_cost_per_gpu_hour(1e6, 100, u)


@given(rate=st.floats(min_value=0.001, max_value=0.5))
def test_cost_of_capital_raises_the_tco(rate):
    base = tco.ownership_costs(_fleet(), **BASE)["schedule"]["total_usd"].sum()
    assert tco.ownership_costs(_fleet(), **{**BASE, "cost_of_capital": rate})["schedule"]["total_usd"].sum() > base
