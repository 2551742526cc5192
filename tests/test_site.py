"""Notebook pages: what each kind of output becomes, and what a page never contains."""

import json
import re
from html import unescape

import nbformat
import pytest
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
        steps = [p.stem for p in sorted((baseline_build / "notebooks").glob("*.ipynb"))]
        run = json.loads((baseline_build / "results.json").read_text())["run"]
        again = site.render_notebook(
            nb, code=page.name.endswith(".code.html"), stem=page.name.split(".")[0], steps=steps, run=run
        )
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


def test_every_output_type_renders_as_jupyter_would_or_falls_back_to_its_text():
    latex = new_output("display_data", data={"text/latex": r"$$C \approx 6 N D$$", "text/plain": "C ~ 6ND"})
    bad_latex = new_output("display_data", data={"text/latex": r"$\frac{1}{$", "text/plain": "x"})
    jpeg = new_output("display_data", data={"image/jpeg": "/9j/4AAQ\n", "text/plain": "<Figure>"})
    widget = new_output(
        "display_data",
        data={"application/vnd.jupyter.widget-view+json": {"model_id": "abc"}, "text/plain": "IntSlider(value=3)"},
    )
    script = new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": "<Javascript>"})
    progress = new_output("stream", name="stderr", text="  0%|     |\r 50%|##   |\r100%|#####|\ndone\n")
    md_maths = new_output("display_data", data={"text/markdown": "cost $6ND$ <b>x</b>", "text/plain": "x"})

    shown = site.output_html(latex)
    assert shown.startswith('<div class="out math" data-output="latex"><math ') and 'display="block"' in shown
    assert "<mo>≈</mo>" in shown and "$" not in shown  # the sanitiser writes the character itself
    assert '<code class="tex">\\frac{1}{</code>' in site.output_html(bad_latex)
    assert site.output_html(jpeg) == '<img class="out" alt="figure" src="data:image/jpeg;base64,/9j/4AAQ">'
    assert site.output_html(widget) == '<pre class="out" data-output="widget">IntSlider(value=3)</pre>'
    assert site.output_html(script) == '<pre class="out" data-output="widget">&lt;Javascript&gt;</pre>'
    assert site.output_html(progress) == '<pre class="out" data-output="stderr">100%|#####|\ndone\n</pre>'
    shown = site.output_html(md_maths)
    assert "<math " in shown and "&lt;b&gt;x&lt;/b&gt;" in shown and "$" not in shown


def test_markdown_maths_becomes_mathml_and_money_stays_money():
    nb = _notebook(new_markdown_cell(r"It cost US\$5.6M, and $C \approx 6 N D$; per token $(d_c + d_h^R) l$."))
    page = site.render_notebook(nb, code=False)
    assert page.count("<math ") == 2 and "US$5.6M" in page
    assert "\\approx" not in page.split("<body>")[1].replace('alttext="C \\approx 6 N D"', "")
    assert "<msubsup><mi>d</mi><mi>h</mi><mi>R</mi></msubsup>" in page


def test_step_pages_link_steps_sources_and_first_use_of_glossary_terms():
    steps = ["01_a", "02_b", "03_c"]
    nb = _notebook(
        new_markdown_cell(
            "# Step 2: b\n\n## The claim\n\nAs step 1 showed [deepseek-v3-report; assumption], "
            "the KV cache and the KV cache again; see `deepseek-v2-report`.\n\n## What this means\n\nx"
        ),
        new_code_cell("x", execution_count=1, outputs=[_figure_output()]),
    )
    page = site.render_notebook(nb, code=False, stem="02_b", steps=steps)
    assert (
        '<a rel="prev" href="01_a.html">← Step 1</a>' in page and '<a rel="next" href="03_c.html">Step 3 →</a>' in page
    )
    assert '<a class="step" href="01_a.html">step 1</a>' in page
    assert '<a class="srckey" href="../sources.html#src-deepseek-v3-report">deepseek-v3-report</a>' in page
    assert '<a class="srckey" href="../sources.html#src-assumption">assumption</a>' in page
    assert '<a class="srckey" href="../sources.html#src-deepseek-v2-report"><code>deepseek-v2-report</code></a>' in page
    assert page.count('href="../glossary.html#term-kv-cache"') == 1, "only the first use links to the glossary"
    toc = re.search(r'<nav class="toc".*?</nav>', page).group(0)
    assert '<a href="#the-claim">The claim</a>' in toc and '<a href="#what-this-means">What this means</a>' in toc
    # the figure's caption links its sources and its data
    assert 'Sources: <a class="srckey" href="../sources.html#src-deepseek-v3-report">' in page
    assert 'href="../figures/fig03_cost_by_stage.csv"' in page
    # the code view links the code view of the other steps
    code_view = site.render_notebook(nb, code=True, stem="02_b", steps=steps)
    assert 'href="01_a.code.html">step 1</a>' in code_view


