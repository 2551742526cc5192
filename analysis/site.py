"""HTML for a built report: two pages per notebook and an ``index.html``.

Every page is plain HTML with one small stylesheet, the same typography as the front
page, and no script: nothing is requested from another host. A notebook gives a report
view (code hidden) and a full view (code shown), rendered by :func:`render_notebook`:

* markdown cells through mistune (CommonMark with tables; ``$`` is money, not maths);
* code cells highlighted by Pygments (full view only);
* outputs by the first of: a saved figure (shown by :func:`figure_html`, the cited SVG file
  itself), HTML (tables), markdown, SVG or PNG image, plain text. Streams and errors are shown
  as text and marked (``data-output="stderr"`` / ``"error"``) so that a test can find them.

Text is text: an output may carry strings from data files, scenarios or parameters, so HTML
outputs pass through :func:`sanitise_html`, an allowlist of the markup the project's own code
emits (pandas tables, the results table, simple formatting), and markdown outputs are rendered
with raw HTML escaped, then sanitised the same way. Markdown *cells* are the project's own text
and keep their inline HTML.

The renderer knows only the output types the report's notebooks make and the standard
nbformat ones; it replaced nbconvert's lab template, whose 250 KB stylesheet and
post-processing passes (HTML sanitising of highlighted code, a BeautifulSoup re-parse of
every page) cost more than running a notebook's tables.

References
----------
Jupyter Development Team, "The Notebook file format" (nbformat 4),
https://nbformat.readthedocs.io/en/latest/format_description.html
"""

from __future__ import annotations

import base64
import functools
import html
import re
from html.parser import HTMLParser
from pathlib import Path

from . import __version__
from . import data as _data
from . import results as _results
from .formatting import format_value
from .notebooks import cell_source as _source
from .notebooks import joined_text as _joined

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@functools.lru_cache(maxsize=1)
def _markdown():
    import mistune

    # escape=False: the notebooks are the project's own and may use inline HTML, as Jupyter allows.
    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


@functools.lru_cache(maxsize=1)
def _markdown_escaped():
    """Markdown for outputs of code cells (``Markdown(f"...")`` with data in it): raw HTML is shown as text."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


#: Elements an output may keep (what pandas' ``to_html``, the results table and markdown emit).
ALLOWED_TAGS = frozenset(
    {
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "colgroup",
        "col",
        "div",
        "span",
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "del",
        "code",
        "pre",
        "kbd",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
#: Attributes kept, by element ("*": any allowed element); values are re-quoted and escaped.
ALLOWED_ATTRIBUTES = {
    "*": frozenset({"class", "title", "style"}),
    "table": frozenset({"border"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "td": frozenset({"colspan", "rowspan"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start"}),
    "a": frozenset({"href"}),
}
#: CSS properties kept in a ``style`` attribute, with keyword values only (no ``url(...)``).
ALLOWED_STYLES = frozenset({"text-align", "vertical-align", "white-space", "font-weight", "font-style"})
_VOID_TAGS = frozenset({"br", "hr", "col"})
#: Elements dropped with everything inside them.
_DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "template",
        "iframe",
        "object",
        "embed",
        "noscript",
        "textarea",
        "title",
        "select",
        "svg",
        "math",
        "head",
    }
)
_SAFE_HREF = re.compile(r"^(?:https?:|mailto:|#|(?![a-z][a-z0-9+.\-]*:)(?!//))", re.I)
_CSS_KEYWORD = re.compile(r"^[a-z][a-z\-]*$")


class _Sanitiser(HTMLParser):
    """Re-emit HTML keeping only :data:`ALLOWED_TAGS` and :data:`ALLOWED_ATTRIBUTES`; all text escaped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def _attributes(self, tag: str, attrs) -> str:
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, frozenset())
        kept = []
        for name, value in attrs:
            value = value or ""
            if name not in allowed:
                continue
            if name == "href" and not _SAFE_HREF.match(value.strip()):
                continue
            if name == "style":
                rules = []
                for rule in value.split(";"):
                    prop, _, val = (part.strip().lower() for part in rule.partition(":"))
                    if prop in ALLOWED_STYLES and _CSS_KEYWORD.match(val):
                        rules.append(f"{prop}: {val};")
                if not rules:
                    continue
                value = " ".join(rules)
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag, attrs):
        if tag in _DROPPED_WITH_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in _VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag in _DROPPED_WITH_CONTENT:
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS and self.open and self.open[-1] == tag and not self.dropping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _DROPPED_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def sanitise_html(markup: str) -> str:
    """HTML from a notebook output, keeping only markup the project's own code emits.

    Everything else is dropped (a script or style with its content; an image, a form, an
    event handler, a ``javascript:`` link); text is escaped; the result is well-formed.

    >>> sanitise_html('<table class="dataframe"><tr style="text-align: right; background: url(x)">'
    ...               '<td onclick="x()">1 &lt; 2</td></tr></table>'
    ...               '<img src=x onerror=alert(1)><script>alert(1)</script>')
    '<table class="dataframe"><tr style="text-align: right;"><td>1 &lt; 2</td></tr></table>'
    """
    parser = _Sanitiser()
    parser.feed(markup)
    return parser.result()


