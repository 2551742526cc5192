"""What an input does: an over-committed fleet, a fixed fact or a result refused; a range given to a parameter.

The refusals are checked at the command line (exit 2, one line, nothing written) and at function level
(the runner's plan and a notebook's ``check_parameters``); a range is followed from ``-p NAME LOW..HIGH``
through the plan to step 6's Monte Carlo, where it must narrow the draws.
"""

import re
import shutil

import numpy as np
import pytest

from analysis import notebooks, params, report, steps, uncertainty
from analysis.data import DataError
from analysis.model_check import check_model_outputs
from analysis.site.front_page import differs_rows, monte_carlo_words
from conftest import REPO, run_cli

REGISTER = params.load_register()
#: The issue's example: 2,048 H800s and nothing else cannot train, run experiments and serve Day 6's load.
SMALL_FLEET = {"h800_gpus": 2048, "h100_gpus": 0, "hopper_gpus": 2048, "a100_gpus": 0}
NOTEBOOK_01 = REPO / "notebooks" / "01_gpu_inventory.ipynb"


# --------------------------------------------------------------------------- command line
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            [a for n, v in SMALL_FLEET.items() for a in ("-p", n, str(v))],
            r"^error: the fleet is over-committed: its disclosed uses need 136% of its compute \(training 11%, "
            r"experiments 27%, serving 89%, High-Flyer's share 10%\); to fit, give it at least 2,874 H800-equivalent",
        ),
        (
            ["-p", "bytes_per_weight", "2"],
            r"^error: bytes_per_weight is fixed: it is .* from deepseek-v3-report; it cannot",
        ),
        (["-p", "mfu", "0.5"], r"^error: mfu is a result, not a parameter: step 3 computes it \(v3_mfu_bf16"),
        (
            ["-p", "gpu_hour_price_usd", "2.5..3"],
            r"^error: gpu_hour_price_usd range 2.5..3 does not contain its baseline 2",
        ),
    ],
    ids=["over-committed fleet", "fixed fact", "result", "range without the baseline"],
)
def test_the_cli_refuses_in_one_line_with_exit_2_and_writes_nothing(tmp_path, args, words):
    out = tmp_path / "out"
    done = run_cli("report", *args, "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert re.search(words, done.stderr), done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- an over-committed fleet
def test_an_over_committed_fleet_is_refused_by_the_plan_and_by_a_notebook_run_on_its_own():
    values = params.resolve_parameters(REGISTER, SMALL_FLEET)
    with pytest.raises(params.ParameterError, match="over-committed.*set h800_gpus, h100_gpus, hopper_gpus, a100_gpus"):
        check_model_outputs(values)
    history = [
        "",
        notebooks.parameters_cell(NOTEBOOK_01),
        "# Parameters\n" + "\n".join(f"{n} = {v}" for n, v in SMALL_FLEET.items()),
    ]
    with pytest.raises(params.ParameterError, match="^the fleet is over-committed"):
        params.check_parameters({"In": history, **SMALL_FLEET})
    # Just large enough (the refusal's own figure, in H800s) fits.
    check_model_outputs(params.resolve_parameters(REGISTER, {**SMALL_FLEET, "h800_gpus": 2874, "hopper_gpus": 2874}))


def test_a_high_flyer_share_that_leaves_no_room_is_refused_with_the_share_named():
    values = params.resolve_parameters(REGISTER, {"high_flyer_compute_share": 1.0})
    with pytest.raises(params.ParameterError, match=r"High-Flyer's share 100%\); to fit, need less"):
        check_model_outputs(values)


def test_every_scenario_fleet_fits():
    for name in params.scenario_names():
        check_model_outputs(params.resolve_parameters(REGISTER, params.load_scenario(name).overrides))


def test_the_monte_carlo_draws_are_not_refused_when_some_draws_over_commit_the_fleet():
    # A fleet that just fits at the run's values: its drawn experiment multiples (up to 10x) over-commit it.
    values = steps.run_values({**SMALL_FLEET, "h800_gpus": 2874, "hopper_gpus": 2874, "monte_carlo_draws": 1000})
    check_model_outputs(values)
    inputs = steps.Inputs.load()
    held = sorted(params.differs_from_baseline(inputs.register, values))  # as step 6 holds them
    draws = uncertainty.MonteCarlo(inputs.register, values, inputs.model_data, n=1000, rng=1, hold=held)
    shares = np.concatenate([c["fleet_gpu_hours_share_unallocated"] for _, c in draws.chunks()])
    assert (shares < 0).any() and (shares >= 0).any()
    assert np.isfinite(steps.step6(values)["cost_development_usd_p95"])


# --------------------------------------------------------------------------- fixed facts and results
def test_the_register_says_which_fixed_parameters_a_run_may_set():
    fixed_facts = sorted(n for n, p in REGISTER.items() if not p.overridable)
    assert fixed_facts == [
        "bytes_per_weight",
        "dense_baseline_kv_cache_bits",
        "kv_cache_bits",
        "server_power_multiplier",
        "task_input_tokens",
        "task_output_tokens",
        "v2_kv_cache_bits",
    ]
    assert all(p.overridable for p in REGISTER.values() if p.distribution != "fixed")
    for setting in ("monte_carlo_draws", "random_seed", "as_of_date", "capex_method", "amortisation_method"):
        assert REGISTER[setting].distribution == "fixed" and REGISTER[setting].overridable
    for name in params.scenario_names():  # no committed scenario sets a fixed fact
        assert all(REGISTER[n].overridable for n in params.load_scenario(name).overrides)


def test_a_ranged_parameter_marked_not_overridable_is_a_data_error(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    path = data / "assumptions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line.replace(",true\n", ",false\n") if line.startswith("pue,") else line for line in lines]
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"column overridable: a triangular parameter is overridable"):
        params.load_register(data)


def test_a_fixed_fact_is_refused_from_the_command_line_a_scenario_and_a_notebook(tmp_path):
    with pytest.raises(params.ParameterError, match=r"^v2_kv_cache_bits is fixed: it is .* from deepseek-v2-report"):
        params.parse_cli_overrides([("v2_kv_cache_bits", "8")], REGISTER)
    scenario = tmp_path / "facts.yaml"
    scenario.write_text("description: x\nsources: [assumption]\noverrides:\n  kv_cache_bits: 8\n", encoding="utf-8")
    with pytest.raises(params.ParameterError, match=r"^kv_cache_bits is fixed"):
        params.load_scenario(scenario)
    # A run setting and a method are not facts: they may be set.
    assert params.parse_cli_overrides([("random_seed", "7"), ("capex_method", "epoch_overhead")], REGISTER) == {
        "random_seed": 7,
        "capex_method": "epoch_overhead",
    }


def test_a_notebook_given_a_fixed_fact_refuses_it_but_takes_its_baseline_from_the_runner():
    nb04 = REPO / "notebooks" / "04_mla_inference.ipynb"
    history = ["", notebooks.parameters_cell(nb04), "# Parameters\nbytes_per_weight = 2.0\n"]
    with pytest.raises(params.ParameterError, match="^bytes_per_weight is fixed"):
        params.check_parameters({"In": history, "bytes_per_weight": 2.0}, check_outputs=False)
    history[2] = "# Parameters\nbytes_per_weight = 1.0\n"  # the runner passes every declared parameter
    assert params.check_parameters({"In": history, "bytes_per_weight": 1.0}, check_outputs=False) == {
        "bytes_per_weight": 1.0
    }


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("mfu", r"^mfu is a result, not a parameter: step 3 computes it \(v3_mfu_bf16, v3_mfu_fp8: .*no parameter"),
        (
            "cost_development_usd",
            r"^cost_development_usd is a result, not a parameter: step 6 computes it .* and the parameters "
            r"gpu_hour_price_usd, experiment_compute_multiple, .*; set those instead$",
        ),
        (
            "tco_per_year_usd",
            r"^tco_per_year_usd is a result, not a parameter: step 2 computes it .*data/server_prices",
        ),
    ],
)
def test_asking_for_a_result_names_the_step_the_data_and_the_parameters_that_set_it(name, words):
    with pytest.raises(params.ParameterError, match=words):
        params.parse_cli_overrides([(name, "1")], REGISTER)


