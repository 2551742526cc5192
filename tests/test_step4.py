"""Step 4 (``analysis.steps.step4``): the KV cache MLA saves, and what a token costs, without papermill.

Published values are pinned with the page they come from; moved parameters must move what they
should and nothing else; the claims ledger judges the step's own numbers
(``analysis.steps.claim_results``).
"""

import pandas as pd
import pytest

from analysis import model, plots, steps
from analysis.figures import plt
from analysis.steps import Inputs

BASELINE = steps.run_values()


@pytest.fixture(scope="module")
def baseline():
    return steps.step4(BASELINE)


def run(**overrides):
    return steps.step4({**BASELINE, **overrides})


# --------------------------------------------------------------------------- published values
def test_the_93_3_percent_reproduces_only_with_mla_and_v2s_6_bit_cache(baseline):
    # V2 report, abstract: "reduces the KV cache by 93.3%". Table 1 with V2's sizes: (512 + 64) x 60 layers
    # = 34,560 elements at ~6 bits (section 3.2.3) against DeepSeek 67B's GQA-8, 2 x 8 x 128 x 95 = 194,560
    # elements at 16 bits.
    assert baseline["kv_reduction_v2_vs_67b"] == pytest.approx(1 - 34_560 * 6 / (194_560 * 16), rel=1e-15)
    assert round(baseline["kv_reduction_v2_vs_67b"], 3) == 0.933
    # By elements alone (the same precision) it is 82.2%; against full MHA at V2's size, 98.2%.
    assert baseline["kv_reduction_v2_elements_only"] == pytest.approx(1 - 34_560 / 194_560, rel=1e-15)
    assert baseline["kv_reduction_vs_mha_v2"] == pytest.approx(1 - 34_560 / (2 * 128 * 128 * 60), rel=1e-15)
    assert baseline.numbers["kv_reduction_v2_vs_67b"].headline


def test_v3_caches_70272_bytes_per_token_in_bf16(baseline):
    # V3 config: 61 layers x (512 + 64) elements x 2 bytes; DeepSeek's ISCA'25 paper, Table 1: 70.272 KB.
    assert baseline["kv_bytes_per_token_v3_bf16"] == 61 * 576 * 2 == 70_272
    # V2 report, Table 1: MLA's cache equals GQA's with 2.25 groups.
    assert baseline["kv_gqa_equivalent_groups_v3"] == 2.25
    assert "**70,272 bytes per token**" in baseline.text["kv_v3"]


def test_a_token_costs_what_deepseek_measured_first(baseline):
    # Day 6: ~14.8k output tokens/s per H800 node of 8 GPUs; at US$2 per GPU-hour about US$0.30 per million.
    measured = baseline["cost_per_m_output_tokens_measured_usd"]
    assert measured == pytest.approx(8 * 2.0 / (3600 * 14_800) * 1e6, rel=1e-15)
    assert round(baseline["cost_per_m_output_tokens_measured_usd"], 2) == 0.30
    assert baseline.numbers["cost_per_m_output_tokens_measured_usd"].headline
    # Day 6: the whole day cost US$87,072 for 168B output tokens.
    assert baseline["cost_per_m_output_tokens_day6_usd"] == pytest.approx(87_072 / 168_000, rel=1e-12)
    # LMSYS: 22.3k output tokens/s per node of 8 H100, "$0.20/1M output tokens" at US$2.
    assert baseline["cost_per_m_output_tokens_sglang_usd"] == pytest.approx(8 * 2.0 / (3600 * 22_300) * 1e6)
    assert round(baseline["cost_per_m_output_tokens_sglang_usd"], 2) == 0.20


def test_the_roofline_is_a_bound_beside_the_measurement(baseline):
    throughput = baseline["decode_tokens_per_s_node_roofline"]
    assert throughput > 14_800  # an upper bound on throughput, above DeepSeek's measured ~14.8k per node
    assert baseline["roofline_to_measured_ratio"] == pytest.approx(throughput / 14_800)
    assert baseline["cost_per_m_output_tokens_roofline_usd"] == pytest.approx(8 * 2.0 / (throughput * 3600) * 1e6)
    assert baseline["cost_per_m_output_tokens_roofline_usd"] < baseline["cost_per_m_output_tokens_measured_usd"]
    # MLA's smaller cache beats GQA-8 at the same batch, and the cost cut is the throughput ratio's complement.
    assert baseline["mla_vs_gqa8_throughput_ratio"] > 1
    assert baseline["mla_cost_reduction_vs_gqa8"] == pytest.approx(1 - 1 / baseline["mla_vs_gqa8_throughput_ratio"])


