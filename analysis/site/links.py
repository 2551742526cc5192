"""Links a page adds to its prose: source ids, "step N", the first use of each glossary term, headings.

These filters work on HTML that is already safe (sanitised, or written by a template): they
touch only its text, outside links, code, maths and headings, and every fragment they insert
is built with :class:`markupsafe.Markup`, which escapes what goes into it.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

from ..tables import source_link, source_links

#: The bibliography page, beside ``index.html``.
SOURCES_PAGE = "sources.html"
#: The glossary page, beside ``index.html``.
GLOSSARY_PAGE = "glossary.html"

#: Text inside these elements is never turned into a link (links, code, maths, headings, table heads).
_NO_LINKS_IN = frozenset({"a", "code", "pre", "math", "h1", "h2", "h3", "h4", "h5", "h6", "th", "script", "style"})
_TAG = re.compile(r"(<[^>]*>)")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_SOURCE_BRACKETS = re.compile(r"\[([a-z0-9][a-z0-9.\-]*(?:\s*[;,]\s*[a-z0-9][a-z0-9.\-]*)*)\]")
_STEP = re.compile(r"(?<![\w-])([Ss]teps?)(\s|&nbsp;)([1-9])(?![\w-])")
_CODE_SOURCE = re.compile(r"(?<!>)<code>([a-z0-9][a-z0-9.\-]*)</code>")


def link_text(markup: str, replace) -> str:
    """Apply ``replace`` (text -> HTML) to the text of ``markup`` outside links, code, maths and headings.

    The text given to ``replace`` is HTML-escaped text; what it returns is inserted as HTML.

    Parameters
    ----------
    markup : str
        Safe HTML.
    replace : callable
        Escaped text in, HTML out.

    Returns
    -------
    str
        The markup with its text replaced.

    Examples
    --------
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

    def one(match):
        ids = [x.strip() for x in re.split(r"[;,]", match.group(1))]
        if not all(x in known for x in ids):
            return match.group(0)
        return "[" + source_links(ids, page) + "]"

    return lambda text: _SOURCE_BRACKETS.sub(one, text)


def link_code_sources(markup: str, known: frozenset, page: str) -> str:
    """``<code>id</code>`` where ``id`` is a known source id, wrapped in a link to its bibliography entry.

    Parameters
    ----------
    markup : str
        Safe HTML.
    known : frozenset of str
        The source ids.
    page : str
        The bibliography page, relative to the page shown.

    Returns
    -------
    str
        The markup with those code spans linked.
    """

    def one(match):
        sid = html.unescape(match.group(1))
        if sid not in known:
            return match.group(0)
        return Markup('<a class="srckey" href="{}#src-{}">{}</a>').format(page, sid, Markup(match.group(0)))

    return _CODE_SOURCE.sub(one, markup)


def _step_linker(step_pages: dict[int, str], current: int | None):
    """ "step 2" / "Step 2" / "steps 2" in text linked to that step's page (not the page's own step)."""

    def one(match):
        n = int(match.group(3))
        if n not in step_pages or n == current:
            return match.group(0)
        return Markup('<a class="step" href="{}">{}</a>').format(step_pages[n], Markup(match.group(0)))

    return lambda text: _STEP.sub(one, text)


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

    def one(match):
        row = owner.get(match.group(1).lower())
        if row is None or row["id"] in seen:
            return match.group(0)
        seen.add(row["id"])
        return Markup('<a class="gloss" href="{}#term-{}" title="{}">{}</a>').format(
            page, row["id"], row["definition"], Markup(match.group(0))
        )

    return lambda text: pattern.sub(one, text)


