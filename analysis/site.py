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
from . import costs as _costs
from . import data as _data
from . import paths as _paths
from . import results as _results
from .formatting import format_value
from .notebooks import cell_source as _source
from .notebooks import joined_text as _joined
from .tables import source_link, source_links

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


# --------------------------------------------------------------------------- maths
#: Code (fenced or inline, left alone) or maths: ``$$...$$`` (display) or ``$...$`` (inline). A ``\$``
#: is money (Jupyter's convention), so the notebooks write US\$5.6M and $C \approx 6ND$; as in pandoc, a
#: closing ``$`` followed by a digit does not close maths (so an unescaped "US$5.6M and US$1.6B" stays money).
_CODE_OR_MATH = re.compile(
    r"(?P<code>```.*?```|`[^`\n]*`)"
    r"|(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?!\s)(?P<inline>[^$\n]+?)(?<![\\\s])\$(?!\d)",
    re.S,
)


def latex_to_mathml(tex: str, *, display: bool = False) -> str:
    r"""LaTeX maths as MathML, which browsers render with no script; unparsable LaTeX is shown as code.

    Parameters
    ----------
    tex : str
        The maths, without its ``$`` delimiters.
    display : bool
        A block of its own (``$$...$$``) rather than inline.

    Returns
    -------
    str
        A ``<math>`` element (with the LaTeX kept as its ``alttext``), or ``<code class="tex">`` with
        the LaTeX escaped when it cannot be converted.

    Examples
    --------
    >>> latex_to_mathml(r"C \approx 6 N D")  # doctest: +ELLIPSIS
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="C \\approx 6 N D"><mrow><mi>C</mi>...'
    >>> latex_to_mathml(r"\frac{1}{")
    '<code class="tex">\\frac{1}{</code>'
    """
    from latex2mathml.converter import convert

    try:
        markup = convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types for bad input; show the LaTeX instead
        return f'<code class="tex">{html.escape(tex)}</code>'
    alt = html.escape(tex.strip(), quote=True)
    return re.sub(r"^<math ([^>]*)>", lambda m: f'<math {m.group(1)} alttext="{alt}">', markup, count=1)


def render_markdown(source: str, *, escape: bool = False) -> str:
    r"""Markdown as HTML, with ``$...$`` and ``$$...$$`` maths as MathML (see :func:`latex_to_mathml`).

    ``escape`` shows raw HTML as text (for markdown made by code from data). Code spans and
    blocks keep their dollars.

    >>> page = render_markdown(r"It costs US\$5.6M; $N$ is the size. `a $b$`")
    >>> "US$5.6M" in page, '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="N">' in page
    (True, True)
    >>> "<code>a $b$</code>" in page
    True
    """
    maths: list[str] = []

    def hold(match) -> str:
        if match.group("code"):
            return match.group("code")
        display = match.group("display") is not None
        maths.append(latex_to_mathml(match.group("display") if display else match.group("inline"), display=display))
        return f"DSTCMATH{len(maths) - 1}X"

    text = _CODE_OR_MATH.sub(hold, source)
    rendered = (_markdown_escaped() if escape else _markdown())(text)
    return re.sub(r"DSTCMATH(\d+)X", lambda m: maths[int(m.group(1))], rendered)


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


def figure_html(entry: dict, folder: str = "../figures", sources_page: str = "../sources.html") -> str:
    """How a notebook page shows a figure: the saved SVG file itself, with its id, sources and files.

    The page then shows the very file a reader cites (``folder`` is relative to the page),
    and stays small: the figure is not copied into the page a second time. The caption links
    each source id to the bibliography and offers the SVG, the PNG and the numbers drawn (CSV).

    >>> page = figure_html({"id": "fig03_x", "title": "A & B", "sources": ["s1"]})
    >>> '<img src="../figures/fig03_x.svg" alt="A &amp; B">' in page
    True
    >>> 'Sources: <a class="srckey" href="../sources.html#src-s1">s1</a>.' in page
    True
    >>> '<a href="../figures/fig03_x.csv">data (CSV)</a>' in page
    True
    """
    fid, title = html.escape(entry["id"]), html.escape(entry["title"])
    sources = entry.get("sources") or []
    cited = f" Sources: {source_links(sources, sources_page)}." if sources else ""
    return (
        f'<figure class="nbfig" id="{fid}"><a href="{folder}/{fid}.svg">'
        f'<img src="{folder}/{fid}.svg" alt="{title}"></a>'
        f'<figcaption>Figure <strong class="fid">{fid}</strong>.{cited} Files: '
        f'<a href="{folder}/{fid}.svg">SVG</a> · <a href="{folder}/{fid}.png">PNG (300 dpi)</a> · '
        f'<a href="{folder}/{fid}.csv">data (CSV)</a></figcaption></figure>'
    )


def _text_block(text: str, kind: str) -> str:
    return f'<pre class="out" data-output="{kind}">{html.escape(_ANSI.sub("", text))}</pre>'


def collapse_carriage_returns(text: str) -> str:
    r"""What a terminal shows of text with ``\r`` in it (a progress bar redrawn in place): each line's last frame.

    >>> collapse_carriage_returns("10%\r50%\r100%\ndone\n")
    '100%\ndone\n'
    """
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


#: A widget needs the JavaScript of a live Jupyter session; a static page shows its text instead.
WIDGET_MIME_TYPE = "application/vnd.jupyter.widget-view+json"


def _latex_output(tex: str) -> str:
    """A ``text/latex`` output (``$...$``, ``$$...$$`` or bare maths) as MathML."""
    body = tex.strip()
    display = body.startswith("$$") or body.startswith("\\[") or body.startswith("\\begin")
    for start, end in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")):
        if body.startswith(start) and body.endswith(end) and len(body) > len(start) + len(end):
            body = body[len(start) : -len(end)]
            break
    return f'<div class="out math" data-output="latex">{latex_to_mathml(body, display=display)}</div>'


