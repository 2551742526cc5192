"""Step 1 as a function: the fleet, its server CapEx, SemiAnalysis's figures rebuilt, and its capacity.

Called directly, without papermill. Values are pinned to published figures or derived here from the
published prices in ``data/server_prices.csv``, never copied from a run.
"""

import pytest

from analysis import data, params, plots, steps
from analysis.formatting import format_value

BASELINE = steps.run_values()
RATE = 7.1358  # CNY per USD, the register's baseline (Xinhua, 24 Jul 2024 central parity)


@pytest.fixture(scope="module")
def base():
    return steps.step1(BASELINE)


def test_the_fleet_is_semianalysiss_counts_with_deepseeks_own_a100s(base):
    # SemiAnalysis: "around 50,000 Hopper GPUs", "around 10,000 of these H800s and about 10,000 H100s";
    # Fire-Flyer 2 (SC'24): 10,000 PCIe A100. The H20s are the rest; Glenn read a "Total" of 60,000.
    assert base["fleet_gpus_total"] == 60_000
    assert base["fleet_hopper_gpus"] == 50_000
    assert base["fleet_h20_gpus"] == 30_000
    assert base.tables["capex"].frame["gpus"].to_dict() == {"H800": 1e4, "H100": 1e4, "H20": 3e4, "A100": 1e4}


def test_server_capex_at_published_prices_is_us_1_446b(base):
    # DGX H100 at US$270,000 for 8 (H800 and H100), an 8-GPU H20 server at ¥1.2M, and Fire-Flyer 2's
    # ¥1B for 10,000 A100 (data/server_prices.csv), yuan at 7.1358 per dollar.
    expected = 2 * 10_000 * 270_000 / 8 + 30_000 * 1_200_000 / 8 / RATE + 1e9 / RATE
    assert base["fleet_capex_usd"] == pytest.approx(expected, rel=1e-12)
    assert base["fleet_capex_usd"] / 1e9 == pytest.approx(1.446, abs=0.0005)
    assert base["fleet_capex_without_h100_usd"] == pytest.approx(expected - 10_000 * 270_000 / 8, rel=1e-12)
    assert base["fleet_capex_hopper_only_usd"] == pytest.approx(expected - 1e9 / RATE, rel=1e-12)
    assert base["fleet_capex_per_gpu_usd"] == pytest.approx(expected / 60_000, rel=1e-12)
    # Epoch AI's 19% network share on everything but Fire-Flyer 2's budget, which includes its network.
    network = (expected - 1e9 / RATE) * 0.19 / 0.81
    assert base["fleet_network_capex_usd"] == pytest.approx(network, rel=1e-12)
    assert base["fleet_cluster_capex_usd"] == pytest.approx(expected + network, rel=1e-12)


def test_what_semianalysiss_totals_imply_per_gpu(base):
    # SemiAnalysis's ~US$1.6B over its chart's 60,000 GPUs; US$1.6B - US$1.3B (its first version) over
    # 10,000 H100; US$1.6B - Glenn's US$1.4B Hopper-only reading over 10,000 A100.
    assert base["sa_implied_capex_per_gpu_usd"] == pytest.approx(1.6e9 / 60_000)
    assert base["sa_implied_h100_cost_per_gpu_usd"] == pytest.approx(30_000)
    assert base["sa_implied_a100_cost_per_gpu_usd"] == pytest.approx(20_000)
    assert base.numbers["sa_implied_h100_cost_per_gpu_usd"].depends_on == ()


def test_each_published_capex_is_rebuilt_four_ways_and_the_best_gap_is_recorded(base):
    table = base.tables["reconstruction"].frame
    assert len(table) == 4 * 3
    # SemiAnalysis's ~US$1.6B server CapEx, its first version's US$1.3B, Glenn's US$1.4B Hopper-only reading.
    published = table.groupby("reading")["published_usd"].first()
    assert sorted(published) == [1.3e9, 1.4e9, 1.6e9]
    for key, reading in (("all", "SemiAnalysis"), ("without_h100", "first version"), ("hopper_only", "Glenn")):
        rows = table[table["reading"].str.startswith(reading)]
        best = base[f"capex_gap_{key}_best"]
        assert best == pytest.approx(rows["gap"][rows["gap"].abs().idxmin()])
        assert abs(best) < 0.03  # every published reading is matched within 3% by one published pricing
    # The default pricing rebuilds the US$1.6B from counts and prices within about a tenth.
    default = table[(table["pricing"] == "default published servers") & (table["reading"].str.startswith("SemiA"))]
    assert default["rebuilt_usd"].iloc[0] == pytest.approx(base["fleet_capex_usd"])
    # The H100s at China's grey-market ¥2.7M per 8 GPUs bring the US$1.6B within 1.2%.
    assert "grey-market" in base.numbers["capex_gap_all_best"].label


