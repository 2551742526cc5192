"""analysis.fleet: the fleet's server CapEx, pinned to published prices and SemiAnalysis's readings."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import data, fleet

COUNTS = {"H800": 10_000, "H100": 10_000, "H20": 30_000, "A100": 10_000}  # SemiAnalysis, 31 Jan 2025


@pytest.fixture(scope="module")
def tables():
    return data.load_gpus().set_index("gpu_type"), data.load_server_prices()


def _costs(tables, counts=COUNTS, method="published_server_prices", rate=7.2, overhead=1.6, **kw):
    gpus, servers = tables
    return fleet.fleet_server_costs(counts, gpus, servers, method=method, usd_cny_rate=rate, server_overhead_multiplier=overhead, **kw)


def test_published_server_prices_per_gpu(tables):
    # research/facts.md check 9 (at 7.2 CNY/USD): DGX H100 $270k/8 = $33,750; H20 server ¥1.2M/8 = $20.8k; Fire-Flyer 2 ¥1B/10k = $13.9k.
    per_gpu = _costs(tables)["server_cost_per_gpu_usd"]
    assert per_gpu["H800"] == per_gpu["H100"] == 33_750
    assert per_gpu["H20"] == pytest.approx(20_833, abs=1)
    assert per_gpu["A100"] == pytest.approx(13_889, abs=1)


def test_bottom_up_capex_reproduces_facts_check_9(tables):
    # research/facts.md check 9: total ≈ $1.44B; with H100 at the grey-market ¥2.7M/8 (≈ $46.9k) ≈ $1.57B.
    base = fleet.capex_subtotals(_costs(tables))
    assert base["all"] / 1e9 == pytest.approx(1.44, abs=0.01)
    grey = fleet.capex_subtotals(_costs(tables, server_choice={"H100": "china-h100-8gpu-grey-market"}))
    assert grey["all"] / 1e9 == pytest.approx(1.57, abs=0.01)


def test_semianalysis_readings_are_reproduced_within_tolerance(tables):
    # SemiAnalysis ~$1.6B (all 60k), first version $1.3B (no H100 column), Glenn $1.4B (Hopper only):
    # with published prices and the baseline rate, some pricing comes within 3% of each.
    variants = [dict(), dict(server_choice={"H100": "china-h100-8gpu-grey-market"}), dict(server_choice={"H800": "dgx-h800"}),
                dict(method="epoch_overhead")]
    totals = [fleet.capex_subtotals(_costs(tables, rate=7.1358, **v)) for v in variants]
    for key, published in (("all", 1.6e9), ("without_h100", 1.3e9), ("hopper_only", 1.4e9)):
        best = min(abs(t[key] / published - 1) for t in totals)
        assert best < 0.03, (key, best)


def test_epoch_method_and_network_share():
    assert fleet.server_cost_per_gpu_epoch_overhead(27_500, 1.6) == 44_000
    parts = fleet.cluster_capex_usd(1.0e9, 0.19)
    assert parts["total_usd"] == pytest.approx(1.0e9 / 0.81)
    assert parts["servers_usd"] + parts["network_usd"] == pytest.approx(parts["total_usd"])


def test_a100_without_gpu_price_uses_its_cluster_budget_in_either_method(tables):
    costs = _costs(tables, method="epoch_overhead")
    assert costs.loc["A100", "basis"] == "server price: fire-flyer-2"
    assert costs.loc["H100", "server_cost_per_gpu_usd"] == 27_500 * 1.6


def test_capacity_of_the_v3_cluster():
    cap = fleet.capacity(2048, 989.5, 80)
    assert cap["pflops"] == pytest.approx(2026.5, abs=0.1) and cap["hbm_tb"] == pytest.approx(163.84)


@pytest.mark.parametrize("call, message", [
    (lambda t: _costs(t, counts={"H900": 1}), "unknown GPU type 'H900'"),
    (lambda t: _costs(t, method="guess"), "unknown method 'guess'"),
    (lambda t: _costs(t, rate=0), "usd_cny_rate must be > 0"),
    (lambda t: fleet.server_capex_usd(-1, 10.0), "gpus must be >= 0"),
    (lambda t: fleet.cluster_capex_usd(1.0, 1.0), r"interconnect_fraction must be in \[0, 1\)"),
    (lambda t: fleet.server_cost_per_gpu_epoch_overhead(1.0, 0.5), "server_overhead_multiplier must be >= 1"),
    (lambda t: fleet.server_cost_per_gpu_from_server_price(1.0, 0), "gpus_per_server must be >= 1"),
])
def test_bad_input_raises(tables, call, message):
    with pytest.raises(ValueError, match=message):
        call(tables)


counts_strategy = st.fixed_dictionaries({k: st.integers(min_value=0, max_value=100_000) for k in COUNTS})


@given(counts=counts_strategy, gpu_type=st.sampled_from(list(COUNTS)), extra=st.integers(min_value=1, max_value=50_000),
       method=st.sampled_from(["published_server_prices", "epoch_overhead"]))
def test_more_gpus_never_lower_capex(tables, counts, gpu_type, extra, method):
    before = fleet.capex_subtotals(_costs(tables, counts=counts, method=method))["all"]
    after = fleet.capex_subtotals(_costs(tables, counts={**counts, gpu_type: counts[gpu_type] + extra}, method=method))["all"]
    assert after > before


@given(counts=counts_strategy)
def test_subtotals_are_consistent(tables, counts):
    s = fleet.capex_subtotals(_costs(tables, counts=counts))
    assert s["hopper_only"] <= s["all"] and s["without_h100"] <= s["all"]
    assert s["all"] == pytest.approx(_costs(tables, counts=counts)["server_capex_usd"].sum())