def test_glossary_page_has_every_term_and_its_sources_link_to_the_bibliography(baseline_build):
    from analysis import data

    page = (baseline_build / site.GLOSSARY_PAGE).read_text(encoding="utf-8")
    glossary = data.load_glossary()
    assert set(re.findall(r'<dt id="term-([^"]+)">', page)) == set(glossary["id"])
    for term in (
        "KV cache",
        "MLA",
        "GQA",
        "MQA",
        "roofline",
        "TCO",
        "CapEx",
        "amortisation",
        "MFU",
        "cost-profit margin",
        "Monte Carlo",
        "90% interval",
    ):
        assert any(term in t for t in glossary["term"]), term
    bibliography = (baseline_build / site.SOURCES_PAGE).read_text(encoding="utf-8")
    for sid in re.findall(r'href="sources\.html#src-([^"]+)"', page):
        assert f'id="src-{sid}"' in bibliography


def test_front_page_leads_with_key_findings_and_says_how_to_cite(baseline_build):
    index = (baseline_build / "index.html").read_text(encoding="utf-8")
    findings = re.search(r'<section id="findings">(.*?)</section>', index, re.S).group(1)
    assert index.index('id="findings"') < index.index('id="headline"') < index.index('id="steps"')
    items = re.findall(r"<li>(.*?)</li>", findings, re.S)
    assert 3 <= len(items) <= 5, items
    assert all("a median of US$" in i and "90% interval" in i for i in items[:-1])
    assert "What the uncertainty depends on most" in items[-1]
    verdict = re.search(r'<section id="verdict" class="hero">(.*?)</section>', index, re.S).group(1)
    assert 'src="figures/fig06_bridge.png"' in verdict and index.index('id="verdict"') < index.index('id="findings"')
    cite = re.search(r'<section id="cite" class="cite">(.*?)</section>', index, re.S).group(1)
    assert "@software{deepseek_true_cost_v" in cite and "version = {" in cite and "fig06_bridge" in cite
    # result ids are small citable anchors, not the labels a reader reads
    assert re.search(r'<td id="r-cost_development_usd">[A-Z]', index)
    assert '<a href="#r-cost_development_usd" title="Link to this number"><code class="rid">' in index


# --------------------------------------------------------------------------- templates and the sanitiser
HOSTILE = "<img src=x onerror=alert(1)>"


def _inert(markup: str) -> bool:
    """As a browser parses ``markup``: no script, no ``on*`` handler, no ``javascript:`` link, not the payload's img."""
    from html.parser import HTMLParser

    live = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                    live.append((tag, name))
                if tag == "img" and name == "src" and value == "x":
                    live.append((tag, name))
            if tag in ("script", "iframe", "object", "embed"):
                live.append((tag, ""))

    Parser().feed(markup)
    return live == []


def _page_main(page: str) -> str:
    return page.split("<main>", 1)[1]


def test_a_hostile_model_name_is_inert_in_a_markdown_output_an_html_output_and_a_markdown_cell():
    # The reviews found a data row's model name live on a step page (a markdown output made from data).
    markdown_output = new_output("display_data", data={"text/markdown": f"| model |\n|---|\n| {HOSTILE} |"})
    html_output = new_output("display_data", data={"text/html": f"<table><tr><td>{HOSTILE}</td></tr></table>"})
    for output in (markdown_output, html_output):
        shown = site.output_html(output)
        assert _inert(shown) and _live_markup(shown) == [], shown
        assert "<table>" in shown and "<td>" in shown, "the table around the payload stays a table"
    # A markdown cell keeps the inline HTML a notebook author may write, but never a live element.
    page = site.render_notebook(_notebook(new_markdown_cell(f"Model: {HOSTILE} and x<sup>2</sup>")), code=False)
    assert _inert(_page_main(page)) and _live_markup(_page_main(page)) == [] and "x<sup>2</sup>" in page


