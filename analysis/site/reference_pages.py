"""The reference pages beside the front page: the bibliography (``sources.html``) and the glossary.

Layouts: ``templates/sources.html.j2`` and ``templates/glossary.html.j2``.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..tables import source_links
from .links import GLOSSARY_PAGE, SOURCES_PAGE, code_identifiers, link_bare_source_ids
from .templating import render, stylesheet


def text(value) -> str:
    """A cell as text: empty for None or NaN.

    Parameters
    ----------
    value : object
        A cell of a data file.

    Returns
    -------
    str
        Its text.

    Examples
    --------
    >>> text(None), text(float("nan")), text(3)
    ('', '', '3')
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def outside_link(url: str) -> str:
    """``url`` if it is an http(s) address a page may link to; otherwise ``""`` (no other scheme is followed).

    Parameters
    ----------
    url : str
        An address from ``data/sources.csv``.

    Returns
    -------
    str
        The address, or ``""``.

    Examples
    --------
    >>> outside_link("https://arxiv.org/abs/2412.19437"), outside_link("javascript:alert(1)")
    ('https://arxiv.org/abs/2412.19437', '')
    """
    return url if re.match(r"https?://[^\s<>\"']+$", url or "") else ""


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
    known = set(sources["id"])
    entries = []
    for r in sorted(sources.to_dict("records"), key=lambda r: r["id"]):
        notes = text(r.get("notes"))
        entries.append(
            {
                "id": r["id"],
                "title": text(r["title"]),
                "by_and_date": ", ".join(x for x in (text(r["authors_or_publisher"]), text(r["date"])) if x),
                "url": outside_link(text(r.get("url"))),
                "accessed": text(r.get("accessed")),
                "licence": text(r["licence"]),
                "notes": Markup(code_identifiers(link_bare_source_ids(str(escape(notes)), known))) if notes else "",
            }
        )
    return render(
        "sources.html.j2",
        title="DeepSeek's true cost: sources",
        css=Markup(stylesheet()),
        entries=entries,
        glossary_page=GLOSSARY_PAGE,
    )


def glossary_html(glossary, *, known_sources=frozenset()) -> str:
    """The glossary page: every term of ``data/glossary.csv`` with its definition and sources, anchored ``term-<id>``.

    Parameters
    ----------
    glossary : pandas.DataFrame
        ``data/glossary.csv`` as :func:`analysis.data.load_glossary` reads it.
    known_sources : frozenset of str
        Source ids (kept for callers; definitions are plain text).

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
    terms = [
        dict(r, sources_html=Markup(source_links(r["source_ids"])))
        for r in sorted(glossary.to_dict("records"), key=lambda r: r["term"].lower())
    ]
    return render(
        "glossary.html.j2",
        title="DeepSeek's true cost: glossary",
        css=Markup(stylesheet()),
        terms=terms,
        sources_page=SOURCES_PAGE,
    )
