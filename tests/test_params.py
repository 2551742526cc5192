"""analysis.params: the register, type and bound checks, notebook cells, scenarios."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import notebooks, params
from analysis.data import DataError
from conftest import REPO


@pytest.fixture(scope="module")
def register():
    return params.load_register()


def test_register_baselines_lie_in_their_ranges_and_bounds(register):
    assert register, "the register is empty"
    for p in register.values():
        if p.low is not None:
            assert p.low <= p.baseline <= p.high
        if p.bounds is not None and p.type != "date":
            assert p.bounds.contains(p.baseline)
        assert p.coerce(p.baseline) == p.baseline  # for dates this checks the bounds too


def test_every_notebook_parameter_is_registered_with_the_same_type_default_unit_and_sources(register):
    usage = notebooks.parameter_usage()
    assert usage, "no notebook declares parameters"
    for path in notebooks.notebook_paths():
        for name, d in notebooks.notebook_parameters(path).items():
            if name in notebooks.RUN_SETTINGS:  # a run setting, not a parameter: its type and default as declared
                type_name, literal = notebooks.RUN_SETTINGS[name][:2]
                assert (d.type, repr(d.default)) == (type_name, literal), f"{path.name}: {name}"
                continue
            assert name in register, f"{path.name}: {name} is not in data/assumptions.csv"
            p = register[name]
            annotation = {"date": "str"}.get(p.type, p.type)  # a date is written as a "YYYY-MM-DD" string literal
            assert d.type == annotation, f"{path.name}: {name} is annotated {d.type}, the register says {p.type}"
            assert d.default == p.baseline and type(d.default) is type(p.baseline), (
                f"{path.name}: {name} default {d.default!r} != baseline {p.baseline!r}"
            )
            assert d.unit == p.unit, f"{path.name}: {name} unit {d.unit!r} != register {p.unit!r}"
            assert d.source_ids == p.source_ids, (
                f"{path.name}: {name} sources {d.source_ids} != register {p.source_ids}"
            )


def test_every_registered_parameter_is_used_by_a_notebook(register):
    unused = set(register) - set(notebooks.parameter_usage())
    assert not unused, f"registered but used by no notebook: {sorted(unused)}"


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "gpu_hour_price_usd",
            "-1",
            "gpu_hour_price_usd = -1 is not allowed: "
            "gpu_hour_price_usd must be a number > 0, i.e. in (0, inf) (USD per GPU-hour)",
        ),
        (
            "gpu_hour_price_usd",
            "cheap",
            "gpu_hour_price_usd = cheap has the wrong type: gpu_hour_price_usd must be a number (USD per GPU-hour)",
        ),
        (
            "gpu_hour_price_usd",
            "nan",
            "gpu_hour_price_usd = nan is not allowed: gpu_hour_price_usd must be a finite number (USD per GPU-hour)",
        ),
        (
            "h800_gpus",
            "-5",
            "h800_gpus = -5 is not allowed: h800_gpus must be a whole number >= 2048, i.e. in [2048, inf) (GPUs)",
        ),
        ("h800_gpus", "2.5", "h800_gpus = 2.5 has the wrong type: h800_gpus must be a whole number (GPUs)"),
    ],
)
def test_cli_text_is_checked(register, name, text, message):
    with pytest.raises(params.ParameterError) as err:
        params.parse_cli_overrides([(name, text)], register)
    assert str(err.value) == message


def test_cli_text_is_converted(register):
    assert params.parse_cli_overrides([("gpu_hour_price_usd", "3"), ("h800_gpus", "2048")], register) == {
        "gpu_hour_price_usd": 3.0,
        "h800_gpus": 2048,
    }
    assert params.parse_cli_overrides([("h800_gpus", "1e4")], register) == {"h800_gpus": 10000}


def test_unknown_parameter_suggests_the_nearest(register):
    with pytest.raises(
        params.ParameterError, match=r"unknown parameter 'gpu_hour_price'; did you mean gpu_hour_price_usd\b"
    ):
        params.parse_cli_overrides([("gpu_hour_price", "3")], register)
    with pytest.raises(params.ParameterError, match="run `python -m analysis params` to list them"):
        params.parse_cli_overrides([("zzz", "3")], register)


def test_python_values_are_checked(register):
    p = register["h800_gpus"]
    with pytest.raises(params.ParameterError, match="wrong type"):
        p.coerce(True)
    with pytest.raises(params.ParameterError, match="wrong type"):
        p.coerce("10000")
    assert p.coerce(10000.0) == 10000
    assert register["gpu_hour_price_usd"].coerce(3) == 3.0


def test_check_parameters_validates_a_notebook_namespace():
    assert params.check_parameters({"gpu_hour_price_usd": 3, "other": "ignored"}) == {"gpu_hour_price_usd": 3.0}
    with pytest.raises(params.ParameterError, match="gpu_hour_price_usd = -2"):
        params.check_parameters({"gpu_hour_price_usd": -2})


def test_parameter_error_renders_as_one_line_in_ipython():
    err = params.ParameterError("x = 1 is not allowed")
    assert err._render_traceback_() == ["ParameterError: x = 1 is not allowed"]


@pytest.mark.parametrize(
    "text, inside, outside",
    [
        ("[0, inf)", [0, 5, 1e12], [-1e-9, -3]),
        ("(0, 1]", [1e-9, 0.5, 1], [0, 1.0001]),
        ("[1, 10]", [1, 10], [0.99, 10.01]),
    ],
)
def test_intervals(text, inside, outside):
    interval = params.Interval.parse(text)
    assert all(interval.contains(v) for v in inside)
    assert not any(interval.contains(v) for v in outside)
    assert str(interval) == text


@given(st.floats(allow_nan=False))
def test_half_open_unit_interval_property(x):
    assert params.Interval.parse("(0, 1]").contains(x) == (0 < x <= 1)


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (
            ("gpu_hour_price_usd,float,2.0,1.3,3.42", "gpu_hour_price_usd,float,5.0,1.3,3.42"),
            r"column baseline: must lie between low \(1.3\) and high \(3.42\), got 5",
        ),
        (
            ("gpu_hour_price_usd,float,2.0", "gpu_hour_price_usd,float,two"),
            r"parameter gpu_hour_price_usd, column baseline: must be a number, got 'two'",
        ),
        (
            ('"(0, inf)",,USD per GPU-hour', '"(0, inf",,USD per GPU-hour'),
            r"column hard_bounds: hard bounds must look like",
        ),
        (
            ('"(0, inf)",,USD per GPU-hour', ",,USD per GPU-hour"),
            r"column hard_bounds: numeric parameter gpu_hour_price_usd needs hard bounds",
        ),
        (
            ("h100_gpus,int,10000,7500,12500", "h100_gpus,int,10000,,12500"),
            r"column low: a triangular parameter needs low and high",
        ),
        (
            ("hopper_gpus,int,50000,40000,60000,triangular", "hopper_gpus,int,50000,40000,60000,gaussian"),
            r"column distribution: must be one of fixed, uniform, triangular, lognormal; got 'gaussian'",
        ),
    ],
)
def test_broken_register_rows_are_caught(data_copy, edit, pattern):
    path = data_copy / "assumptions.csv"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(DataError, match=pattern):
        params.load_register(data_copy)


def test_parameters_cell_parser():
    cell = "# comment\n\nx: float = 2.0  # USD per GPU-hour; a; b-c\nn: int = 3  # GPUs; a\n"
    declared = notebooks.parse_parameters_source(cell)
    assert declared["x"].source_ids == ("a", "b-c") and declared["x"].unit == "USD per GPU-hour"
    assert declared["n"].default == 3 and declared["n"].type == "int"
    with pytest.raises(params.ParameterError, match="line 1: must read"):
        notebooks.parse_parameters_source("x = 2.0")
    with pytest.raises(params.ParameterError, match="must be a literal"):
        notebooks.parse_parameters_source("x: float = 1 + y  # USD; a")
    with pytest.raises(params.ParameterError, match="declared twice"):
        notebooks.parse_parameters_source("x: int = 1  # GPUs; a\nx: int = 2  # GPUs; a")


def test_baseline_scenario_overrides_nothing():
    s = params.load_scenario("baseline")
    assert s.overrides == {} and s.description


def test_scenario_by_path_is_validated(tmp_path, register):
    good = tmp_path / "cheap.yaml"
    good.write_text(
        "description: Cheaper GPUs\nsources: [semianalysis-inferencex-tco]\noverrides:\n  gpu_hour_price_usd: 1.3\n"
    )
    assert params.load_scenario(good).overrides == {"gpu_hour_price_usd": 1.3}
    for body, pattern in [
        (
            "overrides:\n  gpu_price: 1.3\n",
            r"unknown parameter 'gpu_price' in scenario bad; did you mean gpu_hour_price_usd",
        ),
        ("overrides:\n  gpu_hour_price_usd: cheap\n", r"gpu_hour_price_usd = 'cheap' has the wrong type"),
        ("overrides:\n  h800_gpus: -1\n", r"h800_gpus = -1 is not allowed"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text("description: Bad\nsources: [assumption]\n" + body)
        with pytest.raises(params.ParameterError, match=pattern):
            params.load_scenario(bad)
    bad.write_text("description: Bad\nsources: [nobody-said-so]\noverrides: {}\n")
    with pytest.raises(params.ParameterError, match="unknown source id 'nobody-said-so'"):
        params.load_scenario(bad)


def test_unknown_scenario_name_lists_the_available_ones():
    with pytest.raises(
        params.ParameterError, match=r"unknown scenario 'baselin'; did you mean baseline\? available: baseline, "
    ):
        params.load_scenario("baselin")


def test_resolve_and_differences(register):
    values = params.resolve_parameters(register, {"h800_gpus": 5000}, {"gpu_hour_price_usd": 3.0})
    assert values["h800_gpus"] == 5000 and values["gpu_hour_price_usd"] == 3.0 and values["hopper_gpus"] == 50000
    assert params.differs_from_baseline(register, values) == {
        "gpu_hour_price_usd": (2.0, 3.0),
        "h800_gpus": (10000, 5000),
    }


@pytest.mark.parametrize("text", ["20250228", "2025-2-28", "2025-02-28T00:00", "2025-W09-5", "２０２５-02-28"])
def test_dates_are_written_yyyy_mm_dd_and_nothing_else(register, text):
    with pytest.raises(params.ParameterError, match=r"as_of_date must be a date YYYY-MM-DD$"):
        register["as_of_date"].coerce(text, from_text=True)
    assert register["as_of_date"].coerce("2025-02-28", from_text=True) == "2025-02-28"


def test_a_long_value_is_clipped_in_the_message(register):
    with pytest.raises(params.ParameterError) as err:
        register["gpu_hour_price_usd"].coerce("9" * 10_000 + "x", from_text=True)
    assert len(str(err.value)) < 200


NOTEBOOK_03 = REPO / "notebooks" / "03_pretraining_estimate.ipynb"


def test_check_parameters_refuses_a_name_papermill_injected_that_the_notebook_does_not_declare():
    cell = notebooks.parameters_cell(NOTEBOOK_03)
    history = ["", cell, "# Parameters\ngpu_hour_pric = 3\n", "params.check_parameters(globals())"]
    with pytest.raises(
        params.ParameterError, match=r"^unknown parameter 'gpu_hour_pric'; did you mean gpu_hour_price_usd\?$"
    ):
        params.check_parameters({"In": history, "gpu_hour_price_usd": 2.0, "gpu_hour_pric": 3})
    history[2] = "# Parameters\ncapex_method = 'epoch_overhead'\n"  # a register parameter this notebook does not use
    with pytest.raises(params.ParameterError, match=r"^unknown parameter 'capex_method' given to this notebook"):
        params.check_parameters({"In": history, "gpu_hour_price_usd": 2.0, "capex_method": "epoch_overhead"})
    history[2] = "# Parameters\ngpu_hour_price_usd = 3\n"
    assert (
        params.check_parameters({"In": history, "gpu_hour_price_usd": 3, "h800_gpus": 10000})["gpu_hour_price_usd"]
        == 3.0
    )
    # outside a kernel (no history) every register parameter found is checked, as before
    assert params.check_parameters({"gpu_hour_price_usd": 2.5}) == {"gpu_hour_price_usd": 2.5}


@pytest.mark.slow
def test_papermill_run_directly_with_a_misspelt_parameter_fails_with_the_nearest_names(tmp_path):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(
            str(NOTEBOOK_03),
            str(tmp_path / "out.ipynb"),
            parameters={"gpu_hour_pric": 3.0},
            kernel_name="python3",
            cwd=str(NOTEBOOK_03.parent),
            progress_bar=False,
        )
    assert err.value.ename == "ParameterError"
    assert err.value.evalue == "unknown parameter 'gpu_hour_pric'; did you mean gpu_hour_price_usd?"


def test_check_parameters_refuses_a_value_that_makes_the_model_overflow():
    """Run directly (``papermill -p gpu_hour_price_usd 1e308``), a notebook refuses the value in its second cell."""
    with pytest.raises(params.ParameterError) as err:
        params.check_parameters({"gpu_hour_price_usd": 1e308})
    assert str(err.value) == (
        "gpu_hour_price_usd = 1e+308 makes the cost model overflow (cost_final_run_usd is inf); "
        "use a value nearer the register's range 1.3 to 3.42"
    )
    assert params.check_parameters({"gpu_hour_price_usd": 1e308}, check_outputs=False) == {"gpu_hour_price_usd": 1e308}