def output_html(output) -> str:
    """One output of a code cell as HTML, choosing among its formats as Jupyter does.

    Order of preference: the report's own figure entry (the saved SVG file, :func:`figure_html`),
    HTML (sanitised: no script, no style, nothing loaded from elsewhere), markdown (with maths),
    LaTeX (as MathML), SVG, PNG, JPEG, then plain text. A widget or JavaScript, which need a
    live Jupyter session, falls back to its plain text, marked ``data-output="widget"``. Streams
    are text with carriage-return progress frames collapsed (stderr marked); errors show their traceback.
    """
    kind = output.get("output_type")
    if kind == "stream":
        text = collapse_carriage_returns(_joined(output.get("text", "")))
        return _text_block(text, "stderr" if output.get("name") == "stderr" else "stdout")
    if kind == "error":
        return _text_block(
            "\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"]), "error"
        )
    data = output.get("data", {})
    text = lambda mime: _joined(data[mime])  # noqa: E731

    if _results.FIGURE_MIME_TYPE in data:
        return figure_html(data[_results.FIGURE_MIME_TYPE])
    if WIDGET_MIME_TYPE in data or "application/javascript" in data:
        shown = text("text/plain") if "text/plain" in data else "(an interactive output: open the notebook in Jupyter)"
        return _text_block(shown, "widget")
    if "text/html" in data:
        return f'<div class="out scroll" data-output="html">{sanitise_html(text("text/html"))}</div>'
    if "text/markdown" in data:
        rendered = render_markdown(text("text/markdown"), escape=True)
        return f'<div class="out" data-output="markdown">{_keep_maths(rendered)}</div>'
    if "text/latex" in data:
        return _latex_output(text("text/latex"))
    if "image/svg+xml" in data:
        encoded = base64.b64encode(text("image/svg+xml").encode("utf-8")).decode("ascii")
        return f'<img class="out" alt="figure" src="data:image/svg+xml;base64,{encoded}">'
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            encoded = re.sub(r"[^A-Za-z0-9+/=]", "", text(mime))
            return f'<img class="out" alt="figure" src="data:{mime};base64,{encoded}">'
    if "text/plain" in data:
        return _text_block(text("text/plain"), "text")
    return ""


def _keep_maths(markup: str) -> str:
    """Sanitise markup whose ``<math>`` elements were made by :func:`latex_to_mathml` (kept as they are)."""
    parts = re.split(r"(<math .*?</math>)", markup, flags=re.S)
    return "".join(part if part.startswith("<math ") else sanitise_html(part) for part in parts)


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


# --------------------------------------------------------------------------- links in text
#: Text inside these elements is never turned into a link (links, code, maths, headings, table heads).
_NO_LINKS_IN = frozenset({"a", "code", "pre", "math", "h1", "h2", "h3", "h4", "h5", "h6", "th", "script", "style"})
_TAG = re.compile(r"(<[^>]*>)")


def link_text(markup: str, replace) -> str:
    """Apply ``replace`` (text -> HTML) to the text of ``markup`` outside links, code, maths and headings.

    The text given to ``replace`` is HTML-escaped text; what it returns is inserted as HTML.

    >>> link_text("<p>step 2 <code>step 2</code></p>", lambda t: t.replace("step", "STEP"))
    '<p>STEP 2 <code>step 2</code></p>'
    """
    out, open_tags = [], []
    for part in _TAG.split(markup):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            tag = name.group(1).lower() if name else ""
            if tag in _NO_LINKS_IN and not part.endswith("/>"):
                if part.startswith("</"):
                    if tag in open_tags:
                        del open_tags[len(open_tags) - 1 - open_tags[::-1].index(tag)]
                else:
                    open_tags.append(tag)
            out.append(part)
        elif part and not open_tags:
            out.append(replace(part))
        else:
            out.append(part)
    return "".join(out)


def _source_bracket_linker(known: frozenset, page: str):
    """``[id]`` or ``[id; id]`` in text, where every id is a known source, with each id linked."""
    pattern = re.compile(r"\[([a-z0-9][a-z0-9.\-]*(?:\s*[;,]\s*[a-z0-9][a-z0-9.\-]*)*)\]")

    def replace(text: str) -> str:
        def one(match):
            ids = [x.strip() for x in re.split(r"[;,]", match.group(1))]
            if not all(x in known for x in ids):
                return match.group(0)
            return "[" + source_links(ids, page) + "]"

        return pattern.sub(one, text)

    return replace


def link_code_sources(markup: str, known: frozenset, page: str) -> str:
    """``<code>id</code>`` where ``id`` is a known source id, wrapped in a link to its bibliography entry."""

    def one(match):
        sid = html.unescape(match.group(1))
        if sid not in known:
            return match.group(0)
        return f'<a class="srckey" href="{page}#src-{html.escape(sid)}">{match.group(0)}</a>'

    return re.sub(r"(?<!>)<code>([a-z0-9][a-z0-9.\-]*)</code>", one, markup)


def _step_linker(step_pages: dict[int, str], current: int | None):
    """ "step 2" / "Step 2" / "steps 2" in text linked to that step's page (not the page's own step)."""
    pattern = re.compile(r"(?<![\w-])([Ss]teps?)(\s|&nbsp;)([1-9])(?![\w-])")

    def replace(text: str) -> str:
        def one(match):
            n = int(match.group(3))
            if n not in step_pages or n == current:
                return match.group(0)
            return f'<a class="step" href="{html.escape(step_pages[n])}">{match.group(0)}</a>'

        return pattern.sub(one, text)

    return replace