@functools.lru_cache(maxsize=1)
def _highlighter():
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(), HtmlFormatter(nowrap=True)


def highlight_css() -> str:
    """Pygments' colours for ``pre.hl`` (only token rules: nothing global; without Pygments' comments)."""
    _, formatter = _highlighter()
    return "".join(re.sub(r"\s*/\*.*?\*/", "", rule) + "\n" for rule in formatter.get_token_style_defs("pre.hl"))


def _highlight(code: str) -> str:
    from pygments import highlight

    lexer, formatter = _highlighter()
    return highlight(code, lexer, formatter)


def figure_html(entry: dict, folder: str = "../figures") -> str:
    """How a notebook page shows a figure: the saved SVG file itself, with its id and links to both files.

    The page then shows the very file a reader cites (``folder`` is relative to the page),
    and stays small: the figure is not copied into the page a second time.

    >>> print(figure_html({"id": "fig03_x", "title": "A & B"}))  # doctest: +NORMALIZE_WHITESPACE
    <figure class="nbfig" id="fig03_x"><a href="../figures/fig03_x.svg"><img src="../figures/fig03_x.svg"
    alt="A &amp; B"></a><figcaption>Figure <strong>fig03_x</strong>: <a href="../figures/fig03_x.svg">SVG</a> ·
    <a href="../figures/fig03_x.png">PNG (300 dpi)</a></figcaption></figure>
    """
    fid, title = html.escape(entry["id"]), html.escape(entry["title"])
    return (
        f'<figure class="nbfig" id="{fid}"><a href="{folder}/{fid}.svg">'
        f'<img src="{folder}/{fid}.svg" alt="{title}"></a>'
        f"<figcaption>Figure <strong>{fid}</strong>: "
        f'<a href="{folder}/{fid}.svg">SVG</a> · <a href="{folder}/{fid}.png">PNG (300 dpi)</a></figcaption></figure>'
    )


def _text_block(text: str, kind: str) -> str:
    return f'<pre class="out" data-output="{kind}">{html.escape(_ANSI.sub("", text))}</pre>'


def output_html(output) -> str:
    """One output of a code cell as HTML (see the module docstring for the order of preference)."""
    kind = output.get("output_type")
    if kind == "stream":
        return _text_block(_joined(output.get("text", "")), "stderr" if output.get("name") == "stderr" else "stdout")
    if kind == "error":
        return _text_block(
            "\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"]), "error"
        )
    data = output.get("data", {})
    text = lambda mime: _joined(data[mime])  # noqa: E731

    if _results.FIGURE_MIME_TYPE in data:
        return figure_html(data[_results.FIGURE_MIME_TYPE])
    if "text/html" in data:
        return f'<div class="out scroll" data-output="html">{sanitise_html(text("text/html"))}</div>'
    if "text/markdown" in data:
        return (
            f'<div class="out" data-output="markdown">{sanitise_html(_markdown_escaped()(text("text/markdown")))}</div>'
        )
    if "image/svg+xml" in data:
        encoded = base64.b64encode(text("image/svg+xml").encode("utf-8")).decode("ascii")
        return f'<img class="out" alt="figure" src="data:image/svg+xml;base64,{encoded}">'
    if "image/png" in data:
        return f'<img class="out" alt="figure" src="data:image/png;base64,{html.escape(text("image/png").strip())}">'
    if "text/plain" in data:
        return _text_block(text("text/plain"), "text")
    return ""


