"""The runner end to end: real notebooks, real kernels, real files."""

import json
import re
import shutil
import subprocess

import nbformat
import pytest

from analysis import notebooks, paths, report
from conftest import REPO, run_cli

COMMITTED = REPO / "reports" / "baseline"


def _results(folder):
    return json.loads((folder / "results.json").read_text())["results"]


def test_baseline_build_has_every_output(baseline_build):
    for name in (
        "index.html",
        "results.json",
        "results.csv",
        "figures/figures.csv",
        "notebooks/03_pretraining_estimate.ipynb",
        "notebooks/03_pretraining_estimate.html",
        "notebooks/03_pretraining_estimate.code.html",
        "sources.html",
        "glossary.html",
    ):
        assert (baseline_build / name).is_file(), name
    import pandas as pd

    figures = pd.read_csv(baseline_build / "figures" / "figures.csv")
    assert len(figures) >= 2
    for fid, sources, data_file in figures[["id", "sources", "data_file"]].itertuples(index=False):
        assert (baseline_build / "figures" / f"{fid}.svg").stat().st_size > 1000
        assert (baseline_build / "figures" / f"{fid}.png").stat().st_size > 1000
        # each figure ships the numbers it draws, units in the column names, and its sources
        assert data_file == f"{fid}.csv"
        drawn = pd.read_csv(baseline_build / "figures" / data_file, comment="#")
        assert len(drawn) >= 1 and drawn.columns[-1] == "source_ids", fid
        assert set(drawn["source_ids"]) == {sources}, fid
        assert all(re.fullmatch(r"[a-z0-9_]+", c) for c in drawn.columns), (fid, list(drawn.columns))
    assert not list(baseline_build.parent.glob(".*building")), "the temporary build folder was left behind"


def test_baseline_numbers_match_the_published_ones(baseline_build):
    r = _results(baseline_build)
    # DeepSeek-V3 report, Table 1 and section 1.
    assert r["v3_training_gpu_hours"]["value"] == 2_788_000
    assert r["v3_training_cost_usd"]["value"] == 5_576_000
    assert r["v3_pretraining_cost_usd"]["value"] == 5_328_000
    assert r["v3_context_extension_cost_usd"]["value"] == 238_000
    assert r["v3_post_training_cost_usd"]["value"] == 10_000
    assert r["v3_gpu_hours_per_trillion_tokens"]["value"] == pytest.approx(180_000)
    assert round(r["v3_days_per_trillion_tokens"]["value"], 1) == 3.7
    assert r["v3_pretraining_days"]["value"] == pytest.approx(54.2, abs=0.05)
    # 6ND by hand and R1's Nature supplement
    # (sources deepseek-v3-report, kaplan-2020-scaling-laws, deepseek-r1-nature-2025).
    assert r["v3_mfu_bf16"]["value"] == pytest.approx(0.346, abs=5e-4)
    assert r["v3_mfu_fp8"]["value"] == pytest.approx(0.173, abs=5e-4)
    assert r["r1_rl_gpu_hours"]["value"] == 147_336
    assert r["r1_rl_cost_usd"]["value"] == 294_672
    assert r["v3_r1_cost_usd"]["value"] == pytest.approx(5.87e6, abs=5e3)
    assert r["fleet_gpus_total"]["value"] == 60_000
    for item in r.values():
        assert item["unit"] and item["label"] and item["sources"] and item["notebook"]


def test_results_csv_agrees_with_results_json(baseline_build):
    rows = (baseline_build / "results.csv").read_text().splitlines()
    assert rows[0] == "id,value,unit,label,notebook,sources,headline"
    assert len(rows) - 1 == len(_results(baseline_build))


def test_executed_notebooks_carry_no_run_noise(baseline_build):
    nb = nbformat.read(baseline_build / "notebooks" / "03_pretraining_estimate.ipynb", as_version=4)
    assert set(nb.metadata["papermill"]) <= {"parameters", "default_parameters", "version"}
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells)


def test_html_report_view_hides_code_and_loads_nothing_remote(baseline_build):
    page = (baseline_build / "notebooks" / "03_pretraining_estimate.html").read_text()
    full = (baseline_build / "notebooks" / "03_pretraining_estimate.code.html").read_text()
    assert "check_parameters</span>" not in page and "check_parameters</span>" in full
    for html in (page, full, (baseline_build / "index.html").read_text()):
        assert '<script src="http' not in html and '<link rel="stylesheet" href="http' not in html
        assert "Traceback" not in html
    index = (baseline_build / "index.html").read_text()
    assert "v3_training_cost_usd" in index and "US$5.576M" in index
    assert "python -m analysis report" in index