def test_capacity_beside_the_clusters_deepseek_used(base):
    # Day 6: an average of 226.75 nodes of 8 H800 served V3 and R1 on 27-28 Feb 2025.
    assert base["inference_fleet_gpus_day6"] == pytest.approx(226.75 * 8)
    assert base["inference_fleet_share_of_h800"] == pytest.approx(1_814 / 10_000)
    # Dense BF16: 989.5 TFLOPS per H800/H100, 148 per H20, 312 per A100; HBM 80, 96 and 40 GB (PCIe A100 40GB).
    assert base["fleet_pflops_bf16"] == pytest.approx((20_000 * 989.5 + 30_000 * 148 + 10_000 * 312) / 1e3)
    assert base["v3_cluster_share_of_fleet_pflops"] == pytest.approx(2_048 * 989.5 / 1e3 / base["fleet_pflops_bf16"])
    assert base["fleet_hbm_tb"] == pytest.approx((20_000 * 80 + 30_000 * 96 + 10_000 * 40) / 1e3)
    assert base.figures["fig01_capacity_vs_use"].title == "The H800s alone hold 4.9× the compute V3 was trained on"


def test_dropping_the_h100s_gives_the_without_h100_subtotal(base):
    r = steps.step1({**BASELINE, "hopper_gpus": 40_000, "h100_gpus": 0})
    assert r["fleet_capex_usd"] == pytest.approx(base["fleet_capex_without_h100_usd"], rel=1e-12)
    assert r["fleet_gpus_total"] == 50_000
    # The published figures do not move with the run's counts; the rebuilt ones do.
    assert r["sa_implied_h100_cost_per_gpu_usd"] == base["sa_implied_h100_cost_per_gpu_usd"]
    assert r["capex_gap_all_best"] != base["capex_gap_all_best"]


def test_epochs_method_prices_the_servers_and_says_so(base):
    r = steps.step1({**BASELINE, "capex_method": "epoch_overhead"})
    # Epoch AI: GPU price x 1.6 where a GPU-only price is sourced (H800 US$33,800, H100 US$27,500,
    # H20 US$12,500, data/gpus.csv); the A100 stays at Fire-Flyer 2's budget.
    expected = 1.6 * (10_000 * 33_800 + 10_000 * 27_500 + 30_000 * 12_500) + 1e9 / RATE
    assert r["fleet_capex_usd"] == pytest.approx(expected, rel=1e-12)
    assert "Epoch AI's GPU price times a server overhead" in r.numbers["fleet_capex_usd"].label
    assert "server_overhead_multiplier" in r.numbers["fleet_capex_usd"].depends_on
    assert "server_overhead_multiplier" not in base.numbers["fleet_capex_usd"].depends_on
    assert "priced by Epoch AI's GPU price times a server overhead" in r.answer
    # The table of both methods is the same whichever method the run uses.
    assert r.tables["server_cost_by_method"].frame.equals(base.tables["server_cost_by_method"].frame)


def test_the_answer_states_the_runs_fleet_as_the_runs(base):
    assert "with SemiAnalysis's Hopper GPUs the fleet is 60,000 GPUs" in base.answer
    assert f"about {format_value(base['fleet_capex_usd'], 'USD')} as servers at published prices" in base.answer
    claimed = steps.step1({**BASELINE, "hopper_gpus": 2_224, "h800_gpus": 2_224, "h100_gpus": 0})
    assert "with this run's GPU counts the fleet is 12,224 GPUs" in claimed.answer
    assert "SemiAnalysis's Hopper GPUs" not in claimed.answer
    # Published facts stay as published: the US$0.3B between SemiAnalysis's versions is US$30K per H100.
    assert "US$30K per H100" in claimed.answer


def test_figures_draw_what_the_step_computed(base):
    fleet = base.figures["fig01_fleet_by_gpu_type"]
    assert fleet.data["server_capex_usd"].sum() == pytest.approx(base["fleet_capex_usd"])
    assert fleet.title == "60,000 GPUs, US$1.45B of servers; the H20s are 50% of the GPUs"
    for figure_id in base.figures:
        fig, caption = plots.draw(base, figure_id)
        assert "{" not in caption and "blue H800, orange H100, green H20, vermillion A100" in caption
        plots._figures.plt.close(fig)


