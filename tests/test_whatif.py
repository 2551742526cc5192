"""The what-if app's logic (analysis.whatif) and its widgets (analysis.whatif_app), without a browser.

Every number is checked against the cost model computed here independently: ``cost_model`` at the
settings' values, and ``uncertainty.monte_carlo`` (whole arrays of draws) with ``numpy.quantile``.
"""

from __future__ import annotations

import html
import re
import shlex

import nbformat
import numpy as np
import pytest

from analysis import costs, model, notebooks, params, uncertainty, whatif
from analysis.__main__ import build_parser
from analysis.formatting import format_value
from conftest import REPO

#: Draws for the app's tests (the app's own default is the register's monte_carlo_draws, 100,000).
DRAWS = 20_000
NOTEBOOK = REPO / "notebooks" / "what_if.ipynb"


@pytest.fixture(scope="module")
def register():
    return params.load_register()


@pytest.fixture(scope="module")
def data():
    return model.load_data()


@pytest.fixture(scope="module")
def controls(register, data):
    return whatif.controls(register, data)


def _expected_quantiles(register, data, values=None, ranges=None, n=DRAWS, output="cost_development_usd"):
    """The Monte Carlo quantiles of ``output`` computed straight from the cost model, as step 6 draws them."""
    full = params.resolve_parameters(register, values or {})
    hold = [k for k in (values or {}) if register[k].distribution != "fixed"]
    drawn = uncertainty.monte_carlo(
        params.ranged_register(register, ranges or {}),
        full,
        data,
        n=n,
        rng=int(full["random_seed"]),
        hold=hold,
        outputs=[output],
    )[output]
    return np.quantile(drawn, whatif.QUANTILES)


# --------------------------------------------------------------------------- controls
def test_every_ranged_parameter_has_a_value_and_a_range_control(register, controls):
    ranged = {n for n, p in register.items() if p.distribution != "fixed"}
    numbers = {c.name: c for c in controls if c.kind == "number"}
    assert set(numbers) == ranged
    assert {c.name for c in controls if c.kind == "choice"} == set(whatif.CHOICES)
    for c in numbers.values():
        p = register[c.name]
        lowest, highest = c.extent
        assert lowest <= p.low <= p.baseline <= p.high <= highest, c.name
        assert p.bounds.contains(lowest) and p.bounds.contains(highest), f"{c.name}: slider leaves its hard bounds"
        assert p.label in c.label and p.unit in c.label, f"{c.name}: label {c.label!r} lacks its words or unit"


def test_controls_are_grouped_by_step_with_what_matters_most_first(register, data, controls):
    steps = [c.step for c in controls]
    assert steps == sorted(steps)
    for step in set(steps):
        scores = [c.importance for c in controls if c.step == step]
        assert scores == sorted(scores, reverse=True), f"step {step} is not ordered by importance"
    by_name = {c.name: c for c in controls}
    # the GPU-hour price sets the final run's cost: moving it across 1.3..3.42 moves that cost by (3.42-1.3)/2
    assert by_name["gpu_hour_price_usd"].importance == pytest.approx((3.42 - 1.3) / 2.0)
    assert by_name["context_tokens"].importance == 0.0  # moves step 4's serving numbers, none of the costs shown


# --------------------------------------------------------------------------- numbers
def test_results_at_baseline_are_the_cost_models(register, data):
    outcome = whatif.evaluate(whatif.Settings(), register, data, n=DRAWS)
    point = costs.cost_model(params.resolve_parameters(register), data)
    for key in whatif.RESULTS:
        assert outcome.summary.loc[key, "point"] == float(point[key])
    expected = _expected_quantiles(register, data)
    assert outcome.summary.loc["cost_development_usd", ["p05", "p50", "p95"]].tolist() == expected.tolist()
    assert outcome.held == ()


