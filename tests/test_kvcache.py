"""analysis.kvcache: the V2 report's Table 1, pinned, with properties and validation."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from analysis import data
from analysis.kvcache import (
    AttentionConfig,
    gqa_equivalent_groups,
    kv_cache_bytes_per_token,
    kv_cache_elements_per_token,
    kv_reduction,
)

V2 = AttentionConfig("mla", layers=60, heads=128, head_dim=128, kv_lora_rank=512, rope_head_dim=64)
V3 = AttentionConfig("mla", layers=61, heads=128, head_dim=128, kv_lora_rank=512, rope_head_dim=64)
LLM67B = AttentionConfig("gqa", layers=95, heads=64, head_dim=128, kv_heads=8)


def test_formula_values_for_v2_v3_and_67b():
    # V2 report Table 1 and the 67B config (sources deepseek-v2-report, deepseek-llm-67b), worked by hand.
    assert kv_cache_elements_per_token(V2) == 34_560
    assert kv_cache_elements_per_token(LLM67B) == 194_560
    assert kv_cache_elements_per_token(V2.as_kind("mha")) == 1_966_080
    assert kv_cache_bytes_per_token(V2, 6) == 25_920
    assert kv_cache_bytes_per_token(LLM67B, 16) == 389_120
    assert kv_cache_bytes_per_token(V3, 16) == 70_272  # ISCA'25 Table 1: 70.272 KB
    assert kv_cache_elements_per_token(V2) == 4.5 * 128 * 60  # Table 1: ≈ 9/2 d_h l
    assert gqa_equivalent_groups(V2) == 2.25


def test_the_three_readings_of_93_3_percent():
    assert kv_reduction(kv_cache_bytes_per_token(V2, 6), kv_cache_bytes_per_token(LLM67B, 16)) == pytest.approx(
        0.9334, abs=5e-5
    )
    assert kv_reduction(kv_cache_elements_per_token(V2), kv_cache_elements_per_token(LLM67B)) == pytest.approx(
        0.822, abs=5e-4
    )
    assert kv_reduction(
        kv_cache_elements_per_token(V2), kv_cache_elements_per_token(V2.as_kind("mha"))
    ) == pytest.approx(0.982, abs=5e-4)


def test_architectures_file_matches_the_papers():
    arch = data.load_architectures()
    assert arch.loc["DeepSeek-V2", "config"] == V2
    assert arch.loc["DeepSeek-V3", "config"] == V3
    assert arch.loc["DeepSeek-LLM-67B", "config"] == LLM67B


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="gqa", layers=95, heads=64, head_dim=128), "needs kv_heads"),
        (dict(kind="mla", layers=60, heads=128, head_dim=128, rope_head_dim=64), r"needs kv_lora_rank \(d_c\)"),
        (dict(kind="mla", layers=60, heads=128, head_dim=128, kv_lora_rank=512), r"needs rope_head_dim"),
        (dict(kind="mha", layers=0, heads=8, head_dim=64), "layers must be a whole number > 0; got 0"),
        (dict(kind="mha", layers=2, heads=8, head_dim=-64), "head_dim must be a whole number > 0"),
        (dict(kind="mha", layers=2.5, heads=8, head_dim=64), "layers must be a whole number > 0; got 2.5"),
        (dict(kind="gqa", layers=2, heads=8, head_dim=64, kv_heads=16), r"kv_heads \(16\) cannot exceed heads \(8\)"),
        (dict(kind="flash", layers=2, heads=8, head_dim=64), "kind must be one of mha, gqa, mqa, mla"),
    ],
)
def test_invalid_configs_raise_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AttentionConfig(**kwargs)


def test_bad_bits_and_baseline():
    with pytest.raises(ValueError, match="bits_per_element must be > 0"):
        kv_cache_bytes_per_token(V3, 0)
    with pytest.raises(ValueError, match="old_bytes_per_token must be > 0"):
        kv_reduction(1.0, 0.0)


def test_broken_architecture_row_is_caught(data_copy):
    path = data_copy / "architectures.csv"
    path.write_text(path.read_text().replace("DeepSeek-LLM-67B,gqa,95,64,128,8,", "DeepSeek-LLM-67B,gqa,95,64,128,,"))
    with pytest.raises(
        data.DataError,
        match=r"^data/architectures\.csv, row 3 \(line 4\), column attention: a gqa AttentionConfig needs kv_heads",
    ):
        data.load_architectures(data_copy)


dims = dict(layers=st.integers(1, 200), heads=st.integers(1, 256), head_dim=st.integers(16, 256))


@given(**dims, groups=st.integers(3, 256), bits=st.sampled_from([4, 6, 8, 16, 32]))
def test_mla_below_gqa_below_mha_when_groups_exceed_2_25(layers, heads, head_dim, groups, bits):
    assume(heads >= 3)
    groups = min(groups, heads)
    mla = AttentionConfig(
        "mla", layers, heads, head_dim, kv_lora_rank=4 * head_dim, rope_head_dim=head_dim // 2
    )  # V2's ratios
    gqa = AttentionConfig("gqa", layers, heads, head_dim, kv_heads=groups)
    mha = AttentionConfig("mha", layers, heads, head_dim)
    assert (
        kv_cache_bytes_per_token(mla, bits) < kv_cache_bytes_per_token(gqa, bits) <= kv_cache_bytes_per_token(mha, bits)
    )


@given(**dims, kind=st.sampled_from(["mha", "mqa", "mla"]), k=st.integers(2, 5), bits=st.sampled_from([6, 8, 16]))
def test_bytes_scale_linearly_with_layers_and_bits(layers, heads, head_dim, kind, k, bits):
    extra = dict(kv_lora_rank=512, rope_head_dim=64) if kind == "mla" else {}
    one = AttentionConfig(kind, layers, heads, head_dim, **extra)
    more = AttentionConfig(kind, layers * k, heads, head_dim, **extra)
    assert kv_cache_bytes_per_token(more, bits) == pytest.approx(k * kv_cache_bytes_per_token(one, bits))
    assert kv_cache_bytes_per_token(one, bits * 2) == pytest.approx(2 * kv_cache_bytes_per_token(one, bits))