def test_a_fleet_breaking_the_hopper_total_is_refused_in_one_line():
    with pytest.raises(ValueError, match="hopper_gpus .* must be at least h800_gpus"):
        steps.step1({**BASELINE, "hopper_gpus": 15_000})


# --------------------------------------------------------------------------- the H20s (issue 20, part 4)
H20_SERVER_USD = 30_000 * 1_200_000 / 8 / RATE  # 30,000 H20 at ¥1.2M per 8-GPU server (data/server_prices.csv)
H20_EVENTS = (
    "nvidia-h20-licence-2025-04",  # 9 Apr 2025: a licence needed
    "nvidia-2025-07-h20-resumption",  # 14 Jul 2025: licences "will be granted"
    "nvidia-2025-08-27-h20-revenue-share",  # 15% of licensed H20 revenue expected by the US government
    "nvidia-2025-08-27-q2-fy2026-results",  # no H20 sales to China-based customers, May to July 2025
    "bloomberg-2025-08-china-h20-guidance",  # Beijing discourages H20 purchases
    "theinformation-2025-08-h20-production-halt",  # Nvidia tells suppliers to stop H20 work
)


def no_h20_values():
    register = params.load_register()
    return params.resolve_parameters(register, params.load_scenario("no-h20", register=register).overrides)


def test_the_h20s_are_44_percent_of_the_capex(base):
    # The question the 2025 events raise: ~30,000 H20s, 44% of the fleet's server CapEx.
    assert base["fleet_capex_h20_usd"] == pytest.approx(H20_SERVER_USD, rel=1e-12)
    assert base["fleet_capex_h20_share"] == pytest.approx(H20_SERVER_USD / base["fleet_capex_usd"], rel=1e-12)
    assert round(base["fleet_capex_h20_share"], 2) == 0.44
    assert base["fleet_capex_without_h20_usd"] == pytest.approx(base["fleet_capex_usd"] - H20_SERVER_USD, rel=1e-12)
    assert base.numbers["fleet_capex_without_h20_usd"].depends_on == (
        "h800_gpus",
        "h100_gpus",
        "a100_gpus",
        "capex_method",
        "h800_unit_price_factor",
        "h100_unit_price_factor",
        "usd_cny_rate",
    )
    assert set(H20_EVENTS) <= set(base.numbers["fleet_capex_h20_usd"].sources)


def test_the_no_h20_scenario_is_the_baseline_fleet_less_its_h20s(base):
    values = no_h20_values()
    assert {k: v for k, v in values.items() if v != BASELINE[k]} == {"hopper_gpus": 20_000}
    run = steps.step1(values)
    assert run["fleet_h20_gpus"] == 0
    assert run.tables["capex"].frame["gpus"].to_dict() == {"H800": 1e4, "H100": 1e4, "H20": 0, "A100": 1e4}
    assert run["fleet_capex_usd"] == pytest.approx(base["fleet_capex_usd"] - base["fleet_capex_h20_usd"], rel=1e-12)
    assert run["fleet_capex_usd"] == pytest.approx(base["fleet_capex_without_h20_usd"], rel=1e-12)
    assert run["fleet_capex_h20_share"] == 0 and run["fleet_capex_h20_usd"] == 0
    scenario = params.load_scenario("no-h20")
    assert set(H20_EVENTS) - {"nvidia-2025-08-27-h20-revenue-share"} <= set(scenario.source_ids)
    assert "orders" in scenario.description


def test_the_h20_vintage_cites_the_2025_events_each_with_a_quote():
    vintages = data.load_fleet_vintages()
    assert set(H20_EVENTS) <= set(vintages.loc["H20", "source_ids"])
    # The events do not widen the window: any H20 bought lawfully arrived before the licence requirement.
    assert str(vintages.loc["H20", "acquired_to"]) == "2025-04-09"
    sources = data.load_sources().set_index("id")
    for source_id in (*H20_EVENTS, "nvidia-2025-07-31-sec-letter", "semianalysis-2025-07-deepseek-debrief"):
        note = sources.loc[source_id, "notes"]
        assert "'" in note or '"' in note, f"{source_id}: its note quotes no words"
        if "anonymous" in note or "subscriber-only" in note or "review's quotations" in note:
            assert "[M]" in note, f"{source_id}: a relayed or anonymous report is marked medium confidence"