def test_committed_baseline_results_equal_a_fresh_run(baseline_build):
    import json

    def undated(path):  # the build's date is the one field two builds of the same inputs may differ in
        document = json.loads(path.read_text())
        document["run"].pop("built")
        return document

    assert undated(COMMITTED / "results.json") == undated(baseline_build / "results.json"), (
        "reports/baseline/results.json is stale: run `make report` and commit it"
    )
    assert (COMMITTED / "results.csv").read_text() == (baseline_build / "results.csv").read_text()


def _under_the_lock() -> bool:
    """Whether matplotlib is the version requirements.lock pins
    (its wheel bundles the FreeType the figures were drawn with).
    """
    import re

    import matplotlib

    pinned = re.search(r"^matplotlib==([^\s;\\]+)", (REPO / "requirements.lock").read_text(), flags=re.M)
    return bool(pinned) and pinned.group(1) == matplotlib.__version__


def test_figures_are_byte_identical_to_the_committed_ones(baseline_build):
    """Exact bytes under the lock; elsewhere (e.g. conda's FreeType draws text a pixel apart)
    the PNGs' pixels within a tolerance.
    """
    import numpy as np
    from PIL import Image

    from analysis.runner.publish import CITABLE_FIGURE_FILE

    fresh = sorted(p.name for p in (baseline_build / "figures").iterdir() if CITABLE_FIGURE_FILE.match(p.name))
    committed_dir = REPO / "figures"  # the baseline's citable figures, committed once at the top level
    committed = sorted(p.name for p in committed_dir.iterdir()) if committed_dir.is_dir() else []
    assert fresh == committed, "figures/ is stale: run `make report` and commit figures/"
    exact = _under_the_lock()
    for name in fresh:
        new, old = (baseline_build / "figures" / name), (committed_dir / name)
        if exact or name.endswith((".csv", ".md")):
            assert new.read_bytes() == old.read_bytes(), name
        elif name.endswith(".png"):
            a, b = (np.asarray(Image.open(p).convert("L"), dtype=float) for p in (new, old))
            assert a.shape == b.shape and np.abs(a - b).mean() < 2.0, (
                name
            )  # grey levels 0-255: text may move a pixel, no more


