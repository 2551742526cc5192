"""Step 5 as a function: API prices on a date, R1 against o1, and DeepSeek's Day-6 day of serving.

Published values are pinned with the page they come from; a changed parameter must move what it
should and nothing it should not; sentences are checked against the run's own numbers; and the
claims ledger judges this step's own numbers (``analysis.steps.claim_results``).
"""

import numpy as np
import pytest

from analysis import params, plots, steps
from analysis.formatting import format_value

BASELINE = steps.run_values()
REGISTER = params.load_register()
#: The results the claims ledger reads from step 5 (analysis.steps.claim_results).
CLAIM_IDS = (
    "price_ratio_r1_to_gemini_2_flash_blended",
    "price_ratio_gemini_flash_thinking_to_r1_blended",
    "r1_o1_mean_abs_gap_points",
    "day6_margin",
    "day6_margin_after_caveats",
)


@pytest.fixture(scope="module")
def base():
    return steps.step5(BASELINE)


def scenario_values(name):
    return params.resolve_parameters(REGISTER, params.load_scenario(name, register=REGISTER).overrides)


# --------------------------------------------------------------------------- published values
def test_deepseeks_day6_arithmetic_is_reproduced(base):
    # DeepSeek, open-infra-index Day 6 (1 Mar 2025): 226.75 nodes x 8 H800 x 24 h x US$2 = US$87,072;
    # revenue at R1 prices US$562,027; "cost profit margin of 545%".
    assert base["day6_cost_usd"] == 226.75 * 8 * 24 * 2 == 87_072
    assert base["day6_margin"] == pytest.approx(562_027 / 87_072 - 1, rel=1e-12)
    assert round(base["day6_margin"], 2) == 5.45
    # Rebuilt from its rounded token counts (608B input of which 342B cache hits, 168B output) at R1's
    # list prices (US$0.14 hit, US$0.55 miss, US$2.19 output per million): US$562,100.
    assert base["day6_revenue_usd"] == pytest.approx(342e3 * 0.14 + 266e3 * 0.55 + 168e3 * 2.19)
    assert base["day6_margin_rebuilt"] == pytest.approx(562_100 / 87_072 - 1, rel=1e-9)
    # The serving fleet: 226.75 x 8 = 1,814 H800 of SemiAnalysis's 10,000.
    assert base["day6_share_of_claimed_h800"] == pytest.approx(0.1814)


def test_list_prices_on_the_day_of_deepseeks_statistics(base):
    # deepseek-api-pricing and openai-community-o1-pricing, in force on 28 Feb 2025: o1 US$15 in / US$60 out,
    # R1 US$0.55 / US$2.19; Gemini 2.0 Flash US$0.10 / US$0.40 (GA 5 Feb 2025).
    assert base["price_ratio_o1_to_r1_output"] == pytest.approx(60 / 2.19)
    assert round(base["price_ratio_o1_to_r1_output"], 1) == 27.4
    assert base["price_ratio_o1_to_r1_input"] == pytest.approx(15 / 0.55)
    assert base["blended_price_r1_usd_per_m"] == pytest.approx((3 * 0.55 + 2.19) / 4)
    assert base["blended_price_o1_usd_per_m"] == pytest.approx((3 * 15 + 60) / 4)
    assert base["blended_price_gemini_2_flash_usd_per_m"] == pytest.approx((3 * 0.10 + 0.40) / 4)
    assert base["price_ratio_r1_to_gemini_2_flash_blended"] == pytest.approx(0.96 / 0.175)
    assert base["price_ratio_gemini_flash_thinking_to_r1_blended"] == 0  # experimental, free
    # Epoch AI's R1 on a GPQA Diamond question: 247 tokens in, 7,576 out.
    assert base["cost_per_task_r1_usd"] == pytest.approx((247 * 0.55 + 7576 * 2.19) / 1e6)
    # DeepSeek's V3.2-Exp output price (US$0.42) over R1's launch price (US$2.19).
    assert base["deepseek_output_price_cut_to_v3_2"] == pytest.approx(0.42 / 2.19)


