"""The report in a real browser, at a phone's, a tablet's and a desktop's width.

Headless Chromium (Debian's package, driven by Playwright) opens every page of the baseline build
(every ``*.html`` in the built folder, so a new page is covered without touching this file) as a
``file://`` URL at 390, 768 and 1280 px, saves a screenshot of each, and checks on each page:

* the page does not scroll sideways, and nothing sticks out past the right edge (a wide table may
  scroll inside its own box: an ancestor with ``overflow-x`` other than ``visible``);
* every image has loaded (lazy images are made eager first);
* every internal link (``href``/``src`` that is not http, https, mailto or data) names a file
  inside the built folder, and its ``#fragment`` names an element of the target page;
* every source key (``.srckey``) is a link to ``sources.html#src-<id>`` with an id from
  ``data/sources.csv``, and no source id (those with a hyphen: ``assumption`` is also a word)
  shows as bare text outside a link and outside code;
* no amount of money is typeset as maths (``US$1.4B ... US$1.6B`` read as one ``$...$`` formula);
* its visible text has no raw LaTeX, no ``NaN`` and no snake_case parameter name (from
  ``data/assumptions.csv``), outside code (``code``, ``kbd``, ``samp``, the highlighted code and
  commands in ``pre`` other than ``pre.out``) and citation ids (``.srckey``, ``.rid``, ``.fid``);
  text a notebook printed (``pre.out``) is read by readers, so it is checked;
* no traceback, stderr or error output shows;
* no request leaves the folder (any other scheme than file, data or blob is blocked and recorded).

The checks run once per width and page; each test below asserts one of them and names the page,
the width and the offending element or text. Screenshots go to ``$DSTC_SCREENSHOTS`` if set, or
else to a temporary folder (``<page>-<width>.png``; the front page at 390 and 1280 px in full).

For local debugging only, ``DSTC_SITE_DIR=/path/to/a/copy/of/a/built/report`` points the test at
an existing build instead of building the baseline (use a copy; the test writes nothing there).
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths as _paths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Viewport width -> height: a phone, a tablet, a desktop.
WIDTHS = {390: 844, 768: 1024, 1280: 900}
#: (page, width) screenshots taken of the whole page; the others show the first screen.
FULL_PAGE = {("index.html", 390), ("index.html", 1280)}
#: How many offending items a message lists per page.
EXAMPLES = 5

# Raw LaTeX left in text: a $...$ span with a command in it, a command, a sub- or superscript.
RAW_LATEX = re.compile(
    r"\$\$"
    r"|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$"
    r"|\\[A-Za-z]{2,}"
    r"|\\[()\[\]{}]"
    r"|(?<![A-Za-z0-9_])[A-Za-z]_(?:\{[^}\n]*\}|[A-Za-z0-9](?![A-Za-z0-9_]))"
    r"|[A-Za-z0-9)}]\^(?:\{[^}\n]*\}|[A-Za-z0-9])"
)
#: In a formula's TeX (commands and \\text{} removed): a word, or an amount in millions or billions.
MONEY_OR_PROSE = re.compile(r"[A-Za-z]{4,}|\d(?:\.\d+)?[MBK]\b")
NOT_A_NUMBER = re.compile(r"(?<![\w<])(?:NaN|nan|NaT|<NA>)(?![\w>])")


def _page_names(site: Path) -> list[str]:
    """Every HTML page of a built report, relative to its folder, front page first."""
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    return sorted(names, key=lambda n: (n != "index.html", n.count("/"), n))


@functools.lru_cache(maxsize=1)
def _source_ids() -> frozenset[str]:
    return frozenset(pd.read_csv(_paths.DATA_DIR / "sources.csv", dtype=str)["id"])


@functools.lru_cache(maxsize=1)
def _parameter_names() -> frozenset[str]:
    return frozenset(pd.read_csv(_paths.DATA_DIR / "assumptions.csv", dtype=str)["name"])


def _words(names) -> re.Pattern:
    """Any of ``names`` as a whole word (not part of a longer identifier or hyphenated id)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


@functools.cache
def _ids_in(path: Path) -> frozenset[str]:
    """The ids (and ``<a name>``s) a page's markup defines: what a ``#fragment`` may point at."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = re.findall(r"""<[^>]*?\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')""", text)
    return frozenset(html.unescape(a or b) for a, b in found)