def test_each_figure_is_stored_once_as_its_files(baseline_build):
    """Executed notebooks link each figure's SVG in ../figures/ instead of holding a copy of it."""
    import re

    import nbformat

    from analysis import results

    for path in sorted((baseline_build / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        embedded = [m for o in outputs for m in o.get("data", {}) if m.startswith("image/")]
        assert embedded == [], f"{path.name} embeds {embedded}"
        for entry in results.outputs_of_type(nb, results.FIGURE_MIME_TYPE):
            shown = [o["data"]["text/html"] for o in outputs if results.FIGURE_MIME_TYPE in o.get("data", {})]
            src = f"../figures/{entry['id']}.svg"
            assert any(re.search(f'<img src="{re.escape(src)}"', h) for h in shown), (path.name, entry["id"])
            assert (path.parent / src).is_file()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", "reports/baseline/figures/fig06_bridge.svg"], cwd=REPO, check=False
    )
    assert ignored.returncode == 0, "the baseline figures are committed once, in figures/, not in reports/baseline/"


def test_parameter_overrides_change_the_results(tmp_path, baseline_build):
    out = tmp_path / "override"
    proc = run_cli(
        "report",
        "-p",
        "gpu_hour_price_usd",
        "3",
        "-p",
        "hopper_gpus",
        "40000",
        "-p",
        "h100_gpus",
        "0",
        "-p",
        "useful_life_years",
        "8",
        "--out",
        str(out),
        "--jobs",
        "2",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r, base = _results(out), _results(baseline_build)
    assert r["v3_training_cost_usd"]["value"] == 8_364_000  # 2,788K GPU-hours x US$3
    assert r["r1_rl_cost_usd"]["value"] == 147_336 * 3
    # Step 1: dropping the H100s (and them only) gives exactly the baseline's "without H100" subtotal.
    assert r["fleet_capex_usd"]["value"] == pytest.approx(base["fleet_capex_without_h100_usd"]["value"])
    assert r["fleet_gpus_total"]["value"] == 50_000
    # Step 2: a smaller fleet costs less to own; the owned H800-hour is compared with the new rental price.
    assert r["tco_4y_usd"]["value"] < base["tco_4y_usd"]["value"]
    assert r["owned_to_rental_ratio_h800"]["value"] == pytest.approx(r["owned_cost_per_h800_hour_usd"]["value"] / 3)
    # Steps 4 and 5 price with step 2's owned H800-hour at this run's parameters, not a copy of the baseline's.
    assert r["owned_cost_per_h800_hour_usd"]["value"] != pytest.approx(base["owned_cost_per_h800_hour_usd"]["value"])
    _assert_steps_4_and_5_use_step_2s_owned_hour(r)
    meta = json.loads((out / "results.json").read_text())["meta"]
    assert meta["parameters"]["gpu_hour_price_usd"] == 3.0
    assert meta["differs_from_baseline"] == ["gpu_hour_price_usd", "h100_gpus", "hopper_gpus", "useful_life_years"]
    index = (out / "index.html").read_text()
    assert "gpu_hour_price_usd" in index and "h100_gpus" in index
    n = len(notebooks.notebook_paths())
    assert "03_pretraining_estimate: ok" in proc.stderr and f"[{n}/{n}]" in proc.stderr


def _assert_steps_4_and_5_use_step_2s_owned_hour(r):
    owned = r["owned_cost_per_h800_hour_usd"]["value"]
    # Step 5: DeepSeek's day of serving, 226.75 nodes x 8 H800 x 24 h, at the owned hour.
    assert r["day6_cost_owned_usd"]["value"] == pytest.approx(226.75 * 8 * 24 * owned, rel=1e-12)
    # Step 4: one 8-GPU node at the owned hour, over DeepSeek's measured ~14.8k output tokens/s.
    assert r["cost_per_m_output_tokens_owned_usd"]["value"] == pytest.approx(
        8 * owned / (14_800 * 3600) * 1e6, rel=1e-12
    )


def test_steps_1_and_2_baseline_numbers(baseline_build):
    r = _results(baseline_build)
    # Step 1 (published server prices, at the sourced 7.1358 CNY/USD): ~US$1.45B; SA's US$1.6B is 10% above.
    assert r["fleet_capex_usd"]["value"] / 1e9 == pytest.approx(1.446, abs=0.005)
    assert r["sa_implied_h100_cost_per_gpu_usd"]["value"] == pytest.approx(30_000)
    assert r["sa_implied_a100_cost_per_gpu_usd"]["value"] == pytest.approx(20_000)
    assert abs(r["capex_gap_all_best"]["value"]) < 0.03
    assert r["inference_fleet_gpus_day6"]["value"] == 1_814
    assert r["fleet_network_capex_usd"]["value"] == pytest.approx(
        (r["fleet_capex_usd"]["value"] - 1e9 / 7.1358) * 0.19 / 0.81
    )
    # Step 2: SemiAnalysis's CapEx + US$944M over 4 years = US$636M a year (facts check 8).
    assert r["sa_tco_per_year_usd"]["value"] == pytest.approx(636e6)
    assert r["tco_4y_usd"]["value"] == pytest.approx(4 * r["tco_per_year_usd"]["value"])
    assert 0 < r["electricity_share_of_sa_opex"]["value"] < 0.3  # electricity explains only a fraction of US$944M
    assert 1.0 < r["owned_cost_per_h800_hour_usd"]["value"] < 4.0
    _assert_steps_4_and_5_use_step_2s_owned_hour(r)
    # Step 6: each named cost's value at the baseline lies between the 25th and 75th percentile of its own Monte Carlo.
    for key in (
        "cost_final_run_usd",
        "cost_development_usd",
        "company_cost_per_year_usd",
        "cost_capability_tco_4y_usd",
    ):
        assert 0.25 <= r[f"{key}_point_percentile"]["value"] <= 0.75, key
        assert r[f"{key}_p05"]["value"] < r[f"{key}_p50"]["value"] < r[f"{key}_p95"]["value"], key


def test_default_output_folder_names_the_overrides():
    assert report.default_out_dir("baseline", {}) == paths.REPORTS_DIR / "baseline"
    assert report.default_out_dir("baseline", {"gpu_hour_price_usd": 3.0}).name == "baseline+gpu_hour_price_usd=3.0"
    long = report.default_out_dir("baseline", {f"parameter_{i}": "x" * 20 for i in range(10)}).name
    assert (
        long.startswith("baseline+parameter_0=xxxxxxxxxxxxxxxxxxxx+")
        and len(long.encode()) <= report.MAX_DEFAULT_NAME_BYTES
    )
    assert report.default_out_dir("baseline", {"as_of_date": "a/b"}).name == "baseline+as_of_date=a_b", (
        "never a sub-folder"
    )


def test_rerun_command_is_the_command_that_rebuilds_the_report(tmp_path):
    plan = report.plan_report("high", [("gpu_hour_price_usd", "3")], out=tmp_path / "my run")
    assert (
        plan.rerun_command()
        == f"python -m analysis report --scenario high -p gpu_hour_price_usd 3.0 --out '{tmp_path}/my run'"
    )
    assert report.plan_report("baseline").rerun_command() == "python -m analysis report"


FAILING_NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# A notebook that fails"},
        {
            "cell_type": "code",
            "id": "b",
            "metadata": {"tags": ["parameters"]},
            "execution_count": None,
            "outputs": [],
            "source": "gpu_hour_price_usd: float = 2.0  # USD per GPU-hour; deepseek-v3-report",
        },
        {
            "cell_type": "code",
            "id": "c",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "raise RuntimeError('deliberate failure')",
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_a_failed_run_names_the_cell_keeps_the_notebook_and_leaves_earlier_outputs(tmp_path, baseline_build):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "99_fails.ipynb").write_text(json.dumps(FAILING_NOTEBOOK))
    out = tmp_path / "reports" / "baseline"
    shutil.copytree(baseline_build, out)  # an earlier good output
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    plan = report.plan_report("baseline", out=out, notebooks_dir=notebooks)
    with pytest.raises(report.ReportError) as err:
        report.run_report(plan, jobs=1, progress=lambda m: None)
    message = str(err.value)
    assert message.startswith(
        "notebook 99_fails.ipynb failed at In [3] `raise RuntimeError('deliberate failure')`: "
        "RuntimeError: deliberate failure;"
    )
    assert "\n" not in message
    kept = tmp_path / "reports" / "baseline.failed" / "notebooks" / "99_fails.ipynb"
    assert kept.is_file(), "the failed notebook must be kept for inspection"
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "a failed run must leave the earlier output untouched"
    assert not list((tmp_path / "reports").glob(".*building"))


DYING_NOTEBOOK = {
    **FAILING_NOTEBOOK,
    "cells": FAILING_NOTEBOOK["cells"][:2]
    + [
        {
            "cell_type": "code",
            "id": "c",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)  # the kernel dies, as if out of memory",
        },
    ],
}


def test_a_kernel_that_dies_mid_notebook_is_reported_as_such_and_kept(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "98_dies.ipynb").write_text(json.dumps(DYING_NOTEBOOK))
    plan = report.plan_report("baseline", out=tmp_path / "reports" / "run", notebooks_dir=notebooks)
    with pytest.raises(report.ReportError) as err:
        report.run_report(plan, jobs=1, progress=lambda m: None)
    message = str(err.value)
    assert message.startswith(
        "notebook 98_dies.ipynb failed at In [3] `import os, signal`: the kernel died (DeadKernelError"
    ), message
    assert "kernel start" not in message and "\n" not in message
    assert (tmp_path / "reports" / "run.failed" / "notebooks" / "98_dies.ipynb").is_file()
    assert not (tmp_path / "reports" / "run").exists()


def test_the_margin_is_one_number_on_every_page(baseline_build):
    """DeepSeek's 545% (US$562,027 / US$87,072 - 1) is quoted the same way everywhere;
    the rebuild from rounded tokens only in step 5.
    """
    from analysis.formatting import format_value

    r = _results(baseline_build)
    assert r["day6_margin"]["value"] == pytest.approx(562_027 / 87_072 - 1, rel=1e-12)
    assert r["day6_margin_rebuilt"]["value"] == pytest.approx(562_100 / 87_072 - 1, rel=1e-12)
    shown, rebuilt = (
        format_value(r["day6_margin"]["value"], "fraction"),
        format_value(r["day6_margin_rebuilt"]["value"], "fraction"),
    )
    pages = {
        p.name: p.read_text() for p in [baseline_build / "index.html", *(baseline_build / "notebooks").glob("*.html")]
    }
    assert shown in pages["index.html"] and shown in pages["05_competitive_pricing.html"]
    for name, page in pages.items():
        for other in ("546%", "5.456 ratio", "5.455 ratio", "5.45 ratio", "6.5x"):
            if other == rebuilt and name.startswith("05_competitive_pricing"):
                continue  # at three figures the rebuild from rounded tokens reads 546%: step 5 gives it as that
            assert other not in page, (name, other)
        if not name.startswith("05_competitive_pricing"):
            assert rebuilt not in page, name


def test_step_5_baseline_numbers(baseline_build):
    r = _results(baseline_build)
    # List prices and DeepSeek's Day 6
    # (sources openai-community-o1-pricing, deepseek-api-pricing, deepseek-open-infra-day6).
    assert r["price_ratio_o1_to_r1_output"]["value"] == pytest.approx(27.4, abs=0.05)
    assert r["blended_price_r1_usd_per_m"]["value"] == pytest.approx(0.96)
    assert r["blended_price_o1_usd_per_m"]["value"] == pytest.approx(26.25)
    assert r["blended_price_gemini_2_flash_usd_per_m"]["value"] == pytest.approx(0.175)
    assert r["day6_cost_usd"]["value"] == 87_072
    assert r["day6_revenue_usd"]["value"] == pytest.approx(562_100)  # reported 562,027 from unrounded token counts
    assert r["day6_margin"]["value"] == pytest.approx(5.45, abs=0.01)  # "545%"
    # Break-even paid share: the day's cost over the revenue after V3 pricing and night discounts,
    # with half the tokens on V3 (R1 US$562,100, V3 US$280,560 at list prices; both US$140,280 off-peak)
    # and a fifth off-peak.
    after_night = 0.8 * (0.5 * 562_100 + 0.5 * 280_560) + 0.2 * 140_280
    assert r["day6_breakeven_paid_share"]["value"] == pytest.approx(87_072 / after_night, rel=1e-9)
    assert r["day6_margin_after_caveats"]["value"] < r["day6_margin"]["value"]
    assert r["models_priced_on_article_date"]["value"] < len(
        set(__import__("analysis").data.load_api_prices()["model"])
    )


def test_article_date_run_has_no_gemini_flash_price(tmp_path):
    out = tmp_path / "jan31"
    proc = run_cli("report", "-p", "as_of_date", "2025-01-31", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = _results(out)
    assert "blended_price_gemini_2_flash_usd_per_m" not in r  # not priced yet: never given a later price
    assert "price_ratio_r1_to_gemini_2_flash_output" not in r
    assert r["price_ratio_o1_to_r1_output"]["value"] == pytest.approx(27.4, abs=0.05)


SOCKET_NOTEBOOK = {
    **FAILING_NOTEBOOK,
    "cells": FAILING_NOTEBOOK["cells"][:2]
    + [
        {
            "cell_type": "code",
            "id": "c",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "from ipykernel.kernelapp import IPKernelApp\n"
            "app = IPKernelApp.instance()\n"
            "assert app.transport == 'ipc', app.transport\n"
            f"assert '/{report.KERNEL_SOCKETS_PREFIX}' in app.ip, app.ip",
        },
    ],
}


def test_kernels_talk_over_private_sockets_so_parallel_starts_cannot_collide(tmp_path):
    """TCP ports picked by two workers at once can collide and kill a kernel;
    Unix sockets in a folder per run cannot.
    """
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for i in range(4):
        (notebooks / f"9{i}_sockets.ipynb").write_text(json.dumps(SOCKET_NOTEBOOK))
    plan = report.plan_report("baseline", out=tmp_path / "out", notebooks_dir=notebooks)
    out = report.run_report(plan, jobs=2, progress=lambda m: None)
    assert sorted(p.name for p in (out / "notebooks").glob("*.ipynb")) == [f"9{i}_sockets.ipynb" for i in range(4)]
    assert not list(tmp_path.glob("**/kernel-*")), (
        "socket files are left in a temporary folder, not beside the notebooks"
    )


def test_notebooks_start_longest_first_by_figures_then_code(baseline_build):
    """LPT order: the notebooks that save the most figures (then have the most code) start first."""
    import csv

    order = [nb.stem for nb in report.longest_first(notebooks.notebook_paths())]
    work = {nb.stem: report.expected_work(nb) for nb in notebooks.notebook_paths()}
    assert [work[s] for s in order] == sorted(work.values(), reverse=True)
    # The figures counted from each notebook's source are the figures its run saved (the build's manifest).
    with (baseline_build / "figures" / "figures.csv").open() as fh:
        saved = {}
        for row in csv.DictReader(fh):
            saved[row["notebook"]] = saved.get(row["notebook"], 0) + 1
    assert {stem: figures for stem, (figures, _) in work.items()} == saved