def test_the_v2_report_throughput_ratio_is_reproduced_in_direction_and_size(baseline):
    # V2 report, abstract: "boosts the maximum generation throughput to 5.76 times".
    assert baseline["v2_vs_67b_throughput_ratio_model"] == pytest.approx(5.76, rel=0.25)
    assert "The direction and the size agree" in baseline.text["v2_ratio"]


# --------------------------------------------------------------------------- the claims ledger
@pytest.mark.parametrize(
    "overrides",
    [{}, {"context_tokens": 32_768, "serving_nodes": 18, "gpu_hour_price_usd": 3.42}, {"v2_kv_cache_bits": 8.0}],
    ids=["baseline", "long-context", "8-bit-v2-cache"],
)
def test_the_step_gives_the_claims_ledger_its_numbers(overrides):
    values = {**BASELINE, **overrides}
    step, ledger = steps.step4(values), steps.claim_results(values)
    for number_id in ("kv_reduction_v2_vs_67b", "kv_reduction_vs_mha_v2", "mla_cost_reduction_vs_gqa8"):
        assert step[number_id] == pytest.approx(ledger[number_id]["value"], rel=1e-12), number_id


def test_no_gqa_number_where_gqas_cache_fits_no_sequence():
    # Two nodes nearly full of 1.9-byte weights leave room for two 32K-token sequences of V3's cache, none of GQA-8's.
    values = {**BASELINE, "serving_nodes": 2, "bytes_per_weight": 1.9, "context_tokens": 32_768}
    step = steps.step4(values)
    assert step.tables["roofline"].frame.loc["GQA, 8 KV heads", "bound"] == "does not fit"
    assert "mla_vs_gqa8_throughput_ratio" not in step.numbers
    assert "mla_cost_reduction_vs_gqa8" not in step.numbers
    assert "mla_cost_reduction_vs_gqa8" not in steps.claim_results(values)
    for figure_id in step.figures:
        fig, _ = plots.draw(step, figure_id)  # a kind of attention without a line still draws
        plt.close(fig)


# --------------------------------------------------------------------------- moved parameters
def test_the_price_moves_the_costs_and_not_the_throughput(baseline):
    dearer = run(gpu_hour_price_usd=3.0)
    for number_id in (
        "cost_per_m_output_tokens_measured_usd",
        "cost_per_m_output_tokens_day6_usd",
        "cost_per_m_output_tokens_sglang_usd",
        "cost_per_m_output_tokens_roofline_usd",
    ):
        assert dearer[number_id] == pytest.approx(baseline[number_id] * 1.5), number_id
    assert dearer["decode_tokens_per_s_node_roofline"] == baseline["decode_tokens_per_s_node_roofline"]
    assert dearer["cost_per_m_output_tokens_owned_usd"] == baseline["cost_per_m_output_tokens_owned_usd"]
    # The answer names the run's price; the published 93.3% stays what DeepSeek compared.
    assert "US$0.45 at US$3 per GPU-hour" in dearer.answer
    assert dearer.answer.startswith("The 93.3% is DeepSeek-V2's KV cache")


def test_the_owned_cost_is_step_2s_h800_hour_at_the_measured_throughput(baseline):
    owned_hour = model.evaluate(BASELINE)["owned_cost_per_h800_hour_usd"]
    assert baseline["cost_per_m_output_tokens_owned_usd"] == pytest.approx(8 * owned_hour / (3600 * 14_800) * 1e6)
    costlier_power = run(electricity_price_usd_per_kwh=0.15)
    assert costlier_power["cost_per_m_output_tokens_owned_usd"] > baseline["cost_per_m_output_tokens_owned_usd"]
    assert costlier_power["cost_per_m_output_tokens_measured_usd"] == baseline["cost_per_m_output_tokens_measured_usd"]
    # Under Epoch AI's way of pricing servers, its overhead multiplier reaches the owned hour too.
    epoch = {**BASELINE, "capex_method": "epoch_overhead"}
    assert (
        steps.step4({**epoch, "server_overhead_multiplier": 2.0})["cost_per_m_output_tokens_owned_usd"]
        > (steps.step4(epoch)["cost_per_m_output_tokens_owned_usd"])
    )
    assert "server_overhead_multiplier" in steps.MODULES["04_mla_inference"].PARAMETERS


