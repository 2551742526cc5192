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
    # One GPU, batch 1: memory = (671 GB + 4,989 x 70,272 B) / 3.35 TB/s;
    # compute = 2 x 37e9 / 1979e12 + attention / 989.5e12.
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


# The decode instance (source deepseek-v3-report, section 3.4: 40 nodes of 8 H800) and the H800's row
# of data/gpus.csv (80 GB, 3.35 TB/s, 1,979 dense FP8 and 989.5 dense BF16 TFLOP/s).
H800_ROW = {"hbm_gb": 80, "hbm_bandwidth_tb_per_s": 3.35, "dense_fp8_tflops": 1979, "dense_bf16_tflops": 989.5}
V3_MODEL = dict(context_tokens=4989, total_params=671e9, activated_params=37e9, bytes_per_weight=1.0)


def test_instance_from_a_gpu_row():
    unit = serving.Instance.from_gpu(H800_ROW, nodes=40, gpus_per_node=8)
    assert (unit.gpus, unit.hbm_bytes) == (320, 320 * 80e9)
    assert unit.roofline_hardware() == {"gpus": 320, **H800}
    with pytest.raises(ValueError, match="nodes > 0 and GPUs per node > 0, got 0 and 8"):
        serving.Instance.from_gpu(H800_ROW, nodes=0, gpus_per_node=8)


def test_kv_capacity_by_attention_by_hand():
    # 25.6 TB of HBM less 671 GB of weights, over 70,272 B (MLA) and
    # 61 x 2 x 128 x 128 x 2 B = 3,997,696 B (MHA) a token.
    unit = serving.Instance.from_gpu(H800_ROW, nodes=40, gpus_per_node=8)
    cap = serving.kv_capacity_by_attention({"MLA": V3, "MHA": V3.as_kind("mha")}, unit, 671e9, 16, 4989)
    assert list(cap["kv_bytes_per_token"]) == [70_272, 3_997_696]
    tokens_mla = (25.6e12 - 671e9) // 70_272
    assert cap.loc["MLA", "kv_tokens_on_instance"] == tokens_mla
    assert cap.loc["MLA", "max_sequences_per_gpu"] == (tokens_mla // 4989) / 320
    assert cap.loc["MHA", "kv_tokens_on_instance"] == (25.6e12 - 671e9) // 3_997_696
    with pytest.raises(ValueError, match="do not fit in the instance's 640 GB of HBM"):
        serving.kv_capacity_by_attention({"MLA": V3}, serving.Instance.from_gpu(H800_ROW, 1, 8), 671e9, 16, 4989)


def test_decode_by_attention_caps_the_batch_where_the_cache_is_full():
    unit = serving.Instance.from_gpu(H800_ROW, nodes=40, gpus_per_node=8)
    variants = {"MLA": V3, "MHA": V3.as_kind("mha")}
    cap = serving.kv_capacity_by_attention(variants, unit, 671e9, 16, 4989)
    table = serving.decode_by_attention(
        variants, cap, unit, sequences_per_gpu=64, price_usd_per_gpu_hour=2.0, **V3_MODEL
    )
    # MLA runs the batch asked for; MHA's cache holds fewer than 64 a GPU, so it runs at its maximum.
    assert table.loc["MLA", "sequences_per_gpu"] == 64
    assert cap.loc["MHA", "max_sequences_per_gpu"] < 64
    assert table.loc["MHA", "sequences_per_gpu"] == cap.loc["MHA", "max_sequences_per_gpu"]
    direct = _v3(64 * 320)  # the same step, straight from decode_roofline
    assert table.loc["MLA", "tokens_per_s_per_node"] == pytest.approx(float(direct["tokens_per_s"]) / 40)
    assert table.loc["MLA", "usd_per_m_output_tokens"] == pytest.approx(
        8 * 2.0 / (float(direct["tokens_per_s"]) / 40 * 3600) * 1e6
    )
    # A cache too big for one sequence: no throughput and no price, said in words.
    tiny = serving.decode_by_attention(
        {"MHA": V3.as_kind("mha")},
        cap.assign(max_sequences_per_gpu=0.0),
        unit,
        sequences_per_gpu=64,
        price_usd_per_gpu_hour=2.0,
        **V3_MODEL,
    )
    assert tiny.loc["MHA", "bound"] == "does not fit" and tiny["usd_per_m_output_tokens"].isna().all()


def test_cost_by_batch_falls_then_stops_where_the_cache_is_full():
    unit = serving.Instance.from_gpu(H800_ROW, nodes=40, gpus_per_node=8)
    curve = serving.cost_by_batch(V3, 70_272, 100.5, unit, range(1, 513), price_usd_per_gpu_hour=2.0, **V3_MODEL)
    assert list(curve.index) == list(range(1, 101))  # batches above the cache's 100.5 a GPU are dropped
    # A bigger batch shares the weights' read: cheaper tokens while memory-bound, flat once compute-bound.
    assert (curve.diff().dropna() <= 1e-12).all()
    # By hand: one sequence a GPU is memory-bound, reading the weights and 320 caches each step;
    step_s = (671e9 + 320 * 4989 * 70_272) / (320 * 3.35e12)
    assert curve.iloc[0] == pytest.approx(320 * 2.0 / (320 / step_s * 3600) * 1e6)
    # 100 a GPU is compute-bound: each token costs its FLOPs at the peaks, whatever the batch.
    attention_flop = 2 * 128 * 4989 * (2 * 512 + 64) * 61
    per_token_s = 2 * 37e9 / 1979e12 + attention_flop / 989.5e12  # on one GPU
    assert curve.iloc[-1] == pytest.approx(2.0 / 3600 * per_token_s * 1e6)
    assert serving.cost_by_batch(V3, 70_272, 0.5, unit, [1, 2], price_usd_per_gpu_hour=2.0, **V3_MODEL).empty


def test_max_throughput_is_the_roofline_at_the_largest_batch_that_fits():
    node = serving.Instance.from_gpu(H800_ROW, nodes=1, gpus_per_node=8)
    v2 = AttentionConfig("mla", 60, 128, 128, kv_lora_rank=512, rope_head_dim=64)
    got = serving.max_throughput(
        v2, node, kv_bits=16, context_tokens=4096, total_params=236e9, activated_params=21e9, bytes_per_weight=1.0
    )
    kv = 60 * (512 + 64) * 2
    batch = ((640e9 - 236e9) // kv) // 4096
    assert got["max_batch"] == batch
    step = serving.decode_roofline(
        batch=batch,
        context_tokens=4096,
        config=v2,
        kv_bytes_per_token=kv,
        total_params=236e9,
        activated_params=21e9,
        bytes_per_weight=1.0,
        **node.roofline_hardware(),
    )
    assert got["tokens_per_s"] == pytest.approx(float(step["tokens_per_s"]))
    with pytest.raises(ValueError, match="not one sequence of 10,000,000 tokens fits"):
        serving.max_throughput(
            v2,
            node,
            kv_bits=16,
            context_tokens=10_000_000,
            total_params=236e9,
            activated_params=21e9,
            bytes_per_weight=1.0,
        )
