"""A step page: a notebook as HTML, in the report view (code hidden) or the full view (code shown).

Markdown cells go through mistune (``$`` is money, ``$...$`` maths becomes MathML), then the
sanitiser, then get heading anchors and links (sources, steps, glossary terms); code cells are
highlighted by Pygments (full view only); outputs are rendered by
:func:`analysis.site.outputs.output_html`. The page layout is ``templates/notebook.html.j2``.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from .. import __version__
from .. import data as _data
from ..notebooks import cell_source as _source
from . import links as _links
from .links import GLOSSARY_PAGE, SOURCES_PAGE, step_number
from .markdown import render_markdown
from .outputs import highlight, highlight_css, output_html
from .sanitise import sanitise_html
from .templating import macro, render, stylesheet


def heading_text(markdown: str) -> str:
    r"""A markdown heading as the plain text a reader sees: escapes undone, markup and tags removed.

    The notebooks write money as ``US\$5.6M`` (a bare ``$`` would start maths); a page's
    ``<title>`` and the front page's list of steps show the text, so the backslash must go.

    Parameters
    ----------
    markdown : str
        The heading's markdown, without its ``#``.

    Returns
    -------
    str
        Plain text (not HTML-escaped; templates escape it), whitespace collapsed.

    Examples
    --------
    >>> heading_text(r"Step 6: From US\$5.6M to the *true* cost")
    'Step 6: From US$5.6M to the true cost'
    >>> heading_text(r"A \_b\_ and `c_d` & <e>")
    'A _b_ and c_d & <e>'
    """
    rendered = render_markdown(markdown.strip(), escape=True)
    visible = re.sub(r"<annotation\b.*?</annotation>", "", rendered, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", visible))).strip()


def notebook_title(nb) -> str:
    """The first '# ' heading of a notebook (nbformat node or dict), as plain text.

    Parameters
    ----------
    nb : dict
        The notebook.

    Returns
    -------
    str
        The heading's text as a reader sees it (:func:`heading_text`: no ``\\$``), or
        "Notebook" when there is none.
    """
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return heading_text(line[2:])
    return "Notebook"


def _bar(stem: str, steps: list[str], code: bool, suffix: str) -> list[dict]:
    """The navigation bar's links: the front page, previous and next steps, the other view, the notebook, references."""
    bar = [{"href": "../index.html", "text": "← The report"}]
    if stem in steps:
        k = steps.index(stem)
        if k > 0:
            bar.append({"rel": "prev", "href": steps[k - 1] + suffix, "text": f"← Step {step_number(steps[k - 1])}"})
        if k + 1 < len(steps):
            bar.append({"rel": "next", "href": steps[k + 1] + suffix, "text": f"Step {step_number(steps[k + 1])} →"})
    if code:
        other_view = {"href": stem + ".html", "text": "Report view (code hidden)"}
    else:
        other_view = {"href": stem + ".code.html", "text": "With code"}
    return bar + [
        other_view,
        {"href": stem + ".ipynb", "text": "Notebook"},
        {"href": "../" + SOURCES_PAGE, "text": "Sources"},
        {"href": "../" + GLOSSARY_PAGE, "text": "Glossary"},
    ]


def _with_contents(parts: list[Markup]) -> list[Markup]:
    """The parts with the table of contents after the title's section (first if there is none)."""
    items = _links.contents_items("\n".join(parts))
    if not items:
        return parts
    first = next((k for k, p in enumerate(parts) if p.startswith('<section class="md">') and "<h1" in p), None)
    at = first + 1 if first is not None else 0
    return parts[:at] + [macro("contents", items)] + parts[at:]


def render_notebook(nb, *, code: bool, stem: str | None = None, steps=None, data_dir=None, run=None) -> str:
    """A notebook as an HTML page: the report view (``code=False``, code hidden) or the full view.

    Parameters
    ----------
    nb : dict
        The executed notebook (nbformat node or plain JSON).
    code : bool
        Show code cells (the full view).
    stem : str, optional
        The notebook's file name without ``.ipynb``; adds links to the other view, the notebook
        file and the front page, which sit beside the page in a built report.
    steps : list of str, optional
        The stems of every step, in order; adds previous and next links and links "step N" in the prose.
    data_dir : path, optional
        Where ``sources.csv`` and ``glossary.csv`` are read from (default: the project's ``data/``).
    run : dict, optional
        The run's identity (``results.json``'s ``run``); its label goes in the page's footer.

    Returns
    -------
    str
        The page. Source ids in the prose and figure captions link to the bibliography, and the
        first use of each glossary term to the glossary (both pages sit one folder up).
    """
    suffix = ".code.html" if code else ".html"
    steps = list(steps or [])
    step_pages = {n: f"{s}{suffix}" for s in steps if (n := step_number(s)) is not None}
    known = _data.source_ids(data_dir)
    links = dict(
        known_sources=known,
        glossary=_data.load_glossary(data_dir),
        step_pages=step_pages,
        current_step=step_number(stem) if stem else None,
        sources_page=f"../{SOURCES_PAGE}",
        glossary_page=f"../{GLOSSARY_PAGE}",
        seen=set(),
    )
    parts, slugs = [], {}
    for cell in nb["cells"]:
        kind = cell.get("cell_type")
        if kind == "markdown":
            prose = _links.anchor_headings(sanitise_html(render_markdown(_source(cell))), slugs)
            parts.append(macro("prose", Markup(_links.link_page_text(prose, **links))))
        elif kind == "code":
            if code and _source(cell).strip():
                parts.append(macro("code_cell", cell.get("execution_count"), highlight(_source(cell))))
            for output in cell.get("outputs", []):
                shown = output_html(output)
                if shown:
                    parts.append(Markup(_links.link_code_sources(shown, known, f"../{SOURCES_PAGE}")))
    next_step = None
    if stem in steps and steps.index(stem) + 1 < len(steps):
        following = steps[steps.index(stem) + 1]
        next_step = {"href": following + suffix, "number": step_number(following)}
    return render(
        "notebook.html.j2",
        title=notebook_title(nb),
        css=Markup(stylesheet() + highlight_css()),
        bar=_bar(stem, steps, code, suffix) if stem else None,
        parts=_with_contents(parts),
        version=__version__,
        run=run,
        next_step=next_step,
        last_step=stem in steps and next_step is None,
    )
