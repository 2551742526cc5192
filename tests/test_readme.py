"""The README's numbers and commands agree with the project."""

import json
import re

from analysis import results
from conftest import REPO


def test_readme_headline_table_equals_the_committed_results():
    readme = (REPO / "README.md").read_text()
    committed = json.loads((REPO / "reports" / "baseline" / "results.json").read_text())["results"]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", readme, flags=re.M)
    intervals = re.findall(r"^\| `([a-z0-9_]+)` \| [^|]+ \| (US\$[^ ]+) \((US\$[^ ]+) to (US\$[^ ]+)\) \|", readme, flags=re.M)
    assert intervals, "the README's headline table has no intervals"
    for result_id, p50, p05, p95 in intervals:
        for q, shown in (("p50", p50), ("p05", p05), ("p95", p95)):
            r = committed[f"{result_id}_{q}"]
            assert shown == results.format_value(r["value"], r["unit"]), f"{result_id}_{q}"
    assert rows, "the README has no headline table"
    for result_id, shown in rows:
        assert result_id in committed, f"README cites unknown result {result_id}"
        r = committed[result_id]
        assert shown.strip() == results.format_value(r["value"], r["unit"]), result_id


def test_readme_names_the_two_commands_and_ci_runs_make_test():
    readme = (REPO / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_readme_figures_exist():
    readme = (REPO / "README.md").read_text()
    for path in re.findall(r"\]\((figures/[^)]+)\)", readme):
        assert (REPO / path).is_file(), path
