"""Comparing runs: ``python -m analysis compare``, the semianalysis-as-published scenario, and the front
page of a non-baseline run beside the baseline."""

from __future__ import annotations

import csv
import html
import json
import re
import time

import pytest

from analysis import compare, costs, data, params, paths, report, steps
from analysis.formatting import format_value
from analysis.runner.outdir import BUILT_BY, MARKER_NAME, foreign_content
from conftest import run_cli


def _result(value, unit="USD", label="A cost", headline=True, notebook="06_true_cost"):
    return {"value": value, "unit": unit, "label": label, "headline": headline, "notebook": notebook}


def _fake_report(folder, results, marker=True):
    """A report folder as the runner leaves it: results.json and (optionally) the runner's marker."""
    folder.mkdir(parents=True)
    content = {"meta": {"scenario": folder.name}, "results": results}
    (folder / "results.json").write_text(json.dumps(content), encoding="utf-8")
    if marker:
        files = ["results.json"]
        (folder / MARKER_NAME).write_text(json.dumps({"built_by": BUILT_BY, "files": files}), encoding="utf-8")
    return folder


@pytest.fixture
def two_runs(tmp_path):
    low = _fake_report(
        tmp_path / "low",
        {
            "cost_usd": _result(2e6, label="Cost of the thing"),
            "margin": _result(0.5, unit="fraction", label="Margin of the thing", notebook="05_competitive_pricing"),
            "gpus": _result(100, unit="GPUs", label="GPUs counted", headline=False, notebook="01_gpu_inventory"),
            "zero_usd": _result(0.0, label="Nothing at first", headline=False),
        },
    )
    high = _fake_report(
        tmp_path / "high",
        {
            "cost_usd": _result(3e6, label="Cost of the thing (high)"),
            "margin": _result(0.25, unit="fraction", label="Margin of the thing", notebook="05_competitive_pricing"),
            "gpus": _result(100, unit="GPUs", label="GPUs counted", headline=False, notebook="01_gpu_inventory"),
            "zero_usd": _result(5.0, label="Nothing at first", headline=False),
        },
    )
    return low, high


def _csv_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_compare_prints_headline_results_side_by_side_with_the_change(two_runs):
    low, high = two_runs
    done = run_cli("compare", str(low), str(high))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["What", "it", "is", "low", "high", "high", "vs", "low"]
    # Step 5's margin before step 6's cost (step order); the first run's label; format_value; change in %.
    assert lines[1].split("  ")[0] == "Margin of the thing"
    assert [c.strip() for c in lines[1].split("  ") if c.strip()][1:] == ["50%", "25%", "−50%"]
    # The label is the first run's; the high run's differs, so it is marked and said below the table.
    assert [c.strip() for c in lines[2].split("  ") if c] == ["Cost of the thing ‡", "US$2M", "US$3M", "+50%"]
    assert lines[3].startswith("‡ the label is low's") and len(lines) == 4  # no non-headline result without --all


def test_compare_writes_the_csv_into_the_last_report_and_keeps_it_the_runners(two_runs):
    low, high = two_runs
    assert run_cli("compare", str(low), str(high)).returncode == 0
    rows = _csv_rows(high / "compare.csv")
    assert [r["id"] for r in rows] == ["margin", "cost_usd"]
    cost = rows[1]
    assert (cost["label"], cost["unit"], float(cost["low"]), float(cost["high"])) == (
        "Cost of the thing",
        "USD",
        2e6,
        3e6,
    )
    assert float(cost["high_vs_low_percent"]) == pytest.approx(50.0)
    assert (cost["label_in_other_runs"], rows[0]["label_in_other_runs"]) == ("high: Cost of the thing (high)", "")
    # The runner still knows the folder as its own report (a later build may replace it).
    assert foreign_content(high) is None
    assert not (low / "compare.csv").exists()


def test_compare_all_lists_every_result_and_says_when_a_change_is_undefined(two_runs, tmp_path):
    low, high = two_runs
    out = tmp_path / "cmp.csv"
    done = run_cli("compare", str(low), str(high), "--all", "--csv", str(out))
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in _csv_rows(out)}
    assert set(rows) == {"cost_usd", "margin", "gpus", "zero_usd"}
    assert rows["gpus"]["high_vs_low_percent"] == "0.0"
    assert rows["zero_usd"]["high_vs_low_percent"] == ""  # from zero: no finite change
    assert "n/a" in next(line for line in done.stdout.splitlines() if line.startswith("Nothing at first"))
    assert not (high / "compare.csv").exists()  # --csv: only there