def test_a_moved_value_is_held_and_a_moved_range_is_drawn(register, data):
    settings = whatif.Settings({"gpu_hour_price_usd": 3.0}, {"experiment_compute_multiple": (2.0, 6.0)})
    outcome = whatif.evaluate(settings, register, data, n=DRAWS)
    assert outcome.held == ("gpu_hour_price_usd",)
    assert outcome.ranges == {"experiment_compute_multiple": (2.0, 6.0)}
    expected = _expected_quantiles(
        register, data, {"gpu_hour_price_usd": 3.0}, {"experiment_compute_multiple": (2.0, 6.0)}
    )
    assert outcome.summary.loc["cost_development_usd", ["p05", "p50", "p95"]].tolist() == expected.tolist()
    assert outcome.summary.loc["cost_final_run_usd", "p50"] == 3.0 * data.v3_gpu_hours


@pytest.mark.parametrize(
    "settings, message",
    [
        (whatif.Settings({"pue": 0.5}), "pue = 0.5 is not allowed"),
        (whatif.Settings({}, {"pue": (1.26, 1.3)}), "does not contain its baseline"),
        (whatif.Settings({"pue": 1.3}, {"pue": (1.2, 1.3)}), "given both a value"),
    ],
)
def test_refused_settings_are_one_line(register, data, settings, message):
    with pytest.raises(params.ParameterError, match=message) as err:
        whatif.evaluate(settings, register, data, n=1_000)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- the command
COMMAND_CASES = [
    whatif.Settings(),
    whatif.Settings({"gpu_hour_price_usd": 2.7, "h800_gpus": 12000, "capex_method": "epoch_overhead"}),
    whatif.Settings({"pue": 0.1 + 1.2}, {"experiment_compute_multiple": (2.0, 6.0), "research_staff": (140, 150)}),
]


@pytest.mark.parametrize("settings", COMMAND_CASES)
def test_the_command_round_trips_through_the_clis_parser(register, settings):
    text = whatif.command(settings, register)
    words = shlex.split(text)
    assert words[:4] == ["python", "-m", "analysis", "report"]
    args = build_parser().parse_args(words[3:])
    values, ranges = params.split_cli_overrides([tuple(p) for p in args.parameter], register)
    assert (values, ranges) == whatif.checked(settings, register)
    assert all(type(values[k]) is type(v) for k, v in settings.values.items())


def test_the_command_is_the_runners_rerun_command(register):
    from analysis.runner.plan import plan_report

    settings = COMMAND_CASES[2]
    words = shlex.split(whatif.command(settings, register))
    pairs = list(zip(words[5::3], words[6::3], strict=True))
    assert plan_report("baseline", pairs).rerun_command() == whatif.command(settings, register)


# --------------------------------------------------------------------------- goal-seek
def test_goal_seek_hits_a_float_target(register, data):
    settings = whatif.Settings({"experiment_compute_multiple": 4.0})
    goal = whatif.goal_seek(settings, "cost_development_usd", 60e6, "gpu_hour_price_usd", register, data)
    values = params.resolve_parameters(register, {"experiment_compute_multiple": 4.0, "gpu_hour_price_usd": goal.value})
    reached = float(costs.cost_model(values, data)["cost_development_usd"])
    assert reached == goal.reached
    assert reached == pytest.approx(60e6, rel=1e-9)


def test_goal_seek_rounds_a_whole_number_to_the_nearest_one(register, data):
    goal = whatif.goal_seek(whatif.Settings(), "fleet_capex_usd", 1.6e9, "hopper_gpus", register, data)
    assert isinstance(goal.value, int)
    at = {v: float(costs.cost_model(params.resolve_parameters(register, {"hopper_gpus": v}), data)["fleet_capex_usd"])
          for v in (goal.value - 1, goal.value, goal.value + 1)}  # fmt: skip
    assert at[goal.value - 1] <= 1.6e9 <= at[goal.value + 1]
    assert abs(at[goal.value] - 1.6e9) == min(abs(x - 1.6e9) for x in at.values())


