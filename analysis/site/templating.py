"""The Jinja2 environment of the site: templates and the stylesheet, installed with the package.

Templates live in ``analysis/site/templates`` (``*.html.j2``) and the stylesheet in
``analysis/site/static/site.css``; both are package data, read through :mod:`importlib.resources`
so that an installed (non-editable) package finds them. Autoescaping is on for every template:
a string from data, a scenario or a notebook is escaped unless the code marks it as
:class:`markupsafe.Markup`, which only the sanitiser's output, the link filters' output and
the templates' own fragments are. An undefined name in a template is an error
(:class:`jinja2.StrictUndefined`), not an empty string.

Each page inlines the stylesheet into its ``<style>``: a page then works opened from disk, copied
alone or with the report's folder moved, and requests nothing from anywhere.
"""

from __future__ import annotations

import functools
from importlib import resources

from markupsafe import Markup

from . import links

#: The package whose data holds ``templates/`` and ``static/``.
PACKAGE = "analysis.site"


@functools.lru_cache(maxsize=1)
def environment():
    """The one Jinja2 environment (autoescape, StrictUndefined, trailing newline kept); made once per process."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader(PACKAGE, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["link_prose"] = links.link_prose_filter
    env.filters["code_files"] = links.code_files_filter
    return env


def render(template: str, **context) -> str:
    """Render the template ``template`` (a file name under ``templates/``) with ``context``.

    Parameters
    ----------
    template : str
        The template's file name, e.g. ``"notebook.html.j2"``.
    **context
        The names the template uses.

    Returns
    -------
    str
        The rendered text.
    """
    return environment().get_template(template).render(**context)


@functools.lru_cache(maxsize=1)
def macros():
    """The macros of ``macros.html.j2`` (figure blocks, output blocks, bars, tables) as callables."""
    return environment().get_template("macros.html.j2").module


def macro(name: str, *args, **kwargs) -> Markup:
    """Call one macro of ``macros.html.j2``; its result is markup (the macro escaped what it inserted).

    Parameters
    ----------
    name : str
        The macro's name.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    markupsafe.Markup
        The macro's HTML.
    """
    return Markup(str(getattr(macros(), name)(*args, **kwargs)))


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    """The text of ``static/site.css``, the one stylesheet every page inlines."""
    return resources.files(PACKAGE).joinpath("static", "site.css").read_text(encoding="utf-8")