_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)


def _anchored(markup: str, seen: dict[str, int]) -> str:
    """Give each heading an id (a slug of its text, unique in the page) and a ¶ link to itself.

    A reader can then cite a section: ``03_pretraining_estimate.html#the-claim-being-checked``.
    ``seen`` counts the slugs used so far in the page.

    >>> print(_anchored("<h2>The claim <em>being</em> checked</h2>", {}))  # doctest: +NORMALIZE_WHITESPACE
    <h2 id="the-claim-being-checked">The claim <em>being</em> checked
    <a class="anchor" href="#the-claim-being-checked" aria-label="Link to this section">¶</a></h2>
    """

    def add(match) -> str:
        level, inner = match.group(1), match.group(2)
        slug = re.sub(r"[^a-z0-9]+", "-", html.unescape(re.sub(r"<[^>]+>", "", inner)).lower()).strip("-") or "section"
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slug = f"{slug}-{count}" if count else slug
        return (
            f'<h{level} id="{slug}">{inner} <a class="anchor" href="#{slug}" '
            f'aria-label="Link to this section">¶</a></h{level}>'
        )

    return _HEADING.sub(add, markup)


def render_notebook(nb, *, code: bool, stem: str | None = None) -> str:
    """A notebook as an HTML page: the report view (``code=False``, code hidden) or the full view.

    ``stem`` (the notebook's file name without ``.ipynb``) adds links to the other view, the
    notebook file and the front page, which sit beside the page in a built report.
    """
    title = notebook_title(nb)
    parts, slugs = [], {}
    if stem:
        e = html.escape(stem)
        other = (
            f'<a href="{e}.html">Report view (code hidden)</a>' if code else f'<a href="{e}.code.html">With code</a>'
        )
        parts.append(
            f'<nav><a href="../index.html">← The report</a> · {other} · <a href="{e}.ipynb">Notebook</a></nav>'
        )
    for cell in nb["cells"]:
        kind = cell.get("cell_type")
        if kind == "markdown":
            parts.append(f'<section class="md">{_anchored(_markdown()(_source(cell)), slugs)}</section>')
        elif kind == "code":
            shown = [output_html(o) for o in cell.get("outputs", [])]
            if code and _source(cell).strip():
                n = cell.get("execution_count")
                parts.append(
                    f'<div class="cell"><div class="prompt">In [{n if n is not None else " "}]:</div>'
                    f'<pre class="hl">{_highlight(_source(cell))}</pre></div>'
                )
            parts += [s for s in shown if s]
    parts.append(f'<p class="sub">DeepSeek\'s true cost v{html.escape(__version__)}</p>')
    return _page(title, "\n".join(parts), extra_css=NOTEBOOK_CSS + highlight_css())


def notebook_title(nb) -> str:
    """The first '# ' heading of a notebook (nbformat node or dict)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Notebook"


CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --rule:#e3e3e3; --accent:#0072B2; }
* { box-sizing: border-box; }
body { font: 16px/1.55 Georgia, 'Times New Roman', serif; color: var(--ink); margin: 0; }
main { max-width: 58rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1, h2, h3 { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; line-height: 1.25; }
h1 { font-size: 1.9rem; margin-bottom: .25rem; }
.sub { color: var(--muted); margin-top: 0; }
table { border-collapse: collapse; width: 100%; font: 14px/1.4 system-ui, sans-serif; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num .interval { white-space: normal; font-size: .85em; color: var(--muted); }
code, pre { font: 13px/1.4 ui-monospace, 'DejaVu Sans Mono', monospace; }
pre.cmd { background: #f5f5f7; padding: .75rem; overflow-x: auto; border-radius: 4px; }
a { color: var(--accent); }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: .9rem; color: var(--muted); }
.scroll { overflow-x: auto; }
nav { font: 14px/1.6 system-ui, sans-serif; margin: .5rem 0 1.5rem; }
td.note { font-size: 12px; color: var(--muted); min-width: 16rem; }
td.verdict { font-weight: 600; overflow-wrap: normal; min-width: 7.5rem; }
.src { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
td { overflow-wrap: anywhere; }
article.step { border-top: 1px solid var(--rule); padding-top: .5rem; }
article.step h3 { margin-bottom: 0; color: var(--muted); font-size: .95rem; }
.question { font-size: 1.2rem; font-weight: 600; margin: .2rem 0; }
.answer { font-size: 1.05rem; }
.links { font: 14px system-ui, sans-serif; }
@media (max-width: 600px) { body { font-size: 15px; } th, td { padding: .3rem; } }
ol.bibliography li { margin: .5rem 0; overflow-wrap: anywhere; }
"""