def test_r1_against_o1_on_the_r1_papers_table_4(base):
    # R1 paper, Table 4: R1 - o1-1217 on the seven percent-scale rows: AIME +0.6, MATH-500 +0.9, GPQA -4.2,
    # Codeforces percentile -0.3, MMLU -1.0, LiveCodeBench +2.5, SWE-bench +0.3.
    gaps = [0.6, 0.9, 4.2, 0.3, 1.0, 2.5, 0.3]
    assert base["r1_o1_mean_abs_gap_points"] == pytest.approx(np.mean(gaps))
    assert base["r1_o1_benchmarks_within_5_points"] == 7
    assert base["r1_minus_o1_quality_benchmark"] == pytest.approx(71.5 - 75.7)
    assert base.numbers["r1_minus_o1_quality_benchmark"].unit == "percentage points"


# --------------------------------------------------------------------------- the claims ledger
@pytest.mark.parametrize("scenario", ["baseline", "high", "low", "deepseek-claimed", "epoch-method"])
def test_the_step_gives_the_claims_ledger_the_same_results(scenario):
    values = scenario_values(scenario)
    result, ledger = steps.step5(values), steps.claim_results(values)
    for number_id in CLAIM_IDS:
        assert result[number_id] == pytest.approx(ledger[number_id]["value"], rel=1e-12), number_id
        assert result.numbers[number_id].unit == ledger[number_id]["unit"], number_id


def test_the_same_results_at_a_random_point_of_the_register():
    rng = np.random.default_rng(5)
    values = dict(BASELINE)
    for name in ("gpu_hour_price_usd", "day6_v3_token_share", "day6_off_peak_token_share", "day6_paid_token_share"):
        p = REGISTER[name]
        values[name] = float(rng.uniform(p.low, p.high))
    values.update(input_output_ratio=float(rng.uniform(1, 5)), cache_hit_share=0.4, off_peak_share=0.3)
    result, ledger = steps.step5(values), steps.claim_results(values)
    for number_id in CLAIM_IDS:
        assert result[number_id] == pytest.approx(ledger[number_id]["value"], rel=1e-12), number_id


def test_a_model_not_priced_on_the_date_gives_no_number():
    jan31 = steps.step5({**BASELINE, "as_of_date": "2025-01-31"})
    ledger = steps.claim_results({**BASELINE, "as_of_date": "2025-01-31"})
    for number_id in ("price_ratio_r1_to_gemini_2_flash_blended", "blended_price_gemini_2_flash_usd_per_m"):
        assert number_id not in jan31.numbers  # Gemini 2.0 Flash had no paid price before 5 Feb 2025
        assert number_id not in ledger
    assert jan31["price_ratio_o1_to_r1_output"] == pytest.approx(60 / 2.19)
    assert "Gemini" not in jan31.figures["fig05_price_comparison"].title


# --------------------------------------------------------------------------- parameters move what they should
def test_the_price_of_a_gpu_hour_moves_the_days_cost_but_not_deepseeks_own_figure(base):
    r = steps.step5({**BASELINE, "gpu_hour_price_usd": 3.42})
    assert r["day6_cost_usd"] == pytest.approx(1814 * 24 * 3.42)
    assert r["day6_margin"] == pytest.approx(562_027 / (1814 * 24 * 3.42) - 1)
    assert r["day6_revenue_usd"] == base["day6_revenue_usd"]
    assert r["price_ratio_o1_to_r1_output"] == base["price_ratio_o1_to_r1_output"]
    # A claim about DeepSeek's arithmetic is stated at its US$2; the run's margin is labelled as the run's.
    deepseeks, runs = (format_value(s["day6_margin"], "fraction") for s in (base, r))
    assert f"{deepseeks} at US$2 per GPU-hour ({runs} at this run's US$3.42)" in r.answer
    assert "reproduces DeepSeek's US$87,072 exactly" in r.text["day6"]
    assert (
        f"At this run's US$3.42 per GPU-hour the day costs {format_value(r['day6_cost_usd'], 'USD')}" in r.text["day6"]
    )
    assert "this run's" not in base.answer and f"{deepseeks} at US$2 per GPU-hour" in base.answer


