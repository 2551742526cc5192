"""HTML for a built report: two pages per notebook, ``index.html``, ``sources.html`` and ``glossary.html``.

Every page is plain HTML with one inlined stylesheet (``static/site.css``) and no script: nothing
is requested from another host, and a page opened from disk works wherever the folder is moved.
Page structure is in Jinja2 templates (``templates/*.html.j2``, autoescaped); this package
gathers what they show:

* :mod:`~analysis.site.markdown`: markdown through mistune (``$`` is money, ``$...$`` maths as MathML);
* :mod:`~analysis.site.sanitise`: the one sanitiser (nh3) for every piece of HTML a template did not
  write: markdown cells, markdown, HTML and LaTeX outputs;
* :mod:`~analysis.site.outputs`: a code cell's outputs, by the first of: a saved figure (the cited
  SVG file itself), HTML (tables), markdown, LaTeX, SVG, PNG or JPEG image, plain text; streams and
  errors are text, marked (``data-output="stderr"`` / ``"error"``) so that a test can find them;
* :mod:`~analysis.site.links`: source ids, "step N" and the first use of each glossary term linked;
  heading anchors and tables of contents;
* :mod:`~analysis.site.notebook_page`, :mod:`~analysis.site.front_page`,
  :mod:`~analysis.site.reference_pages`: the pages; :mod:`~analysis.site.pages` writes them.
"""

from .front_page import HEADLINE_COSTS, how_to_cite_html, index_html, key_findings, most_influential_parameter
from .links import GLOSSARY_PAGE, SOURCES_PAGE, link_code_sources, link_page_text, link_text
from .markdown import latex_to_mathml, render_markdown
from .notebook_page import notebook_title, render_notebook
from .outputs import WIDGET_MIME_TYPE, collapse_carriage_returns, figure_html, highlight_css, output_html
from .pages import figures_readme, write_site
from .reference_pages import bibliography_html, glossary_html
from .sanitise import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitise_html

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "GLOSSARY_PAGE",
    "HEADLINE_COSTS",
    "SOURCES_PAGE",
    "WIDGET_MIME_TYPE",
    "bibliography_html",
    "collapse_carriage_returns",
    "figure_html",
    "figures_readme",
    "glossary_html",
    "highlight_css",
    "how_to_cite_html",
    "index_html",
    "key_findings",
    "latex_to_mathml",
    "link_code_sources",
    "link_page_text",
    "link_text",
    "most_influential_parameter",
    "notebook_title",
    "output_html",
    "render_markdown",
    "render_notebook",
    "sanitise_html",
    "write_site",
]