#: Added to :data:`CSS` on notebook pages.
NOTEBOOK_CSS = """
.md blockquote { margin: 1rem 0; padding: .1rem 1rem; border-left: 3px solid var(--accent); color: #333; }
.md table { width: auto; }
.cell { margin: 1.25rem 0 .5rem; }
.prompt { font: 12px ui-monospace, 'DejaVu Sans Mono', monospace; color: var(--muted); }
pre.hl { background: #f7f7f9; padding: .6rem .75rem; margin: .2rem 0; overflow-x: auto; border-radius: 4px; }
pre.out { white-space: pre-wrap; overflow-wrap: anywhere; background: #fafafa; padding: .5rem .75rem;
          border-left: 3px solid var(--rule); }
pre.out[data-output=stderr], pre.out[data-output=error] { background: #fff3ef; border-left-color: #D55E00; }
.out table.dataframe { width: auto; min-width: 50%; border: none; }
.out table.dataframe td, .out table.dataframe th { border: none; border-bottom: 1px solid var(--rule);
  overflow-wrap: normal; min-width: 5.5rem; text-align: right; }
.out table.dataframe tbody th { text-align: left; vertical-align: top; }
.out table.dataframe tbody tr th:only-of-type { vertical-align: middle; }
img.out { max-width: 100%; height: auto; }
figure.nbfig figcaption { font: 13px system-ui, sans-serif; }
a.anchor { color: var(--rule); text-decoration: none; font-weight: normal; }
h1:hover a.anchor, h2:hover a.anchor, h3:hover a.anchor, a.anchor:focus { color: var(--muted); }
"""


