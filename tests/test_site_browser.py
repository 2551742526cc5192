"""The report in a real browser: headless Chromium (Debian's package) opens index.html and every page it links.

It checks that every image loads, that no page shows an error or a traceback, that no request leaves the
local server, and that the front page fits a phone's width. Screenshots go to the test's temporary folder.
"""

import functools
import http.server
import os
import shutil
import threading
import urllib.parse
import urllib.request

import pytest

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


@pytest.fixture
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium: .ci/run installs it with apt-get")
        pytest.skip("no Chromium installed (apt-get install chromium); CI installs it and runs this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def served(baseline_build):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(baseline_build))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _check_page(page, url, shot):
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else 'no response'}"
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=30_000)
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.naturalWidth > 0)).map(i => i.src.slice(0, 80))"
    )
    assert not broken, f"{url}: images that did not load: {broken}"
    text = page.inner_text("body")
    assert "Traceback" not in text, f"{url} shows a traceback"
    assert page.locator("[data-output=stderr]").count() == 0, f"{url} shows stderr output"
    assert page.locator("[data-output=error]").count() == 0, f"{url} shows an error output"
    assert page.locator("pre.out:has-text('Error:')").count() == 0, f"{url} shows an error message"
    page.screenshot(path=str(shot))


def test_every_page_in_headless_chromium(chromium, served, tmp_path):
    requests = []
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.on("request", lambda r: requests.append(r.url))
    _check_page(page, served + "index.html", tmp_path / "index.png")
    links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    assert links, "index.html links to nothing"
    pages = sorted({link.split("#")[0] for link in links if link.split("#")[0].endswith(".html")})
    files = sorted(
        {link.split("#")[0] for link in links if link.split("#")[0] and not link.split("#")[0].endswith(".html")}
    )
    from analysis import notebooks

    expected = 2 * len(notebooks.notebook_paths()) + 1
    assert "sources.html" in pages and len(pages) == expected, (
        f"expected a report and a code view for each notebook, and the bibliography ({expected} pages), got {pages}"
    )
    for i, rel in enumerate(pages):
        _check_page(page, urllib.parse.urljoin(served, rel), tmp_path / f"page{i:02d}.png")
    for rel in files:  # CSV, SVG, PNG, ipynb: every link resolves
        with urllib.request.urlopen(urllib.parse.urljoin(served, rel)) as r:
            assert r.status == 200 and r.read(1), rel
    foreign = [u for u in requests if not (u.startswith(served) or u.startswith("data:") or u.startswith("blob:"))]
    assert not foreign, f"requests to other hosts: {foreign[:5]}"
    assert len(list(tmp_path.glob("*.png"))) == len(pages) + 1


def test_every_page_fits_a_phone(chromium, served, tmp_path):
    """Wide tables and code scroll inside their own boxes; the page itself never scrolls sideways."""
    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(served + "index.html", wait_until="load")
    links = page.evaluate(
        "Array.from(document.querySelectorAll('a[href$=\".html\"]')).map(a => a.getAttribute('href'))"
    )
    for rel in ["index.html"] + sorted(set(links)):
        page.goto(urllib.parse.urljoin(served, rel), wait_until="load")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{rel} is {overflow}px wider than a 390px phone screen"
        page.screenshot(path=str(tmp_path / (rel.replace("/", "_") + "-phone.png")), full_page=False)
