"""Notebook pages: what each kind of output becomes, and what a page never contains."""

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis import results, site


def _notebook(*cells):
    return new_notebook(cells=list(cells), metadata={})


FIGURE = {
    "id": "fig03_cost_by_stage",
    "title": "Pre-training is 96% of <the> cost",
    "caption": "c",
    "sources": ["deepseek-v3-report"],
    "notebook": "03_pretraining_estimate",
}


def _figure_output():
    return new_output(
        "display_data",
        data={
            results.FIGURE_MIME_TYPE: FIGURE,
            "image/svg+xml": "<svg>" + "x" * 50_000 + "</svg>",
            "text/plain": "Figure fig03_cost_by_stage",
        },
    )


def test_report_view_hides_code_and_full_view_highlights_it():
    nb = _notebook(
        new_markdown_cell("# Step 3: a title"),
        new_code_cell(
            "cost_by_stage = 2 * 3\ncost_by_stage",
            execution_count=1,
            outputs=[new_output("execute_result", data={"text/plain": "6"}, execution_count=1)],
        ),
    )
    report_view = site.render_notebook(nb, code=False, stem="03_x")
    full_view = site.render_notebook(nb, code=True, stem="03_x")
    assert "cost_by_stage" not in report_view and '<pre class="out" data-output="text">6</pre>' in report_view
    assert '<span class="n">cost_by_stage</span>' in full_view and "In [1]:" in full_view
    assert "<title>Step 3: a title</title>" in report_view
    # each view links to the other, to the notebook file and to the front page
    assert 'href="03_x.code.html"' in report_view and 'href="03_x.html"' in full_view
    assert 'href="03_x.ipynb"' in report_view and 'href="../index.html"' in report_view


def test_a_saved_figure_is_shown_from_its_cited_file_not_copied_into_the_page():
    nb = _notebook(new_code_cell("figures.save(...);", execution_count=1, outputs=[_figure_output()]))
    page = site.render_notebook(nb, code=False)
    assert '<img src="../figures/fig03_cost_by_stage.svg" alt="Pre-training is 96% of &lt;the&gt; cost">' in page
    assert 'href="../figures/fig03_cost_by_stage.png"' in page
    assert "x" * 1000 not in page and "data:image/svg+xml" not in page


def test_markdown_keeps_dollars_and_renders_tables_and_quotes():
    nb = _notebook(
        new_markdown_cell(
            '> "costs US$5.6M" and US$1.6B [semianalysis-2025-deepseek-debates]\n\n'
            "| a | b |\n|---|---|\n| 1 < 2 | **x** |"
        )
    )
    page = site.render_notebook(nb, code=False)
    assert "US$5.6M" in page and "US$1.6B" in page
    assert "<blockquote>" in page and "<table>" in page and "1 &lt; 2" in page and "<strong>x</strong>" in page


def test_streams_and_errors_are_marked_and_stripped_of_terminal_colours():
    nb = _notebook(
        new_code_cell(
            "x",
            execution_count=1,
            outputs=[
                new_output("stream", name="stdout", text="hello <world>\n"),
                new_output("stream", name="stderr", text="a warning\n"),
                new_output("error", ename="ValueError", evalue="bad", traceback=["\x1b[0;31mValueError\x1b[0m: bad"]),
            ],
        )
    )
    page = site.render_notebook(nb, code=False)
    assert '<pre class="out" data-output="stdout">hello &lt;world&gt;\n</pre>' in page
    assert 'data-output="stderr">a warning' in page
    assert 'data-output="error">ValueError: bad</pre>' in page and "\x1b" not in page


def test_output_preference_html_then_markdown_then_images_then_text():
    html_table = new_output(
        "execute_result", data={"text/html": '<table class="dataframe"></table>', "text/plain": "df"}, execution_count=1
    )
    md = new_output(
        "display_data", data={"text/markdown": "**In one sentence:** yes", "text/plain": "In one sentence: yes"}
    )
    png = new_output("display_data", data={"image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>"})
    unknown = {"output_type": "display_data", "metadata": {}, "data": {"application/x-unknown": {}}}
    assert (
        site.output_html(html_table)
        == '<div class="out scroll" data-output="html"><table class="dataframe"></table></div>'
    )
    assert "<strong>In one sentence:</strong> yes" in site.output_html(md)
    assert site.output_html(png) == '<img class="out" alt="figure" src="data:image/png;base64,iVBORw0KGgo=">'
    assert site.output_html(unknown) == ""


