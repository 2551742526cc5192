"""analysis.pricing: the date logic, blends, cost per task, and DeepSeek's day of serving."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import data, pricing


@pytest.fixture(scope="module")
def prices():
    return data.load_api_prices()


def test_a_price_is_never_used_before_its_effective_date(prices):
    # Gemini 2.0 Flash became generally available on 5 Feb 2025: no paid price on SemiAnalysis's 31 Jan.
    assert "gemini-2.0-flash" not in pricing.prices_as_of(prices, "2025-01-31").index
    assert "gemini-2.0-flash" not in pricing.prices_as_of(prices, "2025-02-04").index
    assert pricing.prices_as_of(prices, "2025-02-05").loc["gemini-2.0-flash", "output_usd_per_m_tokens"] == 0.40
    # R1 launched on 20 Jan 2025.
    assert "deepseek-reasoner (R1)" not in pricing.prices_as_of(prices, "2025-01-19").index


def test_the_v3_promotion_ends_when_it_ended(prices):
    # Promotion until 2025-02-08 16:00 UTC; the standard $0.27 / $1.10 from 9 Feb.
    v3 = "deepseek-chat (V3)"
    assert pricing.prices_as_of(prices, "2025-02-08").loc[v3, "output_usd_per_m_tokens"] == 0.28
    assert pricing.prices_as_of(prices, "2025-02-09").loc[v3, "output_usd_per_m_tokens"] == 1.10
    # The off-peak discount exists only from 26 Feb 2025, and was cancelled from 5 Sep 2025.
    assert np.isnan(pricing.prices_as_of(prices, "2025-02-25").loc[v3, "offpeak_output_usd_per_m_tokens"])
    assert pricing.prices_as_of(prices, "2025-02-26").loc[v3, "offpeak_output_usd_per_m_tokens"] == 0.55
    assert np.isnan(pricing.prices_as_of(prices, "2025-09-05").loc[v3, "offpeak_output_usd_per_m_tokens"])


@given(day=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_every_price_in_force_started_on_or_before_the_date(prices, day):
    table = pricing.prices_as_of(prices, day)
    assert (table["effective_from"] <= day).all()
    for model, row in table.iterrows():  # and it is the latest such row
        later = prices[
            (prices["model"] == model)
            & (prices["effective_from"] <= day)
            & (prices["effective_from"] > row["effective_from"])
        ]
        assert later.empty


def test_price_ratios_on_28_feb_2025(prices):
    # List prices (sources openai-community-o1-pricing, deepseek-api-pricing, modelpedia-gemini-2-0-flash):
    # o1/R1 output 60 / 2.19 = 27.4x; input 15 / 0.55 = 27.3x; R1/Gemini 2.0 Flash output 2.19 / 0.40 = 5.5x.
    t = pricing.prices_as_of(prices, "2025-02-28")
    assert t.loc["o1", "output_usd_per_m_tokens"] / t.loc[
        "deepseek-reasoner (R1)", "output_usd_per_m_tokens"
    ] == pytest.approx(27.4, abs=0.05)
    assert t.loc["o1", "input_cache_miss_usd_per_m_tokens"] / t.loc[
        "deepseek-reasoner (R1)", "input_cache_miss_usd_per_m_tokens"
    ] == pytest.approx(27.3, abs=0.05)
    assert t.loc["deepseek-reasoner (R1)", "output_usd_per_m_tokens"] / t.loc[
        "gemini-2.0-flash", "output_usd_per_m_tokens"
    ] == pytest.approx(5.5, abs=0.05)
    assert t.loc["o3-mini", "output_usd_per_m_tokens"] / t.loc[
        "deepseek-reasoner (R1)", "output_usd_per_m_tokens"
    ] == pytest.approx(2.0, abs=0.01)


def test_blends(prices):
    t = pricing.prices_as_of(prices, "2025-02-28")
    b = pricing.blended_price_usd_per_m(t, input_output_ratio=3.0)
    assert b["deepseek-reasoner (R1)"] == pytest.approx((3 * 0.55 + 2.19) / 4)
    assert b["o1"] == pytest.approx((3 * 15 + 60) / 4)
    assert b["gemini-2.0-flash"] == pytest.approx((3 * 0.10 + 0.40) / 4)
    # All cache hits: R1 input at $0.14; all off-peak: R1 at $0.135 / $0.55 (hit $0.035).
    assert pricing.blended_price_usd_per_m(t, input_output_ratio=3.0, cache_hit_share=1.0)[
        "deepseek-reasoner (R1)"
    ] == pytest.approx((3 * 0.14 + 2.19) / 4)
    assert pricing.blended_price_usd_per_m(t, input_output_ratio=3.0, off_peak_share=1.0)[
        "deepseek-reasoner (R1)"
    ] == pytest.approx((3 * 0.135 + 0.55) / 4)
    # A model without off-peak prices is unaffected by off_peak_share;
    # one without a cache-hit price pays the miss price.
    assert pricing.blended_price_usd_per_m(t, input_output_ratio=3.0, off_peak_share=1.0)["o1"] == pytest.approx(
        b["o1"]
    )
    assert pricing.blended_price_usd_per_m(t, input_output_ratio=3.0, cache_hit_share=1.0)[
        "gemini-2.0-flash-lite"
    ] == pytest.approx(b["gemini-2.0-flash-lite"])
    assert pricing.blended_price_usd_per_m(t, input_output_ratio=0.0)["o1"] == 60.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(input_output_ratio=3.0, cache_hit_share=1.5), r"cache_hit_share must be in \[0, 1\]"),
        (dict(input_output_ratio=3.0, off_peak_share=-0.1), r"off_peak_share must be in \[0, 1\]"),
        (dict(input_output_ratio=-1.0), "input_output_ratio must be >= 0"),
    ],
)
def test_blend_rejects_bad_shares(prices, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pricing.blended_price_usd_per_m(pricing.prices_as_of(prices, "2025-02-28"), **kwargs)


def test_day6_numbers():
    # Day 6: 226.75 nodes x 8 x 24 h x $2 = $87,072; revenue at R1 prices $562,100 from rounded token counts
    # (reported $562,027); margin (562,027 - 87,072) / 87,072 = 5.455 (reported 545%).
    cost = pricing.serving_cost_usd(226.75, 8, 24, 2.0)
    assert cost == 87_072
    rev = pricing.token_revenue_usd(342e9, 266e9, 168e9, 0.14, 0.55, 2.19)
    assert rev["total_usd"] == pytest.approx(562_100)
    assert (rev["cache_hit_usd"], rev["cache_miss_usd"], rev["output_usd"]) == pytest.approx((47_880, 146_300, 367_920))
    assert pricing.cost_profit_margin(562_027, cost) == pytest.approx(5.455, abs=5e-4)
    with pytest.raises(ValueError, match="cost_usd must be > 0"):
        pricing.cost_profit_margin(1.0, 0.0)


def test_revenue_bridge_sums_and_limits():
    kw = dict(r1_usd=562_100.0, v3_usd=281_050.0, r1_offpeak_usd=140_525.0, v3_offpeak_usd=140_525.0)
    full = pricing.revenue_bridge(**kw, v3_token_share=0.0, off_peak_share=0.0, paid_share=1.0)
    assert full["usd"].iloc[-1] == 562_100.0 and (full["usd"].iloc[1:4] == 0).all()
    t = pricing.revenue_bridge(**kw, v3_token_share=0.5, off_peak_share=0.2, paid_share=0.5)
    assert t["usd"].iloc[:4].sum() == pytest.approx(t["usd"].iloc[-1])
    with pytest.raises(ValueError, match=r"paid_share must be in \[0, 1\]"):
        pricing.revenue_bridge(**kw, v3_token_share=0.5, off_peak_share=0.2, paid_share=2.0)


@given(v3=st.floats(0, 1), night=st.floats(0, 1), paid=st.floats(0, 1))
def test_caveats_never_raise_revenue(v3, night, paid):
    t = pricing.revenue_bridge(
        r1_usd=562_100.0,
        v3_usd=281_050.0,
        r1_offpeak_usd=140_525.0,
        v3_offpeak_usd=140_525.0,
        v3_token_share=v3,
        off_peak_share=night,
        paid_share=paid,
    )
    assert t["usd"].iloc[-1] <= t["usd"].iloc[0] + 1e-6
    assert (t["usd"].iloc[1:4] <= 1e-9).all()


def test_cost_per_task():
    # Epoch AI: R1 on GPQA Diamond, ~49k input and ~1.50M output tokens over 198 questions.
    assert pricing.cost_per_task_usd(49_000 / 198, 1.5e6 / 198, 0.55, 2.19) == pytest.approx(
        (49_000 * 0.55 + 1.5e6 * 2.19) / 198 / 1e6
    )


@pytest.mark.parametrize(
    "old, new, pattern",
    [
        (
            "OpenAI,o1,2024-12-17,7.50,15.00,60.00",
            "OpenAI,o1,2024-12-17,7.50,15.00,-60.00",
            r"column output_usd_per_m_tokens: must be >= 0, got -60.00$",
        ),
        (
            "OpenAI,o1,2024-12-17,",
            "OpenAI,o1,17/12/2024,",
            r"column effective_from: must be a date written YYYY-MM-DD, got '17/12/2024'$",
        ),
        (
            "OpenAI,o1,2024-12-17,7.50,",
            "OpenAI,o1,2024-12-17,75.0,",
            r"column input_cache_hit_usd_per_m_tokens: a cache hit cannot cost more than a miss \(15\)$",
        ),
        (
            "2025-02-26,0.14,0.55,2.19,0.035,0.135,0.55",
            "2025-02-26,0.14,0.55,2.19,0.035,,0.55",
            r"column offpeak_input_cache_hit_usd_per_m_tokens: give all three off-peak prices or none$",
        ),
        (
            "DeepSeek,deepseek-reasoner (R1),2025-09-05",
            "DeepSeek,deepseek-reasoner (R1),2025-02-26",
            r"column model: duplicate key deepseek-reasoner \(R1\)/2025-02-26",
        ),
    ],
)
def test_bad_price_rows_are_caught(data_copy, old, new, pattern):
    path = data_copy / "api_prices.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(data.DataError, match=r"^data/api_prices\.csv, row \d+ \(line \d+\), " + pattern):
        data.load_api_prices(data_copy)