def _glossary_linker(glossary, page: str, seen: set):
    """The first use on a page of each glossary term linked to its entry (later uses left as they are)."""
    if glossary is None or not len(glossary):
        return lambda text: text
    alternatives, owner = [], {}
    for row in glossary.to_dict("records"):
        for word in row["matches"].split("|"):
            word = word.strip()
            owner[word.lower()] = row
            alternatives.append(word)
    alternatives.sort(key=len, reverse=True)

    def form(word: str) -> str:  # a lower-case first letter may also be a capital (sentence start)
        return f"[{word[0].upper()}{word[0]}]{re.escape(word[1:])}" if word[0].islower() else re.escape(word)

    pattern = re.compile(r"(?<![\w-])(" + "|".join(form(w) for w in alternatives) + r")(?![\w-])")

    def replace(text: str) -> str:
        def one(match):
            row = owner.get(match.group(1).lower())
            if row is None or row["id"] in seen:
                return match.group(0)
            seen.add(row["id"])
            title = html.escape(row["definition"], quote=True)
            return f'<a class="gloss" href="{page}#term-{row["id"]}" title="{title}">{match.group(0)}</a>'

        return pattern.sub(one, text)

    return replace


def link_page_text(
    markup: str,
    *,
    known_sources=frozenset(),
    glossary=None,
    step_pages=None,
    current_step=None,
    sources_page: str = "sources.html",
    glossary_page: str = "glossary.html",
    seen=None,
) -> str:
    """Links a reader follows from a page's prose: source ids, "step N", and the first use of each glossary term.

    Parameters
    ----------
    markup : str
        HTML of the page's prose (text inside links, code, maths and headings is left alone).
    known_sources : frozenset of str
        The source ids of ``data/sources.csv``; ``[id]`` and ``<code>id</code>`` link to the bibliography.
    glossary : pandas.DataFrame, optional
        ``data/glossary.csv``; each term's first use on the page links to its entry.
    step_pages : dict of int to str, optional
        Each step's page, relative to this one.
    current_step : int, optional
        This page's own step (not linked to itself).
    sources_page, glossary_page : str
        The bibliography and glossary pages, relative to this one.
    seen : set, optional
        Glossary ids already linked on this page (updated).

    Returns
    -------
    str
        The markup with the links added.

    Examples
    --------
    >>> print(link_page_text("<p>As in step 2 [kaplan-2020].</p>", known_sources=frozenset({"kaplan-2020"}),
    ...                      step_pages={2: "02_x.html"}))  # doctest: +NORMALIZE_WHITESPACE
    <p>As in <a class="step" href="02_x.html">step 2</a>
    [<a class="srckey" href="sources.html#src-kaplan-2020">kaplan-2020</a>].</p>
    """
    seen = set() if seen is None else seen
    linkers = [_source_bracket_linker(known_sources, sources_page)] if known_sources else []
    if step_pages:
        linkers.append(_step_linker(step_pages, current_step))
    linkers.append(_glossary_linker(glossary, glossary_page, seen))

    def replace(text: str) -> str:
        for linker in linkers:
            text = link_text(text, linker) if "<" in text else linker(text)
        return text

    markup = link_text(markup, replace)
    return link_code_sources(markup, known_sources, sources_page) if known_sources else markup


def _step_number(stem: str) -> int | None:
    """'03_pretraining_estimate' -> 3."""
    match = re.match(r"(\d+)_", stem)
    return int(match.group(1)) if match else None


def table_of_contents(markup: str) -> str:
    """A list of the page's second-level headings (their ids made by :func:`_anchored`), as a ``nav``.

    >>> print(table_of_contents('<h2 id="a">Claim <a class="anchor" href="#a">¶</a></h2><h3 id="b">x</h3>'))
    <nav class="toc" aria-label="Contents"><strong>On this page</strong><ul><li><a href="#a">Claim</a></li></ul></nav>
    """
    items = []
    for hid, inner in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', markup, flags=re.S):
        label = re.sub(r"<a class=\"anchor\".*?</a>", "", inner, flags=re.S)
        label = re.sub(r"<(?!/?(?:em|strong|code)\b)[^>]+>", "", label).strip()
        items.append(f'<li><a href="#{hid}">{label}</a></li>')
    if not items:
        return ""
    return f'<nav class="toc" aria-label="Contents"><strong>On this page</strong><ul>{"".join(items)}</ul></nav>'


