"""analysis.fleet: the fleet's server CapEx, pinned to published prices and SemiAnalysis's readings."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import fleet, model, params

SA = dict(hopper_gpus=50_000, h800_gpus=10_000, h100_gpus=10_000, a100_gpus=10_000)  # SemiAnalysis, 31 Jan 2025


@pytest.fixture(scope="module")
def values():
    return params.resolve_parameters(params.load_register())


def _capex(values, server_choice=None, **changes):
    out = model.evaluate({**values, **changes}, model.load_data(server_choice=server_choice))
    return fleet.capex_subtotals(out["servers_usd_by_type"]), out


def test_published_server_prices_per_gpu(values):
    # Published server prices (sources epoch-training-cost-trends, huxiu-2024-h20-prices, wikipedia-high-flyer),
    # at 7.2 CNY/USD: DGX H100 $270k/8 = $33,750; H20 server ¥1.2M/8 = $20.8k; Fire-Flyer 2 ¥1B/10k = $13.9k.
    d = model.load_data()
    per_gpu = fleet.published_server_cost_per_gpu_usd(
        server_price_usd_per_gpu=d.server_price_usd_per_gpu,
        server_price_cny_per_gpu=d.server_price_cny_per_gpu,
        usd_cny_rate=7.2,
    )
    assert per_gpu.tolist()[:2] == [33_750, 33_750]
    assert per_gpu[2] == pytest.approx(1_200_000 / 8 / 7.2)
    assert per_gpu[3] == pytest.approx(1e9 / 10_000 / 7.2)


def test_bottom_up_capex_reproduces_facts_check_9(values):
    # The same prices by hand: total ≈ $1.44B; with H100 at the grey-market ¥2.7M/8 (≈ $46.9k) ≈ $1.57B.
    hand = 10_000 * 33_750 * 2 + 30_000 * 1.2e6 / 8 / 7.2 + 10_000 * 1e9 / 10_000 / 7.2
    base, _ = _capex(values, usd_cny_rate=7.2)
    assert base["all"] == pytest.approx(hand) and hand / 1e9 == pytest.approx(1.44, abs=0.01)
    grey, _ = _capex(values, {"H100": "china-h100-8gpu-grey-market"}, usd_cny_rate=7.2)
    assert grey["all"] / 1e9 == pytest.approx(1.57, abs=0.01)


def test_semianalysis_readings_are_reproduced_within_tolerance(values):
    # SemiAnalysis ~$1.6B (all 60k), first version $1.3B (no H100 column), Glenn $1.4B (Hopper only):
    # with published prices and the baseline rate, some pricing comes within 3% of each.
    variants = [
        ({}, "published_server_prices"),
        ({"H100": "china-h100-8gpu-grey-market"}, "published_server_prices"),
        ({"H800": "dgx-h800"}, "published_server_prices"),
        ({}, "epoch_overhead"),
    ]
    totals = [_capex(values, choice, capex_method=method)[0] for choice, method in variants]
    for key, published in (("all", 1.6e9), ("without_h100", 1.3e9), ("hopper_only", 1.4e9)):
        assert min(abs(float(t[key]) / published - 1) for t in totals) < 0.03, key


def test_fire_flyer_2_budget_gets_no_network_share_on_top(values):
    # The A100 price is the whole cluster's budget (network included); every other type gets Epoch's 19% share.
    _, out = _capex(values)
    a100 = fleet.GPU_TYPES.index("A100")
    assert out["network_usd_by_type"][a100] == 0
    assert out["servers_usd_by_type"][a100] == pytest.approx(1e9 / 7.1358)
    h800 = fleet.GPU_TYPES.index("H800")
    assert out["cluster_usd_by_type"][h800] == pytest.approx(10_000 * 33_750 / 0.81)


def test_epoch_method_and_network_share():
    assert fleet.server_cost_per_gpu_epoch_overhead(27_500, 1.6) == 44_000
    parts = fleet.cluster_capex_usd(1.0e9, 0.19)
    assert parts["total_usd"] == pytest.approx(1.0e9 / 0.81)
    assert parts["servers_usd"] + parts["network_usd"] == pytest.approx(parts["total_usd"])


def test_a100_without_gpu_price_uses_its_cluster_budget_in_either_method(values):
    _, epoch = _capex(values, capex_method="epoch_overhead")
    per_gpu = dict(zip(fleet.GPU_TYPES, epoch["server_cost_per_gpu_usd_by_type"], strict=True))
    assert per_gpu["A100"] == pytest.approx(1e9 / 10_000 / 7.1358)
    assert per_gpu["H100"] == pytest.approx(27_500 * 1.6)


def test_the_h20s_are_the_rest_of_the_hopper_total():
    assert fleet.fleet_gpus(**SA).tolist() == [10_000, 10_000, 30_000, 10_000]
    draws = fleet.fleet_gpus(
        hopper_gpus=np.array([40_000, 60_000]), h800_gpus=np.array([7_500, 12_500]), h100_gpus=10_000, a100_gpus=10_000
    )
    assert draws[:, :3].sum(axis=1).tolist() == [40_000, 60_000]


def test_compute_weighting():
    # An H20 (148 dense BF16 TFLOPS) is 15% of an H800 (989.5); an A100 (312) 32%.
    assert fleet.h800_equivalent_gpus([30_000, 10_000], [148.0, 312.0], 989.5).tolist() == pytest.approx(
        [30_000 * 148 / 989.5, 10_000 * 312 / 989.5]
    )


def test_capacity_of_the_v3_cluster():
    cap = fleet.capacity(2048, 989.5, 80)
    assert cap["pflops"] == pytest.approx(2026.5, abs=0.1) and cap["hbm_tb"] == pytest.approx(163.84)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda v: _capex(v, capex_method="guess"),
            "unknown server pricing method 'guess'; use one of published_server_prices, epoch_overhead",
        ),
        (lambda v: _capex(v, usd_cny_rate=0.0), "usd_cny_rate must be > 0"),
        (
            lambda v: _capex(v, hopper_gpus=15_000),
            r"hopper_gpus \(15,000\) must be at least h800_gpus \+ h100_gpus \(20,000\)",
        ),
        (lambda v: model.load_data(server_choice={"H100": "dgx-h800"}), "no server 'dgx-h800' for GPU type H100"),
        (lambda v: fleet.server_capex_usd(-1, 10.0), "gpus must be >= 0"),
        (lambda v: fleet.cluster_capex_usd(1.0, 1.0), r"interconnect_fraction must be in \[0, 1\)"),
        (lambda v: fleet.server_cost_per_gpu_epoch_overhead(1.0, 0.5), "server_overhead_multiplier must be >= 1"),
        (lambda v: fleet.server_cost_per_gpu_from_server_price(1.0, 0), "gpus_per_server must be >= 1"),
    ],
)
def test_bad_input_is_one_line(values, call, message):
    with pytest.raises(ValueError, match=message) as err:
        call(values)
    assert "\n" not in str(err.value)


counts = st.integers(min_value=0, max_value=30_000)


@given(
    h800=counts,
    h100=counts,
    h20=counts,
    a100=counts,
    gpu_type=st.sampled_from(fleet.GPU_TYPES),
    extra=st.integers(1, 50_000),
    method=st.sampled_from(list(fleet.SERVER_PRICING_METHODS)),
)
def test_more_gpus_never_lower_capex(h800, h100, h20, a100, gpu_type, extra, method):
    base = dict(hopper_gpus=h800 + h100 + h20, h800_gpus=h800, h100_gpus=h100, a100_gpus=a100)
    more = dict(base)
    if gpu_type == "A100":
        more["a100_gpus"] += extra
    else:
        more["hopper_gpus"] += extra
        if gpu_type != "H20":
            more[f"{gpu_type.lower()}_gpus"] += extra
    v = params.resolve_parameters(params.load_register())
    before = model.evaluate({**v, **base, "capex_method": method})["fleet_capex_usd"]
    after = model.evaluate({**v, **more, "capex_method": method})["fleet_capex_usd"]
    assert after > before


@given(capex=st.lists(st.floats(0, 1e10), min_size=4, max_size=4))
def test_subtotals_are_consistent(capex):
    s = fleet.capex_subtotals(capex)
    assert s["hopper_only"] <= s["all"] + 1e-6 and s["without_h100"] <= s["all"] + 1e-6
    assert s["all"] == pytest.approx(sum(capex))


def test_every_server_pricing_method_has_words_and_no_identifier():
    for name, method in fleet.SERVER_PRICING_METHODS.items():
        assert method.label and "_" not in method.label, name
    assert fleet.server_pricing_method_words("epoch_overhead") == fleet.SERVER_PRICING_METHODS["epoch_overhead"].label
    with pytest.raises(ValueError, match="published_server_prices"):
        fleet.server_pricing_method_words("guess")
