"""The precision rule of :mod:`analysis.formatting`: three significant figures on pages, a published figure's own
precision when a number reproduces it, whole numbers and identifiers in full."""

from __future__ import annotations

import math
import re

import pytest

from analysis import formatting
from analysis.formatting import PAGE_DIGITS, format_value


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (98_772_444.9, "USD", "US$98.8M"),
        (2_189_069_902.9, "USD", "US$2.19B"),
        (294_672.0, "USD", "US$295K"),
        (999_600.0, "USD", "US$1M"),  # rounds up into the next suffix, not "US$1,000K"
        (0.3003, "USD per million output tokens", "US$0.3 per million output tokens"),
        (1.0967, "fraction", "110%"),
        (0.0053, "fraction", "0.53%"),
        (0.933_4, "fraction", "93.3%"),
        (4.386, "ratio", "4.39×"),
        (87_072.4, "tokens", "87,100 tokens"),
        (3.2856e24, "FLOP", "3.29 × 10²⁴ FLOP"),
        (-140_800.0, "USD", "−US$141K"),
    ],
)
def test_pages_show_three_significant_figures(value, unit, text):
    assert format_value(value, unit) == text


def test_every_computed_number_has_at_most_three_significant_figures():
    for value in (math.pi * 10**k for k in range(-2, 12)):  # never a whole number
        for unit in ("USD", "fraction", "ratio", ""):
            digits = re.sub(r"[^0-9]", "", format_value(value, unit)).lstrip("0")
            assert len(digits.rstrip("0")) <= PAGE_DIGITS, (value, unit, format_value(value, unit))


@pytest.mark.parametrize(
    "value, unit, published, text",
    [
        (5_576_000.0, "USD", 5_576_000.0, "US$5.576M"),  # DeepSeek's Table 1: four figures, kept
        (5.4547, "fraction", 5.45, "545%"),  # "545%", three figures
        (0.9334, "fraction", 0.933, "93.3%"),
        (9_535_000.0, "USD", 5_576_000.0, "US$9.54M"),  # another run's price: not the published figure
        (5_580_000.0, "USD", 5_576_000.0, "US$5.58M"),  # equal at three figures, not at the published four
        (5_576_000.0, "USD", 6_000_000.0, "US$5.58M"),  # a rounder published figure never lowers precision
    ],
)
def test_a_number_reproducing_a_published_figure_keeps_its_precision(value, unit, published, text):
    assert format_value(value, unit, published=published) == text


def test_whole_numbers_and_identifiers_are_written_in_full():
    assert format_value(2_788_000.0, "GPU-hours") == "2,788,000 GPU-hours"
    assert format_value(10_000, "GPUs") == "10,000 GPUs"
    assert format_value(20_250_131, "seed") == "20250131"


def test_inputs_as_given_and_the_verdicts_two_figures():
    assert format_value(7.1358, "", digits=None) == "7.1358"
    assert format_value(0.035, "", digits=None) == "0.035"
    assert format_value(319_000.5, "", digits=None) == "319,000.5"
    assert format_value(98_772_444.9, "USD", digits=formatting.VERDICT_DIGITS) == "US$99M"
    assert format_value(509_546_340.0, "USD", digits=formatting.VERDICT_DIGITS) == "US$510M"


def test_significant_digits_of_published_figures():
    assert [formatting.significant_digits(v) for v in (5_576_000, 545.0, 0.933, 1.6e9, 2.0)] == [4, 3, 3, 2, 1]