def test_the_caveat_shares_move_only_what_is_after_the_caveats(base):
    r = steps.step5({**BASELINE, "day6_paid_token_share": 0.8})
    assert r["day6_revenue_after_caveats_usd"] == pytest.approx(base["day6_revenue_after_caveats_usd"] * 0.8 / 0.5)
    assert r["day6_breakeven_paid_share"] == base["day6_breakeven_paid_share"]
    assert r["day6_margin"] == base["day6_margin"]


def test_the_quality_benchmark_moves_its_gap_and_the_chart():
    r = steps.step5({**BASELINE, "quality_benchmark": "codeforces_rating"})
    assert r["r1_minus_o1_quality_benchmark"] == 2029 - 2061  # R1 paper, Table 4: Codeforces rating
    assert r.numbers["r1_minus_o1_quality_benchmark"].unit == "Elo rating points"
    spec = r.figures["fig05_price_vs_quality"]
    assert set(spec.data["benchmark"]) == {"Codeforces (rating)"}
    assert spec.title.startswith("R1 scores 32.0 Elo rating below o1 on Codeforces (rating)")


def test_cache_hits_and_night_tokens_cheapen_r1_but_not_o1(base):
    r = steps.step5({**BASELINE, "cache_hit_share": 0.5, "off_peak_share": 0.5})
    assert r["blended_price_r1_usd_per_m"] < base["blended_price_r1_usd_per_m"]
    assert r["blended_price_o1_usd_per_m"] < base["blended_price_o1_usd_per_m"]  # o1 has a cache-hit price
    assert r["price_ratio_o1_to_r1_output"] == base["price_ratio_o1_to_r1_output"]  # list prices, not blends
    night_only = steps.step5({**BASELINE, "off_peak_share": 0.5})
    assert night_only["blended_price_o1_usd_per_m"] == base["blended_price_o1_usd_per_m"]  # no night price


# --------------------------------------------------------------------------- sentences agree with the numbers
@pytest.mark.parametrize("scenario", ["baseline", "high", "low"])
def test_the_zero_margin_sentence_agrees_with_the_run_and_the_ledgers_threshold(scenario):
    values = scenario_values(scenario)
    r = steps.step5(values)
    paid, owned = r["day6_margin_paid_tokens"], r["day6_margin_paid_tokens_owned"]
    above = [m > 0.25 for m in (paid, owned)]  # data/claims.csv, sa-0-margins: "0 margins" is at most 25%
    words = {
        (True, True): "both above the 25% the claims ledger counts as SemiAnalysis's zero margins",
        (False, False): "both at or below the 25%",
        (True, False): "above the 25% the claims ledger counts as SemiAnalysis's zero margins only at the rent",
        (False, True): "above the 25% the claims ledger counts as SemiAnalysis's zero margins only at the owned hour",
    }[tuple(above)]
    assert words in r.answer and words in r.text["meaning_margin"]
    assert f"margin of {format_value(paid, 'fraction')} at the rent" in r.answer
    assert f"{format_value(owned, 'fraction')} at the owned hour" in r.answer


def test_zero_margins_is_judged_on_paid_tokens_and_free_tokens_make_a_separate_business_margin():
    """Issue 20: "priced at 0 margins" is price against cost, so it is judged on the tokens DeepSeek charged
    for; the margin after free web and app tokens is a business margin, reported beside it."""
    r = steps.step5(scenario_values("high"))
    assert r["day6_margin_after_caveats"] == pytest.approx(0.226, abs=0.001)  # the business margin, high run
    assert r["day6_margin_paid_tokens"] > 0.25 and r["day6_margin_paid_tokens_owned"] > 0.25
    assert "both above the 25%" in r.answer
    business = format_value(r["day6_margin_after_caveats"], "fraction")
    assert f"the day's business margin is {business} at the rent" in r.answer
    assert "not of whether the prices had zero margins" in r.answer
    # The paid tokens' revenue over the whole day's cost: the share of paid tokens drops out of it.
    fewer_paid = steps.step5({**BASELINE, "day6_paid_token_share": 0.2})
    base = steps.step5(BASELINE)
    assert fewer_paid["day6_margin_paid_tokens"] == base["day6_margin_paid_tokens"]
    assert fewer_paid["day6_margin_after_caveats"] < base["day6_margin_after_caveats"]


