"""Step 2 as a function: owning and running the fleet per year, against SemiAnalysis, and per GPU-hour.

Called directly, without papermill. Published figures are pinned with the page they come from;
operating costs are derived here from the GPUs' power and the register's prices.
"""

import pytest

from analysis import plots, steps

BASELINE = steps.run_values()
HOURS_PER_YEAR = 8766  # 365.25 days
# TDP x GPUs (data/gpus.csv): 10,000 H800 and 10,000 H100 at 700 W, 30,000 H20 at 400 W, 10,000 A100 at 250 W.
FLEET_TDP_KW = (10_000 * 700 + 10_000 * 700 + 30_000 * 400 + 10_000 * 250) / 1e3


@pytest.fixture(scope="module")
def base():
    return steps.step2(BASELINE)


def test_operating_costs_follow_from_power_and_prices(base):
    # Server power 1.82 x TDP (Epoch AI), 75% of it on average, PUE 1.25, US$0.088 per kWh.
    assert base["annual_electricity_usd"] == pytest.approx(FLEET_TDP_KW * 1.82 * 0.75 * 1.25 * 0.088 * HOURS_PER_YEAR)
    # The datacentre charges the register's US$80 per kW-month of IT capacity (every server at full power).
    assert BASELINE["hosting_usd_per_kw_month"] == 80
    assert base["annual_hosting_usd"] == pytest.approx(FLEET_TDP_KW * 1.82 * 80 * 12)
    assert base["annual_operations_staff_usd"] == pytest.approx(5e6, rel=1e-12)
    opex = sum(base[f"annual_{c}_usd"] for c in ("electricity", "hosting", "maintenance", "operations_staff"))
    assert base["annual_opex_usd"] == pytest.approx(opex, rel=1e-12)
    assert base["opex_4y_usd"] == pytest.approx(4 * opex, rel=1e-12)


def test_the_four_years_add_up(base):
    schedule = base.tables["schedule"].frame
    assert schedule["total_usd"].sum() == pytest.approx(base["tco_4y_usd"], rel=1e-12)
    assert base["tco_4y_usd"] == pytest.approx(4 * base["tco_per_year_usd"], rel=1e-12)
    assert base["tco_4y_usd"] == pytest.approx(base["capital_4y_usd"] + base["opex_4y_usd"], rel=1e-12)
    assert schedule["financing_usd"].sum() == pytest.approx(base["financing_4y_usd"], rel=1e-12)
    assert base.text["four_years"].startswith("Over four years the fleet costs **US$1.98B**")


def test_the_a100s_of_2021_are_mostly_written_off_when_the_window_opens(base):
    # Bought 1 Jul 2021 (day 181 of 365; data/fleet_vintages.csv), written off straight over 5 years: by
    # 1 Jan 2025, 3.504 of 5 years.
    assert base["a100_written_off_by_window_start"] == pytest.approx((2025 - (2021 + 181 / 365)) / 5, rel=1e-12)
    later = steps.step2({**BASELINE, "tco_window_start": "2026-01-01"})
    assert later["a100_written_off_by_window_start"] == pytest.approx((2026 - (2021 + 181 / 365)) / 5, rel=1e-12)
    assert later["capex_written_off_before_window_usd"] > base["capex_written_off_before_window_usd"]
    assert "Written off by 2026-01-01" in later.tables["written_off"].columns["written_off_by_window_start"][0]


def test_semianalysiss_944m_against_our_operating_costs(base):
    # SemiAnalysis, "DeepSeek Debates": "total server CapEx ... is ~$1.6B, with a considerable cost of $944M
    # associated with operating such clusters"; over its 4-year period, US$636M a year (Glenn read ~US$640M).
    assert base["sa_tco_per_year_usd"] == pytest.approx((1.6e9 + 944e6) / 4)
    assert base["electricity_share_of_sa_opex"] == pytest.approx(4 * base["annual_electricity_usd"] / 944e6)
    assert base["opex_share_of_sa_opex"] == pytest.approx(base["opex_4y_usd"] / 944e6)
    assert 0 < base["electricity_share_of_sa_opex"] < 0.3  # electricity explains only a small part of it


def test_the_datacentre_price_that_closes_the_gap_does_close_it(base):
    needed = base["hosting_to_match_sa_opex_usd_per_kw_month"]
    assert needed > 80  # our operating costs fall short of US$944M at the assumed US$80
    closed = steps.step2({**BASELINE, "hosting_usd_per_kw_month": needed})
    assert closed["opex_4y_usd"] == pytest.approx(944e6, rel=1e-9)
    assert closed["hosting_to_match_sa_opex_usd_per_kw_month"] == pytest.approx(needed, rel=1e-9)
    assert f"would take US${needed:,.0f} per kW-month, against the US$80 assumed" in base.text["semianalysis_opex"]


