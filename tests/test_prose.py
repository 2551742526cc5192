"""No fixed sentence of steps 1 to 5 can go false (issue 19, part 2).

Two checks, on the step functions (not papermill):

* the sentences the steps write from a run's values (``result.text``, ``result.answer``) agree with that run's
  own numbers, at the baseline, the committed scenarios ``high``, ``low`` and ``deepseek-claimed`` and a
  random point of the register: a percentage a sentence quotes is the number formatted, and a "below",
  "above" or "the same as" it states is :func:`analysis.wording.relation` of the two numbers;
* no markdown cell of notebooks 01 to 05 names a number that a run could change: every number in their prose is
  either a published constant (a number of a ``data/*.csv`` file or a claim quoted in the cell) or on a short
  allow-list of fixed properties of the method, each with its reason.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis import params, paths, steps, wording
from analysis.formatting import format_value
from conftest import random_register_point

REGISTER = params.load_register()
BASELINES = {name: p.baseline for name, p in REGISTER.items()}
COUNTS = ("hopper_gpus", "h800_gpus", "h100_gpus", "a100_gpus")
SA_OPEX_USD = 944e6
SA_CAPEX_USD = 1.6e9
DEEPSEEK_PRICE_USD = 2.0
ZERO_MARGINS = 0.25


def random_point(seed=192):
    return random_register_point(REGISTER, seed)


def run_values(scenario=None, overrides=None):
    given = dict(params.load_scenario(scenario, register=REGISTER).overrides) if scenario else {}
    return params.resolve_parameters(REGISTER, {**given, **(overrides or {})})


RUNS = {
    "baseline": lambda: run_values(),
    "high": lambda: run_values("high"),
    "low": lambda: run_values("low"),
    "deepseek-claimed": lambda: run_values("deepseek-claimed"),
    "random point": lambda: run_values(overrides=random_point()),
}


@pytest.fixture(scope="module", params=list(RUNS))
def run(request):
    """Steps 1 to 5 of one run: step number -> StepResult, and the run's values under ``"values"``."""
    values = RUNS[request.param]()
    return {"values": values, **{k: steps.STEPS[k](values) for k in range(1, 6)}}


def at_baseline_counts(values):
    return all(values[n] == BASELINES[n] for n in COUNTS)


def direction(text: str) -> str:
    """The relation a gap phrase states: "below", "above" or "equal" ("within", "the same as")."""
    if re.search(r"\bwithin \d+% of\b|the same as|\bequal to\b", text):
        return "equal"
    found = re.search(r"\d%? (below|above)\b", text)
    assert found, f"no relation stated in {text!r}"
    return found.group(1)


# --------------------------------------------------------------------------- step 1
def test_step1_capex_and_capacity_sentences_agree_with_the_run(run):
    s1 = run[1]
    capex = s1["fleet_capex_usd"]
    meaning = s1.text["meaning"]
    dollars, capacity, _h20 = meaning.split("\n")
    assert wording.about(capex, "USD") in dollars
    assert direction(dollars) == wording.relation(capex, SA_CAPEX_USD, 0.02)
    if wording.relation(capex, SA_CAPEX_USD, 0.02) != "equal":
        assert wording.percent(abs(capex / SA_CAPEX_USD - 1)) in dollars
    assert wording.percent(s1["v3_cluster_share_of_fleet_pflops"]) in capacity
    whose = "SemiAnalysis's counts" if at_baseline_counts(run["values"]) else "this run's counts"
    assert whose in dollars and whose in s1.text["reconstruction"]
    assert (whose == "this run's counts") == ("this run's counts" in s1.tables["reconstruction"].caption)


