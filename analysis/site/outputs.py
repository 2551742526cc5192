"""What a code cell's outputs become on a page, choosing among their formats as Jupyter does.

Every output is either escaped by a template (text, tracebacks, image data, a figure's title)
or passed through :func:`analysis.site.sanitise.sanitise_html` (HTML, markdown, LaTeX as MathML).
The markup of each kind of block is in ``templates/macros.html.j2``.

References
----------
Jupyter Development Team, "The Notebook file format" (nbformat 4),
https://nbformat.readthedocs.io/en/latest/format_description.html
"""

from __future__ import annotations

import base64
import functools
import re

from markupsafe import Markup

from .. import results as _results
from ..notebooks import joined_text as _joined
from ..tables import source_links
from .markdown import latex_to_mathml, render_markdown
from .sanitise import sanitise_html
from .templating import macro

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: A widget needs the JavaScript of a live Jupyter session; a static page shows its text instead.
WIDGET_MIME_TYPE = "application/vnd.jupyter.widget-view+json"


@functools.lru_cache(maxsize=1)
def _highlighter():
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(), HtmlFormatter(nowrap=True)


def highlight_css() -> str:
    """Pygments' colours for ``pre.hl`` (only token rules: nothing global; without Pygments' comments).

    Returns
    -------
    str
        CSS rules, one a line.
    """
    _, formatter = _highlighter()
    return "".join(re.sub(r"\s*/\*.*?\*/", "", rule) + "\n" for rule in formatter.get_token_style_defs("pre.hl"))


def highlight(code: str) -> Markup:
    """Python source as Pygments' highlighted HTML (Pygments escapes the code).

    Parameters
    ----------
    code : str
        The cell's source.

    Returns
    -------
    markupsafe.Markup
        ``<span>``\\ s with token classes, without the surrounding ``<pre>``.
    """
    from pygments import highlight as _pygments_highlight

    lexer, formatter = _highlighter()
    return Markup(_pygments_highlight(code, lexer, formatter))


def figure_html(entry: dict, folder: str = "../figures", sources_page: str = "../sources.html") -> str:
    """How a notebook page shows a figure: the saved SVG file itself, with its id, sources and files.

    The page then shows the very file a reader cites (``folder`` is relative to the page),
    and stays small: the figure is not copied into the page a second time. The caption links
    each source id to the bibliography and offers the SVG, the PNG and the numbers drawn (CSV).

    Parameters
    ----------
    entry : dict
        The figure's manifest entry (``id``, ``title``, ``sources``).
    folder : str
        The figures folder, relative to the page.
    sources_page : str
        The bibliography, relative to the page.

    Returns
    -------
    str
        A ``<figure>`` element.

    Examples
    --------
    >>> page = figure_html({"id": "fig03_x", "title": "A & B", "sources": ["s1"]})
    >>> '<img src="../figures/fig03_x.svg" alt="A &amp; B">' in page
    True
    >>> 'Sources: <a class="srckey" href="../sources.html#src-s1">s1</a>.' in page
    True
    >>> '<a href="../figures/fig03_x.csv">data (CSV)</a>' in page
    True
    """
    sources = Markup(source_links(entry.get("sources") or [], sources_page))
    return str(macro("step_figure", entry, folder, sources))


def collapse_carriage_returns(text: str) -> str:
    r"""What a terminal shows of text with ``\r`` in it (a progress bar redrawn in place): each line's last frame.

    Parameters
    ----------
    text : str
        A stream's text.

    Returns
    -------
    str
        The text as the terminal ends up showing it.

    Examples
    --------
    >>> collapse_carriage_returns("10%\r50%\r100%\ndone\n")
    '100%\ndone\n'
    """
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def _text_block(text: str, kind: str) -> Markup:
    return macro("text_output", _ANSI.sub("", text), kind)


def _latex_output(tex: str) -> Markup:
    """A ``text/latex`` output (``$...$``, ``$$...$$`` or bare maths) as MathML."""
    body = tex.strip()
    display = body.startswith("$$") or body.startswith("\\[") or body.startswith("\\begin")
    for start, end in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")):
        if body.startswith(start) and body.endswith(end) and len(body) > len(start) + len(end):
            body = body[len(start) : -len(end)]
            break
    return macro("latex_output", Markup(sanitise_html(latex_to_mathml(body, display=display))))


def output_html(output) -> str:
    """One output of a code cell as HTML, choosing among its formats as Jupyter does.

    Order of preference: the report's own figure entry (the saved SVG file, :func:`figure_html`),
    HTML (sanitised: no script, no style, nothing loaded from elsewhere), markdown (raw HTML in it
    shown as text, maths as MathML, then sanitised), LaTeX (as MathML), SVG, PNG, JPEG, then plain
    text. A widget or JavaScript, which need a live Jupyter session, falls back to its plain text,
    marked ``data-output="widget"``. Streams are text with carriage-return progress frames collapsed
    (stderr marked); errors show their traceback.

    Parameters
    ----------
    output : dict
        An nbformat output.

    Returns
    -------
    str
        Safe HTML, or ``""`` for an output with no format a page can show.
    """
    return str(_output_markup(output))


def _output_markup(output) -> Markup | str:
    """:func:`output_html`'s work, as markup."""
    kind = output.get("output_type")
    if kind == "stream":
        text = collapse_carriage_returns(_joined(output.get("text", "")))
        return _text_block(text, "stderr" if output.get("name") == "stderr" else "stdout")
    if kind == "error":
        traceback = output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"]
        return _text_block("\n".join(traceback), "error")
    data = output.get("data", {})

    def text(mime: str) -> str:
        return _joined(data[mime])

    if _results.FIGURE_MIME_TYPE in data:
        return figure_html(data[_results.FIGURE_MIME_TYPE])
    if WIDGET_MIME_TYPE in data or "application/javascript" in data:
        shown = text("text/plain") if "text/plain" in data else "(an interactive output: open the notebook in Jupyter)"
        return _text_block(shown, "widget")
    if "text/html" in data:
        return macro("html_output", Markup(sanitise_html(text("text/html"))))
    if "text/markdown" in data:
        return macro("markdown_output", Markup(sanitise_html(render_markdown(text("text/markdown"), escape=True))))
    if "text/latex" in data:
        return _latex_output(text("text/latex"))
    if "image/svg+xml" in data:
        encoded = base64.b64encode(text("image/svg+xml").encode("utf-8")).decode("ascii")
        return macro("image_output", "image/svg+xml", encoded)
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            return macro("image_output", mime, re.sub(r"[^A-Za-z0-9+/=]", "", text(mime)))
    if "text/plain" in data:
        return _text_block(text("text/plain"), "text")
    return ""