def link_page_text(
    markup: str,
    *,
    known_sources=frozenset(),
    glossary=None,
    step_pages=None,
    current_step=None,
    sources_page: str = SOURCES_PAGE,
    glossary_page: str = GLOSSARY_PAGE,
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


def link_prose_filter(markup, glossary=None, step_pages=None) -> Markup:
    """Jinja filter ``link_prose``: :func:`link_page_text` over a block a template has rendered (safe HTML).

    Parameters
    ----------
    markup : markupsafe.Markup
        The rendered block.
    glossary : pandas.DataFrame, optional
        The glossary (first use of each term linked).
    step_pages : dict of int to str, optional
        Each step's page (``step N`` linked).

    Returns
    -------
    markupsafe.Markup
        The block with its links.
    """
    return Markup(link_page_text(str(markup), glossary=glossary, step_pages=step_pages))


def code_files(escaped: str) -> str:
    """Data file names in escaped text set as code (``data/gpus.csv``).

    Parameters
    ----------
    escaped : str
        HTML-escaped text.

    Returns
    -------
    str
        The text with file names in ``<code>``.

    Examples
    --------
    >>> code_files("priced from data/gpus.csv and x.yaml.")
    'priced from <code>data/gpus.csv</code> and <code>x.yaml</code>.'
    """
    return re.sub(r"(?<![\w/>-])((?:data/)?[a-z0-9_]+\.(?:csv|yaml))\b", r"<code>\1</code>", escaped)


def code_files_filter(text) -> Markup:
    """Jinja filter ``code_files``: ``text`` escaped, then its data file names set as code (:func:`code_files`).

    Parameters
    ----------
    text : str
        Plain text (from data: a figure's caption, a parameter's note).

    Returns
    -------
    markupsafe.Markup
        Safe HTML.
    """
    return Markup(code_files(str(escape(text))))


def code_identifiers(escaped: str) -> str:
    """Names with underscores in escaped text (a config field a note quotes, ``kv_lora_rank``) set as code.

    Parameters
    ----------
    escaped : str
        HTML-escaped text.

    Returns
    -------
    str
        The text with those names in ``<code>``.

    Examples
    --------
    >>> code_identifiers("reads kv_lora_rank = 512")
    'reads <code>kv_lora_rank</code> = 512'
    """
    return re.sub(r"(?<![\w./#-])([a-z][a-z0-9]*_[a-z0-9_]+)(?![\w-])", r"<code>\1</code>", escaped)


def link_bare_source_ids(escaped: str, known, page: str = SOURCES_PAGE) -> str:
    """Source ids written as plain words in escaped text (a note naming another source), each linked.

    Only hyphenated ids are matched ("assumption" is also a word).

    Parameters
    ----------
    escaped : str
        HTML-escaped text.
    known : set of str
        The source ids.
    page : str
        The bibliography page.

    Returns
    -------
    str
        The text with those ids linked.

    Examples
    --------
    >>> link_bare_source_ids("see deepseek-api-pricing and assumption", {"deepseek-api-pricing", "assumption"})
    'see <a class="srckey" href="sources.html#src-deepseek-api-pricing">deepseek-api-pricing</a> and assumption'
    """
    return re.sub(
        r"(?<![\w./#-])([a-z0-9]+(?:-[a-z0-9]+)+)(?![\w-])",
        lambda m: source_link(m.group(1), page) if m.group(1) in known else m.group(0),
        escaped,
    )


def anchor_headings(markup: str, seen: dict[str, int]) -> str:
    """Give each heading an id (a slug of its text, unique in the page) and a ¶ link to itself.

    A reader can then cite a section: ``03_pretraining_estimate.html#the-claim-being-checked``.

    Parameters
    ----------
    markup : str
        Safe HTML.
    seen : dict of str to int
        How often each slug was used so far in the page (updated).

    Returns
    -------
    str
        The markup with ids and anchors on its headings.

    Examples
    --------
    >>> print(anchor_headings("<h2>The claim <em>being</em> checked</h2>", {}))  # doctest: +NORMALIZE_WHITESPACE
    <h2 id="the-claim-being-checked">The claim <em>being</em> checked
    <a class="anchor" href="#the-claim-being-checked" aria-label="Link to this section">¶</a></h2>
    """

    def add(match) -> str:
        level, inner = match.group(1), match.group(2)
        slug = re.sub(r"[^a-z0-9]+", "-", html.unescape(re.sub(r"<[^>]+>", "", inner)).lower()).strip("-") or "section"
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slug = f"{slug}-{count}" if count else slug
        return Markup(
            '<h{0} id="{1}">{2} <a class="anchor" href="#{1}" aria-label="Link to this section">¶</a></h{0}>'
        ).format(level, slug, Markup(inner))

    return _HEADING.sub(add, markup)


def contents_items(markup: str) -> list[tuple[str, Markup]]:
    """The page's second-level headings (ids made by :func:`anchor_headings`): (id, label as safe HTML).

    Parameters
    ----------
    markup : str
        The page's HTML.

    Returns
    -------
    list of (str, markupsafe.Markup)
        One entry per ``<h2>``, its label without the ¶ anchor and with only em, strong and code kept.

    Examples
    --------
    >>> contents_items('<h2 id="a">Claim <a class="anchor" href="#a">¶</a></h2><h3 id="b">x</h3>')
    [('a', Markup('Claim'))]
    """
    items = []
    for hid, inner in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', markup, flags=re.S):
        label = re.sub(r"<a class=\"anchor\".*?</a>", "", inner, flags=re.S)
        items.append((hid, Markup(re.sub(r"<(?!/?(?:em|strong|code)\b)[^>]+>", "", label).strip())))
    return items


def step_number(stem: str) -> int | None:
    """The step a notebook is, from its file name.

    Parameters
    ----------
    stem : str
        The notebook's file name without ``.ipynb``.

    Returns
    -------
    int or None
        Its leading number, or None.

    Examples
    --------
    >>> step_number("03_pretraining_estimate"), step_number("notes")
    (3, None)
    """
    match = re.match(r"(\d+)_", stem)
    return int(match.group(1)) if match else None
