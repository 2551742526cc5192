"""The command line: each bad input is one line, a non-zero exit and nothing written."""

import re

import pytest

from analysis import params, paths
from conftest import run_cli


def _snapshot(folder):
    if not folder.exists():
        return None
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["-p", "gpu_hour_pric", "3"],
            re.compile(r"error: unknown parameter 'gpu_hour_pric'; did you mean gpu_hour_price_usd( or \w+)*\?"),
        ),
        (
            ["-p", "gpu_hour_price_usd", "-1"],
            "error: gpu_hour_price_usd = -1 is not allowed: "
            "gpu_hour_price_usd must be a number > 0, i.e. in (0, inf) (USD per GPU-hour)",
        ),
        (
            ["-p", "gpu_hour_price_usd", "two"],
            "error: gpu_hour_price_usd = two has the wrong type: "
            "gpu_hour_price_usd must be a number (USD per GPU-hour)",
        ),
        (
            ["-p", "h800_gpus", "-10"],
            "error: h800_gpus = -10 is not allowed: "
            "h800_gpus must be a whole number >= 2048, i.e. in [2048, inf) (GPUs)",
        ),
        (
            ["-p", "h100_gpus", "-1"],
            "error: h100_gpus = -1 is not allowed: h100_gpus must be a whole number >= 0, i.e. in [0, inf) (GPUs)",
        ),
        (
            ["-p", "h800_gpus", "0.5"],
            "error: h800_gpus = 0.5 has the wrong type: h800_gpus must be a whole number (GPUs)",
        ),
        (
            ["-p", "h100_gpus", "45000"],
            "error: hopper_gpus (50,000) must be at least h800_gpus + h100_gpus (55,000); "
            "the H20s are the Hopper GPUs that are neither",
        ),
        (
            ["-p", "capex_method", "guess"],
            "error: capex_method = 'guess' is not allowed: "
            "capex_method must be one of published_server_prices, epoch_overhead",
        ),
        (
            ["-p", "utilisation", "1.5"],
            "error: utilisation = 1.5 is not allowed: "
            "utilisation must be a number > 0 and <= 1, i.e. in (0, 1] (fraction of GPU-hours doing useful work)",
        ),
        (
            ["-p", "useful_life_years", "0"],
            "error: useful_life_years = 0 is not allowed: "
            "useful_life_years must be a number > 0 and <= 20, i.e. in (0, 20] (years)",
        ),
        (
            ["-p", "as_of_date", "2025-01-10"],
            "error: as_of_date = 2025-01-10 is not allowed: "
            "as_of_date must be a date written YYYY-MM-DD, on or after 2025-01-20",
        ),
        (
            ["-p", "as_of_date", "2025-13-01"],
            "error: as_of_date = 2025-13-01 has the wrong type: as_of_date must be a date YYYY-MM-DD",
        ),
        (
            ["--scenario", "no-such-scenario"],
            f"error: unknown scenario 'no-such-scenario'; available: {', '.join(params.scenario_names())} "
            "(or give a path to a .yaml file)",
        ),
        (
            ["-p", "as_of_date", "20250228"],
            "error: as_of_date = 20250228 has the wrong type: as_of_date must be a date YYYY-MM-DD",
        ),
        (
            ["-p", "gpu_hour_price_usd", "1e308"],
            "error: gpu_hour_price_usd = 1e+308 makes the cost model overflow (cost_final_run_usd is inf); "
            "use a value nearer the register's range 1.3 to 3.42",
        ),
        (
            ["-p", "gpu_hour_price_usd", "x" * 5000],
            "error: gpu_hour_price_usd = "
            + "x" * 57
            + "... has the wrong type: gpu_hour_price_usd must be a number (USD per GPU-hour)",
        ),
        (
            ["--jobs", "0"],
            "error: argument --jobs: --jobs must be a whole number >= 1, got '0' "
            "(see `python -m analysis report --help`)",
        ),
        (
            ["-p", "gpu_hour_price_usd"],
            "error: argument -p/--parameter: expected 2 arguments (see `python -m analysis report --help`)",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    reports_before = _snapshot(paths.REPORTS_DIR)
    for extra in ([], ["--out", str(tmp_path / "out")]):
        proc = run_cli("report", *args, *extra)
        assert proc.returncode == 2, proc.stderr
        if isinstance(message, re.Pattern):
            assert message.fullmatch(proc.stderr.rstrip("\n")), proc.stderr
        else:
            assert proc.stderr == message + "\n"
        assert proc.stdout == ""
        assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
    assert _snapshot(paths.REPORTS_DIR) == reports_before


def test_malformed_scenario_file_is_refused(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("description: x\nsources: [assumption]\noverrides:\n  gpu_hour_price_usd: [1, 2]\n")
    proc = run_cli("report", "--scenario", str(bad), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert (
        proc.stderr == "error: gpu_hour_price_usd = [1, 2] has the wrong type: "
        "gpu_hour_price_usd must be a number (USD per GPU-hour)\n"
    )
    assert not (tmp_path / "out").exists()


def test_broken_data_row_stops_the_run_before_anything_runs(data_copy, tmp_path):
    path = data_copy / "training_runs.csv"
    path.write_text(path.read_text().replace(",119000,238000,", ",119000,-238000,"))
    proc = run_cli("report", "--out", str(tmp_path / "out"), env={"DSTC_DATA_DIR": str(data_copy)})
    assert proc.returncode == 2
    assert (
        proc.stderr
        == "error: data/training_runs.csv, row 2 (line 3), column published_cost_usd: must be >= 0, got -238000\n"
    )
    assert not (tmp_path / "out").exists()


def test_params_lists_every_parameter_with_range_unit_source_and_notebooks():
    proc = run_cli("params")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["name", "value", "range", "unit", "sources", "notebooks"]
    row = next(line for line in lines if line.startswith("gpu_hour_price_usd "))
    for expected in (
        "2",
        "1.3 to 3.42 (triangular)",
        "USD per GPU-hour",
        "deepseek-v3-report",
        "03_pretraining_estimate",
    ):
        assert expected in row
    fact = next(line for line in lines if line.startswith("bytes_per_weight "))
    assert "fixed (a sourced fact: not overridable)" in fact
    assert "not overridable" not in next(line for line in lines if line.startswith("random_seed "))


def test_scenarios_lists_baseline():
    proc = run_cli("scenarios")
    assert proc.returncode == 0, proc.stderr
    assert any(line.startswith("baseline ") for line in proc.stdout.splitlines())


def test_check_passes_on_the_committed_data():
    proc = run_cli("check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: ")


def test_help_lists_the_commands():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("report", "params", "scenarios", "check"):
        assert command in proc.stdout
