"""The README's numbers and commands agree with the project."""

import json
import re

from analysis import formatting
from conftest import REPO


def test_readme_headline_table_equals_the_committed_results():
    readme = (REPO / "README.md").read_text()
    committed = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["results"]
    shown = lambda result_id: formatting.format_value(committed[result_id]["value"], committed[result_id]["unit"])  # noqa: E731
    # Headline rows: id | median (90% interval) | value at baseline parameters
    intervals = re.findall(
        r"^\| `([a-z0-9_]+)` \| (US\$[^ ]+) \((US\$[^ ]+) to (US\$[^ ]+)\) \| ([^|]+) \|", readme, flags=re.M
    )
    assert len(intervals) == 4, "the README's headline table should give the four costs with intervals"
    for result_id, p50, p05, p95, value in intervals:
        assert (p50, p05, p95) == tuple(shown(f"{result_id}_{q}") for q in ("p50", "p05", "p95")), result_id
        assert value.strip() == shown(result_id), result_id
    # Step-by-step rows: id | value
    rows = [
        (i, v)
        for i, v in re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", readme, flags=re.M)
        if not v.startswith("US$") or "(" not in v
    ]
    assert rows, "the README has no table of step results"
    for result_id, value in rows:
        assert result_id in committed, f"README cites unknown result {result_id}"
        assert value.strip() == shown(result_id), result_id


def test_readme_names_the_two_commands_and_ci_runs_make_test():
    readme = (REPO / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert "make test" in ci
    # Lint gates: it runs first, and set -e stops CI when it fails.
    assert "make lint" in ci and ci.index("make lint") < ci.index("make test") and "set -euo pipefail" in ci


def test_readme_figures_exist():
    readme = (REPO / "README.md").read_text()
    linked = re.findall(r"\]\(((?:reports/baseline/)?figures/[^)]*)\)", readme)
    assert any(path.endswith(".svg") for path in linked), "the README shows the headline figure"
    for path in linked:
        assert (REPO / path).exists(), path