def test_pages_request_nothing_from_another_host_and_are_deterministic(baseline_build):
    for page in sorted((baseline_build / "notebooks").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", text), page.name
        assert "<script" not in text, page.name
        nb = nbformat.read(page.with_name(page.name.split(".")[0] + ".ipynb"), as_version=4)
        again = site.render_notebook(nb, code=page.name.endswith(".code.html"), stem=page.name.split(".")[0])
        assert again == text, f"{page.name} is not reproducible from its notebook"
        # every figure the notebook saved is shown from its file
        for entry in results.outputs_of_type(nb, results.FIGURE_MIME_TYPE):
            assert f'src="../figures/{entry["id"]}.svg"' in text


def test_headings_get_unique_ids_a_reader_can_link_to():
    nb = _notebook(
        new_markdown_cell("# Step 3: cost\n\n## What this means"),
        new_markdown_cell("## What this means\n\n### US\\$5.576M"),
    )
    page = site.render_notebook(nb, code=False)
    ids = re.findall(r'<h[1-6] id="([^"]+)"', page)
    assert ids == ["step-3-cost", "what-this-means", "what-this-means-1", "us-5-576m"]
    assert '<a class="anchor" href="#what-this-means-1"' in page


XSS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<svg onload=alert(1)><circle/></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="//evil.example/x">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<td style="background: url(https://evil.example/x.png)">',
    "<style>body { background: url(https://evil.example/x) }</style>",
    '<div onmouseover="alert(1)">x</div>',
    '<form action="https://evil.example"><input name=a></form>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<scr<script>ipt>alert(1)</script>",
]


def _live_markup(page: str) -> list[str]:
    """Tags in a page that would run, load or navigate off the page (text cannot hold a tag: its < is escaped)."""
    live = re.compile(
        r"^<(?:script|img|svg|iframe|form|input|style)\b|\son\w+\s*=|href=\"(?:javascript:|//)|style=\"[^\"]*url\("
    )
    return [tag for tag in re.findall(r"<[a-zA-Z][^>]*>", page) if live.search(tag)]


def test_html_outputs_keep_only_the_projects_own_markup():
    import pandas as pd

    table = pd.DataFrame({"model": XSS, "price_usd": range(len(XSS))}).to_html(index=False)
    for payload in XSS + [table]:
        nb = _notebook(
            new_code_cell(
                "x",
                execution_count=1,
                outputs=[new_output("display_data", data={"text/html": payload, "text/plain": "x"})],
            )
        )
        page = site.render_notebook(nb, code=True)
        assert _live_markup(page.split("<main>")[1]) == [], payload
    # a pandas table passes whole, its cells escaped
    kept = site.sanitise_html(table)
    assert kept.startswith('<table border="1" class="dataframe">') and kept.count("<tr") == len(XSS) + 1
    assert "&lt;img src=x onerror=alert(1)&gt;" in kept


def test_markdown_outputs_show_raw_html_as_text_and_keep_dollars():
    md = new_output(
        "display_data",
        data={
            "text/markdown": "Not yet priced: <img src=x onerror=alert(1)>, **US\\$5.6M** "
            "[x](javascript:alert(1)) ![t](https://evil.example/t.png)",
            "text/plain": "x",
        },
    )
    html = site.output_html(md)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<strong>US$5.6M</strong>" in html
    assert _live_markup(html) == [], html
    # markdown cells are the project's own text: inline HTML stays
    page = site.render_notebook(_notebook(new_markdown_cell("a <sup>1</sup> and US\\$2")), code=False)
    assert "a <sup>1</sup> and US$2" in page


def test_every_source_on_the_front_page_links_to_its_bibliography_entry(baseline_build):
    from analysis import data

    index = (baseline_build / "index.html").read_text(encoding="utf-8")
    bibliography = (baseline_build / site.SOURCES_PAGE).read_text(encoding="utf-8")
    anchors = set(re.findall(r'<li id="src-([^"]+)"', bibliography))
    assert anchors == set(data.source_ids()), "one entry per row of data/sources.csv"
    linked = re.findall(r'href="sources\.html#src-([^"]+)"', index)
    assert {"deepseek-v3-report", "semianalysis-2025-deepseek-debates", "assumption"} <= set(linked)
    assert set(linked) <= anchors
    # Source ids shown as bare text are gone from the tables: each one in a "src" span is a link.
    for span in re.findall(r'<span class="src">(.*?)</span>', index):
        words = re.sub(r"<a [^>]*>[^<]*</a>", "", span)
        assert not any(w in anchors for w in re.split(r"[;\s]+", words)), span
    # Each entry links out to its address, and only by a plain http(s) link; the page loads nothing.
    for sid, url in data.load_sources()[["id", "url"]].itertuples(index=False):
        if url:
            assert f'<a href="{url}" rel="noopener noreferrer">' in bibliography.replace("&amp;", "&"), sid
    assert not re.search(r"<(script|link|img)\b", bibliography)