def test_the_measured_cost_agrees_with_the_cost_model(baseline):
    """The cost model (analysis.costs) computes the same cost per token for step 6's draws."""
    point = model.evaluate(BASELINE)
    assert baseline["cost_per_m_output_tokens_measured_usd"] == point["cost_per_m_output_tokens_measured_usd"]
    assert baseline["cost_per_m_output_tokens_day6_usd"] == point["cost_per_m_output_tokens_day6_usd"]


def test_the_gpus_per_node_come_from_the_data(data_copy, baseline):
    path = data_copy / "published_figures.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["figure_id"] == "day6_gpus_per_node", "value"] = "4"
    frame.to_csv(path, index=False)
    half = steps.step4(BASELINE, Inputs(data_copy))
    assert half["cost_per_m_output_tokens_measured_usd"] == pytest.approx(
        baseline["cost_per_m_output_tokens_measured_usd"] / 2
    )
    assert half["cost_per_m_output_tokens_day6_usd"] == pytest.approx(baseline["cost_per_m_output_tokens_day6_usd"] / 2)
    assert "per 4 x H800 node" in half.numbers["decode_tokens_per_s_node_roofline"].label


def test_a_6_bit_v2_cache_is_what_makes_93_3():
    eight_bit = run(v2_kv_cache_bits=8.0)
    assert eight_bit["kv_reduction_v2_vs_67b"] == pytest.approx(1 - 34_560 * 8 / (194_560 * 16))
    assert eight_bit["kv_reduction_v2_elements_only"] == pytest.approx(1 - 34_560 / 194_560)


def test_the_instance_and_load_move_the_roofline(baseline):
    fewer_nodes = run(serving_nodes=9)
    assert fewer_nodes["v3_kv_tokens_per_node"] < baseline["v3_kv_tokens_per_node"]
    assert fewer_nodes["v3_max_sequences_per_gpu"] < baseline["v3_max_sequences_per_gpu"]
    small_batch = run(decode_batch_per_gpu=16)
    assert small_batch.tables["roofline"].frame.loc["MLA (V3)", "bound"] == "memory"
    assert small_batch["decode_tokens_per_s_node_roofline"] < baseline["decode_tokens_per_s_node_roofline"]
    # A batch larger than the cache allows runs at the most that fit.
    big_batch = run(decode_batch_per_gpu=256)
    mla = big_batch.tables["roofline"].frame.loc["MLA (V3)"]
    assert mla["sequences_per_gpu"] == pytest.approx(baseline["v3_max_sequences_per_gpu"])
    long_context = run(context_tokens=32_768)
    assert long_context["decode_tokens_per_s_node_roofline"] < baseline["decode_tokens_per_s_node_roofline"]
    assert long_context["v3_max_sequences_per_gpu"] < baseline["v3_max_sequences_per_gpu"]


# --------------------------------------------------------------------------- sentences and figures
def test_the_v2_ratio_sentence_says_so_when_the_size_differs():
    short = run(context_tokens=1024)
    assert short["v2_vs_67b_throughput_ratio_model"] < 5.76 * 0.75
    assert "The direction agrees, the size does not" in short.text["v2_ratio"]
    assert "The direction and the size agree" not in short.text["v2_ratio"]


def test_the_roofline_sentence_is_written_from_the_run(baseline):
    sentence = run(decode_batch_per_gpu=16).text["roofline"]
    assert "memory-bound" in sentence
    assert "compute-bound" in baseline.text["roofline"]
    assert f"{baseline['decode_tokens_per_s_node_roofline']:,.0f} output tokens/s per node" in baseline.text["roofline"]


def test_the_figures_carry_what_they_draw(baseline):
    sizes = baseline.figures["fig04_kv_bytes_by_attention"].data.set_index("attention")["kv_cache_bytes_per_token"]
    assert list(sizes.index) == ["MHA (128 KV heads)", "GQA, 8 KV heads", "MQA (1 KV head)", "MLA (V3)"]
    assert sizes["MLA (V3)"] == 70_272
    assert sizes["MHA (128 KV heads)"] == 2 * 128 * 128 * 61 * 2
    curves = baseline.figures["fig04_cost_per_m_tokens_vs_batch"].data
    capacity = baseline.tables["capacity"].frame
    for name, curve in curves.groupby("attention"):  # each line ends where the cache is full
        assert curve["sequences_per_gpu"].max() <= capacity.loc[name, "max_sequences_per_gpu"]
    mla_at_64 = curves[(curves["attention"] == "MLA (V3)") & (curves["sequences_per_gpu"] == 64)]
    assert mla_at_64["usd_per_million_output_tokens"].item() == pytest.approx(
        run(decode_batch_per_gpu=64)["cost_per_m_output_tokens_roofline_usd"]
    )