def render_notebook(nb, *, code: bool, stem: str | None = None, steps=None, data_dir=None) -> str:
    """A notebook as an HTML page: the report view (``code=False``, code hidden) or the full view.

    ``stem`` (the notebook's file name without ``.ipynb``) adds links to the other view, the
    notebook file and the front page, which sit beside the page in a built report; ``steps``
    (the stems of every step, in order) adds previous and next links and links "step N" in the
    prose. Source ids in the prose and figure captions link to the bibliography, and the first
    use of each glossary term to the glossary (both pages sit one folder up); ``data_dir`` is
    where ``sources.csv`` and ``glossary.csv`` are read from.
    """
    title = notebook_title(nb)
    suffix = ".code.html" if code else ".html"
    parts, slugs = [], {}
    steps = list(steps or [])
    step_pages = {n: f"{s}{suffix}" for s in steps if (n := _step_number(s)) is not None}
    current = _step_number(stem) if stem else None
    if stem:
        e = html.escape(stem)
        other = (
            f'<a href="{e}.html">Report view (code hidden)</a>' if code else f'<a href="{e}.code.html">With code</a>'
        )
        nav = ['<a href="../index.html">← The report</a>']
        if stem in steps:
            k = steps.index(stem)
            if k > 0:
                nav.append(
                    f'<a rel="prev" href="{html.escape(steps[k - 1])}{suffix}">← Step {_step_number(steps[k - 1])}</a>'
                )
            if k + 1 < len(steps):
                nav.append(
                    f'<a rel="next" href="{html.escape(steps[k + 1])}{suffix}">Step {_step_number(steps[k + 1])} →</a>'
                )
        nav += [
            other,
            f'<a href="{e}.ipynb">Notebook</a>',
            f'<a href="../{SOURCES_PAGE}">Sources</a>',
            f'<a href="../{GLOSSARY_PAGE}">Glossary</a>',
        ]
        parts.append(f'<nav class="bar">{" · ".join(nav)}</nav>')
    known = _data.source_ids(data_dir)
    glossary = _data.load_glossary(data_dir)
    seen: set = set()
    links = dict(
        known_sources=known,
        glossary=glossary,
        step_pages=step_pages,
        current_step=current,
        sources_page=f"../{SOURCES_PAGE}",
        glossary_page=f"../{GLOSSARY_PAGE}",
        seen=seen,
    )
    for cell in nb["cells"]:
        kind = cell.get("cell_type")
        if kind == "markdown":
            body = link_page_text(_anchored(render_markdown(_source(cell)), slugs), **links)
            parts.append(f'<section class="md">{body}</section>')
        elif kind == "code":
            shown = [output_html(o) for o in cell.get("outputs", [])]
            if code and _source(cell).strip():
                n = cell.get("execution_count")
                parts.append(
                    f'<div class="cell"><div class="prompt">In [{n if n is not None else " "}]:</div>'
                    f'<pre class="hl">{_highlight(_source(cell))}</pre></div>'
                )
            parts += [link_code_sources(s, known, f"../{SOURCES_PAGE}") for s in shown if s]
    toc = table_of_contents("\n".join(parts))
    if toc:  # after the title's section, before the story
        first = next((k for k, p in enumerate(parts) if p.startswith('<section class="md">') and "<h1" in p), None)
        parts.insert(first + 1 if first is not None else 0, toc)
    footer = [f"DeepSeek's true cost v{html.escape(__version__)}"]
    if stem in steps:
        k = steps.index(stem)
        if k + 1 < len(steps):
            footer.append(
                f'Next: <a rel="next" href="{html.escape(steps[k + 1])}{suffix}">step {_step_number(steps[k + 1])}</a>'
            )
        else:
            footer.append('<a href="../index.html">Back to the report</a>')
    parts.append(f'<p class="sub pagefoot">{" · ".join(footer)}</p>')
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
:root { --ink:#1d1d1f; --muted:#5f6368; --rule:#e3e3e3; --accent:#0072B2; --code-bg:#f5f5f7; }
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
pre.cmd { background: var(--code-bg); padding: .75rem; overflow-x: auto; border-radius: 4px; }
a { color: var(--accent); }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: .9rem; color: var(--muted); }
.scroll { overflow-x: auto; }
nav { font: 14px/1.6 system-ui, sans-serif; margin: .5rem 0 1.5rem; }
td.note { font-size: 12px; color: var(--muted); min-width: 16rem; }
td.verdict { font-weight: 600; overflow-wrap: normal; min-width: 7.5rem; }
.src { font-size: 12px; color: var(--muted); overflow-wrap: break-word; }
td { overflow-wrap: break-word; }
article.step { border-top: 1px solid var(--rule); padding-top: .5rem; }
article.step h3 { margin-bottom: 0; color: var(--muted); font-size: .95rem; }
.question { font-size: 1.2rem; font-weight: 600; margin: .2rem 0; }
.answer { font-size: 1.05rem; }
.links { font: 14px system-ui, sans-serif; }
@media (max-width: 600px) { body { font-size: 15px; } th, td { padding: .3rem; } h1 { font-size: 1.5rem; } }
ol.bibliography li { margin: .5rem 0; overflow-wrap: anywhere; }
nav.toc { font: 14px/1.5 system-ui, sans-serif; border-left: 3px solid var(--rule); padding: .25rem .75rem;
          margin: 1rem 0 1.5rem; }