def test_when_our_operating_costs_exceed_944m_no_datacentre_price_closes_the_gap():
    big = steps.step2(
        {
            **BASELINE,
            "hopper_gpus": 150_000,
            "maintenance_fraction_per_year": 0.06,
            "operations_staff_usd_per_year": 15e6,
        }
    )
    assert big["hosting_to_match_sa_opex_usd_per_kw_month"] < 0
    assert "exceed it even with a free datacentre" in big.text["semianalysis_opex"]


def test_the_owned_h800_hour_is_about_us_1_79(base):
    # Notebook 02, section 4: an owned H800-hour costs about US$1.79 at 80% utilisation (with the datacentre
    # at US$80 per kW-month), against DeepSeek's US$2 rental price (V3 report, Table 1).
    assert base["owned_cost_per_h800_hour_usd"] == pytest.approx(1.79, abs=0.005)
    assert base["owned_to_rental_ratio_h800"] == pytest.approx(base["owned_cost_per_h800_hour_usd"] / 2)
    # The hour costs what the H800 costs to own and run over its life, spread over the hours it works.
    half = steps.step2({**BASELINE, "utilisation": 0.5})
    assert half["owned_cost_per_h800_hour_usd"] == pytest.approx(base["owned_cost_per_h800_hour_usd"] * 0.8 / 0.5)
    curve = base.figures["fig02_owned_vs_rented_gpu_hour"].data.set_index("utilisation_fraction")
    assert curve.loc[0.8, "owned_h800_usd_per_gpu_hour"] == pytest.approx(base["owned_cost_per_h800_hour_usd"])
    assert base.tables["owned_hour"].frame.loc["H800", "usd_per_gpu_hour"] == pytest.approx(
        base["owned_cost_per_h800_hour_usd"]
    )


def test_a_run_with_another_rental_price_says_whose_price_is_whose(base):
    assert "against the US$2 rental price DeepSeek used" in base.answer
    assert "over 4 years from 2025, mostly capital, with the 2021 A100s largely written off" in base.answer
    r = steps.step2({**BASELINE, "gpu_hour_price_usd": 3.0})
    assert r["owned_to_rental_ratio_h800"] == pytest.approx(r["owned_cost_per_h800_hour_usd"] / 3)
    assert "against this run's rental price of US$3 (DeepSeek used US$2)" in r.answer
    assert "DeepSeek used US$2" in r.numbers["owned_to_rental_ratio_h800"].label
    assert r.figures["fig02_owned_vs_rented_gpu_hour"].title.endswith("against US$3 rented")


def test_a_smaller_fleet_costs_less_and_steps_1_and_2_agree_on_its_capex(base):
    r = steps.step2({**BASELINE, "hopper_gpus": 40_000, "h100_gpus": 0, "useful_life_years": 8.0})
    assert r["tco_4y_usd"] < base["tco_4y_usd"]
    one = steps.step1(BASELINE)
    assert base.tables["written_off"].frame["cluster_capex_usd"].sum() == pytest.approx(one["fleet_cluster_capex_usd"])


def test_epochs_methods_need_the_server_overhead_and_no_useful_life():
    epoch = {**BASELINE, "capex_method": "epoch_overhead", "amortisation_method": "epoch_price_decline"}
    r = steps.step2(epoch)
    assert "server_overhead_multiplier" in r.numbers["tco_4y_usd"].depends_on
    assert "useful_life_years" not in r.numbers["capital_4y_usd"].depends_on
    assert "server_overhead_multiplier" in r.parameters  # so the notebook declares it and a run reaches it
    dearer = steps.step2({**epoch, "server_overhead_multiplier": 2.1})
    assert dearer["tco_4y_usd"] > r["tco_4y_usd"]


def test_figures_draw_what_the_step_computed(base):
    stack = base.figures["fig02_yearly_cost_stack"]
    assert stack.data["total_usd_per_year"].sum() == pytest.approx(base["tco_4y_usd"])
    assert stack.title.startswith("The fleet costs about US$494M a year to own and run, 71% of it capital")
    fig, caption = plots.draw(base, "fig02_yearly_cost_stack")
    assert (
        "blue plain: amortisation; orange hatched with slashes: cost of capital; green hatched with dots: electricity"
        in (caption)
    )
    plots._figures.plt.close(fig)
    free_capital = steps.step2({**BASELINE, "cost_of_capital": 0.0})
    assert "financing_usd_per_year" not in free_capital.figures["fig02_yearly_cost_stack"].data.columns
    fig, caption = plots.draw(free_capital, "fig02_yearly_cost_stack")
    assert "cost of capital" not in caption and "{" not in caption
    plots._figures.plt.close(fig)
    no_h20 = steps.step2({**BASELINE, "hopper_gpus": 20_000})
    owned = no_h20.figures["fig02_owned_vs_rented_gpu_hour"]
    assert "owned_h20_usd_per_gpu_hour" not in owned.data.columns and "the H20" not in owned.caption
