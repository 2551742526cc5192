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

With every folded table opened (``<details>``), each page is also read for:

* contrast in dark mode (``prefers-color-scheme: dark``, at 1280 px): every visible text's colour
  against the background it sits on (its own or the nearest ancestor's ``background-color``, layers
  with transparency composited), as WCAG 2 computes it, at least 4.5:1, or 3:1 for large text
  (24 px, or 18.66 px bold);
* tables that fit their column at 1280 px (no table wider than ``main``'s content box);
* raw markdown escapes (a backslash before punctuation, "US\\$5.6M") in visible text outside code,
  and in the page's ``<title>``;
* the size figure text is drawn at on a phone (390 px): each figure's SVG (the one shown, or the SVG
  beside a PNG of the same name) read for its text's font size in SVG units (a ``<text>``'s
  ``font-size``, or the ``scale`` matplotlib gives a text drawn as paths), times the width it is
  shown at over its ``viewBox`` width: at least :data:`MIN_FIGURE_TEXT_PX`;
* print (``@media print`` at an A4 page's width): every folded row shown and nothing past the
  right edge of the page.

The front page's first screen, at 1280x800 and at 390x844, must hold the verdict paragraph
(:data:`VERDICT`) and the bridge figure (the first image of ``fig06_bridge``, any variant), whole.

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
#: The smallest figure text a reader can read on a phone, in CSS px (issue 21).
MIN_FIGURE_TEXT_PX = 9.0
#: The front page's first screens: (width, height) of a desktop and a phone.
FIRST_SCREENS = ((1280, 800), (390, 844))
#: The front page's verdict paragraph: the element the first screen must hold.
VERDICT = "#verdict p.verdict"
#: The bridge figure's id (its variants add a suffix: fig06_bridge-dark.svg, fig06_bridge-narrow.svg).
BRIDGE = "fig06_bridge"
#: An A4 page's printable width in CSS px (210 mm less Chromium's default 1 cm margins, at 96 px per inch).
PRINT_WIDTH = 718
#: A markdown escape left in text: a backslash before ASCII punctuation (CommonMark's escapable characters).
RAW_ESCAPE = re.compile(r"""\\[!-/:-@\[-`{-~]""")

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


# With every <details> opened: the page's text again, its tables' widths, its title and its images.
OPENED = (
    "() => { document.querySelectorAll('details').forEach((d) => { d.open = true; });\n"
    "const view = ("
    + OBSERVE.strip()
    + ")();\n"
    + r"""
  const main = document.querySelector('main') || document.body;
  const ms = getComputedStyle(main);
  const column = main.clientWidth - parseFloat(ms.paddingLeft) - parseFloat(ms.paddingRight);
  const label = (t) => {
    const c = t.caption ? t.caption.textContent : (t.rows[0] ? t.rows[0].textContent : '');
    return c.trim().replace(/\s+/g, ' ').slice(0, 60);
  };
  const headings = [...document.querySelectorAll('h1, h2, h3, h4')];
  const under = (el) => {
    const above = headings.filter((h) => h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const h = above[above.length - 1];
    return h ? ` under "${h.textContent.replace(/¶/g, '').trim().slice(0, 50)}"` : '';
  };
  const wide = [...document.querySelectorAll('table')]
    .filter((t) => t.getBoundingClientRect().width > column + 1)
    .map((t) => `table "${label(t)}"${under(t)}: `
      + `${Math.round(t.getBoundingClientRect().width)} px in a ${Math.round(column)} px column`);
  const images = [...document.images].filter((i) => i.checkVisibility())
    .map((i) => [i.currentSrc || i.src, i.getBoundingClientRect().width,
      (i.getAttribute('alt') || '').slice(0, 50) + under(i)]);
  return Object.assign(view, {column, wide, title: document.title, figures: images});
}"""
)

# Dark mode: each visible text's contrast with what is behind it (WCAG 2), with every <details> opened.
CONTRAST = r"""
() => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  const parse = (c) => {
    const m = /rgba?\(([^)]*)\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const behind = (el) => {
    const layers = [];
    for (let a = el; a; a = a.parentElement) {
      const c = parse(getComputedStyle(a).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];  // the canvas behind a page with no background of its own
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const rgb = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`;
  const failing = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.nodeValue.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('script, style, noscript, template, title')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const s = getComputedStyle(el);
    const background = behind(el);
    const colour = over(parse(s.color) || [0, 0, 0, 1], background);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (parseInt(s.fontWeight, 10) >= 700 && size >= 18.66);
    const need = large ? 3 : 4.5;
    const r = ratio(colour, background);
    if (r < need) {
      let name = el.tagName.toLowerCase();
      const cls = (el.getAttribute('class') || '').trim();
      if (cls) name += '.' + cls.split(/\s+/).join('.');
      const text = n.nodeValue.trim().replace(/\s+/g, ' ').slice(0, 40);
      failing.push(`${name} "${text}": ${rgb(colour)} on ${rgb(background)}, ${r.toFixed(2)}:1 (needs ${need}:1)`);
    }
  }
  return failing;
}
"""

# Print: what a printed page loses (folded rows not shown; anything past the page's right edge).
PRINTED = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    const cls = (el.getAttribute('class') || '').trim();
    if (cls) s += '.' + cls.split(/\s+/).join('.');
    return s;
  };
  const folded = [...document.querySelectorAll('details > :not(summary)')]
    .filter((el) => !el.checkVisibility()).map((el) => `${name(el)} folded in <details>`);
  const out = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1) out.add(el);
  }
  const cut = [...out].filter((el) => !out.has(el.parentElement))
    .map((el) => `${name(el)} "${(el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40)}" `
      + `reaches ${Math.round(el.getBoundingClientRect().right)} px`);
  return folded.concat(cut);
}
"""

# The first screen of the front page: are the verdict and the bridge figure on it, whole?
FIRST_SCREEN = r"""
([verdict, bridge]) => {
  const vh = window.innerHeight, vw = window.innerWidth;
  const whole = (el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= -1 && r.bottom <= vh + 1 && r.left >= -1 && r.right <= vw + 1;
  };
  const where = (el) => {
    const r = el.getBoundingClientRect();
    return `top ${Math.round(r.top)} px, bottom ${Math.round(r.bottom)} px`;
  };
  const problems = [];
  const v = document.querySelector(verdict);
  if (!v) problems.push(`no verdict paragraph (${verdict})`);
  else if (!whole(v)) problems.push(`the verdict paragraph is not whole on the first screen (${where(v)} of ${vh})`);
  const img = [...document.images].find((i) => (i.currentSrc || i.src).includes(bridge));
  if (!img) problems.push(`no ${bridge} figure`);
  else if (!(img.complete && img.naturalWidth > 0)) problems.push(`the ${bridge} figure did not load`);
  else if (!whole(img)) problems.push(`the ${bridge} figure is not whole on the first screen (${where(img)} of ${vh})`);
  return problems;
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
            view["opened"] = page.evaluate(OPENED)  # last: it opens the folded tables
            views[name] = view
        seen[width] = views
        return views

    at.blocked, at.requested = blocked, requested
    yield at
    context.close()


def _local_context(browser, **options):
    """A browser context that only reads the report's own files (anything else is aborted)."""
    context = browser.new_context(**options)
    context.route(re.compile(r"^(?!(?:file|data|blob|about):)"), lambda route: route.abort())
    return context


def _load(page, url: str) -> None:
    """Open ``url`` and wait for its load event and for every image, lazy ones included."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="load")
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    try:
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=20_000)
    except PlaywrightTimeout:
        pass  # test_every_image_loads names the ones that did not load


@pytest.fixture(scope="module")
def dark_contrast(browser, site) -> dict[str, list[str]]:
    """{page: texts below WCAG AA contrast} in dark mode at 1280 px, folded tables opened."""
    context = _local_context(browser, viewport={"width": 1280, "height": WIDTHS[1280]}, color_scheme="dark")
    page = context.new_page()
    found = {}
    for name in _page_names(site):
        _load(page, (site / name).as_uri())
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches"), "dark mode was not emulated"
        found[name] = page.evaluate(CONTRAST)
    context.close()
    return found


@pytest.fixture(scope="module")
def printed(browser, site) -> dict[str, list[str]]:
    """{page: what print loses} with ``@media print`` at an A4 page's printable width."""
    context = _local_context(browser, viewport={"width": PRINT_WIDTH, "height": 1000})
    page = context.new_page()
    page.emulate_media(media="print")
    found = {}
    for name in _page_names(site):
        _load(page, (site / name).as_uri())
        assert page.evaluate("matchMedia('print').matches"), "print media was not emulated"
        found[name] = page.evaluate(PRINTED)
    context.close()
    return found


@functools.cache
def _svg_text_units(path: Path) -> tuple[float, float, str]:
    """An SVG's ``viewBox`` width and its smallest text's font size in SVG units (and that text).

    Reads real text (``<text>`` with ``font-size`` or a ``font:`` shorthand) and text matplotlib
    draws as paths (a ``<!-- text -->`` comment, then a group scaled by font size / 100).
    """
    svg = path.read_text(encoding="utf-8", errors="replace")
    box = re.search(r"<svg\b[^>]*\bviewBox=\"\s*[-\d.eE]+[\s,]+[-\d.eE]+[\s,]+([\d.eE]+)", svg)
    sizes = []
    for text, transform in re.findall(r"<!--\s*(.*?)\s*-->\s*<g\s+transform=\"([^\"]*)\"", svg, re.S):
        scale = re.search(r"scale\(\s*(-?[\d.eE]+)", transform)
        if scale:
            sizes.append((abs(float(scale.group(1))) * 100, html.unescape(text)))
    for attributes, text in re.findall(r"<text\b([^>]*)>(.*?)</text>", svg, re.S):
        size = re.search(r"font-size[:=]\s*\"?([\d.]+)|\bfont:\s*[^;\"]*?([\d.]+)px", attributes)
        if size:
            sizes.append((float(size.group(1) or size.group(2)), html.unescape(re.sub(r"<[^>]*>", "", text))))
    if box is None or not sizes:
        return (float(box.group(1)) if box else 0.0), float("inf"), ""
    smallest = min(sizes)
    return float(box.group(1)), smallest[0], smallest[1].strip()


def _measured_svg(src: str) -> Path | None:
    """The SVG a shown image was drawn from: the image itself, or the SVG beside a PNG of the same name.

    None for an image that is not a file (``data:``); the path may not exist (the test says so).
    """
    parts = urllib.parse.urlsplit(src)
    if parts.scheme != "file":
        return None
    shown = Path(urllib.parse.unquote(parts.path))
    return shown if shown.suffix == ".svg" else shown.with_suffix(".svg")


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


def test_every_text_has_contrast_in_dark_mode(dark_contrast):
    """WCAG AA in dark mode: 4.5:1 for body text, 3:1 for large text, on every page (issue 21)."""
    failures = [f"{name}: {_examples(problems)}" for name, problems in dark_contrast.items() if problems]
    _report(failures, "text below WCAG AA contrast in dark mode (the colour on the background it sits on)")


def test_every_table_fits_its_column_at_1280(observe):
    """At 1280 px no table, folded ones included, is wider than the page's column."""
    _report(_each_page(observe, 1280, lambda name, view: view["opened"]["wide"]), "tables wider than their column")


def test_no_raw_escape_in_text_or_title(observe):
    """A markdown escape ("US\\$5.6M") never reaches a reader: not in the visible text, not in the title."""

    def check(name, view):
        opened = view["opened"]
        problems = _text_hits(opened, RAW_ESCAPE, lambda code, cite, link: code)
        if RAW_ESCAPE.search(opened["title"]):
            problems.insert(0, f"the title “{opened['title']}”")
        return problems

    _report(_each_page(observe, 1280, check), "markdown escapes shown as typed")


def test_figure_text_is_legible_on_a_phone(observe):
    """At 390 px every figure's smallest text is drawn at least MIN_FIGURE_TEXT_PX tall."""

    def check(name, view):
        problems = []
        for src, shown_px, what in view["opened"]["figures"]:
            svg = _measured_svg(src)
            if svg is None or shown_px <= 0:
                continue
            if not svg.is_file():
                problems.append(f"{what}: no SVG beside {src.rsplit('/', 1)[-1]} to measure its text")
                continue
            box_width, units, text = _svg_text_units(svg)
            if units == float("inf") or box_width <= 0:
                problems.append(f"{svg.name} ({what}): no viewBox or no text size this test can read")
                continue
            drawn_px = units * shown_px / box_width
            if drawn_px < MIN_FIGURE_TEXT_PX:
                problems.append(
                    f"{svg.name} ({what}): “{text[:30]}” is {drawn_px:.1f} px ({units:g} units, {shown_px:.0f} px wide)"
                )
        return problems

    _report(_each_page(observe, 390, check), f"figure text under {MIN_FIGURE_TEXT_PX:g} px on a phone")


@pytest.mark.parametrize("size", FIRST_SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_screen_holds_the_verdict_and_the_bridge_figure(browser, site, size):
    """The front page's first screen holds the verdict paragraph and the bridge figure, whole (issue 21)."""
    width, height = size
    context = _local_context(browser, viewport={"width": width, "height": height})
    page = context.new_page()
    _load(page, (site / "index.html").as_uri())
    problems = page.evaluate(FIRST_SCREEN, [VERDICT, BRIDGE])
    context.close()
    _report([f"index.html at {width}x{height}: {p}" for p in problems], "the first screen")


def test_print_shows_every_row_and_column(printed):
    """Printed, folded tables open and nothing runs past the page's right edge."""
    failures = [f"{name}: {_examples(problems)}" for name, problems in printed.items() if problems]
    _report(failures, f"what print loses (@media print, {PRINT_WIDTH} px wide)")