def test_the_margins_on_paid_tokens_by_hand(base):
    # Revenue after V3 pricing and night discounts (as if every token were paid) over the day's GPU cost.
    after_night = base["day6_revenue_after_caveats_usd"] / BASELINE["day6_paid_token_share"]
    assert base["day6_margin_paid_tokens"] == pytest.approx(after_night / base["day6_cost_usd"] - 1)
    assert base["day6_margin_paid_tokens_owned"] == pytest.approx(after_night / base["day6_cost_owned_usd"] - 1)
    owned_after = base["day6_revenue_after_caveats_usd"] / base["day6_cost_owned_usd"] - 1
    assert base["day6_margin_after_caveats_owned"] == pytest.approx(owned_after)


def test_a_loss_is_called_a_loss_and_an_impossible_break_even_is_not_given_as_a_share():
    dear = steps.step5({**BASELINE, "gpu_hour_price_usd": 20.0})
    assert dear["day6_margin_paid_tokens"] < 0 < dear["day6_margin_paid_tokens_owned"]
    assert "only at the owned hour" in dear.answer
    assert dear["day6_breakeven_paid_share"] > 1 and "no share of paid tokens breaks even" in dear.answer
    idle = steps.step5({**BASELINE, "gpu_hour_price_usd": 20.0, "utilisation": 0.05})
    assert max(idle["day6_margin_paid_tokens"], idle["day6_margin_paid_tokens_owned"]) < 0
    assert "a loss, both at or below the 25%" in idle.answer
    r = steps.step5({**BASELINE, "gpu_hour_price_usd": 3.42, "day6_v3_token_share": 0.8, "day6_paid_token_share": 0.2})
    assert r["day6_margin_after_caveats"] < 0
    # The day's cost over the revenue after V3 pricing and night discounts.
    assert 0 < r["day6_breakeven_paid_share"] < 1 and "break-even at the rent if" in r.answer


# --------------------------------------------------------------------------- three roles of the GPU-hour
STATED = ("day6_cost_at_deepseek_price_usd", "day6_margin_at_deepseek_price")


def test_deepseeks_stated_us2_results_move_with_no_parameter():
    """DeepSeek's US$2 is a published figure (data/published_figures.csv), not the market rent."""
    moved = steps.number_drivers(steps.step5, BASELINE)
    for number_id in STATED:
        assert moved[number_id] == set(), number_id
        assert steps.step5(BASELINE).numbers[number_id].depends_on == ()
    assert steps.number_drivers(steps.step3, BASELINE)["v3_training_cost_at_deepseek_price_usd"] == set()
    dear = steps.step5({**BASELINE, "gpu_hour_price_usd": 3.42, "hosting_usd_per_kw_month": 40.0})
    assert dear["day6_cost_at_deepseek_price_usd"] == 87_072
    assert round(dear["day6_margin_at_deepseek_price"], 2) == 5.45
    assert steps.step3(dear_values := {**BASELINE, "gpu_hour_price_usd": 1.3})[
        "v3_training_cost_at_deepseek_price_usd"
    ] == pytest.approx(5_576_000)
    assert steps.step3(dear_values)["v3_training_cost_usd"] == pytest.approx(2_788_000 * 1.3)


def test_the_margins_at_the_owned_hour_move_with_its_drivers_not_with_the_rent():
    owned_drivers = {"hosting_usd_per_kw_month", "utilisation", "useful_life_years", "electricity_price_usd_per_kwh"}
    moved = steps.number_drivers(steps.step5, BASELINE, only=(*owned_drivers, "gpu_hour_price_usd"))
    base = steps.step5(BASELINE)
    for number_id in ("day6_margin_paid_tokens_owned", "day6_margin_after_caveats_owned", "day6_margin_owned"):
        assert owned_drivers <= moved[number_id] <= set(base.numbers[number_id].depends_on), number_id
        assert "gpu_hour_price_usd" not in base.numbers[number_id].depends_on
    for number_id in ("day6_margin_paid_tokens", "day6_margin_after_caveats"):
        assert moved[number_id] == {"gpu_hour_price_usd"}, number_id
    cheaper = steps.step5({**BASELINE, "hosting_usd_per_kw_month": 40.0})
    assert cheaper["day6_margin_paid_tokens_owned"] > base["day6_margin_paid_tokens_owned"]
    assert cheaper["day6_margin_paid_tokens"] == base["day6_margin_paid_tokens"]