def test_javascript_and_protocol_relative_links_are_dropped_and_page_links_kept():
    cell = new_markdown_cell(
        "[a](javascript:alert(1)) [b](//evil.example/x) [c](https://arxiv.org/abs/2412.19437) "
        "[d](mailto:x@example.org) [e](#the-claim) [f](../sources.html#src-assumption)"
    )
    page = _page_main(site.render_notebook(_notebook(cell), code=False))
    hrefs = re.findall(r'<a href="([^"]*)">[a-f]</a>', page)
    # mistune already defuses javascript: (to #harmful-link); the sanitiser drops //host and keeps the rest
    assert hrefs == [
        "#harmful-link",
        "https://arxiv.org/abs/2412.19437",
        "mailto:x@example.org",
        "#the-claim",
        "../sources.html#src-assumption",
    ]
    assert "<a>b</a>" in page
    assert "javascript" not in page and "evil.example" not in page
    # the same in an HTML output
    shown = site.output_html(
        new_output(
            "display_data", data={"text/html": '<a href="JaVaScRiPt:alert(1)">j</a><a href=" //x.example">p</a>'}
        )
    )
    assert "href" not in shown and "<a>j</a>" in shown


def test_maths_in_a_markdown_cell_stays_mathml_after_sanitising():
    page = site.render_notebook(_notebook(new_markdown_cell(r"$$\frac{2 n_h d_h l}{d_c}$$ and $x^2$")), code=False)
    main = _page_main(page)
    assert main.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') == 2
    assert 'display="block"' in main and "<mfrac>" in main and "<msup><mi>x</mi><mn>2</mn></msup>" in main
    assert 'alttext="\\frac{2 n_h d_h l}{d_c}"' in main


def test_a_styler_reader_table_passes_the_sanitiser_whole():
    import pandas as pd

    from analysis import tables

    frame = pd.DataFrame({"model": ["DeepSeek-R1", HOSTILE], "price": [2.19, 60.0], "sources": ["assumption"] * 2})
    columns = {
        "model": ("Model", "text"),
        "price": ("Price per M output tokens", "USD"),
        "sources": ("Sources", "sources"),
    }
    styled = tables.reader_table(frame, columns, caption="Prices <as listed>").to_html()
    shown = site.output_html(new_output("display_data", data={"text/html": styled, "text/plain": "table"}))
    assert shown.startswith('<div class="out scroll" data-output="html"><table class="reader">')
    assert "<caption>Prices &lt;as listed&gt;</caption>" in shown and shown.count("<tr>") == 3
    assert shown.count('<a class="srckey" href="../sources.html#src-assumption">assumption</a>') == 2
    assert 'class="data row0 col1 num"' in shown and "US$2.19" in shown
    assert " id=" not in shown, "Styler's cell ids are dropped (they could clash with the page's anchors)"
    assert _inert(shown)


def test_text_a_notebook_printed_is_escaped_by_the_template():
    out = new_output("execute_result", data={"text/plain": f"{HOSTILE} & <b>"}, execution_count=1)
    assert (
        site.output_html(out)
        == '<pre class="out" data-output="text">&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;</pre>'
    )
    figure = dict(FIGURE, id="fig03_x", title=HOSTILE)
    shown = site.figure_html(figure)
    assert f'alt="{html_escape(HOSTILE)}"' in shown and "<img src=x" not in shown


def html_escape(text: str) -> str:
    import markupsafe

    return str(markupsafe.escape(text))


def test_data_and_scenario_strings_are_escaped_on_the_front_page_and_reference_pages(tmp_path):
    import pandas as pd

    from analysis import report

    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        f'description: "A scenario {HOSTILE} <script>alert(1)</script>"\nsources: [assumption]\noverrides: {{}}\n'
    )
    plan = report.plan_report(scenario, out=tmp_path / "out")
    result = {
        "id": "cost_final_run_usd",
        "value": 5.576e6,
        "unit": "USD",
        "label": f"Final run {HOSTILE}",
        "notebook": "03_x",
        "sources": ["assumption"],
        "headline": True,
    }
    figure = dict(FIGURE, title=HOSTILE, caption=f"from data/gpus.csv {HOSTILE}")
    page = site.index_html(plan, {}, [result], [figure])
    main = _page_main(page)
    assert _inert(main) and "<script" not in main
    assert f"A scenario {html_escape(HOSTILE)}" in main and f"Final run {html_escape(HOSTILE)}" in main
    assert "from our gpus table" in main, "the front page names a data file in words, not by its path"

    source = dict(
        id="x",
        title=HOSTILE,
        authors_or_publisher="P",
        date="",
        url="https://e.example/?a=1&b=<2>",
        accessed="",
        licence="CC-BY-4.0",
        notes=HOSTILE,
    )
    bibliography = _page_main(site.bibliography_html(pd.DataFrame([source])))
    assert _inert(bibliography) and 'href="https://e.example/?a=1&amp;b=&lt;2&gt;"' not in bibliography
    term = dict(id="t", term=HOSTILE, matches="zzz", definition=f'"quoted" {HOSTILE}', source_ids=("assumption",))
    assert _inert(_page_main(site.glossary_html(pd.DataFrame([term]))))
    # a glossary definition becomes a link's tooltip: quotes cannot end the attribute
    linked = site.link_page_text("<p>zzz</p>", glossary=pd.DataFrame([term]))
    tooltip = re.fullmatch(r'<p><a class="gloss" href="glossary.html#term-t" title="([^"<>]*)">zzz</a></p>', linked)
    assert tooltip and unescape(tooltip.group(1)) == term["definition"]


