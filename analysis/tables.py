"""Tables for readers: every table a notebook shows goes through :func:`reader_table`.

A reader sees column labels in words with units, numbers written as the rest of the report
writes them (:func:`analysis.formatting.format_value`: US$ with K, M and B, percentages,
thousands separators), no index column, a dash where there is no value, and source ids as
links to the bibliography. The HTML is made by pandas' Styler (``pandas.io.formats.style``),
with a fixed id so that the same table gives the same bytes; the plain-text view (what a
terminal or ``nbconvert --to markdown`` shows) is the same formatted cells.

A label that looks like a code identifier (``cost_usd``) is refused: identifiers are for
re-running, not for reading.

References
----------
pandas development team, "Table Visualization" (Styler),
https://pandas.pydata.org/docs/user_guide/style.html
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable, Mapping

import pandas as pd

from .formatting import format_value

#: How a column's cells are written, by kind (a column may instead give its own function).
KINDS: dict[str, Callable[[object], str]] = {
    "USD": lambda v: format_value(float(v), "USD"),
    "fraction": lambda v: format_value(float(v), "fraction"),
    "count": lambda v: f"{round(float(v)):,}",
    "number": lambda v: format_value(float(v), ""),
    "multiple": lambda v: f"{float(v):,.3g}×",
    "text": str,
    # a number, or text; text that is a name (a method, a benchmark: what -p takes) is shown as code
    "value": lambda v: format_value(v, "") if isinstance(v, int | float) and not isinstance(v, bool) else str(v),
    "code": str,  # an identifier a reader types to re-run (shown in <code>)
    # a (words, name) pair: what a reader reads, with the name to re-run with under it in <code>
    "named": lambda v: f"{v[0]} ({v[1]})",
    "sources": None,  # links, made by _sources_html
}
#: What a reader sees where a cell has no value.
MISSING = "–"
#: A text column with a cell longer than this many characters is shown wide enough to read (class ``long``).
LONG_TEXT_CHARS = 60
#: The bibliography page, relative to a notebook page in a built report.
SOURCES_HREF = "../sources.html"
#: A code identifier (``cost_usd``): refused in a label a reader reads (here and in result labels).
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_NUMERIC_KINDS = frozenset({"USD", "fraction", "count", "number", "multiple"})


def _is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _source_ids(value) -> list[str]:
    """Source ids from a list or a ``"a; b"`` string."""
    if isinstance(value, list | tuple):
        return [str(s).strip() for s in value if str(s).strip()]
    return [s.strip() for s in str(value).split(";") if s.strip()]


def source_link(source_id: str, page: str = "sources.html") -> str:
    """A source id as a link to its entry in the bibliography page (``page``, relative to where it is shown).

    >>> source_link("deepseek-v3-report")
    '<a class="srckey" href="sources.html#src-deepseek-v3-report">deepseek-v3-report</a>'
    """
    sid = html.escape(source_id)
    return f'<a class="srckey" href="{html.escape(page)}#src-{sid}">{sid}</a>'


def source_links(source_ids, page: str = "sources.html") -> str:
    """Several source ids, each linked (:func:`source_link`), separated by semicolons."""
    return "; ".join(source_link(s, page) for s in source_ids)


def _sources_html(value, href: str) -> str:
    return source_links(_source_ids(value), href)


def code_html(name: str) -> str:
    """A name a reader types, as ``<code>``, with a line-break opportunity after each underscore.

    A long name (``research_staff_cost_usd_per_year``) then wraps inside a narrow table column
    instead of widening the table past its page; copying it gives the name unchanged.

    >>> code_html("cost_usd")
    '<code>cost_<wbr>usd</code>'
    """
    return "<code>" + html.escape(name).replace("_", "_<wbr>") + "</code>"


def _cell_html(value, kind, href: str) -> str:
    """One cell as HTML: escaped text, source links, or a name in code type."""
    if not isinstance(value, list | tuple) and _is_missing(value):
        return html.escape(MISSING)
    if kind == "sources":
        return _sources_html(value, href)
    if kind == "code" or (kind == "value" and isinstance(value, str) and IDENTIFIER.fullmatch(value)):
        return code_html(cell_text(value, kind))
    if kind == "named":
        words, name = value
        return f"{html.escape(str(words))}<br>{code_html(str(name))}"
    return html.escape(cell_text(value, kind))


def cell_text(value, kind) -> str:
    """One cell as a reader reads it (plain text).

    >>> cell_text(5576000.0, "USD"), cell_text(0.933, "fraction"), cell_text(2788000, "count")
    ('US$5.58M', '93.3%', '2,788,000')
    >>> cell_text(float("nan"), "USD"), cell_text(["a", "b"], "sources"), cell_text(4.386, "multiple")
    ('–', 'a; b', '4.39×')
    """
    if not isinstance(value, list | tuple) and _is_missing(value):
        return MISSING
    if kind == "sources":
        return "; ".join(_source_ids(value))
    write = kind if callable(kind) else KINDS[kind]
    return write(value)


def _check_columns(frame: pd.DataFrame, columns: Mapping[str, tuple]) -> None:
    unlabelled = [str(c) for c in frame.columns if c not in columns]
    if unlabelled:
        raise ValueError(f"table column(s) {', '.join(map(repr, unlabelled))} need a label and a kind for readers")
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"table has no column(s) {', '.join(map(repr, absent))}; it has {list(frame.columns)}")
    labels = []
    for name, spec in columns.items():
        if not (isinstance(spec, tuple) and len(spec) == 2):
            raise ValueError(f"column {name!r}: give (label, kind), e.g. ('Server CapEx', 'USD')")
        label, kind = spec
        if not isinstance(label, str) or not label.strip() or IDENTIFIER.search(label):
            raise ValueError(f"column {name!r}: label {label!r} must be words a reader reads, not an identifier")
        if not callable(kind) and kind not in KINDS:
            raise ValueError(f"column {name!r}: unknown kind {kind!r}; allowed: {', '.join(KINDS)} or a function")
        labels.append(label)
    if len(set(labels)) != len(labels):
        raise ValueError(f"two columns share a label: {labels}")


class ReaderTable:
    """A formatted table: HTML for notebook pages (``_repr_html_``), plain text otherwise.

    Attributes
    ----------
    cells : pandas.DataFrame
        The cells as text, under the reader's labels (what both views show).
    caption : str or None
        A sentence above the table.
    """

    def __init__(self, frame: pd.DataFrame, columns: Mapping[str, tuple], caption: str | None, sources_href: str):
        self._frame = frame
        self._columns = dict(columns)
        self.caption = caption
        self._href = sources_href
        self.cells = pd.DataFrame(
            {label: [cell_text(v, kind) for v in frame[name]] for name, (label, kind) in self._columns.items()}
        )

    def _styler(self):
        shown = pd.DataFrame(
            {
                label: [_cell_html(v, kind, self._href) for v in self._frame[name]]
                for name, (label, kind) in self._columns.items()
            }
        )
        numeric = {label for name, (label, kind) in self._columns.items() if kind in _NUMERIC_KINDS}
        # A column of sentences gets room to read (class "long"); the table then scrolls in its box.
        long = {label for label in self.cells.columns if self.cells[label].str.len().max() > LONG_TEXT_CHARS}
        classes = pd.DataFrame(
            [["num" if c in numeric else "long" if c in long else "" for c in shown.columns]] * len(shown),
            columns=shown.columns,
        )
        uuid = hashlib.sha256("|".join(shown.columns).encode("utf-8")).hexdigest()[:8]
        styler = (
            shown.style.hide(axis="index")
            .format_index(escape="html", axis="columns")
            .set_td_classes(classes)
            .set_uuid(uuid)
            .set_table_attributes('class="reader"')
        )
        if self.caption:
            styler = styler.set_caption(html.escape(self.caption))
        return styler

    def to_html(self) -> str:
        """The table as HTML: no index, labels escaped, numbers right-aligned (class ``num``)."""
        markup = self._styler().to_html()
        return re.sub(r'<style type="text/css">\s*</style>\s*', "", markup)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.cells.to_string(index=False)
        return f"{self.caption}\n{text}" if self.caption else text


class FoldedTable:
    """A long table that shows what matters first and folds the rest under a summary a reader opens.

    The page shows ``lead`` (a sentence saying what matters, e.g. which parameters this run
    changed), then ``shown`` (those rows, open) and then ``folded`` inside ``<details>``, closed,
    with ``summary`` as its label. Print opens it (the stylesheet's print rules).

    Attributes
    ----------
    lead : str
        The sentence above the tables.
    shown : ReaderTable or None
        The rows that matter, shown open; None when none does.
    summary : str
        The label of the folded part.
    folded : ReaderTable
        The rest of the rows.
    """

    def __init__(self, lead: str, shown: ReaderTable | None, summary: str, folded: ReaderTable):
        self.lead, self.shown, self.summary, self.folded = lead, shown, summary, folded

    def to_html(self) -> str:
        """The lead sentence, the open table (if any) and the folded one in ``<details class="fold">``."""
        parts = [f'<p class="lead">{html.escape(self.lead)}</p>']
        if self.shown is not None:
            parts.append(self.shown.to_html())
        parts.append(
            f'<details class="fold"><summary>{html.escape(self.summary)}</summary>\n{self.folded.to_html()}</details>'
        )
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        shown = [repr(self.shown)] if self.shown is not None else []
        return "\n\n".join([self.lead, *shown, self.summary + ":", repr(self.folded)])


def reader_table(
    frame: pd.DataFrame,
    columns: Mapping[str, tuple],
    *,
    caption: str | None = None,
    sources_href: str = SOURCES_HREF,
) -> ReaderTable:
    """``frame`` as a table for readers: every column labelled in words and formatted by its kind.

    Parameters
    ----------
    frame : pandas.DataFrame
        The numbers. A named index becomes a column first (so it needs a label too); a plain
        0, 1, 2 ... index is not shown.
    columns : mapping of str to (str, str or callable)
        For each column of ``frame``, in the order shown: its label for readers (words and
        units) and its kind, one of :data:`KINDS` (``"USD"``, ``"fraction"``, ``"count"``,
        ``"number"``, ``"multiple"``, ``"text"``, ``"value"`` (a number or text), ``"code"``
        (a name to re-run with, in code type), ``"sources"``) or a function from a value to
        text. Every column must be named; none may be left out.
    caption : str, optional
        A sentence shown above the table.
    sources_href : str
        Where source ids link to (the bibliography page, relative to the page).

    Returns
    -------
    ReaderTable
        Shown by Jupyter as HTML; ``repr`` gives the same cells as text.

    Raises
    ------
    ValueError
        A column without a label, a label that is an identifier, an unknown kind, or two
        columns with one label.

    Examples
    --------
    >>> frame = pd.DataFrame({"stage": ["pre-training"], "cost_usd": [5.328e6], "src": ["deepseek-v3-report"]})
    >>> labels = {"stage": ("Stage", "text"), "cost_usd": ("Cost", "USD"), "src": ("Sources", "sources")}
    >>> t = reader_table(frame, labels)
    >>> print(t)
           Stage     Cost            Sources
    pre-training US$5.33M deepseek-v3-report
    >>> 'href="../sources.html#src-deepseek-v3-report"' in t.to_html(), "<th" in t.to_html()
    (True, True)
    >>> reader_table(pd.DataFrame({"cost_usd": [1.0]}), {"cost_usd": ("cost_usd", "USD")})
    Traceback (most recent call last):
    ...
    ValueError: column 'cost_usd': label 'cost_usd' must be words a reader reads, not an identifier
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"reader_table needs a pandas DataFrame, not {type(frame).__name__}")
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    _check_columns(frame, columns)
    return ReaderTable(frame, columns, caption, sources_href)