def test_goal_seek_out_of_reach_says_what_the_range_reaches(register, data):
    with pytest.raises(whatif.GoalUnreachable) as err:
        whatif.goal_seek(whatif.Settings(), "fleet_capex_usd", 1.6e9, "h800_gpus", register, data)
    lowest, highest = whatif.slider_extent(register["h800_gpus"])
    capex = [
        float(costs.cost_model(params.resolve_parameters(register, {"h800_gpus": v}), data)["fleet_capex_usd"])
        for v in (lowest, highest)
    ]
    message = str(err.value)
    assert "\n" not in message and "cannot reach US$1.6B" in message
    assert format_value(lowest, "GPUs") in message and format_value(highest, "GPUs") in message
    assert format_value(min(capex), "USD") in message and format_value(max(capex), "USD") in message
    with pytest.raises(whatif.GoalUnreachable, match="does not move the result"):
        whatif.goal_seek(whatif.Settings(), "cost_final_run_usd", 1e7, "pue", register, data)


def test_goal_seek_refuses_what_it_cannot_move(register, data):
    with pytest.raises(ValueError, match="not a ranged parameter"):
        whatif.goal_seek(whatif.Settings(), "fleet_capex_usd", 1.6e9, "a100_gpus", register, data)
    with pytest.raises(ValueError, match="not a result here"):
        whatif.goal_seek(whatif.Settings(), "tco_per_year_usd", 1.6e9, "pue", register, data)


# --------------------------------------------------------------------------- the widgets
@pytest.fixture(scope="module")
def app(register, data):
    from analysis.whatif_app import WhatIfApp

    return WhatIfApp(register, data, draws=DRAWS)


def _shown_median(app, key: str) -> tuple[str, float]:
    match = re.search(rf'data-result="{key}" data-value="([^"]+)">([^<]+)<', app.results.value)
    return match.group(2), float(match.group(1))


def test_the_widgets_show_the_cost_models_numbers(app, register, data):
    app.reset()
    app.set_value("gpu_hour_price_usd", 3.0)
    expected = _expected_quantiles(register, data, {"gpu_hour_price_usd": 3.0})[1]
    assert _shown_median(app, "cost_development_usd") == (format_value(expected, "USD"), expected)
    assert "market rent of an H800-hour" in app.status.value and "Held at a value" in app.status.value
    app.set_range("experiment_compute_multiple", 2.0, 6.0)
    expected = _expected_quantiles(
        register, data, {"gpu_hour_price_usd": 3.0}, {"experiment_compute_multiple": (2.0, 6.0)}
    )
    assert _shown_median(app, "cost_development_usd")[1] == expected[1]
    assert (
        app.command() == "python -m analysis report -p experiment_compute_multiple 2.0..6.0 -p gpu_hour_price_usd 3.0"
    )


def test_a_refused_setting_is_shown_and_the_last_numbers_kept(app):
    app.reset()
    before = app.results.value
    app.set_range("pue", 1.26, 1.3)  # does not contain the baseline 1.25
    assert "Not updated" in app.status.value and "does not contain its baseline" in app.status.value
    assert app.results.value == before


def test_reset_puts_everything_back(app, register, data):
    app.set_value("hopper_gpus", 55_000)
    app.set_value("capex_method", "epoch_overhead")
    app.reset()
    assert app.settings == whatif.Settings()
    for name, row in app.rows.items():
        assert row.value.value == register[name].baseline
        if row.range is not None:
            assert tuple(row.range.value) == (register[name].low, register[name].high)
    assert _shown_median(app, "cost_development_usd")[1] == _expected_quantiles(register, data)[1]


def test_goal_seek_in_the_app_moves_the_slider(app, register, data):
    app.reset()
    app.goal_result.value, app.goal_parameter.value, app.goal_target.value = "fleet_capex_usd", "hopper_gpus", 1600.0
    app.solve()
    solved = app.rows["hopper_gpus"].value.value
    assert app.settings.values == {"hopper_gpus": solved}
    assert app.outcome.point["fleet_capex_usd"] == pytest.approx(1.6e9, rel=1e-4)
    app.goal_parameter.value, app.goal_target.value = "h800_gpus", 1_000_000.0  # US$1T: out of reach
    app.solve()
    assert "cannot reach" in app.goal_message.value and app.settings.values == {"hopper_gpus": solved}