def test_every_figure_draws_and_its_caption_names_the_colours(baseline):
    for figure_id in baseline.figures:
        fig, caption = plots.draw(baseline, figure_id)
        assert "{" not in caption and "vermillion: MLA (V3)" in caption, figure_id
        assert fig.axes
        plt.close(fig)


# --------------------------------------------------------------------------- bad values
def test_weights_that_do_not_fit_are_one_clear_error():
    with pytest.raises(ValueError, match="weights .* do not fit"):
        run(serving_nodes=1)


def test_a_context_no_sequence_fits_is_one_clear_error():
    with pytest.raises(ValueError, match="not one sequence of 20,000,000 tokens"):
        run(serving_nodes=2, context_tokens=20_000_000)


# --------------------------------------------------------------------------- the cut by context length
def test_mlas_cost_cut_is_a_point_estimate_that_moves_with_the_context(baseline):
    """The 67.8% is one point of a curve: the table over 1K-128K tokens moves with context, and each of its rows
    is what a run at that context gives as its own number (vectorised and one-at-a-time agree)."""
    cut = baseline.tables["mla_cut_by_context"].frame.set_index("context_tokens")["cost_cut"]
    assert cut.index.min() == 1024 and cut.index.max() == 131072 and BASELINE["context_tokens"] in cut.index
    assert cut[1024] < cut[4096] < cut[32768]  # 36% at 1K, 72% at 32K: it grows with the context
    assert cut[BASELINE["context_tokens"]] == pytest.approx(baseline["mla_cost_reduction_vs_gqa8"], rel=1e-12)
    for context in (1024, 32768):
        assert cut[context] == pytest.approx(run(context_tokens=context)["mla_cost_reduction_vs_gqa8"], rel=1e-12)
    words = baseline.text["mla_cut_by_context"]
    assert "not a bound" in words and "upper bound" not in words
    from analysis.formatting import format_value

    assert format_value(cut[1024], "fraction") in words


def test_the_cut_table_follows_the_batch_not_the_runs_context(baseline):
    cut = baseline.tables["mla_cut_by_context"].frame.set_index("context_tokens")["cost_cut"]
    longer = run(context_tokens=8192).tables["mla_cut_by_context"].frame.set_index("context_tokens")["cost_cut"]
    assert longer[1024] == pytest.approx(cut[1024]) and longer[131072] == pytest.approx(cut[131072])
    smaller = run(decode_batch_per_gpu=8).tables["mla_cut_by_context"].frame.set_index("context_tokens")["cost_cut"]
    assert smaller[1024] != pytest.approx(cut[1024])  # a smaller batch: the weights weigh more, MLA saves less


# --------------------------------------------------------------------------- the roofline in the Monte Carlo
#: Fewer draws than a run's 100,000: the tests below compare summaries of the same seed's draws.
QUICK = {"monte_carlo_draws": 5_000}
QUANTILES = ("p05", "p50", "p95")
#: The roofline's parameters with a range in the register, and a narrower range around each baseline.
NARROWER = {"serving_nodes": "17..19", "context_tokens": "4000..6000", "decode_batch_per_gpu": "80..96"}


def interval(result, key="decode_tokens_per_s_node_roofline"):
    return tuple(result[f"{key}_{q}"] for q in QUANTILES)


def test_the_cost_model_gives_step_4s_roofline_at_the_runs_values(baseline):
    """One roofline: the vectorised cost model's outputs equal the step's point values, at the baseline and moved."""
    from analysis import costs

    for values in (BASELINE, {**BASELINE, "serving_nodes": 9, "context_tokens": 32_768, "decode_batch_per_gpu": 128}):
        point, result = model.evaluate(values, model.load_data()), steps.step4(values)
        for key in costs.ROOFLINE_OUTPUTS:
            assert float(point[key]) == pytest.approx(result[key], rel=1e-12), key