nav.toc ul { margin: .25rem 0 0; padding-left: 1.25rem; }
nav.bar { display: flex; flex-wrap: wrap; gap: .25rem .75rem; }
dl.glossary dt { font: 600 1rem system-ui, sans-serif; margin-top: 1rem; }
dl.glossary dd { margin: .25rem 0 0 1rem; }
a.gloss { color: inherit; text-decoration: underline dotted; text-underline-offset: 2px; }
a.srckey { overflow-wrap: break-word; }
code.rid { font-size: 11px; color: var(--muted); }
.findings li { margin: .4rem 0; }
.cite pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--code-bg); padding: .6rem; }
math[display="block"] { margin: .75rem 0; overflow-x: auto; }
@media (prefers-color-scheme: dark) {
  :root { --ink:#e6e6e6; --muted:#a8adb3; --rule:#3b3b3f; --accent:#6cb4ee; --code-bg:#26262a; }
  body { background: #161618; }
  /* Figures are drawn on white; they keep a white card so their colours and text stay legible. */
  figure img, img.out { background: #fff; }
  pre.cmd, .cite pre { background: var(--code-bg); color: var(--ink); }
  pre.hl { background: #f7f7f9; color: #1d1d1f; }
  pre.out { background: #202024; color: var(--ink); }
  pre.out[data-output=stderr], pre.out[data-output=error] { background: #3a2320; }
}
@media print {
  nav, a.anchor { display: none !important; }
  body { font-size: 11pt; color: #000; background: #fff; }
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  table { font-size: 9pt; }
  figure, table, pre { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: #000; }
  main a[href^="http"]::after { content: " <" attr(href) ">"; font-size: 8pt; overflow-wrap: anywhere; }
}
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
.out table.reader { width: auto; border: none; }
.out table.reader caption { text-align: left; font-weight: 600; padding: .25rem 0; caption-side: top; }
.out table.reader th { text-align: left; vertical-align: bottom; overflow-wrap: normal; hyphens: none; }
.out table.reader td { overflow-wrap: normal; word-break: normal; min-width: 4rem; }
.out table.reader th { min-width: 5rem; }
.out table.reader td.long { min-width: 17rem; }
@media (max-width: 600px) { .out table.reader td.long { min-width: 13rem; } }
.out table.reader td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.out table.reader td:has(a.srckey) { min-width: 12rem; font-size: 12px; }
figure.nbfig figcaption { font: 13px system-ui, sans-serif; }
a.anchor { color: var(--rule); text-decoration: none; font-weight: normal; }
h1:hover a.anchor, h2:hover a.anchor, h3:hover a.anchor, a.anchor:focus { color: var(--muted); }
"""


def _ids(value) -> list[str]:
    """Source ids from a list, a tuple or a ``"a;b"`` string (empty for None or NaN)."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [v.strip() for v in _text(value).split(";") if v.strip()]


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
#: The glossary page, beside ``index.html``.
GLOSSARY_PAGE = "glossary.html"


def _outside_link(url: str) -> str:
    """A link out to ``url`` if it is an http(s) address; otherwise nothing (no other scheme is followed)."""
    if not re.match(r"https?://[^\s<>\"']+$", url or ""):
        return ""
    return f'<a href="{html.escape(url)}" rel="noopener noreferrer">{html.escape(url)}</a>'


def _link_bare_source_ids(escaped: str, known, page: str = SOURCES_PAGE) -> str:
    """Source ids written as plain words in escaped text (a note naming another source), each linked.

    Only hyphenated ids are matched ("assumption" is also a word).

    >>> _link_bare_source_ids("see deepseek-api-pricing and assumption", {"deepseek-api-pricing", "assumption"})
    'see <a class="srckey" href="sources.html#src-deepseek-api-pricing">deepseek-api-pricing</a> and assumption'
    """
    return re.sub(
        r"(?<![\w./#-])([a-z0-9]+(?:-[a-z0-9]+)+)(?![\w-])",
        lambda m: source_link(m.group(1), page) if m.group(1) in known else m.group(0),
        escaped,
    )


def _code_files(escaped: str) -> str:
    """Data file names in escaped text set as code (``data/gpus.csv``).

    >>> _code_files("priced from data/gpus.csv and x.yaml.")
    'priced from <code>data/gpus.csv</code> and <code>x.yaml</code>.'
    """
    return re.sub(r"(?<![\w/>-])((?:data/)?[a-z0-9_]+\.(?:csv|yaml))\b", r"<code>\1</code>", escaped)


def _code_identifiers(escaped: str) -> str:
    """Names with underscores in escaped text (a config field a note quotes, ``kv_lora_rank``) set as code.

    >>> _code_identifiers("reads kv_lora_rank = 512")
    'reads <code>kv_lora_rank</code> = 512'
    """
    return re.sub(r"(?<![\w./#-])([a-z][a-z0-9]*_[a-z0-9_]+)(?![\w-])", r"<code>\1</code>", escaped)


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
    known = set(sources["id"])
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
            + (
                f' <span class="note">{_code_identifiers(_link_bare_source_ids(esc(notes), known))}</span>'
                if notes
                else ""
            )
            + f' <span class="src">Cited as <code>{esc(r["id"])}</code></span></li>'
        )
    body = (
        "<header><h1>Sources</h1>"
        '<p class="sub"><a href="index.html">DeepSeek\'s true cost</a>: every source the report cites, '
        "by the id the text, tables, figures and data use (<code>data/sources.csv</code>). "
        "Links go to the source itself; this page loads nothing from elsewhere.</p></header>"
        f'<nav class="bar"><a href="index.html">← The report</a> <a href="{GLOSSARY_PAGE}">Glossary</a></nav>'
        f'<ol class="bibliography">{"".join(items)}</ol>'
    )
    return _page("DeepSeek's true cost: sources", body)


def glossary_html(glossary, *, known_sources=frozenset()) -> str:
    """The glossary page: every term of ``data/glossary.csv`` with its definition and sources, anchored ``term-<id>``.

    Parameters
    ----------
    glossary : pandas.DataFrame
        ``data/glossary.csv`` as :func:`analysis.data.load_glossary` reads it.
    known_sources : frozenset of str
        Source ids (for links in definitions written ``[id]``).

    Returns
    -------
    str
        A page with a definition list in alphabetical order of term.

    Examples
    --------
    >>> import pandas as pd
    >>> row = dict(id="kv-cache", term="KV cache", matches="KV cache", definition="Keys & values.", source_ids=("s1",))
    >>> page = glossary_html(pd.DataFrame([row]))
    >>> 'id="term-kv-cache"' in page, "Keys &amp; values." in page, 'href="sources.html#src-s1"' in page
    (True, True, True)
    """
    esc = html.escape
    items = []
    for r in sorted(glossary.to_dict("records"), key=lambda r: r["term"].lower()):
        items.append(
            f'<dt id="term-{esc(r["id"])}">{esc(r["term"])}</dt>'
            f"<dd>{esc(r['definition'])} "
            f'<span class="src">Sources: {source_links(r["source_ids"])}.</span></dd>'
        )
    body = (
        "<header><h1>Glossary</h1>"
        '<p class="sub"><a href="index.html">DeepSeek\'s true cost</a>: the words the report uses, in plain terms '
        "(<code>data/glossary.csv</code>). The first use of each on a page links here.</p></header>"
        '<nav class="bar"><a href="index.html">← The report</a> · <a href="sources.html">Sources</a></nav>'
        f'<dl class="glossary">{"".join(items)}</dl>'
    )
    return _page("DeepSeek's true cost: glossary", body)


def _step_question(title: str) -> str:
    """'Step 3: What did ...?' -> 'What did ...?'"""
    return title.split(": ", 1)[1] if title.lower().startswith("step") and ": " in title else title


#: What each named cost (:data:`analysis.costs.NAMED_COSTS`, in that order) covers, as the front page's
#: key findings say it; the costs' short names are :data:`analysis.costs.NAMED_COST_LABELS`.
HEADLINE_COSTS = dict(
    zip(
        _costs.NAMED_COSTS,
        (
            "V3's final training run, the number DeepSeek reported, priced at rental rates",
            "Developing V3 and R1: final runs, experiments and the research staff of the same period",
            "A year of the company: the shared GPU fleet's cost of ownership and all research staff",
            "Owning the GPU fleet for four years from 2025",
        ),
        strict=True,
    )
)
#: The results whose label names the parameter each cost's uncertainty depends on most (step 6 writes it
#: "... its most influential parameter, the <parameter in words>"; a front-page test fails if it stops).
_SWING_SUFFIX = "_most_sensitive_swing_usd"
_MOST_INFLUENTIAL = re.compile(r"most influential parameter,\s*(?:the\s+)?(.+?)\s*$", re.I)


def _interval_words(by_id: dict, rid: str) -> str | None:
    """'US$98.77M (90% interval US$52.61M to US$187.6M)' from a result's p50, p05 and p95."""
    q = [by_id.get(f"{rid}_{x}") for x in ("p50", "p05", "p95")]
    if not all(q):
        return None
    mid, lo, hi = (format_value(r["value"], r["unit"]) for r in q)
    return f"{mid} (90% interval {lo} to {hi})"


def key_findings(by_id: dict, *, point_words: str = "at the baseline parameters") -> list[str]:
    """The front page's key findings: a sentence per headline cost, median and 90% interval first, then the
    parameter its uncertainty depends on most. Numbers come from the run's results; any missing one is skipped.

    Parameters
    ----------
    by_id : dict
        The run's results by id (each with ``value``, ``unit`` and ``label``).
    point_words : str
        How the value at the run's own parameters is described.

    Returns
    -------
    list of str
        Sentences as HTML (escaped), each ending with the results ids it rests on.

    Examples
    --------
    >>> r = lambda v: {"value": v, "unit": "USD", "label": "x"}
    >>> by_id = {"cost_final_run_usd": r(5.576e6), "cost_final_run_usd_p50": r(6.1e6),
    ...          "cost_final_run_usd_p05": r(4.4e6), "cost_final_run_usd_p95": r(8.5e6)}
    >>> print(key_findings(by_id)[0])  # doctest: +NORMALIZE_WHITESPACE
    <strong>V3&#x27;s final training run, the number DeepSeek reported, priced at rental rates:</strong> a median of
    US$6.1M (90% interval US$4.4M to US$8.5M); US$5.576M at the baseline parameters.
    <code class="rid">cost_final_run_usd</code>
    """
    esc = html.escape
    out = []
    for rid, words in HEADLINE_COSTS.items():
        point, interval = by_id.get(rid), _interval_words(by_id, rid)
        if not point or not interval:
            continue
        out.append(
            f"<strong>{esc(words)}:</strong> a median of {esc(interval)}; "
            f"{esc(format_value(point['value'], point['unit']))} {esc(point_words)}. "
            f'<code class="rid">{esc(rid)}</code>'
        )
    drivers = []
    for rid in HEADLINE_COSTS:
        swing = by_id.get(rid + _SWING_SUFFIX)
        found = _MOST_INFLUENTIAL.search(swing["label"]) if swing else None
        if found:
            drivers.append(
                f"for the {esc(_costs.NAMED_COST_LABELS[rid])}, the {esc(found.group(1))} "
                f"(a swing of {esc(format_value(swing['value'], swing['unit']))} across its range)"
            )
    if drivers:
        out.append("<strong>What the uncertainty depends on most:</strong> " + "; ".join(drivers) + ".")
    return out


def _citation(repo_root=None) -> dict:
    """What ``CITATION.cff`` says about the report (title, version, date, authors, address)."""
    import yaml

    root = Path(repo_root) if repo_root else _paths.REPO_ROOT
    try:
        meta = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8")) or {}
    except OSError:
        meta = {}
    return {
        "title": str(meta.get("title") or "DeepSeek's true cost"),
        "version": str(meta.get("version") or __version__),
        "date": str(meta.get("date-released") or ""),
        "authors": "; ".join(str(a.get("name") or a.get("family-names") or "") for a in meta.get("authors") or []),
        "url": str(meta.get("url") or meta.get("repository-code") or ""),
    }


def how_to_cite_html(citation: dict, example_result: str, example_figure: str) -> str:
    """The "How to cite" block: the report as text and BibTeX, a number, a figure (all with the version).

    >>> c = dict(title="T", version="0.1.0", date="2026-11-29", authors="A", url="")
    >>> block = how_to_cite_html(c, "cost_development_usd_p50", "fig06_bridge")
    >>> "@software{deepseek_true_cost_v0_1_0," in block, "version = {0.1.0}" in block, "fig06_bridge" in block
    (True, True, True)
    """
    esc = html.escape
    c = citation
    year = c["date"][:4]
    where = f" {c['url']}." if c["url"] else ""
    text = f"{c['authors']} ({year or 'n.d.'}). {c['title']}. Version {c['version']}.{where}"
    key = "deepseek_true_cost_v" + re.sub(r"\W", "_", c["version"])
    bib = [f"@software{{{key},", f"  title = {{{{{c['title']}}}}},", f"  author = {{{{{c['authors']}}}}},"]
    bib += [f"  version = {{{c['version']}}},"] + ([f"  year = {{{year}}},"] if year else [])
    bib += ([f"  date = {{{c['date']}}},"] if c["date"] else []) + ([f"  url = {{{c['url']}}},"] if c["url"] else [])
    bib.append("}")
    address = (
        ""
        if c["url"]
        else " <code>CITATION.cff</code> gives no web address yet; cite the version and where you got it."
    )
    return (
        '<section id="cite" class="cite"><h2>How to cite</h2>'
        f"<p>The report:{address}</p><pre>{esc(text)}</pre><pre>{esc(chr(10).join(bib))}</pre>"
        f"<p>A number: give the report, its version and the number's results id, e.g. <em>DeepSeek's true cost "
        f"v{esc(c['version'])}, result <code>{esc(example_result)}</code></em> (every id is in "
        '<a href="results.csv">results.csv</a>). '
        f"A figure: the report, its version and the figure id, e.g. <em>DeepSeek's true cost v{esc(c['version'])}, "
        f"figure <code>{esc(example_figure)}</code></em>.</p></section>"
    )


def index_html(plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None) -> str:
    """The report's front page, answer first (offline: no request leaves the folder).

    Title, version and authors; the key findings (:func:`key_findings`) with the bridge figure; the
    headline costs (median and 90% interval first) and the step numbers they rest on, each with its
    results id as a small citable anchor; the six steps; the figure gallery; the assumptions register;
    the claims ledger; how to re-run and how to cite. Source ids link to ``sources.html`` and the first
    use of each glossary term to ``glossary.html``.
    """
    esc = html.escape
    fmt = format_value
    by_id = {r["id"]: r for r in results}
    answers = {a["notebook"]: a for a in (answers or [])}
    figure_by_id = {f["id"]: f for f in figures}
    citation = _citation()
    point_word = "at the baseline parameters" if not plan.differs else "at this run's parameters"
    byline = esc(citation["authors"]) + (f" · {esc(citation['date'])}" if citation["date"] else "")
    parts = [
        "<header><h1>DeepSeek's true cost</h1>",
        '<p class="sub">A reproducible rebuild of the argument that DeepSeek\'s AI cost far more '
        f"than the US$5.6M headline. Version {esc(__version__)} · {byline} · "
        f"scenario <strong>{esc(plan.label)}</strong></p>",
        f"<p>{esc(plan.scenario.description)}</p></header>",
        '<nav class="toc bar" aria-label="Contents"><a href="#findings">Key findings</a> <a href="#headline">Headline '
        'numbers</a> <a href="#steps">The six steps</a> <a href="#figures">Figures</a> '
        '<a href="#assumptions">Assumptions</a> <a href="#claims">Claims ledger</a> <a href="#rerun">Re-run this</a> '
        f'<a href="#cite">How to cite</a> <a href="{SOURCES_PAGE}">Sources</a> <a href="{GLOSSARY_PAGE}">Glossary</a>'
        "</nav>",
    ]

    findings = key_findings(by_id, point_words=point_word)
    parts.append('<section id="findings"><h2>Key findings</h2>')
    if findings:
        parts.append('<ul class="findings">' + "".join(f"<li>{f}</li>" for f in findings) + "</ul>")
    bridge = figure_by_id.get("fig06_bridge")
    if bridge:
        fid, title = esc(bridge["id"]), esc(bridge["title"])
        parts.append(
            f'<figure><a href="figures/{fid}.svg"><img src="figures/{fid}.png" alt="{title}"></a>'
            f'<figcaption><strong class="fid">{fid}</strong>: {title}. '
            f"{_code_files(esc(bridge['caption']))}</figcaption></figure>"
        )
    where = [by_id[f"{rid}_point_percentile"]["value"] for rid in HEADLINE_COSTS if f"{rid}_point_percentile" in by_id]
    placed = (
        f" Several ranges are not symmetric about their baseline, so the values at the run's parameters sit "
        f"at the {min(where):.0%} to {max(where):.0%} quantiles of the draws, not at the median."
        if where
        else ""
    )
    parts.append(
        "<p>Medians and 90% intervals come from the Monte Carlo over every ranged assumption; the value at the "
        f"run's own parameters is given beside them.{esc(placed)}</p></section>"
    )

    parts.append('<section id="differs"><h2>How this run differs from the baseline</h2>')
    if plan.differs:
        rows = "".join(
            f"<tr><td>{esc(plan.register[n].label or n)}<br><code>{esc(n)}</code></td>"
            f'<td class="num">{esc(str(b))}</td><td class="num">{esc(str(v))}</td>'
            f"<td>{esc(plan.register[n].unit)}</td></tr>"
            for n, (b, v) in plan.differs.items()
        )
        head = "<tr><th>Parameter (name to re-run with)</th><th>Baseline</th><th>This run</th><th>Unit</th></tr>"
        parts.append(f'<div class="scroll"><table>{head}{rows}</table></div>')
    else:
        parts.append("<p>It does not: every parameter is at its baseline.</p>")
    parts.append("</section>")

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
        rid = esc(r["id"])
        return f'<td id="r-{rid}">{esc(r["label"])} <span class="src">Sources: {source_links(r["sources"])}</span></td>'

    def rid_cell(r):
        rid = esc(r["id"])
        shown = rid.replace("_", "_<wbr>")  # breaks only after an underscore; copying gives the id
        return f'<td><a href="#r-{rid}" title="Link to this number"><code class="rid">{shown}</code></a></td>'

    def point(r):
        return f'<td class="num">{esc(fmt(r["value"], r["unit"]))}</td>'

    ranged = [r for r in headline if _interval_words(by_id, r["id"])]
    rows = "".join(
        f'<tr>{what_it_is(r)}<td class="num">{interval_html(r)}</td>{point(r)}{rid_cell(r)}</tr>' for r in ranged
    )
    steps = "".join(f"<tr>{what_it_is(r)}{point(r)}{rid_cell(r)}</tr>" for r in headline if r not in ranged)
    cite = "<th>Results id (to cite)</th>"
    parts.append(
        '<section id="headline"><h2>Headline numbers</h2><div class="scroll"><table>'
        f"<tr><th>What it is</th><th>Median (90% interval)</th><th>{point_word.capitalize()}</th>{cite}</tr>{rows}"
        "</table></div><h3>The step-by-step numbers they rest on</h3>"
        f'<div class="scroll"><table><tr><th>What it is</th><th>{point_word.capitalize()}</th>{cite}</tr>{steps}'
        '</table></div><p>Every citable number: <a href="results.csv">results.csv</a> · '
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
                    f'loading="lazy"></a><figcaption><strong class="fid">{fid}</strong>: {title}</figcaption></figure>'
                )
        parts.append(
            f'<p class="links"><a href="notebooks/{esc(stem)}.html">Read the step</a> · '
            f'<a href="notebooks/{esc(stem)}.code.html">with code</a> · '
            f'<a href="notebooks/{esc(stem)}.ipynb">notebook</a></p></article>'
        )
    parts.append("</section>")

    parts.append(
        '<section id="figures"><h2>Figure gallery</h2><p>Each figure has a stable id (in its file name and footer); '
        "cite it with the report's version. Each comes as SVG, as a 300-dpi PNG and with the numbers it draws "
        '(CSV, units in the column names). The list: <a href="figures/figures.csv">figures.csv</a></p>'
    )
    for f in sorted(figures, key=lambda f: f["id"]):
        fid, title, notebook = esc(f["id"]), esc(f["title"]), esc(f["notebook"])
        parts.append(
            f'<figure id="{fid}"><img src="figures/{fid}.png" alt="{title}" loading="lazy">'
            f'<figcaption><strong class="fid">{fid}</strong>: {title}. {_code_files(esc(f["caption"]))} '
            f"Sources: {source_links(f['sources'])}. "
            f'From <a href="notebooks/{notebook}.html#{fid}">{notebook}</a>. '
            f'<a href="figures/{fid}.svg">SVG</a> · <a href="figures/{fid}.png">PNG (300 dpi)</a> · '
            f'<a href="figures/{fid}.csv">data (CSV)</a></figcaption></figure>'
        )
    parts.append("</section>")

    parts.append(
        '<section id="assumptions"><h2>The assumptions register</h2>'
        "<p>Every parameter, its value in this run, its range and where it comes from "
        "(<code>data/assumptions.csv</code>). The name under each is what you type to change it.</p>"
    )
    rows = []
    # Names a reader types (parameters, and the allowed values of a choice, such as a method) are set as code.
    typed = set(plan.register) | {a for p in plan.register.values() for a in (p.allowed or ())}
    names = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(typed, key=len, reverse=True)) + r")(?![\w-])"
    )

    def as_code(text: str) -> str:
        text = names.sub(lambda m: f"<code>{m.group(1)}</code>", esc(text))
        return _code_files(text)

    for name, p in plan.register.items():
        rng = (
            f"{fmt(p.low, '')} to {fmt(p.high, '')} ({p.distribution})"
            if p.low is not None
            else ("one of " + ", ".join(p.allowed) if p.allowed else p.distribution)
        )
        value = plan.values[name]
        shown = fmt(value, "") if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
        rows.append(
            f"<tr><td>{esc(p.label or name)}<br><code>{esc(name)}</code></td>"
            f'<td class="num">{as_code(shown)}</td><td>{as_code(rng)}</td>'
            f"<td>{esc(p.unit)}</td><td>{source_links(p.source_ids)}</td>"
            f'<td class="note">{as_code(p.note)}</td></tr>'
        )
    parts.append(
        '<div class="scroll"><table><tr><th>Parameter (name to re-run with)</th><th>Value</th><th>Range</th>'
        "<th>Unit</th><th>Sources</th><th>Note</th></tr>" + "".join(rows) + "</table></div></section>"
    )

    if ledger is not None and len(ledger):
        parts.append('<section id="claims"><h2>The claims ledger</h2>')
        parts.append(
            "<p>Each claim as written, checked against this run's results; numeric verdicts are computed, not typed. "
            "Where a claim is judged on the Monte Carlo, the share of draws in which it holds is given "
            '(<a href="claims.csv">claims.csv</a>).</p>'
        )

        def holds(r):
            share = r.get("share_of_draws_holding")
            return "–" if share is None or share != share else fmt(float(share), "fraction")

        rows = "".join(
            f'<tr><td>“{esc(_text(r["claim"]))}”<br><span class="src">{esc(_text(r["claimant"]))}; '
            f"{source_links(_ids(r.get('source_ids')))}</span></td>"
            f'<td class="verdict">{esc(_text(r["verdict"]))}</td><td class="num">{esc(holds(r))}</td>'
            f"<td>{esc(_text(r['reason']))}</td></tr>"
            for r in ledger.to_dict("records")
        )
        head = "<tr><th>Claim</th><th>Verdict</th><th>Share of draws in which it holds</th><th>Why</th></tr>"
        parts.append(f'<div class="scroll"><table>{head}{rows}</table></div></section>')

    parts.append(
        '<section id="rerun"><h2>Re-run this</h2><p>From a clone of the repository, after <code>make report</code> '
        f'has set up <code>.venv</code>:</p><pre class="cmd">.venv/bin/{esc(plan.rerun_command())}</pre>'
        "<p>Change any parameter with <code>-p NAME VALUE</code>, using the names in the assumptions register; "
        "list them with <code>python -m analysis params</code>.</p></section>"
    )
    example = next((f"{r}_p50" for r in HEADLINE_COSTS if f"{r}_p50" in by_id), results[0]["id"] if results else "")
    parts.append(how_to_cite_html(citation, example, "fig06_bridge" if bridge else next(iter(figure_by_id), "")))
    step_pages = {n: f"notebooks/{stem}.html" for stem in executed if (n := _step_number(stem)) is not None}
    body = link_page_text("\n".join(parts), glossary=_data.load_glossary(plan.data_dir), step_pages=step_pages)
    return _page(f"DeepSeek's true cost: {plan.label}", body)


def write_site(
    out: Path, plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None
) -> None:
    """Write ``index.html`` and ``figures/README.md`` into ``out`` (the notebook pages are rendered by the workers)."""
    (out / "index.html").write_text(index_html(plan, executed, results, figures, ledger, answers), encoding="utf-8")
    sources = _data.load_sources(plan.data_dir)
    (out / SOURCES_PAGE).write_text(bibliography_html(sources), encoding="utf-8")
    glossary = _data.load_glossary(plan.data_dir)
    (out / GLOSSARY_PAGE).write_text(glossary_html(glossary), encoding="utf-8")
    (out / "figures" / "README.md").write_text(figures_readme(figures), encoding="utf-8")


def figures_readme(figures: list[dict]) -> str:
    """``figures/README.md``: the gallery as a list, and how to cite a figure."""
    lines = [
        "# Figures",
        "",
        "Generated by `python -m analysis report` from the baseline run; do not edit by hand.",
        "Each figure is an SVG and a 300-dpi PNG named by its id, with the numbers it draws in a CSV of the same",
        "name (units in the column names, source ids in the last column). To cite one, give the report (see",
        "`CITATION.cff`),",
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
            f"Files: [SVG]({f['id']}.svg), [PNG]({f['id']}.png), [data (CSV)]({f['id']}.csv).",
            "",
        ]
    return "\n".join(lines)