def test_step1_h20_sentence_agrees_with_the_run(run):
    """Whether the H20s exist: their count, share and CapEx, and the fleet without them, are this run's."""
    s1 = run[1]
    h20 = s1.text["meaning"].split("\n")[2]
    assert h20.startswith("- **Whether the H20s exist.**")
    without = format_value(s1["fleet_capex_without_h20_usd"], "USD")
    assert without in h20
    assert s1["fleet_capex_without_h20_usd"] == pytest.approx(s1["fleet_capex_usd"] - s1["fleet_capex_h20_usd"])
    if s1["fleet_h20_gpus"] == 0:
        assert "has no H20s" in h20 and s1["fleet_capex_h20_usd"] == 0
    else:
        assert (
            f"has {s1['fleet_h20_gpus']:,} H20s, {wording.percent(s1['fleet_capex_h20_share'])} of its server CapEx"
            in h20
        )
        assert f"({format_value(s1['fleet_capex_h20_usd'], 'USD')})" in h20
        assert s1["fleet_capex_h20_share"] == pytest.approx(s1["fleet_capex_h20_usd"] / s1["fleet_capex_usd"])
    fleet = "SemiAnalysis describes" if at_baseline_counts(run["values"]) else "This run"
    assert fleet in h20


def test_step1_closest_pricing_sentence_agrees_with_the_table(run):
    s1 = run[1]
    frame = s1.tables["reconstruction"].frame
    parts = s1.text["reconstruction"].split("; for ")
    for part, key in zip(parts, ("all", "without_h100", "hopper_only"), strict=True):
        reading = frame["reading"].unique()[["all", "without_h100", "hopper_only"].index(key)]
        rows = frame[frame["reading"] == reading]
        best = rows.iloc[int(np.argmin(rows["gap"].abs().to_numpy()))]
        assert reading in part and best["pricing"] in part
        assert format_value(best["rebuilt_usd"], "USD") in part
        assert best["gap"] == pytest.approx(s1[f"capex_gap_{key}_best"])
        assert direction(part) == wording.relation(best["rebuilt_usd"], best["published_usd"], 0.02)


# --------------------------------------------------------------------------- step 2
def test_step2_semianalysis_opex_sentence_agrees_with_the_run(run):
    s2 = run[2]
    sentence = s2.text["semianalysis_opex"]
    assert f"**{wording.percent(s2['electricity_share_of_sa_opex'])}** of US$944M" in sentence
    assert f"**{wording.percent(s2['opex_share_of_sa_opex'])}** of it" in sentence
    where = wording.relation(s2["opex_4y_usd"], SA_OPEX_USD, 0.05)
    assert ("fall short" in sentence) == (where == "below")
    assert ("exceed" in sentence) == (where == "above")
    assert ("cannot explain it" in sentence) == (
        wording.relation(s2["electricity_share_of_sa_opex"], 1, 0.05) == "below"
    )


def test_step2_meaning_agrees_with_the_run(run):
    s2, values = run[2], run["values"]
    capital, electricity, hour = s2.text["meaning"].split("\n")
    assert wording.about(s2["tco_per_year_usd"], "USD") in capital
    assert f"{wording.percent(s2['capital_4y_usd'] / s2['tco_4y_usd'])} of it capital" in capital
    assert f"**Electricity is {wording.percent(s2['annual_electricity_usd'] / s2['tco_per_year_usd'])}" in electricity
    owned = s2["owned_cost_per_h800_hour_usd"]
    where = wording.relation(owned, DEEPSEEK_PRICE_USD, 0.10)
    assert format_value(owned, "USD") in hour
    assert direction(hour) == where
    assert ("not unreasonable" in hour) == (where == "equal")
    answer = s2.answer
    assert ("mostly capital" in answer) == (s2["capital_4y_usd"] > s2["tco_4y_usd"] / 2)
    assert ("rental price DeepSeek used" in answer) == (values["gpu_hour_price_usd"] == DEEPSEEK_PRICE_USD)


def test_step2_written_off_sentence_quotes_each_types_share(run):
    s2 = run[2]
    frame = s2.tables["written_off"].frame
    sentence = s2.text["written_off"]
    for gpu_type, row in frame.iterrows():
        shown = f"{wording.percent(row['written_off_by_window_start'])} of the {gpu_type}s'"
        assert (shown in sentence) == (row["gpus"] > 0), (gpu_type, sentence)