def test_a_misspelt_parameter_is_still_an_unknown_parameter_with_suggestions():
    with pytest.raises(
        params.ParameterError, match=r"^unknown parameter 'gpu_hour_pric'; did you mean gpu_hour_price_usd"
    ):
        params.parse_cli_overrides([("gpu_hour_pric", "1")], REGISTER)


# --------------------------------------------------------------------------- ranges
def test_a_range_on_the_command_line_is_split_from_the_values():
    values, ranges = params.split_cli_overrides(
        [("pue", "1.2"), ("gpu_hour_price_usd", "1.5..2.5"), ("research_staff", "140..155")], REGISTER
    )
    assert values == {"pue": 1.2}
    assert ranges == {"gpu_hour_price_usd": (1.5, 2.5), "research_staff": (140, 155)}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"gpu_hour_price_usd": "0..3"}, r"^gpu_hour_price_usd = 0 is not allowed: .* > 0"),
        (
            {"gpu_hour_price_usd": "3..1.5"},
            r"^gpu_hour_price_usd range 3..1.5: the low end must be below the high end$",
        ),
        ({"gpu_hour_price_usd": "2.5..3"}, r"does not contain its baseline 2, the Monte Carlo's centre"),
        ({"research_staff": "140..150.5"}, r"^research_staff = 150.5 has the wrong type: .* whole number"),
        ({"pue": "1.1..x"}, r"^pue = x has the wrong type"),
        ({"pue": "1.1..1.2..1.3"}, r"^pue: a range is written LOW..HIGH"),
        ({"pue": {"low": 1.1}}, r"^pue: a range is written LOW..HIGH"),
        ({"as_of_date": "2025-01-01..2025-03-01"}, r"^as_of_date is not drawn in the Monte Carlo .* takes no range"),
        ({"kv_cache_bits": "8..16"}, r"^kv_cache_bits is fixed"),
        ({"gpu_hour_pric": "1.5..2.5"}, r"^unknown parameter 'gpu_hour_pric' given a range; did you mean"),
    ],
)
def test_a_bad_range_is_refused_in_one_line(spec, words):
    with pytest.raises(params.ParameterError, match=words) as err:
        params.check_ranges(spec, REGISTER)
    assert "\n" not in str(err.value)


