"""analysis.serving: the decode roofline and US$ per million tokens."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import serving
from analysis.kvcache import AttentionConfig

V3 = AttentionConfig("mla", 61, 128, 128, kv_lora_rank=512, rope_head_dim=64)
H800 = dict(
    hbm_bandwidth_bytes_per_s_per_gpu=3.35e12,
    matmul_flops_per_s_per_gpu=1979e12,
    attention_flops_per_s_per_gpu=989.5e12,
)


def _v3(batch, gpus=320, context=4989):
    return serving.decode_roofline(
        batch=batch,
        context_tokens=context,
        config=V3,
        kv_bytes_per_token=70_272,
        total_params=671e9,
        activated_params=37e9,
        bytes_per_weight=1.0,
        gpus=gpus,
        **H800,
    )


def test_one_node_cannot_hold_v3_but_the_decode_unit_can():
    assert serving.kv_token_capacity(8 * 80e9, 671e9, 70_272) == 0
    tokens = serving.kv_token_capacity(320 * 80e9, 671e9, 70_272)
    assert tokens == pytest.approx((25.6e12 - 671e9) / 70_272, abs=1)


def test_day6_cost_per_output_token_if_all_cost_were_output():
    # DeepSeek's Day 6 (source deepseek-open-infra-day6): $87,072 / 168,000 M output tokens ≈ $0.52 per M.
    assert serving.cost_per_million_tokens_usd(226.75 * 8, 2.0, 168e9 / 86_400) == pytest.approx(
        87_072 / 168_000, rel=1e-6
    )


def test_roofline_by_hand():
    # One GPU, batch 1: memory = (671 GB + 4,989 x 70,272 B) / 3.35 TB/s; compute = 2 x 37e9 / 1979e12 + attention / 989.5e12.
    r = serving.decode_roofline(
        batch=1,
        context_tokens=4989,
        config=V3,
        kv_bytes_per_token=70_272,
        total_params=671e9,
        activated_params=37e9,
        bytes_per_weight=1.0,
        gpus=1,
        **H800,
    )
    assert r["memory_s"] == pytest.approx((671e9 + 4989 * 70_272) / 3.35e12)
    attn = 2 * 128 * 4989 * (2 * 512 + 64) * 61
    assert r["compute_s"] == pytest.approx(2 * 37e9 / 1979e12 + attn / 989.5e12)
    assert bool(r["memory_bound"]) and r["tokens_per_s"] == pytest.approx(1 / r["memory_s"])


def test_mla_attention_flops_grow_linearly_with_context():
    assert serving.attention_flops_per_token(V3, 2000) == pytest.approx(2 * serving.attention_flops_per_token(V3, 1000))
    mha = V3.as_kind("mha")
    assert serving.attention_flops_per_token(mha, 1000) == 4 * 128 * 128 * 1000 * 61


@given(b=st.integers(1, 100_000), more=st.integers(1, 100_000))
def test_throughput_never_falls_with_a_bigger_batch(b, more):
    assert _v3(b + more)["tokens_per_s"] >= _v3(b)["tokens_per_s"] * (1 - 1e-12)


@given(tps=st.floats(1, 1e7), price=st.floats(0.01, 20), gpus=st.integers(1, 1000))
def test_cost_is_proportional_to_price_and_inverse_to_throughput(tps, price, gpus):
    c = serving.cost_per_million_tokens_usd(gpus, price, tps)
    assert serving.cost_per_million_tokens_usd(gpus, 2 * price, tps) == pytest.approx(2 * c)
    assert serving.cost_per_million_tokens_usd(gpus, price, 2 * tps) == pytest.approx(c / 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: _v3(0), "batch must be > 0"),
        (lambda: _v3(1, gpus=0), "gpus must be > 0"),
        (lambda: serving.max_batch(100, 0), "context_tokens must be > 0"),
        (lambda: serving.cost_per_million_tokens_usd(8, 2.0, 0), "tokens_per_s must be > 0"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()
