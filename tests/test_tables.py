"""Reader tables: labels in words, numbers as a reader writes them, no index, no NaN, sources linked."""

import math
import re

import pandas as pd
import pytest

from analysis import site, tables

FRAME = pd.DataFrame(
    {
        "gpu": ["H800", "H20"],
        "servers_usd": [1.6e9, float("nan")],
        "share": [0.933, 0.5],
        "gpu_hours": [2788000.0, 1.5e5],
        "sources": [["deepseek-v3-report"], "semianalysis-2025-deepseek-debates; assumption"],
    }
)
COLUMNS = {
    "gpu": ("GPU type", "text"),
    "servers_usd": ("Server CapEx", "USD"),
    "share": ("Share of the fleet", "fraction"),
    "gpu_hours": ("GPU-hours", "count"),
    "sources": ("Sources", "sources"),
}


def test_cells_are_written_as_a_reader_writes_them():
    table = tables.reader_table(FRAME, COLUMNS)
    assert table.cells.columns.tolist() == ["GPU type", "Server CapEx", "Share of the fleet", "GPU-hours", "Sources"]
    assert table.cells.iloc[0].tolist() == ["H800", "US$1.6B", "93.3%", "2,788,000", "deepseek-v3-report"]
    assert table.cells.iloc[1, 1] == tables.MISSING, "no value shows a dash, never NaN"
    text = repr(table)
    assert "NaN" not in text and "nan" not in text and "servers_usd" not in text


def test_html_has_no_index_links_sources_and_right_aligns_numbers():
    html = tables.reader_table(FRAME, COLUMNS, caption="Fleet <by type>").to_html()
    assert len(re.findall(r"<th[ >]", html)) == 5, "five labelled columns and no index column"
    assert 'href="../sources.html#src-semianalysis-2025-deepseek-debates"' in html
    assert 'href="../sources.html#src-assumption"' in html
    assert "<caption>Fleet &lt;by type&gt;</caption>" in html
    assert 'class="data row0 col1 num" >US$1.6B</td>' in html
    assert "<style" not in html and "nan" not in html.lower().replace("nano", "")
    # what the page keeps after sanitising is still the table, with its links
    kept = site.sanitise_html(html)
    assert '<table class="reader">' in kept and kept.count('class="srckey"') == 3


def test_the_same_table_gives_the_same_bytes():
    one = tables.reader_table(FRAME, COLUMNS).to_html()
    two = tables.reader_table(FRAME.copy(), dict(COLUMNS)).to_html()
    assert one == two


def test_a_named_index_becomes_a_column_that_needs_a_label():
    frame = FRAME.set_index("gpu")
    with pytest.raises(ValueError, match=r"column\(s\) 'gpu' need a label"):
        tables.reader_table(frame, {k: v for k, v in COLUMNS.items() if k != "gpu"})
    assert tables.reader_table(frame, COLUMNS).cells["GPU type"].tolist() == ["H800", "H20"]


@pytest.mark.parametrize(
    "columns, message",
    [
        ({k: v for k, v in COLUMNS.items() if k != "share"}, r"column\(s\) 'share' need a label"),
        ({**COLUMNS, "nowhere": ("Nowhere", "text")}, r"has no column\(s\) 'nowhere'"),
        ({**COLUMNS, "share": ("share_of_fleet", "fraction")}, "must be words a reader reads"),
        ({**COLUMNS, "share": ("Share", "percentish")}, "unknown kind 'percentish'; allowed: USD, fraction"),
        ({**COLUMNS, "share": ("GPU type", "fraction")}, "two columns share a label"),
        ({**COLUMNS, "share": "Share"}, r"give \(label, kind\)"),
    ],
)
def test_bad_column_specifications_are_refused_with_what_is_allowed(columns, message):
    with pytest.raises(ValueError, match=message):
        tables.reader_table(FRAME, columns)


def test_only_a_dataframe_is_accepted():
    with pytest.raises(ValueError, match="needs a pandas DataFrame, not list"):
        tables.reader_table([1, 2], COLUMNS)


def test_kinds_cover_counts_multiples_values_and_functions():
    assert tables.cell_text(4.386, "multiple") == "4.39×"
    assert tables.cell_text(12, "value") == "12" and tables.cell_text("2025-01-31", "value") == "2025-01-31"
    assert tables.cell_text(3.29e24, lambda v: f"{v:.3g}") == "3.29e+24"
    assert tables.cell_text(math.nan, "count") == tables.MISSING and tables.cell_text(None, "text") == tables.MISSING


def _parameter_values(**changed):
    """Four parameters at their baseline values, with ``changed`` set instead."""
    from analysis import params

    register = params.load_register()
    names = ["gpu_hour_price_usd", "h800_gpus", "capex_method", "research_staff_cost_usd_per_year"]
    return {n: changed.get(n, register[n].baseline) for n in names}


def test_a_baseline_parameter_table_says_nothing_changed_and_folds_every_row():
    from analysis import params

    table = params.parameter_table(_parameter_values())
    markup = table.to_html()
    lead, folded = markup.split('<details class="fold">')
    assert "No parameter changed" in lead and "all 4" in lead
    assert "<table" not in lead, "a baseline run shows no open table"
    assert '<details class="fold" open' not in markup, "the folded rows start closed"
    assert folded.count("<tr>") == 5 and "Every parameter this step reads (4)" in folded
    assert "<code>research_<wbr>staff_<wbr>cost_<wbr>usd_<wbr>per_<wbr>year</code>" in folded
    assert "Changed?" not in markup, "a column that says 'no' on every row is gone"


def test_a_run_with_changes_shows_them_open_beside_their_baseline():
    from analysis import formatting, params

    table = params.parameter_table(_parameter_values(h800_gpus=2048, capex_method="epoch_overhead"))
    markup = table.to_html()
    lead, folded = markup.split('<details class="fold">')
    assert "This run changes 2 of the 4 parameters" in lead
    assert lead.count("<tr>") == 3 and "<th" in lead and ">Baseline</th>" in lead
    shown = re.findall(r"<td[^>]*>(.*?)</td>", lead)
    assert shown[:3] == ["H800 GPUs<br><code>h800_<wbr>gpus</code>", formatting.format_value(2048, ""), "10,000"]
    unchanged = "market rent of an H800-hour"
    assert unchanged not in lead and unchanged in folded, "unchanged rows stay folded"
    assert folded.count("<tr>") == 5
    text = repr(table)
    assert text.startswith("This run changes 2 of the 4") and "(h800_gpus)" in text


def test_a_folded_table_passes_the_sanitiser_with_its_details_and_line_breaks():
    from nbformat.v4 import new_output

    from analysis import params

    markup = params.parameter_table(_parameter_values(h800_gpus=2048)).to_html()
    shown = site.output_html(new_output("display_data", data={"text/html": markup, "text/plain": "t"}))
    assert '<details class="fold"><summary>Every parameter this step reads (4)' in shown
    assert "<code>h800_<wbr>gpus</code>" in shown and '<p class="lead">' in shown
    kept = site.sanitise_html('<details open onclick="x()"><summary>s</summary></details>')
    assert kept.startswith("<details open") and "onclick" not in kept