def test_a_parameter_is_given_a_value_or_a_range_not_both():
    values = params.resolve_parameters(REGISTER, {"gpu_hour_price_usd": 3.0})
    with pytest.raises(params.ParameterError, match=r"given both a value \(3.0\) and a range \(1.5..2.5\); give one"):
        params.check_ranges({"gpu_hour_price_usd": [1.5, 2.5]}, REGISTER, values)
    with pytest.raises(params.ParameterError, match="given both a value"):
        report.plan_report("high", [("gpu_hour_price_usd", "1.5..3.5")])


def test_a_scenario_gives_a_range_as_low_and_high(tmp_path):
    path = tmp_path / "narrow.yaml"
    path.write_text(
        "description: x\nsources: [assumption]\noverrides:\n  pue: 1.2\n  gpu_hour_price_usd: {low: 1.5, high: 2.5}\n",
        encoding="utf-8",
    )
    scenario = params.load_scenario(path)
    assert scenario.overrides == {"pue": 1.2}
    assert scenario.ranges == {"gpu_hour_price_usd": (1.5, 2.5)}


#: The notebooks whose steps draw the Monte Carlo: step 6's costs and step 4's roofline.
DRAWING = {"04_mla_inference", "06_true_cost"}


def test_the_plan_gives_the_range_to_the_steps_that_draw_only_and_names_the_run_by_it(tmp_path):
    plan = report.plan_report("baseline", [("gpu_hour_price_usd", "1.5..2.5")], out=tmp_path / "out")
    assert plan.ranges == {"gpu_hour_price_usd": (1.5, 2.5)}
    assert plan.values["gpu_hour_price_usd"] == 2.0 and plan.differs == {}
    for stem in DRAWING:
        assert plan.notebook_params[stem]["monte_carlo_ranges"] == {"gpu_hour_price_usd": [1.5, 2.5]}
    assert all("monte_carlo_ranges" not in p for stem, p in plan.notebook_params.items() if stem not in DRAWING)
    roofline = report.plan_report("baseline", [("serving_nodes", "16..20")], out=tmp_path / "nodes")
    assert roofline.notebook_params["04_mla_inference"]["monte_carlo_ranges"] == {"serving_nodes": [16, 20]}
    assert plan.label == "baseline+gpu_hour_price_usd=1.5..2.5"
    assert plan.rerun_command().endswith("-p gpu_hour_price_usd 1.5..2.5 --out " + str(tmp_path / "out"))
    baseline = report.plan_report("baseline")
    assert baseline.notebook_params["06_true_cost"].get("monte_carlo_ranges") is None
    # A narrowed spread is another run: its identity names the range, and its run id differs.
    assert plan.run.overrides == {"gpu_hour_price_usd": "1.5..2.5"}
    assert plan.run.run_id != baseline.run.run_id