def test_compare_three_runs_gives_each_later_run_its_change_against_the_first(two_runs, tmp_path):
    low, high = two_runs
    mid = _fake_report(tmp_path / "mid", json.loads((low / "results.json").read_text())["results"])
    done = run_cli("compare", str(low), str(high), str(mid), "--csv", str(tmp_path / "three.csv"))
    assert done.returncode == 0, done.stderr
    header = next(csv.reader(open(tmp_path / "three.csv", encoding="utf-8")))
    assert header == [
        "id",
        "label",
        "unit",
        "low",
        "high",
        "mid",
        "high_vs_low_percent",
        "mid_vs_low_percent",
        "label_in_other_runs",
    ]


def test_compare_is_deterministic(two_runs, tmp_path):
    low, high = two_runs
    outputs = []
    for name in ("a.csv", "b.csv"):
        done = run_cli("compare", str(low), str(high), "--all", "--csv", str(tmp_path / name))
        outputs.append((done.stdout, (tmp_path / name).read_bytes()))
    assert outputs[0] == outputs[1]


def _break(high, how):
    """Make the run ``high`` unreadable in one way; return the folder to give the command."""
    path = high / "results.json"
    if how == "missing folder":
        return high / "nope"
    if how == "a file":
        return path
    if how == "no results.json":
        path.unlink()
    else:
        path.write_text(
            {"not json": "{not json", "text value": '{"results": {"x": {"value": "1"}}}', "a list": "[1, 2]"}[how]
        )
    return high


@pytest.mark.parametrize(
    "how, message",
    [
        ("missing folder", "error: {high}/nope: no such folder; give report folders that"),
        ("no results.json", "error: {high} is not a built report: it holds no results.json"),
        (
            "not json",
            "error: {high}/results.json is not valid JSON (line 1: Expecting property name enclosed in double quotes)",
        ),
        ("text value", "error: {high}/results.json: result 'x' has value '1'; it must be a finite number"),
        ("a list", "error: {high}/results.json: expected a mapping with 'results'"),
        ("a file", "error: {high}/results.json is not a folder"),
    ],
)
def test_compare_refuses_what_is_not_a_report_in_one_line(two_runs, how, message):
    low, high = two_runs
    before = (low / "results.json").read_bytes()
    target = _break(high, how)
    done = run_cli("compare", str(low), str(target))
    assert done.returncode == 2
    assert done.stderr.startswith(message.format(high=high)), done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""
    assert (low / "results.json").read_bytes() == before and not (low / "compare.csv").exists()


def test_compare_refuses_a_result_in_one_run_only(two_runs):
    low, high = two_runs
    content = json.loads((high / "results.json").read_text())
    content["results"]["extra_usd"] = _result(1.0)
    (high / "results.json").write_text(json.dumps(content))
    done = run_cli("compare", str(low), str(high))
    assert done.returncode == 2
    assert done.stderr == (
        "error: result 'extra_usd' is in high but not in low; compare runs built by the same version of the report\n"
    )
    assert not (high / "compare.csv").exists()


def test_compare_all_shows_a_result_that_one_run_does_not_compute_as_missing(two_runs, tmp_path):
    low, high = two_runs
    content = json.loads((high / "results.json").read_text())
    del content["results"]["gpus"]  # not a headline result: a run may legitimately lack it
    (high / "results.json").write_text(json.dumps(content))
    assert run_cli("compare", str(low), str(high)).returncode == 0  # the headline results are all there
    done = run_cli("compare", str(low), str(high), "--all", "--csv", str(tmp_path / "all.csv"))
    assert done.returncode == 0, done.stderr
    assert "note: 1 result(s) are not computed in every run" in done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("GPUs counted"))
    assert [c.strip() for c in row.split("  ") if c][1:] == ["100 GPUs", "–", "n/a"]
    gpus = next(r for r in _csv_rows(tmp_path / "all.csv") if r["id"] == "gpus")
    assert (gpus["low"], gpus["high"], gpus["high_vs_low_percent"]) == ("100", "", "")


def test_compare_refuses_one_run_and_a_unit_that_changed(two_runs):
    low, high = two_runs
    done = run_cli("compare", str(low))
    assert (done.returncode, done.stderr) == (
        2,
        "error: give at least two runs to compare, e.g. reports/baseline reports/high\n",
    )
    content = json.loads((high / "results.json").read_text())
    content["results"]["cost_usd"]["unit"] = "CNY"
    (high / "results.json").write_text(json.dumps(content))
    done = run_cli("compare", str(low), str(high))
    assert done.returncode == 2 and "result 'cost_usd' is in 'USD' in one run but in 'CNY' in another" in done.stderr