# --------------------------------------------------------------------------- step 3
def test_step3_fleet_share_sentence_agrees_with_the_run(run):
    s3, values = run[3], run["values"]
    sentence = s3.text["fleet_share"]
    assert f"used {wording.percent(s3['v3_training_share_of_fleet_year'])} of one year" in sentence
    assert (
        f"{wording.percent(s3['v3_training_share_of_h800_year'])} of one year of its {values['h800_gpus']:,} H800s"
        in (sentence)
    )
    assert ("SemiAnalysis describes" in sentence) == at_baseline_counts(values)
    assert f"used {s3['v3_training_share_of_fleet_year']:.1%} of a year" in s3.answer


# --------------------------------------------------------------------------- step 4
def test_step4_meaning_agrees_with_the_run(run):
    s4, values = run[4], run["values"]
    measured, roofline = s4.text["meaning"].split("\n")
    for number_id in (
        "cost_per_m_output_tokens_measured_usd",
        "cost_per_m_output_tokens_day6_usd",
        "cost_per_m_output_tokens_sglang_usd",
        "cost_per_m_output_tokens_owned_usd",
    ):
        assert f"US${s4[number_id]:.2f}" in measured, number_id
    assert f"US${values['gpu_hour_price_usd']:g} per GPU-hour" in measured
    assert ("DeepSeek's US$" in measured) == (values["gpu_hour_price_usd"] == DEEPSEEK_PRICE_USD)
    gap = s4["roofline_to_measured_ratio"]
    where = wording.relation(gap, 1.0, 0.10)
    assert ("upper bound on throughput" in roofline) == (where == "above")
    assert ("below what DeepSeek measured" in roofline) == (where == "below")
    assert (f"{gap:.1f} times" if where == "above" else f"{gap:.2f} times") in roofline


# --------------------------------------------------------------------------- step 5
def test_step5_margin_sentences_agree_with_the_run(run):
    s5, values = run[5], run["values"]
    paid = [s5["day6_margin_paid_tokens"], s5["day6_margin_paid_tokens_owned"]]  # "0 margins": price against cost
    for text in (s5.text["meaning_margin"], s5.answer):
        assert all(format_value(m, "fraction") in text for m in paid)
        assert format_value(s5["day6_margin_after_caveats"], "fraction") in text  # the business margin, apart
        assert ("both at or below the 25%" in text) == all(m <= ZERO_MARGINS for m in paid)
        assert ("both above the 25%" in text) == all(m > ZERO_MARGINS for m in paid)
    sentence = s5.text["meaning_margin"]
    assert f"At US${values['gpu_hour_price_usd']:g} per GPU-hour" in sentence
    assert f"was {wording.percent(s5['day6_cost_usd'] / s5['day6_revenue_usd'])} of the theoretical" in sentence
    assert f"and {wording.percent(s5['day6_cost_owned_usd'] / s5['day6_revenue_usd'])} at step 2's owned" in sentence


def test_the_runs_differ_where_the_sentences_must_move():
    """The runs above are not all alike: the checks see each branch of a wording at least once."""
    seen = {name: (steps.step2(make()), steps.step5(make())) for name, make in RUNS.items()}
    opex = {wording.relation(s2["opex_4y_usd"], SA_OPEX_USD, 0.05) for s2, _ in seen.values()}
    hour = {wording.relation(s2["owned_cost_per_h800_hour_usd"], 2.0, 0.10) for s2, _ in seen.values()}
    # (The zero-margin wording's branches, a loss and a margin above 25% at one price only, are in test_step5.)
    margin = {s5["day6_margin_after_caveats"] <= ZERO_MARGINS for _, s5 in seen.values()}
    assert opex >= {"below", "above"} and hour == {"below", "equal", "above"} and margin == {True, False}