def test_templates_escape_by_default_and_refuse_undefined_names():
    import jinja2

    from analysis.site import templating

    env = templating.environment()
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined and env.keep_trailing_newline
    with pytest.raises(jinja2.UndefinedError):
        templating.render("glossary.html.j2", title="t", css="", sources_page="sources.html")  # no terms
    page = templating.render("glossary.html.j2", title=HOSTILE, css="", sources_page="s.html", terms=[])
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in page and page.endswith("</html>\n")


def test_every_page_inlines_the_one_stylesheet_and_works_from_any_folder(baseline_build):
    from importlib import resources

    css = resources.files("analysis.site").joinpath("static", "site.css").read_text(encoding="utf-8")
    assert "@media (prefers-color-scheme: dark)" in css and "@media print" in css and "max-width: 600px" in css
    pages = [baseline_build / "index.html", baseline_build / site.SOURCES_PAGE, baseline_build / site.GLOSSARY_PAGE]
    pages += sorted((baseline_build / "notebooks").glob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert f"<style>{css}" in text, page.name
        assert not re.search(r"<link\b|<script\b|@import|url\(", text), page.name


def test_a_cost_whose_parameters_the_run_holds_says_why_it_has_no_interval():
    from analysis.site import key_findings

    r = lambda v: {"value": v, "unit": "USD", "label": "x"}  # noqa: E731
    held = {"cost_final_run_usd": r(9.535e6), **{f"cost_final_run_usd_{q}": r(9.535e6) for q in ("p50", "p05", "p95")}}
    finding = key_findings(held)[0]
    assert "no interval: this run holds every parameter that moves it" in finding
    assert "90% interval US$9.535M to US$9.535M" not in finding


def test_a_title_shows_money_not_the_markdown_escape_that_wrote_it():
    nb = _notebook(new_markdown_cell("# Step 6: From US\\$5.6M to the *true* cost\n\nText."))
    assert site.notebook_title(nb) == "Step 6: From US$5.6M to the true cost"
    page = site.render_notebook(nb, code=False)
    assert "<title>Step 6: From US$5.6M to the true cost</title>" in page and "\\$" not in page


def _register_section(page: str) -> str:
    return re.search(r'<section id="assumptions">.*?</section>', page, re.S).group(0)


def test_the_register_opens_with_what_the_run_changed_and_folds_every_parameter(tmp_path):
    from analysis import formatting, params, report

    count = len(params.load_register())
    baseline = _register_section(site.index_html(report.plan_report("baseline", out=tmp_path / "a"), {}, [], []))
    lead, folded = baseline.split('<details class="fold">')
    assert f"No parameter changed: this run uses the baseline value of all {count}" in lead and "<table" not in lead
    assert folded.count("<tbody>") == count and 'class="note"' in folded, "every parameter, each with its note"

    plan = report.plan_report("baseline", overrides=[("h800_gpus", "2048")], out=tmp_path / "b")
    lead, folded = _register_section(site.index_html(plan, {}, [], [])).split('<details class="fold">')
    assert f"This run changes 1 of the {count} parameters" in lead and lead.count("<tbody>") == 1
    row = re.search(r"<tbody><tr>(.*?)</tr>", lead, re.S).group(1)
    assert "<code>h800_<wbr>gpus</code>" in row and ">Baseline</th>" in lead
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells == [formatting.format_value(2048, ""), formatting.format_value(10000, "")]
    assert folded.count("<tbody>") == count
