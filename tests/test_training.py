"""analysis.training: pinned to DeepSeek's published numbers, plus properties."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import training


def test_v3_table1_reproduces_to_the_dollar():
    # DeepSeek-V3 report, Table 1: 2664K + 119K + 5K = 2788K GPU-hours; $5.328M + $0.238M + $0.01M = $5.576M at $2/h.
    stages = pd.DataFrame(
        {"stage": ["pre-training", "context extension", "post-training"], "gpu_hours": [2_664_000, 119_000, 5_000]}
    )
    table = training.cost_by_stage(stages, 2.0)
    assert table["cost_usd"].tolist() == [5_328_000.0, 238_000.0, 10_000.0, 5_576_000.0]
    assert table["gpu_hours"].iloc[-1] == 2_788_000
    assert table["share_of_total"].iloc[-1] == 1.0
    assert table["cost_usd"].iloc[:-1].sum() == table["cost_usd"].iloc[-1]


def test_v3_at_three_dollars_is_8_364_million():
    # Issue 2: -p gpu_hour_price_usd 3 gives US$8.364M.
    assert training.rental_cost_usd(2_788_000, 3.0) == 8_364_000.0


def test_v3_pace_per_trillion_tokens_and_days():
    # V3 report section 1: 180K GPU-hours per trillion tokens, "3.7 days on our cluster with 2048 H800 GPUs";
    # pre-training "in less than two months".
    per_t = training.gpu_hours_per_trillion_tokens(2_664_000, 14.8)
    assert per_t == pytest.approx(180_000)
    assert round(float(training.wall_clock_days(per_t, 2048)), 1) == 3.7
    days = float(training.wall_clock_days(2_664_000, 2048))
    assert days == pytest.approx(54.2, abs=0.05) and days < 61
    assert float(training.wall_clock_days(2_788_000, 2048)) == pytest.approx(56.7, abs=0.05)


def test_6nd_compute_and_mfu():
    # 6ND by hand (sources deepseek-v3-report, kaplan-2020-scaling-laws, nvidia-h100-datasheet):
    # 3.29e24 FLOP, ~343 TFLOP/s per GPU, 34.6% of BF16 and 17.3% of FP8 peak.
    flop = training.training_flop_6nd(37e9, 14.8e12)
    assert flop == pytest.approx(3.2856e24)
    assert training.achieved_flops_per_gpu(flop, 2_664_000) / 1e12 == pytest.approx(342.6, abs=0.1)
    assert training.model_flops_utilisation(flop, 2_664_000, 989.5) == pytest.approx(0.3462, abs=5e-4)
    assert training.model_flops_utilisation(flop, 2_664_000, 1979) == pytest.approx(0.1731, abs=5e-4)


def test_r1_rl_compute_and_cost():
    # Nature supplement B.4.4: 64x8 H800 for ~198 h and ~80 h, plus 5K GPU-hours; Table 7: 147K GPU-hours, $294K.
    hours = training.gpu_hours(512, 198) + training.gpu_hours(512, 80) + 5_000
    assert hours == 147_336
    assert training.rental_cost_usd(hours, 2.0) == 294_672.0
    # The Register: V3 + R1 "closer to $5.87 million".
    assert training.rental_cost_usd(2_788_000 + hours, 2.0) / 1e6 == pytest.approx(5.87, abs=0.005)


def test_share_of_fleet_year():
    assert training.fleet_gpu_hours_per_year(60_000) == 60_000 * 8766
    assert training.share_of_fleet_year(2_788_000, 60_000) == pytest.approx(0.0053, abs=1e-4)


def test_functions_broadcast_over_arrays():
    prices = np.array([1.3, 2.0, 3.42])
    assert training.rental_cost_usd(2_788_000, prices).shape == (3,)
    assert np.allclose(training.rental_cost_usd(2_788_000, prices), [3_624_400, 5_576_000, 9_534_960])


def test_cost_by_stage_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one stage"):
        training.cost_by_stage(pd.DataFrame({"stage": [], "gpu_hours": []}), 2.0)
    with pytest.raises(ValueError, match="gpu_hours must be >= 0"):
        training.cost_by_stage(pd.DataFrame({"stage": ["x"], "gpu_hours": [-1.0]}), 2.0)


positive = st.floats(min_value=1.0, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(hours=positive, price=st.floats(min_value=0.01, max_value=100), factor=st.floats(min_value=1.01, max_value=10))
def test_cost_rises_with_hours_and_price(hours, price, factor):
    base = training.rental_cost_usd(hours, price)
    assert training.rental_cost_usd(hours * factor, price) > base
    assert training.rental_cost_usd(hours, price * factor) > base
    assert math.isclose(training.rental_cost_usd(hours, price * factor), base * factor, rel_tol=1e-9)


@given(hours=positive, gpus=st.integers(min_value=1, max_value=100_000))
def test_more_gpus_finish_sooner_and_use_a_smaller_share(hours, gpus):
    assert training.wall_clock_days(hours, gpus + 1) < training.wall_clock_days(hours, gpus)
    assert training.share_of_fleet_year(hours, gpus + 1) < training.share_of_fleet_year(hours, gpus)


@given(
    stage_hours=st.lists(st.floats(min_value=0, max_value=1e7), min_size=1, max_size=6),
    price=st.floats(min_value=0, max_value=50),
)
def test_stages_sum_to_total(stage_hours, price):
    table = training.cost_by_stage(
        pd.DataFrame({"stage": [f"s{i}" for i in range(len(stage_hours))], "gpu_hours": stage_hours}), price
    )
    assert table["cost_usd"].iloc[:-1].sum() == pytest.approx(table["cost_usd"].iloc[-1], rel=1e-12, abs=1e-6)