def _text(value) -> str:
    """A cell as text: empty for None or NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _page(title: str, body: str, extra_css: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}{extra_css}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


#: The bibliography page, beside ``index.html``.
SOURCES_PAGE = "sources.html"


def source_link(source_id: str, page: str = SOURCES_PAGE) -> str:
    """A source id as a link to its entry in the bibliography page.

    >>> source_link("deepseek-v3-report")
    '<a class="srckey" href="sources.html#src-deepseek-v3-report">deepseek-v3-report</a>'
    """
    sid = html.escape(source_id)
    return f'<a class="srckey" href="{page}#src-{sid}">{sid}</a>'


def source_links(source_ids, page: str = SOURCES_PAGE) -> str:
    """Several source ids, each linked (:func:`source_link`), separated by semicolons."""
    return "; ".join(source_link(s, page) for s in source_ids)


def _outside_link(url: str) -> str:
    """A link out to ``url`` if it is an http(s) address; otherwise nothing (no other scheme is followed)."""
    if not re.match(r"https?://[^\s<>\"']+$", url or ""):
        return ""
    return f'<a href="{html.escape(url)}" rel="noopener noreferrer">{html.escape(url)}</a>'


def bibliography_html(sources) -> str:
    """The bibliography page: every row of ``data/sources.csv``, by id, each linking out to its address.

    Parameters
    ----------
    sources : pandas.DataFrame
        ``data/sources.csv`` as :func:`analysis.data.load_sources` reads it.

    Returns
    -------
    str
        A page with one entry per source, anchored ``src-<id>``: title, authors or publisher,
        date, the address (a plain link, followed only if it is http or https), when it was
        accessed, its licence and our notes on it.

    Examples
    --------
    >>> import pandas as pd
    >>> row = dict(id="x", title="A & B", authors_or_publisher="P", date="2025-01-31",
    ...            url="javascript:alert(1)", accessed="2026-11-28", licence="CC-BY-4.0", notes="")
    >>> page = bibliography_html(pd.DataFrame([row]))
    >>> 'id="src-x"' in page, "A &amp; B" in page, "javascript" in page
    (True, True, False)
    >>> "<strong>A &amp; B</strong>. P." in bibliography_html(pd.DataFrame([dict(row, date="")]))  # no date: none shown
    True
    """
    esc = html.escape
    items = []
    for r in sorted(sources.to_dict("records"), key=lambda r: r["id"]):
        link = _outside_link(_text(r.get("url")))
        accessed = _text(r.get("accessed"))
        notes = _text(r.get("notes"))
        items.append(
            f'<li id="src-{esc(r["id"])}"><strong>{esc(_text(r["title"]))}</strong>. '
            + ", ".join(esc(x) for x in (_text(r["authors_or_publisher"]), _text(r["date"])) if x)
            + "."
            + (f" {link}" if link else " (no address: not published online)")
            + (f" (accessed {esc(accessed)})" if accessed and link else "")
            + f". Licence: {esc(_text(r['licence']))}."
            + (f' <span class="note">{esc(notes)}</span>' if notes else "")
            + f' <span class="src">Cited as <code>{esc(r["id"])}</code></span></li>'
        )
    body = (
        "<header><h1>Sources</h1>"
        '<p class="sub"><a href="index.html">DeepSeek\'s true cost</a>: every source the report cites, '
        "by the id the text, tables, figures and data use (<code>data/sources.csv</code>). "
        "Links go to the source itself; this page loads nothing from elsewhere.</p></header>"
        f'<ol class="bibliography">{"".join(items)}</ol>'
    )
    return _page("DeepSeek's true cost: sources", body)


def _step_question(title: str) -> str:
    """'Step 3: What did ...?' -> 'What did ...?'"""
    return title.split(": ", 1)[1] if title.lower().startswith("step") and ": " in title else title


def index_html(plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None) -> str:
    """The report's front page (offline: no request leaves the folder)."""
    esc = html.escape
    fmt = format_value
    by_id = {r["id"]: r for r in results}
    answers = {a["notebook"]: a for a in (answers or [])}
    figure_by_id = {f["id"]: f for f in figures}
    parts = [
        "<header><h1>DeepSeek's true cost</h1>",
        '<p class="sub">A reproducible rebuild of the argument that DeepSeek\'s AI cost far more '
        "than the US$5.6M headline. "
        f"Scenario <strong>{esc(plan.label)}</strong> · report version {esc(__version__)}</p>",
        f"<p>{esc(plan.scenario.description)}</p></header>",
        '<nav><a href="#headline">Headline</a> · <a href="#steps">The six steps</a> · '
        '<a href="#figures">Figures</a> · <a href="#assumptions">Assumptions</a> · '
        '<a href="#claims">Claims ledger</a> · <a href="#rerun">Re-run this</a> · '
        f'<a href="{SOURCES_PAGE}">Sources</a></nav>',
    ]

    parts.append('<section id="differs"><h2>How this run differs from the baseline</h2>')
    if plan.differs:
        rows = "".join(
            f'<tr><td><code>{esc(n)}</code></td><td class="num">{esc(str(b))}</td><td class="num">{esc(str(v))}</td>'
            f"<td>{esc(plan.register[n].unit)}</td></tr>"
            for n, (b, v) in plan.differs.items()
        )
        head = "<tr><th>parameter</th><th>baseline</th><th>this run</th><th>unit</th></tr>"
        parts.append(f'<div class="scroll"><table>{head}{rows}</table></div>')
    else:
        parts.append("<p>It does not: every parameter is at its baseline.</p>")
    parts.append("</section>")

    def interval(r):
        lo, mid, hi = (by_id.get(f"{r['id']}_{q}") for q in ("p05", "p50", "p95"))
        if not (lo and mid and hi):
            return ""
        return f"{fmt(mid['value'], r['unit'])} ({fmt(lo['value'], r['unit'])} to {fmt(hi['value'], r['unit'])})"

    def interval_html(r):
        lo, mid, hi = (by_id[f"{r['id']}_{q}"] for q in ("p05", "p50", "p95"))
        return (
            f'{esc(fmt(mid["value"], r["unit"]))}<br><span class="interval">90%: {esc(fmt(lo["value"], r["unit"]))} '
            f"to {esc(fmt(hi['value'], r['unit']))}</span>"
        )

    headline = sorted(
        (r for r in results if r.get("headline")), key=lambda r: (r["notebook"] != "06_true_cost", r["notebook"])
    )

    def what_it_is(r):
        sources = source_links(r["sources"])
        return f'<td>{esc(r["label"])}<br><code>{esc(r["id"])}</code> <span class="src">{sources}</span></td>'

    def point(r):
        return f'<td class="num">{esc(fmt(r["value"], r["unit"]))}</td>'

    # The costs with an interval first, median first (the value at the run's parameters beside it);
    # then the step results.
    ranged = [r for r in headline if interval(r)]
    point_word = "at baseline parameters" if not plan.differs else "at this run's parameters"
    rows = "".join(f'<tr>{what_it_is(r)}<td class="num">{interval_html(r)}</td>{point(r)}</tr>' for r in ranged)
    steps = "".join(f"<tr>{what_it_is(r)}{point(r)}</tr>" for r in headline if r not in ranged)
    what = "<th>what it is (results id, sources)</th>"
    parts.append(
        '<section id="headline"><h2>Headline numbers</h2><div class="scroll"><table>'
        f"<tr>{what}<th>median (90% interval)</th><th>{point_word}</th></tr>{rows}</table></div>"
        "<h3>The step-by-step numbers they rest on</h3>"
        f'<div class="scroll"><table><tr>{what}<th>{point_word}</th></tr>{steps}</table></div>'
        '<p>Every citable number: <a href="results.csv">results.csv</a> · '
        '<a href="results.json">results.json</a></p></section>'
    )

    parts.append('<section id="steps"><h2>The six steps</h2>')
    for stem, nb in executed.items():
        title = notebook_title(nb)
        a = answers.get(stem)
        parts.append(
            f'<article class="step"><h3>{esc(title.split(":")[0]) if title.lower().startswith("step") else ""}</h3>'
            f'<p class="question">{esc(_step_question(title))}</p>'
        )
        if a:
            parts.append(f'<p class="answer">{esc(a["answer"])}</p>')
            f = figure_by_id.get(a["key_figure"])
            if f:
                fid, title = esc(f["id"]), esc(f["title"])
                parts.append(
                    f'<figure><a href="figures/{fid}.svg"><img src="figures/{fid}.png" alt="{title}" '
                    f'loading="lazy"></a><figcaption>{fid}: {title}</figcaption></figure>'
                )
        parts.append(
            f'<p class="links"><a href="notebooks/{esc(stem)}.html">Read the step</a> · '
            f'<a href="notebooks/{esc(stem)}.code.html">with code</a> · '
            f'<a href="notebooks/{esc(stem)}.ipynb">notebook</a></p></article>'
        )
    parts.append("</section>")

    parts.append(
        '<section id="figures"><h2>Figure gallery</h2><p>Each figure has a stable id (in its file name and footer); '
        'cite it with the report\'s version. <a href="figures/figures.csv">figures.csv</a></p>'
    )
    for f in sorted(figures, key=lambda f: f["id"]):
        fid, title, notebook = esc(f["id"]), esc(f["title"]), esc(f["notebook"])
        parts.append(
            f'<figure id="{fid}"><img src="figures/{fid}.png" alt="{title}" loading="lazy">'
            f"<figcaption><strong>{fid}</strong>: {title}. {esc(f['caption'])} "
            f"Sources: {source_links(f['sources'])}. "
            f'From <a href="notebooks/{notebook}.html">{notebook}</a>. '
            f'<a href="figures/{fid}.svg">SVG</a> · <a href="figures/{fid}.png">PNG (300 dpi)</a></figcaption></figure>'
        )
    parts.append("</section>")

    parts.append(
        '<section id="assumptions"><h2>The assumptions register</h2>'
        "<p>Every parameter, its value in this run, its range and where it comes from "
        "(<code>data/assumptions.csv</code>).</p>"
    )
    rows = []
    for name, p in plan.register.items():
        rng = (
            f"{p.low:g} to {p.high:g} ({p.distribution})"
            if p.low is not None
            else ("one of " + ", ".join(p.allowed) if p.allowed else p.distribution)
        )
        rows.append(
            f'<tr><td><code>{esc(name)}</code></td><td class="num">{esc(str(plan.values[name]))}</td>'
            f"<td>{esc(rng)}</td>"
            f'<td>{esc(p.unit)}</td><td>{source_links(p.source_ids)}</td><td class="note">{esc(p.note)}</td></tr>'
        )
    parts.append(
        '<div class="scroll"><table><tr><th>parameter</th><th>value</th><th>range</th><th>unit</th>'
        "<th>sources</th><th>note</th></tr>" + "".join(rows) + "</table></div></section>"
    )

    if ledger is not None and len(ledger):
        parts.append('<section id="claims"><h2>The claims ledger</h2>')
        parts.append(
            "<p>Each claim as written, checked against this run's results; numeric verdicts are computed, not typed "
            '(<a href="claims.csv">claims.csv</a>).</p>'
        )
        rows = "".join(
            f'<tr><td>“{esc(_text(r["claim"]))}”<br><span class="src">{esc(_text(r["claimant"]))}; checked against '
            f"<code>{esc(_text(r['result_id']) or 'the sources')}</code></span></td>"
            f'<td class="verdict">{esc(_text(r["verdict"]))}</td><td>{esc(_text(r["reason"]))}</td></tr>'
            for r in ledger.to_dict("records")
        )
        head = "<tr><th>claim</th><th>verdict</th><th>why</th></tr>"
        parts.append(f'<div class="scroll"><table>{head}{rows}</table></div></section>')

    parts.append(
        '<section id="rerun"><h2>Re-run this</h2><p>From a clone of the repository, after <code>make report</code> '
        f'has set up <code>.venv</code>:</p><pre class="cmd">.venv/bin/{esc(plan.rerun_command())}</pre>'
        "<p>Change any parameter with <code>-p NAME VALUE</code>; "
        "list them with <code>python -m analysis params</code>.</p></section>"
    )
    return _page(f"DeepSeek's true cost: {plan.label}", "\n".join(parts))