# --------------------------------------------------------------------------- numbers in the notebooks' prose
#: Numbers the prose of each notebook may name that are in no data file: fixed by the method or the published
#: arithmetic (no parameter moves them). Token as written -> reason.
ALLOWED = {
    "01_gpu_inventory": {
        "60,000": "SemiAnalysis's chart total (50,000 Hopper + 10,000 A100), as Glenn read it",
        "30,000": "SemiAnalysis's 50,000 - 10,000 - 10,000 H20s, published arithmetic",
        "0.3B": "SemiAnalysis's US$1.6B - US$1.3B, published arithmetic",
        "30K": "US$0.3B over SemiAnalysis's 10,000 H100s, published arithmetic",
        "25-30K": "Raymond James's GPU price range (data/gpus.csv price low to high)",
        "33.75K": "a DGX H100's US$270,000 over its 8 GPUs (data/server_prices.csv)",
        "1.2M": "the 8-GPU H20 server price in yuan (data/server_prices.csv, ¥1.2M)",
        "1B": "Fire-Flyer 2's ¥1B budget (data/server_prices.csv)",
        "900": "NVLink GB/s of the H100 (data/gpus.csv)",
        "1,814": "Day 6's average 226.75 nodes x 8 H800, published arithmetic",
        "2,224": "Day 6's peak 278 nodes x 8 H800, published arithmetic",
        "400": "NVLink GB/s of the H800 (data/gpus.csv)",
    },
    "02_capex_amortisation": {
        "236M": "SemiAnalysis's US$944M over its 4-year period, published arithmetic",
        "640M": "Glenn's per-year reading, quoted",
        "60,000": "SemiAnalysis's chart total, quoted by Glenn",
        "4": "SemiAnalysis's 4-year ownership period (the window, a fixed property of the method)",
    },
    "03_pretraining_estimate": {
        "95.6%": "Table 1's pre-training GPU-hours over its total (data/training_runs.csv), no parameter moves it",
        "0.29M": "R1's RL GPU-hours at DeepSeek's own US$2, published arithmetic",
        "5.87M": "V3 plus R1's RL at DeepSeek's own US$2 (The Register's figure)",
        "8,766": "hours in an average year (365.25 x 24), a fixed property of the method",
        "15%": "H20 dense BF16 peak over the H800's (data/gpus.csv)",
        "32%": "A100 dense BF16 peak over the H800's (data/gpus.csv)",
        "3.7": "the V3 report's days per trillion tokens, quoted",
        "6": "the 6ND rule (Kaplan et al.)",
    },
    "04_mla_inference": {
        "82.2%": "V2 against 67B by elements (V2 Table 1 arithmetic at the fixed V2 cache bits)",
        "98.2%": "V2 against MHA at V2's size (V2 Table 1 arithmetic)",
        "3,600": "seconds in an hour",
        "580-660": "FlashMLA's published BF16 TFLOPS on H800, quoted",
        "67B": "the name of the model DeepSeek 67B",
        "10⁶": "a million tokens",
        "8": "GPUs in an H800 node (data/published_figures.csv)",
    },
    "05_competitive_pricing": {},
}
#: Numbers any notebook may name: small counts and ordinals that are words of the text, not results.
ALLOWED_EVERYWHERE = {str(n) for n in range(13)}
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr"
SCALE = {"K": 1e3, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
NUMBER = re.compile(r"(?<![\w.\-])(\d(?:[\d,]*\d)?(?:\.\d+)?(?:-\d(?:[\d,]*\d)?(?:\.\d+)?)?)(%|[KkMBT]\b|⁶)?")


def _data_numbers() -> np.ndarray:
    """Every number in a numeric field of a ``data/*.csv`` file, and every number in a published quote."""
    found = []
    for path in sorted(paths.DATA_DIR.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns:
            for cell in frame[column]:
                try:
                    found.append(float(cell))
                except ValueError:
                    if column == "quote":
                        found += [_parse(m.group(1).split("-")[0], m.group(2))[0] for m in NUMBER.finditer(cell)]
    return np.unique(np.array([v for v in found if math.isfinite(v)]))


def _parse(token: str, suffix: str | None) -> tuple[float, float]:
    """A number as written ("2,788", "5.576" with suffix "M") -> (value, half of its last digit), scaled."""
    digits = token.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    scale = SCALE.get(suffix or "", 0.01 if suffix == "%" else 1.0)
    return float(digits) * scale, 0.5 * 10.0**-decimals * scale


def _prose(cell_source: str) -> str:
    """A markdown cell without what is not prose of the run: quoted claims, citations, code, maths, dates,
    years and names with digits in them (H800, V3, GPT-4)."""
    text = "\n".join(line for line in cell_source.split("\n") if not line.lstrip().startswith(">"))
    text = re.sub(r'\*"[^"]*"\*|"[^"]*"', " ", text)  # quoted claims
    text = re.sub(r"\[[a-z0-9][a-z0-9\-]*\]", " ", text)  # citations
    text = re.sub(r"`[^`]*`", " ", text)  # code
    text = re.sub(r"(?<!\\)\$[^$]*?(?<!\\)\$", " ", text)  # maths (US\$ is escaped, so not maths)
    text = text.replace("\\$", "$")
    text = re.sub(rf"(\d{{1,2}}(-\d{{1,2}})? )?({MONTHS})( \d{{4}})?", " ", text)  # dates
    text = re.sub(r"\b(19|20)\d\d\b", " ", text)  # years
    text = re.sub(r"\b[A-Za-z][\w.]*\d[\w.]*\b", " ", text)  # names with digits: H800, V3, fig01, 3.1's model
    text = re.sub(r"\b\d+(\.\d+)?[x×]", " ", text)  # ratios quoted from a source ("5.76x") are checked below
    return text


def _numbers_in_prose(stem: str) -> list[tuple[str, str | None]]:
    nb = json.loads((paths.NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return [
        (m.group(1), m.group(2))
        for cell in nb["cells"]
        if cell["cell_type"] == "markdown"
        for m in NUMBER.finditer(_prose("".join(cell["source"])))
    ]


def _published(token: str, suffix: str | None, data: np.ndarray) -> bool:
    for part in token.split("-"):
        value, half = _parse(part, suffix)
        close = np.abs(data - value) <= half + 1e-9 * abs(value)
        if suffix == "%":  # a register or data fraction written in per cent, or a number written with %
            close |= np.abs(data - value * 100) <= half * 100 + 1e-9
        elif suffix:  # a data column already in the unit of the suffix (total_b_params: 671 for "671B")
            unscaled, half_unscaled = _parse(part, None)
            close |= np.abs(data - unscaled) <= half_unscaled + 1e-9 * abs(unscaled)
        if not close.any():
            return False
    return True


@pytest.mark.parametrize("stem", list(ALLOWED))
def test_the_notebooks_prose_names_no_number_a_run_could_change(stem):
    data = _data_numbers()
    allowed = ALLOWED[stem]
    offending = sorted(
        {
            f"{token}{suffix or ''}"
            for token, suffix in _numbers_in_prose(stem)
            if f"{token}{suffix or ''}" not in allowed
            and token not in ALLOWED_EVERYWHERE
            and not _published(token, suffix, data)
        }
    )
    assert not offending, (
        f"notebook {stem} names numbers that are neither in data/*.csv nor on its allow-list: {offending}; write "
        "them from the run in the step (b.say) or, if no parameter moves them, add them to ALLOWED with a reason"
    )


def test_the_scan_finds_a_run_dependent_number():
    """The scan is not blind: a baseline result written into prose is caught, a published one is not."""
    data = _data_numbers()
    assert not _published("537.7", "M", data)  # step 2's yearly cost at the baseline
    assert not _published("22.6", "%", data)  # step 5's margin after caveats in the high run
    assert _published("5.576", "M", data) and _published("944", "M", data) and _published("2,788", "K", data)
    assert [
        t for t, _ in NUMBER.findall(_prose("At US\\$2 per GPU-hour, V3 cost US\\$5.576M [deepseek-v3-report]."))
    ] == [
        "2",
        "5.576",
    ]
