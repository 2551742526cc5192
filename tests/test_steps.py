"""The step functions: what every step returns, checked without papermill.

Each step's numbers are pinned to published values where there are any; each number's declared
``depends_on`` is held to the parameters that actually move it; each notebook's parameters cell is
what the register generates for its step; and the committed baseline report holds what the step
functions return.
"""

import functools
import json

import pandas as pd
import pytest

from analysis import notebooks, params, steps
from analysis.formatting import format_value
from analysis.steps import Inputs, StepBuilder
from conftest import REPO

BASELINE = steps.run_values()
COMMITTED = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["results"]


def builder(parameters=("gpu_hour_price_usd",)):
    return StepBuilder(3, "03_pretraining_estimate", BASELINE, Inputs.load(), parameters)


# --------------------------------------------------------------------------- the builder
@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("Bad-Id", 1.0, "USD", "a cost", ["deepseek-v3-report"]), {}, "lower_snake_case"),
        (("cost_usd", 1.0, "USD", "cost_usd of the run", ["deepseek-v3-report"]), {}, "identifier"),
        (("cost_usd", float("nan"), "USD", "a cost", ["deepseek-v3-report"]), {}, "finite"),
        (("cost_usd", 1.0, "USD", "a cost", ["no-such-source"]), {}, "unknown source id 'no-such-source'"),
        (("cost_usd", 1.0, "USD", "a cost", []), {}, "at least one source"),
        (("cost_usd", 1.0, "USD", "a cost", ["deepseek-v3-report"], ["pue"]), {}, "not one of step 3's parameters"),
        (("cost_usd", 1.0, "", "a cost", ["deepseek-v3-report"]), {}, "must not be empty"),
    ],
)
def test_builder_refuses_a_bad_number(args, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        builder().number(*args, **kwargs)


def test_builder_refuses_a_repeated_id_a_bad_figure_and_an_answer_without_its_figure():
    b = builder()
    b.number("cost_usd", 1.0, "USD", "a cost", ["deepseek-v3-report"])
    with pytest.raises(ValueError, match="recorded twice"):
        b.number("cost_usd", 2.0, "USD", "a cost", ["deepseek-v3-report"])
    with pytest.raises(ValueError, match="must start with fig03_"):
        b.figure("fig04_x", pd.DataFrame({"a": [1]}), "t", "c", ["deepseek-v3-report"])
    with pytest.raises(ValueError, match="not one of its figures"):
        b.result("An answer.", "fig03_missing")


def test_builder_needs_every_register_parameter():
    with pytest.raises(ValueError, match="no value for parameter"):
        StepBuilder(3, "03_pretraining_estimate", {"gpu_hour_price_usd": 2.0}, Inputs.load(), ())


def test_a_table_is_checked_when_the_step_records_it():
    with pytest.raises(ValueError, match="identifier"):
        builder().table("t", pd.DataFrame({"cost_usd": [1.0]}), {"cost_usd": ("cost_usd", "USD")}, "A caption")


# --------------------------------------------------------------------------- step 3
def test_step3_reproduces_table_1_and_r1s_disclosed_gpu_hours():
    r = steps.step3(BASELINE)
    # V3 technical report, Table 1: 2,664K + 119K + 5K = 2,788K H800 GPU-hours; at US$2: US$5.576M.
    assert r["v3_pretraining_gpu_hours"] == 2_664_000
    assert r["v3_training_gpu_hours"] == 2_788_000
    assert r["v3_training_cost_usd"] == pytest.approx(5_576_000)
    assert r["v3_pretraining_cost_usd"] == pytest.approx(5_328_000)
    # R1 Nature supplement B.4.4: 64x8 H800 for ~198 h + ~80 h, plus 5K GPU-hours of SFT data: 147,336 GPU-hours.
    assert r["r1_rl_gpu_hours"] == pytest.approx(147_336)
    assert r["r1_rl_cost_usd"] == pytest.approx(294_672)
    # 180K GPU-hours per trillion tokens, "3.7 days on our cluster with 2048 H800 GPUs".
    assert r["v3_gpu_hours_per_trillion_tokens"] == pytest.approx(180_000, rel=0.001)
    assert r["v3_days_per_trillion_tokens"] == pytest.approx(3.7, abs=0.05)


def test_step3_prices_move_with_the_run_and_the_answer_keeps_deepseeks_figure():
    r = steps.step3({**BASELINE, "gpu_hour_price_usd": 3.0})
    assert r["v3_training_cost_usd"] == pytest.approx(2_788_000 * 3.0)
    assert r["v3_training_gpu_hours"] == 2_788_000
    # A claim about what DeepSeek computed is stated at DeepSeek's price, whatever the run's.
    assert "US$5.576M at DeepSeek's US$2, exactly as its Table 1 says" in r.answer
    assert f"{format_value(r['v3_training_cost_usd'], 'USD')} at this run's US$3" in r.answer
    assert (
        "US$5.576M at US$2 per GPU-hour, DeepSeek's own price, exactly as its Table 1 says"
        in steps.step3(BASELINE).answer
    )
    assert r["v3_training_cost_at_deepseek_price_usd"] == pytest.approx(5_576_000)  # no run's price moves it


def test_step3_fleet_share_follows_the_counts():
    small = steps.step3({**BASELINE, "hopper_gpus": 20_000, "h100_gpus": 0, "a100_gpus": 0})
    assert small["v3_training_share_of_fleet_year"] > steps.step3(BASELINE)["v3_training_share_of_fleet_year"]


# --------------------------------------------------------------------------- every step
STEP_IDS = [f"step{n}" for n in steps.STEPS]

#: Runs whose numbers' declarations are checked: the baseline, and the scenario that switches both
#: methods (Epoch AI's server pricing and amortisation), under which other parameters move the costs;
#: with few Monte Carlo draws (the draws' count moves their summaries all the same, and the test runs
#: each step many times).
CHECKED_RUNS = ("baseline", "epoch-method")
QUICK = {"monte_carlo_draws": 2_000}


def scenario_values(name):
    register = params.load_register()
    overrides = params.load_scenario(name, register=register).overrides
    return {**params.resolve_parameters(register, overrides), **QUICK}


@functools.cache
def drivers(n, scenario):
    """The step's result in a checked run, and what moves each of its numbers and tables there."""
    step, values = steps.STEPS[n], scenario_values(scenario)
    return step(values), steps.number_drivers(step, values)


@pytest.mark.parametrize("scenario", CHECKED_RUNS)
@pytest.mark.parametrize("n", list(steps.STEPS), ids=STEP_IDS)
def test_each_numbers_declared_dependencies_are_what_moves_it(n, scenario):
    """Moving a parameter a number does not declare leaves it unchanged (so the notebook's parameters
    cell is complete), and every declared one moves it (so a reader can trust what a number rests on).

    A summary of the Monte Carlo draws (a share of draws, a percentile) or a number about one parameter
    (the largest swing) may stand still when a parameter it rests on moves (a share of 100% stays 100%),
    so for those only completeness is required."""
    result, moved = drivers(n, scenario)
    for number_id, number in result.numbers.items():
        undeclared = moved[number_id] - set(number.depends_on)
        assert not undeclared, f"{number_id} moves with {sorted(undeclared)} but does not declare it"
        summary = "random_seed" in number.depends_on or number.parameter is not None
        unmoved = set(number.depends_on) - moved[number_id]
        assert summary or not unmoved, f"{number_id} declares {sorted(unmoved)}, which do not move it"


@pytest.mark.parametrize("n", list(steps.STEPS), ids=STEP_IDS)
def test_a_step_declares_exactly_the_parameters_its_numbers_and_tables_depend_on(n):
    """A step's parameters (its notebook's parameters cell) are those that move some number or table of it
    (a claim's verdict in the ledger, say) in one of the checked runs, and the parameters tied to those by a
    rule: a parameter that matters only under another method (Epoch AI's server overhead) is declared, so a
    run that chooses that method passes its value to the notebook; a parameter that moves nothing is not."""
    used = set()
    for scenario in CHECKED_RUNS:
        result, moved = drivers(n, scenario)
        used |= {p for number in result.numbers.values() for p in number.depends_on}
        used |= set().union(*moved.values())
    assert set(steps.step_parameters(sorted(used))) == set(steps.STEPS[n](BASELINE).parameters)


@pytest.mark.parametrize("scenario", sorted(p.stem for p in (REPO / "data" / "scenarios").glob("*.yaml")))
@pytest.mark.parametrize("n", list(steps.STEPS), ids=STEP_IDS)
def test_each_step_runs_every_scenario_with_only_the_parameters_its_notebook_declares(n, scenario):
    """As the runner runs it: the scenario's values of the notebook's parameters, the rest at baseline."""
    register = params.load_register()
    values = params.resolve_parameters(register, params.load_scenario(scenario, register=register).overrides)
    module = steps.MODULES[steps.STEPS[n](BASELINE).notebook]
    result = steps.STEPS[n](steps.run_values({name: values[name] for name in module.PARAMETERS}))
    assert result.numbers


@pytest.mark.parametrize("n", list(steps.STEPS), ids=STEP_IDS)
def test_the_notebooks_parameters_cell_is_generated_from_the_register(n):
    module = steps.MODULES[steps.STEPS[n](BASELINE).notebook]
    path = REPO / "notebooks" / f"{module.NOTEBOOK}.ipynb"
    expected = notebooks.parameters_cell_source(
        module.PARAMETERS, params.load_register(), getattr(module, "RUN_SETTINGS", ())
    )
    assert notebooks.parameters_cell(path) == expected, (
        f"{path.name}: its parameters cell differs from the register's; run tools/sync_notebooks.py"
    )


@pytest.mark.parametrize("n", list(steps.STEPS), ids=STEP_IDS)
def test_the_committed_baseline_report_holds_what_the_step_returns(n):
    result = steps.STEPS[n](BASELINE)
    committed = {k: v for k, v in COMMITTED.items() if v["notebook"] == result.notebook}
    assert set(committed) == set(result.numbers)
    for record in result.records():
        assert committed[record["id"]]["value"] == pytest.approx(record["value"], rel=1e-12), record["id"]
        assert committed[record["id"]]["depends_on"] == record["depends_on"], record["id"]