def test_step_4_gives_the_draws_median_and_90_percent_interval_beside_each_point_value(baseline):
    from analysis import uncertainty
    from analysis.formatting import format_value
    from analysis.steps import s04_mla_inference as s04

    inputs = Inputs.load()
    mc = uncertainty.MonteCarlo(
        inputs.register, BASELINE, inputs.model_data, n=BASELINE["monte_carlo_draws"], rng=BASELINE["random_seed"]
    )
    summary = mc.summarise(keys=tuple(s04.DRAWN), quantiles=(0.05, 0.5, 0.95))
    table = baseline.tables["roofline_draws"].frame.set_index("results_id")
    for key in s04.DRAWN:
        assert interval(baseline, key) == tuple(summary.loc[key, ["p05", "p50", "p95"]])
        assert table.loc[f"{key}_p50", "point"] == pytest.approx(baseline[key])  # the point value beside it
    # The ranges move the roofline: its intervals are wide, and the point sits off their median.
    assert interval(baseline)[0] < 14_800 * 1.1 < interval(baseline)[2]
    sentence = baseline.text["roofline_draws"]
    for key in ("cost_per_m_output_tokens_roofline_usd", "cost_per_m_output_tokens_roofline_gqa8_usd"):
        low, mid, high = (format_value(v, "USD") for v in interval(baseline, key))
        assert f"{mid} (90% interval {low} to {high})" in sentence
    share = baseline["roofline_below_measured_share_of_draws"]
    assert share == pytest.approx(mc.shares({"x": ("roofline_to_measured_ratio", lambda r: r < 1)})["x"])
    assert f"In {format_value(share, 'fraction')} of the draws the bound falls below" in sentence
    # Measured before modelled: DeepSeek's Day-6 cost leads "What this means"; the draws follow the bound.
    meaning = baseline.text["meaning"]
    assert meaning.index("measured first") < meaning.index(
        format_value(interval(baseline, "roofline_to_measured_ratio")[1], "ratio")
    )


@pytest.mark.parametrize(("name", "narrower"), sorted(NARROWER.items()))
def test_narrowing_a_range_with_p_low_high_moves_step_4s_interval(name, narrower):
    values = {**BASELINE, **QUICK}
    register = Inputs.load().register
    wide = steps.step4(values)
    narrowed = steps.step4(values, Inputs.load().with_ranges({name: narrower}))
    assert interval(narrowed) != interval(wide)
    low, high = (float(x) for x in narrower.split(".."))
    assert f"{register[name].label} {low:g} to {high:g}" in narrowed.text["roofline_draws"]
    assert f"{register[name].label} {register[name].low:g} to {register[name].high:g}" in wide.text["roofline_draws"]
    if name == "context_tokens":  # the widest driver: a narrower context range narrows the cost's interval
        key = "cost_per_m_output_tokens_roofline_usd"
        spread = lambda r: r[f"{key}_p95"] - r[f"{key}_p05"]  # noqa: E731
        assert spread(narrowed) < spread(wide) / 2


def test_a_held_parameter_is_not_drawn_and_holding_all_leaves_no_interval():
    register = Inputs.load().register
    held = steps.step4({**BASELINE, **QUICK, "serving_nodes": 24})
    sentence = held.text["roofline_draws"]
    label = register["serving_nodes"].label
    assert f"held at this run's values: {label}" in sentence
    assert f"{label} {register['serving_nodes'].low:g} to" not in sentence
    # A range given to a held parameter changes nothing: its value is this run's in every draw.
    ranged = steps.step4(
        {**BASELINE, **QUICK, "serving_nodes": 24}, Inputs.load().with_ranges({"serving_nodes": "16..20"})
    )
    assert interval(ranged) == interval(held)
    # Everything the roofline rests on held: no interval, and the sentences say so.
    fixed = {"serving_nodes": 24, "context_tokens": 6_000, "decode_batch_per_gpu": 100, "gpu_hour_price_usd": 2.5}
    result = steps.step4({**BASELINE, **QUICK, **fixed})
    for key in ("decode_tokens_per_s_node_roofline", "cost_per_m_output_tokens_roofline_usd"):
        assert interval(result, key) == (pytest.approx(result[key]),) * 3
    assert "no interval: this run holds every parameter that moves it" in result.text["roofline_draws"]
    assert "drawn: none" in result.text["roofline_draws"]
    assert "Over the Monte Carlo's ranges" not in result.text["meaning"]