def test_a_range_narrows_the_monte_carlo_and_a_held_parameter_has_no_spread():
    values = steps.run_values({"monte_carlo_draws": 2000})
    hours = steps.step3(values)["v3_training_cost_usd"] / values["gpu_hour_price_usd"]
    wide = steps.step6(values)
    narrow = steps.step6(values, steps.Inputs.load().with_ranges({"gpu_hour_price_usd": [1.9, 2.1]}))
    # The final run is GPU-hours times the price: its draws lie inside the price's range.
    p05, p95 = narrow["cost_final_run_usd_p05"], narrow["cost_final_run_usd_p95"]
    assert 1.9 * hours * 0.999 < p05 < p95 < 2.1 * hours * 1.001
    assert wide["cost_final_run_usd_p05"] < 1.9 * hours * 0.999 < 2.1 * hours * 1.001 < wide["cost_final_run_usd_p95"]
    held = steps.step6({**values, "gpu_hour_price_usd": 2.5})
    assert held["cost_final_run_usd_p05"] == held["cost_final_run_usd_p95"]
    # The same range gives the same draws: deterministic.
    again = steps.step6(values, steps.Inputs.load().with_ranges({"gpu_hour_price_usd": "1.9..2.1"}))
    assert again["cost_development_usd_p50"] == narrow["cost_development_usd_p50"]


def test_a_notebook_run_on_its_own_refuses_a_bad_range():
    nb06 = REPO / "notebooks" / "06_true_cost.ipynb"
    history = ["", notebooks.parameters_cell(nb06), "# Parameters\nmonte_carlo_ranges = {'pue': [1.3, 1.4]}\n"]
    with pytest.raises(params.ParameterError, match="^pue range 1.3..1.4 does not contain its baseline 1.25"):
        params.check_parameters({"In": history, "monte_carlo_ranges": {"pue": [1.3, 1.4]}}, check_outputs=False)


def test_the_front_page_says_what_the_monte_carlo_does_with_each_parameter_a_run_set():
    assert monte_carlo_words(REGISTER["gpu_hour_price_usd"], 3.0, None) == (
        "held at 3 (its spread is off; give it a range with -p gpu_hour_price_usd LOW..HIGH)"
    )
    assert monte_carlo_words(REGISTER["gpu_hour_price_usd"], 2.0, (1.5, 2.5)).startswith("drawn from 1.5 to 2.5")
    assert monte_carlo_words(REGISTER["random_seed"], 7, None) == "not drawn (fixed in the register)"


def test_the_front_pages_table_of_changes_lists_held_and_ranged_parameters(tmp_path):
    plan = report.plan_report(
        "baseline", [("pue", "1.2"), ("gpu_hour_price_usd", "1.5..2.5"), ("random_seed", "7")], out=tmp_path / "o"
    )
    rows = {r["name"]: r for r in differs_rows(plan)}
    assert sorted(rows) == ["gpu_hour_price_usd", "pue", "random_seed"]
    assert rows["pue"]["value"] == 1.2 and rows["pue"]["monte_carlo"].startswith("held at 1.2 (its spread is off")
    assert rows["gpu_hour_price_usd"]["value"] == "1.5 to 2.5"
    assert rows["gpu_hour_price_usd"]["monte_carlo"].startswith("drawn from 1.5 to 2.5")
    assert rows["random_seed"]["monte_carlo"] == "not drawn (fixed in the register)"