def test_compare_never_writes_into_the_committed_baseline_or_the_project(two_runs, tmp_path):
    low, high = two_runs
    baseline = paths.REPORTS_DIR / "baseline"
    before = sorted(p.name for p in baseline.iterdir())
    for target, words in (
        (baseline / "compare.csv", "is in the committed reports/baseline/"),
        (paths.DATA_DIR / "compare.csv", "holds the project's own files"),
        (high / "results.json", "is a file the report wrote"),
        (high / MARKER_NAME, "is a file the report wrote"),
        (tmp_path / "no-folder" / "x.csv", "is not an existing folder"),
    ):
        done = run_cli("compare", str(low), str(high), "--csv", str(target))
        assert done.returncode == 2 and words in done.stderr, (target, done.stderr)
    assert sorted(p.name for p in baseline.iterdir()) == before
    notes = tmp_path / "notes.csv"
    notes.write_text("my own notes\n")
    done = run_cli("compare", str(low), str(high), "--csv", str(notes))
    assert done.returncode == 2 and "is not a comparison this command wrote" in done.stderr
    assert notes.read_text() == "my own notes\n"


def test_compare_with_the_committed_baseline_last_writes_no_csv_into_it(two_runs):
    low, _ = two_runs
    baseline = paths.REPORTS_DIR / "baseline"
    unmarked = low.parent / "copy"
    unmarked.mkdir()
    (unmarked / "results.json").write_bytes((baseline / "results.json").read_bytes())
    done = run_cli("compare", str(unmarked), str(baseline))
    assert done.returncode == 0, done.stderr
    assert "no CSV written" in done.stderr
    assert not (baseline / "compare.csv").exists() and not (unmarked / "compare.csv").exists()


def test_compare_of_two_real_runs_takes_under_a_second(tmp_path):
    """Two runs of the committed baseline's size (169 results): the command, start to end, under 1 s."""
    baseline = paths.REPORTS_DIR / "baseline"
    results = json.loads((baseline / "results.json").read_text())["results"]
    other = _fake_report(tmp_path / "other", results)
    started = time.perf_counter()
    done = run_cli("compare", str(baseline), str(other), "--all")
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert len(_csv_rows(other / "compare.csv")) == len(results)
    assert seconds < 3.0  # 0.6 s measured; headroom for a loaded 2-core machine (make bench reports it)


def test_compare_functions_agree_with_the_cli(two_runs):
    runs = compare.load_runs(two_runs)
    rows = compare.compare(runs)
    assert [(r.id, r.values, r.changes) for r in rows] == [
        ("margin", (0.5, 0.25), (-0.5,)),
        ("cost_usd", (2e6, 3e6), (0.5,)),
    ]


# --------------------------------------------------------------------------- semianalysis-as-published
SA_SCENARIO = "semianalysis-as-published"


def test_the_semianalysis_scenario_reproduces_its_capex_and_opex_within_2_percent():
    register = params.load_register()
    scenario = params.load_scenario(SA_SCENARIO, register=register)
    values = params.resolve_parameters(register, scenario.overrides)
    published = data.load_published_figures().set_index("figure_id")["value"]
    capex = steps.step1(values)["fleet_capex_usd"]
    opex = steps.step2(values)["opex_4y_usd"]
    assert capex == pytest.approx(published["sa_server_capex_usd"], rel=0.02)  # ~US$1.6B
    assert opex == pytest.approx(published["sa_operating_cost_usd"], rel=0.02)  # US$944M
    # ... and the baseline does not (else the scenario would assume nothing).
    base = params.resolve_parameters(register)
    assert steps.step1(base)["fleet_capex_usd"] != pytest.approx(published["sa_server_capex_usd"], rel=0.02)


def test_every_override_of_the_semianalysis_scenario_names_its_sources_in_the_file():
    """Each override line ends in ``# source-id[; source-id]: why``, with ids of data/sources.csv; a fit says so."""
    path = paths.DATA_DIR / "scenarios" / f"{SA_SCENARIO}.yaml"
    scenario = params.load_scenario(path)
    known = data.source_ids()
    lines = {
        line.split(":", 1)[0].strip(): line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("  ") and not line.strip().startswith(("-", "#"))
    }
    for name in scenario.overrides:
        assert "#" in lines[name], f"{name}: no source comment"
        ids = [s.strip() for s in lines[name].split("#", 1)[1].split(":", 1)[0].split(";")]
        assert ids and all(s in known for s in ids), (name, ids)
        assert set(ids) <= set(scenario.source_ids), f"{name}: its sources are not in the file's sources list"
        if "fitted" in lines[name]:
            assert "assumption" in ids, f"{name} is a fit, so it must say it is our assumption"


