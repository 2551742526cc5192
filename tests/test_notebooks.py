"""The notebooks: committed clean, parameters first, thin code, and each runs on its own."""

import ast
import json
import subprocess
import sys

import nbformat
import pytest

from analysis import notebooks, params, results
from conftest import REPO

NOTEBOOKS = notebooks.notebook_paths()


def test_the_step_notebooks_exist():
    assert "03_pretraining_estimate.ipynb" in [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_a_kernelspec(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a code cell has stored outputs"
            assert cell["execution_count"] is None, f"{path.name}: a code cell has an execution count"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb["metadata"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_parameters_then_validation(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), (
        f"{path.name}: the first code cell must be tagged parameters"
    )
    assert notebooks.notebook_parameters(path), f"{path.name}: declares no parameters"
    assert "check_parameters(globals())" in code[1].source, (
        f"{path.name}: the second code cell must validate the parameters"
    )
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), (
        "a notebook opens with its title"
    )
    assert any("## The claim being checked" in c.source for c in nb.cells if c.cell_type == "markdown")
    assert any("## What this means" in c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_thin(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), (
                f"{path.name}: define functions in analysis/, not in notebooks"
            )
        assert "sys.path" not in cell.source
        if "parameters" in cell.metadata.get("tags", []):
            continue  # declarations generated from the register: as long as the parameters the step uses
        lines = cell.source.splitlines()
        wide = [line for line in lines if len(line) > 100]
        assert not wide, f"{path.name}: a code line over 100 characters: {wide[0]!r}"
        assert len(lines) <= 15, f"{path.name}: a code cell of {len(lines)} lines (at most 15: compose in analysis/)"


def _papermill(path, out, *args):
    return subprocess.run(
        [sys.executable, "-m", "papermill", str(path), str(out), "-k", "python3", "--no-progress-bar", *args],
        capture_output=True,
        text=True,
        cwd=REPO / "notebooks",
        timeout=600,
    )


def test_notebook_runs_on_its_own_with_papermill(tmp_path):
    path = REPO / "notebooks" / "03_pretraining_estimate.ipynb"
    proc = _papermill(path, tmp_path / "out.ipynb", "-p", "gpu_hour_price_usd", "3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    recorded = {r["id"]: r["value"] for r in results.collect(nbformat.read(tmp_path / "out.ipynb", as_version=4))}
    assert recorded["v3_training_cost_usd"] == 8_364_000.0


def test_notebook_on_its_own_refuses_a_bad_parameter_in_one_line(tmp_path):
    path = REPO / "notebooks" / "03_pretraining_estimate.ipynb"
    proc = _papermill(path, tmp_path / "out.ipynb", "-p", "gpu_hour_price_usd", "-1")
    assert proc.returncode != 0
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1
    assert errors[0]["ename"] == "ParameterError"
    assert errors[0]["traceback"] == [
        "ParameterError: gpu_hour_price_usd = -1 is not allowed: "
        "gpu_hour_price_usd must be a number > 0, i.e. in (0, inf) (USD per GPU-hour)"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_sources_cited_in_the_prose_are_registered(path):
    import re

    from analysis import data

    known = data.source_ids()
    nb = nbformat.read(path, as_version=4)
    cited = {
        m for c in nb.cells if c.cell_type == "markdown" for m in re.findall(r"\[([a-z0-9][a-z0-9\-]+)\]", c.source)
    }
    assert cited, f"{path.name} cites no source in its prose"
    assert cited <= known, f"{path.name} cites unknown sources: {sorted(cited - known)}"


DEPENDS_ON = {  # a notebook that records a modelled number declares every parameter the number depends on
    "01_gpu_inventory": ["fleet_capex_usd", "fleet_network_capex_usd"],
    "02_capex_amortisation": ["cost_capability_tco_4y_usd", "owned_cost_per_h800_hour_usd"],
    "03_pretraining_estimate": ["cost_final_run_usd", "fleet_gpu_hours_capacity"],
    "04_mla_inference": ["owned_cost_per_h800_hour_usd"],
    "05_competitive_pricing": ["owned_cost_per_h800_hour_usd", "fleet_gpus_total"],
    "06_true_cost": [
        "cost_final_run_usd",
        "cost_development_usd",
        "company_cost_per_year_usd",
        "cost_capability_tco_4y_usd",
        "fleet_gpu_hours_share_training",
        "fleet_gpu_hours_share_unallocated",
        "cost_development_owned_compute_usd",
    ],
}


@pytest.mark.parametrize("stem", sorted(DEPENDS_ON))
def test_a_notebook_declares_every_parameter_its_modelled_numbers_depend_on(stem):
    """So `-p NAME VALUE` or a scenario reaches every step that uses NAME, and no step copies another's result."""
    from analysis import model

    declared = set(notebooks.notebook_parameters(REPO / "notebooks" / f"{stem}.ipynb"))
    register = params.load_register()
    for scenario in ("baseline", "epoch-method"):
        values = params.resolve_parameters(register, params.load_scenario(scenario, register=register).overrides)
        for output in DEPENDS_ON[stem]:
            missing = set(model.drivers(output, values)) - declared
            assert not missing, f"{stem} records {output} but does not declare {sorted(missing)} ({scenario})"


def test_no_six_lines_of_code_repeat_across_the_notebooks():
    """Notebooks narrate; logic lives once in analysis/.
    Parameters cells declare what each step depends on and are not code.
    """
    from collections import defaultdict

    seen = defaultdict(set)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
                continue
            lines = [
                line.strip() for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")
            ]
            for start in range(len(lines) - 5):
                seen[tuple(lines[start : start + 6])].add(f"{path.stem} cell {index}")
    repeated = {block: places for block, places in seen.items() if len(places) > 1}
    assert not repeated, "code repeated across cells (move it into analysis/): " + "; ".join(
        f"{sorted(places)}: {block[0]!r}" for block, places in list(repeated.items())[:3]
    )


def test_no_file_cites_a_document_outside_the_repository():
    """Sources are cited by their ids in data/sources.csv, never by notes that are not in the repository."""
    banned = ("research/facts", "facts.md", "facts-2.md", "shared/research", "peers.md")
    for folder, patterns in (
        ("analysis", ("*.py",)),
        ("tests", ("*.py",)),
        ("data", ("*.csv", "*.yaml", "*.md")),
        ("notebooks", ("*.ipynb",)),
    ):
        for pattern in patterns:
            for path in (REPO / folder).rglob(pattern):
                text = path.read_text(encoding="utf-8")
                hits = [b for b in banned if b in text and not (path.name == "test_notebooks.py")]
                assert not hits, f"{path.relative_to(REPO)} cites {hits[0]}, which is not in the repository"
