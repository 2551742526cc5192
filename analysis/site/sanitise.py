"""One sanitiser for every piece of HTML a page shows that the page's own templates did not write.

Markdown cells, markdown outputs, HTML outputs (pandas and Styler tables) and LaTeX outputs may
all carry strings from data files, scenarios or parameters. They pass through nh3, the Python
binding of the Rust library ammonia (an HTML5 parser, so what it keeps is what a browser would
build), with an explicit allow-list: the markup of tables, prose and the MathML that latex2mathml
writes. Everything else goes: scripts and styles with their content, images, forms, frames,
``on*`` handlers, ``style`` and ``id`` attributes, comments, and any link that is not http, https,
mailto or relative to the page (a protocol-relative ``//host`` link leaves the report too, so it
is dropped as well).

References
----------
nh3, https://nh3.readthedocs.io/ ; ammonia, https://docs.rs/ammonia/
"""

from __future__ import annotations

import functools

#: HTML elements a page may show from a notebook (what mistune, pandas' ``to_html`` and Styler emit).
HTML_TAGS = frozenset(
    "table thead tbody tfoot tr th td caption colgroup col div span p br hr strong em b i u s del code pre kbd "
    "sub sup ul ol li dl dt dd blockquote a h1 h2 h3 h4 h5 h6 details summary wbr".split()
)
#: MathML elements latex2mathml writes (presentation MathML; browsers render it with no script).
MATHML_TAGS = frozenset(
    "math semantics annotation mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac "
    "msqrt mroot mtable mtr mtd mstyle menclose mpadded mphantom".split()
)
#: Every element kept; anything else is removed (its text kept, except in :data:`DROPPED_WITH_CONTENT`).
ALLOWED_TAGS = HTML_TAGS | MATHML_TAGS
#: Elements removed together with everything inside them.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "textarea", "title", "noscript", "iframe", "object"})
#: MathML presentation attributes latex2mathml sets (layout only: none loads or runs anything).
_MATHML_ATTRIBUTES = frozenset(
    "mathvariant mathsize displaystyle scriptlevel stretchy fence separator form lspace rspace minsize maxsize "
    "movablelimits accent accentunder largeop symmetric linethickness notation width height depth voffset "
    "columnalign columnlines columnspacing rowspacing rowlines linebreak".split()
)
#: Attributes kept, by element ("*": on any kept element). No ``on*`` handler, ``style``, ``id`` or ``src``.
ALLOWED_ATTRIBUTES = {
    "*": frozenset({"class", "title"}),
    "a": frozenset({"href"}),
    "table": frozenset({"border"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "td": frozenset({"colspan", "rowspan"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start"}),
    "details": frozenset({"open"}),
    "math": frozenset({"xmlns", "display", "alttext"}) | _MATHML_ATTRIBUTES,
    **{tag: _MATHML_ATTRIBUTES for tag in MATHML_TAGS - {"math"}},
}
#: Schemes a kept ``href`` may use; an address without a scheme (relative to the page) is kept too.
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _drop_protocol_relative(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute hook: an ``href`` to ``//host/...`` (another site, with no scheme) is removed."""
    if attribute == "href" and value.strip().replace("\\", "/").startswith("//"):
        return None
    return value


@functools.lru_cache(maxsize=1)
def _cleaner():
    import nh3

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_drop_protocol_relative,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def sanitise_html(markup: str) -> str:
    """HTML that did not come from the page's own templates, reduced to the allow-list above.

    Parameters
    ----------
    markup : str
        An HTML fragment (a notebook's HTML output, or markdown rendered to HTML).

    Returns
    -------
    str
        The fragment as an HTML5 parser reads it, with only :data:`ALLOWED_TAGS` and
        :data:`ALLOWED_ATTRIBUTES` kept; text is escaped and the result is well-formed.

    Examples
    --------
    >>> sanitise_html('<table class="dataframe"><tr style="background: url(x)">'
    ...               '<td onclick="x()">1 &lt; 2</td></tr></table>'
    ...               '<img src=x onerror=alert(1)><script>alert(1)</script><a href="javascript:alert(1)">j</a>')
    '<table class="dataframe"><tbody><tr><td>1 &lt; 2</td></tr></tbody></table><a>j</a>'
    """
    return _cleaner().clean(markup)
