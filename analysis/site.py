"""HTML for a built report: one page per notebook and an ``index.html``.

Pages are rendered in-process with nbconvert: a report view (code hidden) and a
full view (code shown). Figures are embedded in the pages, and nothing is loaded
from another host: the CDN script tags of nbconvert's template (require.js and
MathJax, which the report does not need) are removed.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=2)
def _exporter(code: bool):
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", exclude_input=not code, exclude_input_prompt=not code, exclude_output_prompt=True)


def render_notebook(nb, *, code: bool) -> str:
    """A notebook as an HTML page: the report view (``code=False``, code hidden) or the full view."""
    body, _ = _exporter(code).from_notebook_node(nb)
    return strip_remote(body)


def notebook_title(nb) -> str:
    """The first '# ' heading of a notebook (nbformat node or dict)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for line in source.splitlines():
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
nav { font: 14px/1.6 system-ui, sans-serif; margin: .5rem 0 1.5rem; }
td.note { font-size: 12px; color: var(--muted); min-width: 16rem; }
td.verdict { font-weight: 600; overflow-wrap: normal; min-width: 7.5rem; }
.src { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
td { overflow-wrap: anywhere; }
article.step { border-top: 1px solid var(--rule); padding-top: .5rem; }
article.step h3 { margin-bottom: 0; color: var(--muted); font-size: .95rem; }
.question { font-size: 1.2rem; font-weight: 600; margin: .2rem 0; }
.answer { font-size: 1.05rem; }
.links { font: 14px system-ui, sans-serif; }
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


def _step_question(title: str) -> str:
    """'Step 3: What did ...?' -> 'What did ...?'"""
    return title.split(": ", 1)[1] if title.lower().startswith("step") and ": " in title else title


def index_html(plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None) -> str:
    """The report's front page (offline: no request leaves the folder)."""
    esc = html.escape
    fmt = _results.format_value
    by_id = {r["id"]: r for r in results}
    answers = {a["notebook"]: a for a in (answers or [])}
    figure_by_id = {f["id"]: f for f in figures}
    parts = ["<header><h1>DeepSeek's true cost</h1>",
             "<p class=\"sub\">A reproducible rebuild of the argument that DeepSeek's AI cost far more than the US$5.6M headline. "
             f"Scenario <strong>{esc(plan.label)}</strong> · report version {esc(__version__)}</p>",
             f"<p>{esc(plan.scenario.description)}</p></header>",
             "<nav><a href=\"#headline\">Headline</a> · <a href=\"#steps\">The six steps</a> · <a href=\"#figures\">Figures</a> · "
             "<a href=\"#assumptions\">Assumptions</a> · <a href=\"#claims\">Claims ledger</a> · <a href=\"#rerun\">Re-run this</a></nav>"]

    parts.append("<section id=\"differs\"><h2>How this run differs from the baseline</h2>")
    if plan.differs:
        rows = "".join(
            f"<tr><td><code>{esc(n)}</code></td><td class=\"num\">{esc(str(b))}</td><td class=\"num\">{esc(str(v))}</td>"
            f"<td>{esc(plan.register[n].unit)}</td></tr>" for n, (b, v) in plan.differs.items())
        parts.append(f"<div class=\"scroll\"><table><tr><th>parameter</th><th>baseline</th><th>this run</th><th>unit</th></tr>{rows}</table></div>")
    else:
        parts.append("<p>It does not: every parameter is at its baseline.</p>")
    parts.append("</section>")

    def interval(r):
        lo, mid, hi = (by_id.get(f"{r['id']}_{q}") for q in ("p05", "p50", "p95"))
        if not (lo and mid and hi):
            return ""
        return f"{fmt(mid['value'], r['unit'])} ({fmt(lo['value'], r['unit'])} to {fmt(hi['value'], r['unit'])})"

    headline = sorted((r for r in results if r.get("headline")), key=lambda r: (r["notebook"] != "06_true_cost", r["notebook"]))
    rows = "".join(
        f"<tr><td>{esc(r['label'])}<br><code>{esc(r['id'])}</code> <span class=\"src\">{esc('; '.join(r['sources']))}</span></td>"
        f"<td class=\"num\">{esc(fmt(r['value'], r['unit']))}</td><td class=\"num\">{esc(interval(r))}</td></tr>" for r in headline)
    parts.append("<section id=\"headline\"><h2>Headline numbers</h2><div class=\"scroll\"><table><tr><th>what it is (results id, sources)</th>"
                 f"<th>value</th><th>median (90% interval)</th></tr>{rows}</table></div>"
                 "<p>Every citable number: <a href=\"results.csv\">results.csv</a> · <a href=\"results.json\">results.json</a></p></section>")

    parts.append("<section id=\"steps\"><h2>The six steps</h2>")
    for stem, nb in executed.items():
        title = notebook_title(nb)
        a = answers.get(stem)
        parts.append(f"<article class=\"step\"><h3>{esc(title.split(':')[0]) if title.lower().startswith('step') else ''}</h3>"
                     f"<p class=\"question\">{esc(_step_question(title))}</p>")
        if a:
            parts.append(f"<p class=\"answer\">{esc(a['answer'])}</p>")
            f = figure_by_id.get(a["key_figure"])
            if f:
                parts.append(f"<figure><a href=\"figures/{esc(f['id'])}.svg\"><img src=\"figures/{esc(f['id'])}.png\" alt=\"{esc(f['title'])}\" "
                             f"loading=\"lazy\"></a><figcaption>{esc(f['id'])}: {esc(f['title'])}</figcaption></figure>")
        parts.append(f"<p class=\"links\"><a href=\"notebooks/{esc(stem)}.html\">Read the step</a> · "
                     f"<a href=\"notebooks/{esc(stem)}.code.html\">with code</a> · <a href=\"notebooks/{esc(stem)}.ipynb\">notebook</a></p></article>")
    parts.append("</section>")

    parts.append("<section id=\"figures\"><h2>Figure gallery</h2><p>Each figure has a stable id (in its file name and footer); "
                 "cite it with the report's version. <a href=\"figures/figures.csv\">figures.csv</a></p>")
    for f in sorted(figures, key=lambda f: f["id"]):
        parts.append(
            f"<figure id=\"{esc(f['id'])}\"><img src=\"figures/{esc(f['id'])}.png\" alt=\"{esc(f['title'])}\" loading=\"lazy\">"
            f"<figcaption><strong>{esc(f['id'])}</strong>: {esc(f['title'])}. {esc(f['caption'])} Sources: {esc('; '.join(f['sources']))}. "
            f"From <a href=\"notebooks/{esc(f['notebook'])}.html\">{esc(f['notebook'])}</a>. "
            f"<a href=\"figures/{esc(f['id'])}.svg\">SVG</a> · <a href=\"figures/{esc(f['id'])}.png\">PNG (300 dpi)</a></figcaption></figure>")
    parts.append("</section>")

    parts.append("<section id=\"assumptions\"><h2>The assumptions register</h2><p>Every parameter, its value in this run, its range "
                 "and where it comes from (<code>data/assumptions.csv</code>).</p>")
    rows = []
    for name, p in plan.register.items():
        rng = f"{p.low:g} to {p.high:g} ({p.distribution})" if p.low is not None else ("one of " + ", ".join(p.allowed) if p.allowed else p.distribution)
        rows.append(f"<tr><td><code>{esc(name)}</code></td><td class=\"num\">{esc(str(plan.values[name]))}</td><td>{esc(rng)}</td>"
                    f"<td>{esc(p.unit)}</td><td>{esc('; '.join(p.source_ids))}</td><td class=\"note\">{esc(p.note)}</td></tr>")
    parts.append("<div class=\"scroll\"><table><tr><th>parameter</th><th>value</th><th>range</th><th>unit</th><th>sources</th><th>note</th></tr>"
                 + "".join(rows) + "</table></div></section>")

    if ledger is not None and len(ledger):
        parts.append("<section id=\"claims\"><h2>The claims ledger</h2>")
        parts.append("<p>Each claim as written, checked against this run's results; numeric verdicts are computed, not typed "
                     "(<a href=\"claims.csv\">claims.csv</a>).</p>")
        rows = "".join(
            f"<tr><td>“{esc(_text(r['claim']))}”<br><span class=\"src\">{esc(_text(r['claimant']))}; checked against "
            f"<code>{esc(_text(r['result_id']) or 'the sources')}</code></span></td>"
            f"<td class=\"verdict\">{esc(_text(r['verdict']))}</td><td>{esc(_text(r['reason']))}</td></tr>" for r in ledger.to_dict("records"))
        parts.append(f"<div class=\"scroll\"><table><tr><th>claim</th><th>verdict</th><th>why</th></tr>{rows}</table></div></section>")

    parts.append("<section id=\"rerun\"><h2>Re-run this</h2><p>From a clone of the repository, after <code>make report</code> "
                 f"has set up <code>.venv</code>:</p><pre class=\"cmd\">.venv/bin/{esc(plan.rerun_command())}</pre>"
                 "<p>Change any parameter with <code>-p NAME VALUE</code>; list them with <code>python -m analysis params</code>.</p></section>")
    return _page(f"DeepSeek's true cost: {plan.label}", "\n".join(parts))


def write_site(out: Path, plan, executed: dict, results: list[dict], figures: list[dict], ledger=None, answers=None) -> None:
    """Write ``index.html`` and ``figures/README.md`` into ``out`` (the notebook pages are rendered by the workers)."""
    (out / "index.html").write_text(index_html(plan, executed, results, figures, ledger, answers), encoding="utf-8")
    (out / "figures" / "README.md").write_text(figures_readme(figures), encoding="utf-8")


def figures_readme(figures: list[dict]) -> str:
    """``figures/README.md``: the gallery as a list, and how to cite a figure."""
    lines = ["# Figures", "", "Generated by `python -m analysis report` from the baseline run; do not edit by hand.",
             "Each figure is an SVG and a 300-dpi PNG named by its id. To cite one, give the report (see `CITATION.cff`),",
             f"its version (v{__version__}) and the figure id, e.g. *DeepSeek's true cost, v{__version__}, figure `fig06_bridge`*.", ""]
    for f in sorted(figures, key=lambda f: f["id"]):
        lines += [f"## `{f['id']}`", "", f"**{f['title']}**", "", f["caption"], "",
                  f"Sources: {'; '.join(f['sources'])}. Notebook: `{f['notebook']}`. Files: [SVG]({f['id']}.svg), [PNG]({f['id']}.png).", ""]
    return "\n".join(lines)