def test_the_bridge_is_step_6s_figure_at_the_settings(app, register, data):
    from analysis import whatif_app

    app.reset()
    app.set_value("research_staff", 160)
    point = costs.cost_model(params.resolve_parameters(register, {"research_staff": 160}), data)
    development = uncertainty.development_bridge(point)["usd"].tolist()
    assert whatif_app.bridge_numbers(app.outcome)[: len(development)] == tuple(development)
    drawn = bytes(app.bridge.value)
    assert drawn.startswith(b"\x89PNG")
    app.set_value("research_staff", 140)
    assert bytes(app.bridge.value) != drawn


def test_the_decimals_keep_every_register_value(controls):
    from analysis import whatif_app

    for c in controls:
        if c.kind == "number" and not c.integer:
            for x in (c.baseline, c.low, c.high):
                assert whatif_app.snapped(c, x) == x, c.name


# --------------------------------------------------------------------------- the notebook
def test_the_what_if_notebook_is_not_a_step_and_is_thin():
    assert NOTEBOOK.is_file()
    assert NOTEBOOK not in notebooks.notebook_paths(), "the runner must not build the what-if notebook as a step"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert all(len(c.source.splitlines()) <= 15 for c in code)
    assert "WhatIfApp" in code[-1].source
    # Its one parameter (papermill's tag): the draws per update, None meaning the register's, as step 6.
    assert code[0].metadata.get("tags") == ["parameters"] and code[0].source.splitlines()[-1] == "draws = None"
    assert "draws=draws" in code[-1].source


@pytest.mark.parametrize("draws", [10, 2.5, "many"])
def test_the_app_refuses_draws_the_register_does_not_allow(register, data, draws):
    from analysis.params import ParameterError
    from analysis.whatif_app import WhatIfApp

    with pytest.raises(ParameterError, match="monte_carlo_draws"):
        WhatIfApp(register, data, draws=draws)


def test_without_threads_the_bridge_is_drawn_in_place(register, data, monkeypatch):
    """Pyodide (the app in the browser alone) starts no thread: the app draws the bridge itself."""
    from analysis.whatif_app import WhatIfApp

    app = WhatIfApp(register, data, draws=1_000)
    drawn = bytes(app.bridge.value)

    def no_threads(*args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(app._pool, "submit", no_threads)
    app.set_value("research_staff", 140)
    assert bytes(app.bridge.value) != drawn and bytes(app.bridge.value).startswith(b"\x89PNG")


def test_the_app_names_what_matters_most_first(app, controls):
    from analysis import whatif_app

    text = whatif_app.ranking_html(controls, count=4)
    top = sorted(controls, key=lambda c: -c.importance)[:4]
    # The development cost's widest swing (step 6's tornado ranks it first) leads the app's list too.
    assert [c.name for c in top][:2] == ["experiment_compute_multiple", "gpu_hour_price_usd"]
    places = [text.index(html.escape(c.label)) for c in top]
    assert places == sorted(places)
    assert all(html.escape(c.label) not in text for c in controls if c not in top)


def test_make_app_serves_the_notebook_as_the_browser_test_does():
    """``make app`` runs what tests/test_whatif_browser.py runs: the offline template, on 127.0.0.1 only."""
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile[makefile.index("\napp:") :].split("\n\n", 1)[0]
    for part in ("JUPYTER_PATH=$(CURDIR)/tools/app", "voila notebooks/what_if.ipynb", "--template=offline",
                 "--no-browser", "--Voila.ip=127.0.0.1"):  # fmt: skip
        assert part in recipe, f"make app lacks {part}"
    template = (REPO / "tools/app/voila/templates/offline/index.html.j2").read_text()
    assert "extends 'lab/index.html.j2'" in template
