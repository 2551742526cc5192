"""A run knows what it is: scenario, overrides, data and code, a short run id, stamped everywhere it is cited."""

import json

import pandas as pd
import pytest

from analysis import paths, report, run_identity
from conftest import REPO


def test_the_committed_data_are_listed_with_their_checksums():
    listed = run_identity.committed_checksums()
    assert listed == run_identity.checksums(), "data/ changed: run tools/stamp_data.py and commit data/SHA256SUMS"


def test_the_same_inputs_give_the_same_id_and_any_change_another(monkeypatch):
    base = run_identity.identify("baseline", {})
    assert base.modified_data == [] and "modified data" not in base.label
    assert run_identity.identify("baseline", {}).run_id == base.run_id
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # another day: the date is recorded, the id does not move
    dated = run_identity.identify("baseline", {})
    assert dated.built == "1970-01-01" and dated.run_id == base.run_id
    assert run_identity.identify("baseline", {"gpu_hour_price_usd": 3.0}).run_id != base.run_id
    assert run_identity.identify("high", {}).run_id != base.run_id


def test_edited_data_are_named_as_modified(data_copy):
    (data_copy / "assumptions.csv").write_text((data_copy / "assumptions.csv").read_text().replace("2.0", "2.5", 1))
    (data_copy / "extra.csv").write_text("a\n1\n")
    run = run_identity.identify("baseline", {}, data_copy)
    assert run.modified_data == ["assumptions.csv", "extra.csv"]
    assert run.label.endswith("modified data") and run.run_id != run_identity.identify("baseline", {}).run_id
    # An edited scenario file counts only for a run of that scenario.
    (data_copy / "assumptions.csv").write_bytes((paths.DATA_DIR / "assumptions.csv").read_bytes())
    (data_copy / "extra.csv").unlink()
    (data_copy / "scenarios" / "high.yaml").write_text((data_copy / "scenarios" / "high.yaml").read_text() + "\n")
    assert run_identity.identify("baseline", {}, data_copy).modified_data == []
    assert run_identity.identify("high", {}, data_copy, "scenarios/high.yaml").modified_data == ["scenarios/high.yaml"]


def test_a_build_stamps_its_run_on_results_figures_and_pages(baseline_build):
    run = json.loads((baseline_build / "results.json").read_text())["run"]
    assert run["scenario"] == "baseline" and run["overrides"] == {} and run["modified_data"] == []
    assert run["run_id"] == report.plan_report("baseline", out=baseline_build).run.run_id
    label = f"scenario baseline · run {run['run_id']}"
    manifest = pd.read_csv(baseline_build / "figures" / "figures.csv")
    assert set(manifest["run_id"]) == {run["run_id"]} and set(manifest["scenario"]) == {"baseline"}
    for figure_id in manifest["id"]:
        with open(baseline_build / "figures" / f"{figure_id}.csv", encoding="utf-8") as fh:
            assert fh.readline().startswith(f"# Figure {figure_id}") and fh.readline().strip() == f"# {label}"
        svg = (baseline_build / "figures" / f"{figure_id}.svg").read_text()
        assert run["run_id"] in svg  # the footer names the run
    index = (baseline_build / "index.html").read_text()
    assert f"run <code>{run['run_id']}</code>" in index and f"v0.1.0, {label}" in index  # header and cite block
    page = (baseline_build / "notebooks" / "06_true_cost.html").read_text()
    assert label in page


def test_the_committed_figures_carry_the_committed_runs_stamp():
    run = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["run"]
    with open(REPO / "figures" / "fig06_bridge.csv", encoding="utf-8") as fh:  # the committed figures
        assert run["run_id"] in fh.read()


@pytest.mark.parametrize("bad", ["", "not json", "{}"])
def test_outside_a_build_a_figure_says_so(monkeypatch, bad):
    from analysis import figures

    monkeypatch.setenv(run_identity.ENV_VAR, bad)
    assert figures.run_stamp() == "not built by the runner"
