"""HTML for a built report: one page per notebook and an ``index.html``.

Pages are rendered in-process with nbconvert: a report view (code hidden) and a
full view (code shown). Figures are embedded in the pages, and nothing is loaded
from another host: the CDN script tags of nbconvert's template (require.js and
MathJax, which the report does not need) are removed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from . import __version__
from . import results as _results

_CDN_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>\s*", re.I)
_CDN_LINK = re.compile(r"<link[^>]*\shref=\"https?://[^\"]*\"[^>]*>\s*", re.I)
_MATHJAX_BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


def strip_remote(page: str) -> str:
    """Remove every ``<script src=...>``/``<link href=...>`` that points at another host."""
    page = _MATHJAX_BLOCK.sub("", page)
    page = _CDN_SCRIPT.sub("", page)
    return _CDN_LINK.sub("", page)


def render_notebook(nb, *, code: bool) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=not code, exclude_input_prompt=not code,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return strip_remote(body)


def notebook_title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Notebook"


CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --rule:#e3e3e3; --accent:#0072B2; }
* { box-sizing: border-box; }
body { font: 16px/1.55 Georgia, 'Times New Roman', serif; color: var(--ink); margin: 0; }
main { max-width: 58rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1, h2, h3 { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; line-height: 1.25; }
h1 { font-size: 1.9rem; margin-bottom: .25rem; }
.sub { color: var(--muted); margin-top: 0; }
table { border-collapse: collapse; width: 100%; font: 14px/1.4 system-ui, sans-serif; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.4 ui-monospace, 'DejaVu Sans Mono', monospace; }
pre.cmd { background: #f5f5f7; padding: .75rem; overflow-x: auto; border-radius: 4px; }
a { color: var(--accent); }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: .9rem; color: var(--muted); }
.scroll { overflow-x: auto; }
@media (max-width: 600px) { body { font-size: 15px; } th, td { padding: .3rem; } }
"""


def _text(value) -> str:
    """A cell as text: empty for None or NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def index_html(plan, executed: dict, results: list[dict], figures: list[dict], ledger=None) -> str:
    esc = html.escape
    parts = [f"<h1>DeepSeek's true cost</h1>",
             f"<p class=\"sub\">Scenario <strong>{esc(plan.label)}</strong> · report version {esc(__version__)}</p>",
             f"<p>{esc(plan.scenario.description)}</p>"]
    parts.append("<h2>Parameters that differ from the baseline</h2>")
    if plan.differs:
        rows = "".join(
            f"<tr><td><code>{esc(n)}</code></td><td class=\"num\">{esc(str(b))}</td><td class=\"num\">{esc(str(v))}</td>"
            f"<td>{esc(plan.register[n].unit)}</td></tr>" for n, (b, v) in plan.differs.items())
        parts.append(f"<div class=\"scroll\"><table><tr><th>parameter</th><th>baseline</th><th>this run</th><th>unit</th></tr>{rows}</table></div>")
    else:
        parts.append("<p>None: this is the baseline.</p>")
    headline = [r for r in results if r.get("headline")]
    by_id = {r["id"]: r for r in results}
    parts.append("<h2>Headline numbers</h2>")

    def interval(r):
        lo, mid, hi = (by_id.get(f"{r['id']}_{q}") for q in ("p05", "p50", "p95"))
        if not (lo and mid and hi):
            return ""
        return (f"{_results.format_value(mid['value'], r['unit'])} ({_results.format_value(lo['value'], r['unit'])} to "
                f"{_results.format_value(hi['value'], r['unit'])})")

    rows = "".join(
        f"<tr><td><code>{esc(r['id'])}</code></td><td class=\"num\">{esc(_results.format_value(r['value'], r['unit']))}</td>"
        f"<td class=\"num\">{esc(interval(r))}</td><td>{esc(r['label'])}</td><td>{esc('; '.join(r['sources']))}</td></tr>" for r in headline)
    parts.append("<div class=\"scroll\"><table><tr><th>id</th><th>value</th><th>median (90% interval)</th><th>what it is</th>"
                 f"<th>sources</th></tr>{rows}</table></div>")
    parts.append("<p>Every citable number: <a href=\"results.csv\">results.csv</a> · <a href=\"results.json\">results.json</a></p>")
    parts.append("<h2>The notebooks</h2><ul>")
    for stem, nb in executed.items():
        parts.append(f"<li><a href=\"notebooks/{esc(stem)}.html\">{esc(notebook_title(nb))}</a> "
                     f"(<a href=\"notebooks/{esc(stem)}.code.html\">with code</a>)</li>")
    parts.append("</ul>")
    parts.append("<h2>Figures</h2>")
    for f in sorted(figures, key=lambda f: f["id"]):
        parts.append(
            f"<figure id=\"{esc(f['id'])}\"><img src=\"figures/{esc(f['id'])}.png\" alt=\"{esc(f['title'])}\" loading=\"lazy\">"
            f"<figcaption><strong>{esc(f['id'])}</strong>: {esc(f['caption'])} Sources: {esc('; '.join(f['sources']))}. "
            f"<a href=\"figures/{esc(f['id'])}.svg\">SVG</a> · <a href=\"figures/{esc(f['id'])}.png\">PNG</a></figcaption></figure>")
    if ledger is not None and len(ledger):
        parts.append("<h2>The claims ledger</h2>")
        parts.append("<p>Each claim as written, checked against this run's results (<a href=\"claims.csv\">claims.csv</a>).</p>")
        rows = "".join(
            f"<tr><td>{esc(_text(r['claimant']))}</td><td>{esc(_text(r['claim']))}</td><td><code>{esc(_text(r['result_id']))}</code></td>"
            f"<td><strong>{esc(_text(r['verdict']))}</strong></td><td>{esc(_text(r['reason']))}</td></tr>" for r in ledger.to_dict("records"))
        parts.append(f"<div class=\"scroll\"><table><tr><th>who</th><th>claim</th><th>checked against</th><th>verdict</th><th>why</th></tr>{rows}</table></div>")
    parts.append("<h2>Re-run this</h2>")
    parts.append(f"<pre class=\"cmd\">{esc(plan.rerun_command())}</pre>")
    return _page(f"DeepSeek's true cost: {plan.label}", "\n".join(parts))


def write_site(out: Path, plan, executed: dict, results: list[dict], figures: list[dict], ledger=None) -> None:
    """Write the notebook pages and ``index.html`` into ``out``."""
    for stem, nb in executed.items():
        (out / "notebooks" / f"{stem}.html").write_text(render_notebook(nb, code=False), encoding="utf-8")
        (out / "notebooks" / f"{stem}.code.html").write_text(render_notebook(nb, code=True), encoding="utf-8")
    (out / "index.html").write_text(index_html(plan, executed, results, figures, ledger), encoding="utf-8")
