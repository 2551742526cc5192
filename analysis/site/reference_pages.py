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


#: How sure we are that a source says what the report quotes from it: the grades ``data/sources.csv``'s notes
#: end with, in the words of the sources page's legend.
CONFIDENCE_GRADES = {
    "H": ("high", "read in the source itself or in a copy that matches it word for word"),
    "H-": (
        "high, one detail unconfirmed",
        "read in the source, with one detail (such as the exact date) not confirmed",
    ),
    "M-H": ("medium to high", "read in a faithful copy or a close relay of the source, not in the original"),
    "M": ("medium", "read through a secondary report, summary or partial copy"),
    "L": ("low", "known only from a secondary mention"),
}
#: Sentences of a source's notes that record how the report's authors read it (internal workings, kept in
#: ``data/sources.csv``), not what the source says.
_INTERNAL = re.compile(
    r"file ids?\b|\bcommit\b|stored (?:full-text |page )?copy|copy site|was not (?:read|opened|found|confirmed)"
    r"|\bnot read\b|^Read\b|\bshared/|\barchived\b|placeholder|[Cc]onfidence\b|\bthe row or parameter\b"
    r"|(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b\w+/[\w ./-]*\.(?:csv|sh|py|json|ts)\b|\bdata/"  # files, keys
)
_GRADE = re.compile(r"\s*\[(H-|M-H|H|M|L)\]")


def reader_note(notes: str) -> tuple[str, str | None]:
    """A source's note as the sources page shows it: what the source says, without how it was read; and its grade.

    Parameters
    ----------
    notes : str
        The ``notes`` cell of ``data/sources.csv``.

    Returns
    -------
    (str, str or None)
        The sentences that speak to a reader, and the confidence grade (a key of :data:`CONFIDENCE_GRADES`) if
        the note gives one.

    Examples
    --------
    >>> reader_note("Table 1 gives 2,788K GPU-hours. Read from the PDF at commit 4c2fdb8f. [H]")
    ('Table 1 gives 2,788K GPU-hours.', 'H')
    >>> reader_note("Read in a stored full-text copy (file id 7097). A.1: no financing. [M]")
    ('A.1: no financing.', 'M')
    """
    grades = _GRADE.findall(notes)
    text = _GRADE.sub("", notes)
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"'(§])", text.strip())
    kept = [s for s in sentences if s and not _INTERNAL.search(s)]
    return " ".join(kept), (grades[-1] if grades else None)


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
        accessed, what the report takes from it (:func:`reader_note`) and, where graded, how sure we are of
        that reading; one legend explains the grades.

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
        notes, grade = reader_note(text(r.get("notes")))
        entries.append(
            {
                "id": r["id"],
                "title": text(r["title"]),
                "by_and_date": ", ".join(x for x in (text(r["authors_or_publisher"]), text(r["date"])) if x),
                "url": outside_link(text(r.get("url"))),
                "accessed": text(r.get("accessed")),
                "confidence": CONFIDENCE_GRADES[grade][0] if grade else "",
                "notes": Markup(code_identifiers(link_bare_source_ids(str(escape(notes)), known))) if notes else "",
            }
        )
    return render(
        "sources.html.j2",
        title="DeepSeek's true cost: sources",
        css=Markup(stylesheet()),
        entries=entries,
        grades=[CONFIDENCE_GRADES[g] for g in ("H", "H-", "M-H", "M", "L")],
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