def write_site(
    out: Path, plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None
) -> None:
    """Write ``index.html`` and ``figures/README.md`` into ``out`` (the notebook pages are rendered by the workers)."""
    (out / "index.html").write_text(index_html(plan, executed, results, figures, ledger, answers), encoding="utf-8")
    sources = _data.load_sources(plan.data_dir)
    (out / SOURCES_PAGE).write_text(bibliography_html(sources), encoding="utf-8")
    (out / "figures" / "README.md").write_text(figures_readme(figures), encoding="utf-8")


def figures_readme(figures: list[dict]) -> str:
    """``figures/README.md``: the gallery as a list, and how to cite a figure."""
    lines = [
        "# Figures",
        "",
        "Generated by `python -m analysis report` from the baseline run; do not edit by hand.",
        "Each figure is an SVG and a 300-dpi PNG named by its id. To cite one, give the report (see `CITATION.cff`),",
        f"its version (v{__version__}) and the figure id, "
        f"e.g. *DeepSeek's true cost, v{__version__}, figure `fig06_bridge`*.",
        "",
    ]
    for f in sorted(figures, key=lambda f: f["id"]):
        lines += [
            f"## `{f['id']}`",
            "",
            f"**{f['title']}**",
            "",
            f["caption"],
            "",
            f"Sources: {'; '.join(f['sources'])}. Notebook: `{f['notebook']}`. "
            f"Files: [SVG]({f['id']}.svg), [PNG]({f['id']}.png).",
            "",
        ]
    return "\n".join(lines)