@pytest.mark.parametrize(
    "name", ["gpu_hour_price_usd", "serving_nodes", "decode_batch_per_gpu", "hosting_usd_per_kw_month"]
)
def test_the_serving_parameters_baselines_sit_inside_their_ranges(name):
    p = REGISTER[name]
    assert p.low < p.baseline < p.high, name


def test_the_decode_layout_is_day_6s():
    # Day 6: decode units of 18 nodes (EP144); ~14.8k output tokens/s per node of 8 H800 at 20-22 tokens/s
    # per sequence (midpoint 21) is 88 sequences per GPU.
    assert REGISTER["serving_nodes"].baseline == 18
    assert REGISTER["decode_batch_per_gpu"].baseline == round(14_800 / 8 / 21)


def test_the_fleet_sentence_names_this_runs_h800s_as_the_runs(base):
    assert "18% of the 10,000 H800s SemiAnalysis counts" in base.text["fleet"]
    r = steps.step5({**BASELINE, "h800_gpus": 12_500})
    assert r["day6_share_of_claimed_h800"] == pytest.approx(1814 / 12_500)
    assert "this run's 12,500 H800s (SemiAnalysis counts 10,000)" in r.text["fleet"]


def test_owned_and_rented_hours_are_called_close_only_when_they_are():
    for values in (BASELINE, {**BASELINE, "hosting_usd_per_kw_month": 150.0}, scenario_values("low")):
        r = steps.step5(values)
        owned = r["day6_cost_owned_usd"] / (1814 * 24)
        close = abs(owned / values["gpu_hour_price_usd"] - 1) <= 0.1
        assert ("within 10% of each other" in r.text["day6"]) == close
        assert ("moves the margin from" in r.text["day6"]) == (not close)
    # US$150 per kW-month makes the owned hour about US$1.94, within 10% of US$2.
    assert "within 10% of each other" in steps.step5({**BASELINE, "hosting_usd_per_kw_month": 150.0}).text["day6"]


# --------------------------------------------------------------------------- the figures
def test_the_bridge_is_composed_once_and_sums_to_the_cost_models_revenue(base):
    spec = base.figures["fig05_margin_bridge"]
    rows = spec.data.set_index("item")
    changes = rows[rows["drawn_as"] == "orange bar (change)"]["usd_per_day"].sum()
    theoretical = rows.loc["theoretical revenue (all tokens at R1 prices)", "usd_per_day"]
    remaining = rows.loc["remaining revenue", "usd_per_day"]
    assert theoretical == base["day6_revenue_usd"]
    assert theoretical + changes == pytest.approx(remaining)
    assert remaining == pytest.approx(base["day6_revenue_after_caveats_usd"])  # pricing.revenue_bridge = costs
    assert rows.loc["GPU cost at US$2 per GPU-hour", "usd_per_day"] == base["day6_cost_usd"]
    assert rows.loc["GPU cost at the owned H800-hour", "usd_per_day"] == base["day6_cost_owned_usd"]


def test_the_bridge_is_drawn_by_the_names_of_its_rows_not_their_order(base):
    """Review §3: the waterfall took the first rows of the bridge by position (iloc[:3])."""
    import dataclasses

    spec = base.figures["fig05_margin_bridge"]
    shuffled = dataclasses.replace(spec, data=spec.data.iloc[::-1].reset_index(drop=True))

    def bar_heights(figure_spec):
        fig, _ = plots.draw(dataclasses.replace(base, figures={spec.id: figure_spec}), spec.id)
        heights = [round(p.get_height(), 6) for p in fig.axes[0].patches]
        lines = sorted(round(line.get_ydata()[0], 6) for line in fig.axes[0].get_lines())
        plots._figures.plt.close(fig)
        return heights, lines

    assert bar_heights(shuffled) == bar_heights(spec)


def test_free_models_are_named_not_plotted(base):
    spec = base.figures["fig05_price_comparison"]
    free = spec.data.loc[~spec.data["plotted"], "model"].tolist()
    assert free == ["gemini-2.0-flash-thinking-exp"]
    assert "Free on that date, so not plotted (no price on a log axis): gemini-2.0-flash-thinking-exp." in spec.caption