def test_step6_says_how_close_the_run_is_and_what_the_scenario_assumes():
    base = steps.step6({**steps.run_values(), "monte_carlo_draws": 2_000})
    register = params.load_register()
    scenario = params.load_scenario(SA_SCENARIO, register=register)
    values = params.resolve_parameters(register, scenario.overrides)
    capex_fit = steps.step1(values)["fleet_capex_usd"]
    assert base["sa_as_published_fleet_capex_usd"] == capex_fit
    assert base["sa_gap_fleet_capex"] == pytest.approx(steps.step1(steps.run_values())["fleet_capex_usd"] / 1.6e9 - 1)
    assert base["sa_gap_opex_4y"] == pytest.approx(steps.step2(steps.run_values())["opex_4y_usd"] / 944e6 - 1)
    sentence = base.text["semianalysis"]
    assert format_value(capex_fit, "USD") in sentence
    for name in scenario.overrides:  # every assumption of the scenario is named, in words, with its value
        assert register[name].label in sentence
    # At another run's values the run's gap moves, the scenario's does not.
    high = params.resolve_parameters(register, params.load_scenario("high", register=register).overrides)
    other = steps.step6({**high, "monte_carlo_draws": 2_000})
    assert other["sa_as_published_fleet_capex_usd"] == capex_fit
    assert other["sa_gap_opex_4y"] != pytest.approx(base["sa_gap_opex_4y"])
    assert "above" in other.text["semianalysis"].split("The `")[0]  # the high run's opex exceeds US$944M


# --------------------------------------------------------------------------- the front page of a non-baseline run
@pytest.fixture(scope="module")
def high_build(tmp_path_factory):
    """The high scenario, built once by the real runner (as `python -m analysis report --scenario high --out DIR`)."""
    out = tmp_path_factory.mktemp("high") / "high"
    plan = report.plan_report("high", out=out)
    return report.run_report(plan, jobs=2, progress=lambda message: None)


def _versus_rows(page: str) -> list[list[str]]:
    """The cells of the front page's "This run beside the baseline" table, as text."""
    section = page.split('<h3 id="versus">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)[1:]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows
    ]


def test_a_non_baseline_front_page_shows_its_costs_beside_the_baselines(high_build):
    page = (high_build / "index.html").read_text(encoding="utf-8")
    results = json.loads((high_build / "results.json").read_text())["results"]
    baseline = steps.step6(steps.run_values())  # the baseline, from the step function (not from a file)
    rows = _versus_rows(page)
    assert [r[0].rsplit(" ", 1)[1] for r in rows] == list(costs.NAMED_COSTS)
    for (_, run, base, change), rid in zip(rows, costs.NAMED_COSTS, strict=True):
        assert run == format_value(results[rid]["value"], "USD")
        assert base == format_value(baseline[rid], "USD")
        assert change == compare.format_change((results[rid]["value"] - baseline[rid]) / baseline[rid])
        assert change.startswith("+")  # every cost driver at its high end raises each cost
    # V3's 2.788M GPU-hours at US$3.42 vs US$2
    assert rows[0][1:] == [format_value(2_788_000 * 3.42, "USD"), format_value(2_788_000 * 2.0, "USD"), "+71%"]


def test_a_non_baseline_front_page_shows_the_baselines_bridge_beside_its_own(high_build):
    page = (high_build / "index.html").read_text(encoding="utf-8")
    pair = page.split('<div class="pair">', 1)[1].split("</div>", 1)[0]
    # The run's own bridge is the hero figure above (each figure once per page); the pair adds the baseline's.
    assert re.findall(r'<img src="([^"]+)"', pair) == ["figures/baseline/fig06_bridge.png"]
    assert 'href="#fig06_bridge"' in pair
    assert re.findall(r'<img src="(figures/fig06_bridge\.png)"', page) == ["figures/fig06_bridge.png"]
    ours = (high_build / "figures" / "baseline" / "fig06_bridge.csv").read_text(encoding="utf-8")
    committed = (paths.FIGURES_DIR / "fig06_bridge.csv").read_text(encoding="utf-8")  # the committed baseline's
    assert ours == committed  # the same numbers the baseline report draws
    assert ours != (high_build / "figures" / "fig06_bridge.csv").read_text(encoding="utf-8")
    assert foreign_content(high_build) is None  # the runner knows every file it wrote, the baseline's figure too


def test_the_baseline_front_page_shows_no_comparison(baseline_build):
    page = (baseline_build / "index.html").read_text(encoding="utf-8")
    assert 'id="versus"' not in page and '<div class="pair">' not in page
    assert not (baseline_build / "figures" / "baseline").exists()


def test_compare_two_real_builds_agrees_with_the_front_page(high_build, baseline_build):
    done = run_cli("compare", str(baseline_build), str(high_build))
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in _csv_rows(high_build / "compare.csv")}
    page_rows = _versus_rows((high_build / "index.html").read_text(encoding="utf-8"))
    for rid, (_, run, base, change) in zip(costs.NAMED_COSTS, page_rows, strict=True):
        assert format_value(float(rows[rid]["high"]), "USD") == run
        assert format_value(float(rows[rid]["baseline"]), "USD") == base
        assert compare.format_change(float(rows[rid]["high_vs_baseline_percent"]) / 100) == change
    assert foreign_content(high_build) is None