def _resolve(site: Path, page: str, ref: str) -> tuple[Path | None, str, str | None]:
    """Where ``ref`` on ``page`` points: (file or None if external, fragment, problem or None)."""
    parts = urllib.parse.urlsplit(ref.strip())
    if parts.scheme.lower() in {"http", "https", "mailto", "data"}:
        return None, "", None
    if parts.scheme or parts.netloc:
        return None, "", f"a link to {ref!r}, which is neither in the report's folder nor an http(s) address"
    here = site / page
    target = (here.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else here.resolve()
    if not target.is_relative_to(site.resolve()):
        return None, "", f"a link to {ref!r}, outside the report's folder"
    if not target.is_file():
        return target, "", f"a link to {ref!r}: no such file in the built report"
    if target.stat().st_size == 0:
        return target, "", f"a link to {ref!r}: the file is empty"
    fragment = urllib.parse.unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in _ids_in(target):
        return target, fragment, f"a link to {ref!r}: {target.name} has no element with id {fragment!r}"
    return target, fragment, None


# What one page shows at one width, read in one go (the pages run no script of their own).
OBSERVE = r"""
() => {
  const vw = window.innerWidth;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (el.getAttribute('class') || '').trim();
    if (cls) s += '.' + cls.split(/\s+/).join('.');
    return s;
  };
  const snippet = (t) => {
    t = (t || '').trim().replace(/\s+/g, ' ');
    return t.length > 60 ? t.slice(0, 60) + '…' : t;
  };
  // Where an element is: its tag, id and class; for a table cell its column; the heading above it.
  const headings = [...document.querySelectorAll('h1, h2, h3, h4')];
  const where = (el) => {
    let s = name(el);
    const cell = el.closest('td, th');
    const table = cell && cell.closest('table');
    const head = table && (table.tHead ? table.tHead.rows[table.tHead.rows.length - 1] : table.rows[0]);
    if (head && head.cells[cell.cellIndex] && head.cells[cell.cellIndex] !== cell) {
      s += ` (column "${snippet(head.cells[cell.cellIndex].textContent)}")`;
    }
    const above = headings.filter((h) => h === el || h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const h = above[above.length - 1];
    if (h && !h.contains(el)) s += ` under "${snippet(h.textContent.replace(/¶/g, ''))}"`;
    return s;
  };
  const describe = (el) => {
    const t = snippet(el.innerText || el.getAttribute('alt') || el.getAttribute('src') || '');
    return where(el) + (t ? ` "${t}"` : '');
  };

  // Sideways: elements whose right edge passes the viewport's and that no box below <body> clips.
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1 && !clipped(el)) out.add(el);
  }
  const sticking = [...out].filter((el) => !out.has(el.parentElement))
    .map((el) => `${describe(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);

  const images = [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0))
    .map((i) => `${where(i)} src=${(i.getAttribute('src') || '').slice(0, 90)}`);

  const refs = [...document.querySelectorAll('[href], [src]')].map((el) =>
    [el.getAttribute('href') ?? el.getAttribute('src'), describe(el)]);

  const srckeys = [...document.querySelectorAll('.srckey')].map((el) =>
    [el.tagName.toLowerCase(), el.getAttribute('href'), el.textContent.trim(), where(el)]);

  // Maths: its TeX (alttext) and the text just before it (money taken for maths follows "US").
  const maths = [...document.querySelectorAll('math')].map((m) => [
    m.getAttribute('alttext') || m.textContent,
    ((m.previousSibling && m.previousSibling.textContent) || '').slice(-12),
    where(m),
  ]);

  // Visible text, node by node, with what it sits in; grouped by its nearest block.
  const BLOCK = 'p, li, td, th, caption, figcaption, h1, h2, h3, h4, h5, h6, dt, dd, blockquote, pre, '
    + 'summary, nav, header, footer, figure, section, article, aside, div, main, body';
  const blocks = new Map();
  const segments = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.nodeValue.trim() || !el) continue;
    if (el.closest('script, style, noscript, template, title, annotation, annotation-xml')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const block = el.closest(BLOCK);
    if (!blocks.has(block)) blocks.set(block, blocks.size);
    segments.push([
      n.nodeValue,
      blocks.get(block),
      !!el.closest('code, kbd, samp, pre:not(.out), .prompt, .cmd'),
      !!el.closest('.srckey, .rid, .fid'),
      !!el.closest('a[href]'),
    ]);
  }
  const blockNames = [...blocks.keys()].map(where);

  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: vw,
    sticking, images, refs, srckeys, maths, segments, blockNames,
    text: document.body.innerText,
    stderr: document.querySelectorAll('[data-output=stderr]').length,
    errors: document.querySelectorAll('[data-output=error]').length,
    errorText: [...document.querySelectorAll('pre.out')].filter((p) => p.textContent.includes('Error:')).length,
  };
}
"""


@pytest.fixture(scope="module")
def site(request) -> Path:
    """The built report: the session's baseline build, or ``$DSTC_SITE_DIR`` when debugging."""
    override = os.environ.get("DSTC_SITE_DIR")
    if override:
        return Path(override).resolve()
    return Path(request.getfixturevalue("baseline_build")).resolve()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("DSTC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium: .ci/run installs it with apt-get")
        pytest.skip("no Chromium installed (apt-get install chromium); CI installs it and runs this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def observe(browser, site, screenshots):
    """``observe(width)``: {page: what it shows at that width}, each page loaded once per width."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1280, "height": WIDTHS[1280]})
    blocked, requested = [], []

    def block(route):
        blocked.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!(?:file|data|blob|about):)"), block)
    page = context.new_page()
    page.on("request", lambda r: requested.append(r.url))
    seen: dict[int, dict] = {}

    def at(width: int) -> dict[str, dict]:
        if width in seen:
            return seen[width]
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        views = {}
        for name in _page_names(site):
            page.goto((site / name).as_uri(), wait_until="load")
            page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
            try:
                page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=20_000)
            except PlaywrightTimeout:
                pass  # the image check names the ones that did not load
            view = page.evaluate(OBSERVE)
            shot = screenshots / f"{name.replace('/', '_').removesuffix('.html')}-{width}.png"
            page.screenshot(path=str(shot), full_page=(name, width) in FULL_PAGE)
            view["screenshot"] = shot
            views[name] = view
        seen[width] = views
        return views

    at.blocked, at.requested = blocked, requested
    yield at
    context.close()


def _report(failures: list[str], what: str) -> None:
    if failures:
        pytest.fail(f"{what}:\n" + "\n".join(failures), pytrace=False)


def _examples(items, limit: int = EXAMPLES) -> str:
    items = list(items)
    more = f"; and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def _text_hits(view: dict, pattern: re.Pattern, skip) -> list[str]:
    """Matches of ``pattern`` in each block's visible text, leaving out segments ``skip(code, cite, link)``."""
    texts: dict[int, list[str]] = {}
    for text, block, code, cite, link in view["segments"]:
        texts.setdefault(block, []).append(" " if skip(code, cite, link) else text)
    hits = []
    for block, pieces in texts.items():
        text = "".join(pieces)
        for m in pattern.finditer(text):
            context = re.sub(r"\s+", " ", text[max(0, m.start() - 40) : m.end() + 40]).strip()
            hits.append(f"“{m.group(0)}” in {view['blockNames'][block]}: “…{context}…”")
    return hits


def _each_page(observe, width: int, check) -> list[str]:
    """Run ``check(name, view) -> list of problems`` on every page; one line per failing page."""
    failures = []
    for name, view in observe(width).items():
        problems = check(name, view)
        if problems:
            failures.append(f"{name} at {width} px: {_examples(problems)}")
    return failures


def test_the_build_has_every_page(site):
    """A report view and a code view per notebook, the bibliography, each reachable from the front page."""
    from analysis import notebooks

    names = set(_page_names(site))
    stems = [Path(p).stem for p in notebooks.notebook_paths()]
    expected = {"index.html", "sources.html"} | {f"notebooks/{s}{v}.html" for s in stems for v in ("", ".code")}
    assert expected <= names, f"pages missing from the build: {sorted(expected - names)}"

    reached, todo = {"index.html"}, ["index.html"]
    while todo:
        page = todo.pop()
        markup = (site / page).read_text(encoding="utf-8")
        for ref in re.findall(r"""href\s*=\s*"([^"]*)\"""", markup):
            target, _, problem = _resolve(site, page, html.unescape(ref))
            if target is not None and problem is None and target.suffix == ".html":
                rel = target.relative_to(site.resolve()).as_posix()
                if rel not in reached:
                    reached.add(rel)
                    todo.append(rel)
    assert names <= reached, f"pages no link leads to from index.html: {sorted(names - reached)}"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(observe, width):
    def check(name, view):
        problems = []
        if view["scrollWidth"] > view["innerWidth"] + 1:
            problems.append(f"the page is {view['scrollWidth'] - view['innerWidth']} px wider than the screen")
        if view["sticking"]:
            problems.append("past the right edge: " + _examples(view["sticking"], 3))
        return problems

    _report(_each_page(observe, width, check), "pages wider than the screen (wide tables must scroll in their own box)")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_image_loads(observe, width):
    _report(_each_page(observe, width, lambda name, view: view["images"]), "images that did not load")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_internal_link_resolves(observe, site, width):
    def check(name, view):
        problems = []
        for ref, element in view["refs"]:
            _, _, problem = _resolve(site, name, ref or "")
            if problem:
                problems.append(f"{element}: {problem}")
        return problems

    _report(_each_page(observe, width, check), "links to the report's own files that do not resolve")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_source_key_links_to_its_bibliography_entry(observe, site, width):
    known = _source_ids()
    bibliography = (site / "sources.html").resolve()

    def check(name, view):
        problems = []
        for tag, href, text, element in view["srckeys"]:
            if tag != "a" or not href:
                problems.append(f"{element} {text!r} is not a link")
                continue
            target, fragment, problem = _resolve(site, name, href)
            if text not in known:
                problems.append(f"{element}: {text!r} is not an id in data/sources.csv")
            elif problem:
                problems.append(f"{element}: {problem}")
            elif target != bibliography or fragment != f"src-{text}":
                problems.append(f"{element}: {text!r} links to {href!r}, not to sources.html#src-{text}")
        return problems

    _report(_each_page(observe, width, check), "source keys that do not lead to their bibliography entry")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_source_id_shows_unlinked(observe, width):
    """A source id in visible text (not code, not a link) is a key a reader cannot follow."""
    pattern = _words(s for s in _source_ids() if "-" in s)  # "assumption" is also an English word

    def check(name, view):
        return _text_hits(view, pattern, lambda code, cite, link: code or cite or link)

    _report(_each_page(observe, width, check), "source ids shown as text, not as links to the bibliography")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_raw_latex(observe, width):
    def check(name, view):
        return _text_hits(view, RAW_LATEX, lambda code, cite, link: code)

    _report(_each_page(observe, width, check), "LaTeX shown as typed (maths must render as MathML)")


@pytest.mark.parametrize("width", WIDTHS)
def test_money_is_not_typeset_as_maths(observe, width):
    """``US$1.4B ... US$1.6B`` is two amounts, not a formula between two dollar signs."""

    def check(name, view):
        problems = []
        for tex, before, element in view["maths"]:
            prose = re.sub(r"\\(?:text|mathrm|operatorname|textrm|mbox)\s*\{[^}]*\}|\\[A-Za-z]+", " ", tex)
            if before.rstrip().endswith(("US", "US$")) or tex.rstrip().endswith("US") or MONEY_OR_PROSE.search(prose):
                problems.append(f"{element}: “{before}” + maths “{tex[:80]}”")
        return problems

    what = "money or prose between two dollar signs typeset as maths (write US\\$ in markdown)"
    _report(_each_page(observe, width, check), what)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_nan(observe, width):
    def check(name, view):
        return _text_hits(view, NOT_A_NUMBER, lambda code, cite, link: code)

    _report(_each_page(observe, width, check), "NaN shown to readers (write a dash or 'not applicable')")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_parameter_name_in_reader_text(observe, width):
    pattern = _words(n for n in _parameter_names() if "_" in n)  # "utilisation" is also a word

    def check(name, view):
        return _text_hits(view, pattern, lambda code, cite, link: code or cite)

    _report(
        _each_page(observe, width, check),
        "parameter names in text a reader reads (write words, or show the name as code where it is to be typed)",
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_error_output(observe, width):
    def check(name, view):
        problems = []
        if "Traceback" in view["text"]:
            problems.append("a traceback")
        if view["stderr"]:
            problems.append(f"{view['stderr']} stderr output(s)")
        if view["errors"]:
            problems.append(f"{view['errors']} error output(s)")
        if view["errorText"]:
            problems.append(f"{view['errorText']} output(s) with an error message")
        return problems

    _report(_each_page(observe, width, check), "pages that show errors")


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_loads_from_another_host_and_each_page_is_screenshot(observe, width):
    views = observe(width)
    assert not observe.blocked, f"requests to other hosts (blocked): {_examples(sorted(set(observe.blocked)))}"
    foreign = [u for u in observe.requested if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert not foreign, f"requests that are not to the report's own files: {_examples(sorted(set(foreign)))}"
    missing = [name for name, view in views.items() if view["screenshot"].stat().st_size < 1000]
    assert not missing, f"no screenshot at {width} px of: {missing}"
