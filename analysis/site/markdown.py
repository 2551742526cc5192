r"""Markdown and maths as HTML: mistune for CommonMark, latex2mathml for ``$...$``.

A ``\$`` is money (Jupyter's convention), so the notebooks write US\$5.6M and $C \approx 6ND$.
What these functions return is not yet safe to show: pages pass it through
:func:`analysis.site.sanitise.sanitise_html`.
"""

from __future__ import annotations

import functools
import html
import re


@functools.lru_cache(maxsize=2)
def _markdown(escape: bool):
    """mistune with tables and strikethrough; ``escape`` shows raw HTML as text (markdown that code made from data)."""
    import mistune

    return mistune.create_markdown(escape=escape, plugins=["table", "strikethrough"])


#: Code (fenced or inline, left alone) or maths: ``$$...$$`` (display) or ``$...$`` (inline). A ``\$``
#: is money; as in pandoc, a closing ``$`` followed by a digit does not close maths (so an unescaped
#: "US$5.6M and US$1.6B" stays money).
_CODE_OR_MATH = re.compile(
    r"(?P<code>```.*?```|`[^`\n]*`)"
    r"|(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?!\s)(?P<inline>[^$\n]+?)(?<![\\\s])\$(?!\d)",
    re.S,
)
_PLACEHOLDER = re.compile(r"DSTCMATH(\d+)X")


def latex_to_mathml(tex: str, *, display: bool = False) -> str:
    r"""LaTeX maths as MathML, which browsers render with no script; unparsable LaTeX is shown as code.

    Parameters
    ----------
    tex : str
        The maths, without its ``$`` delimiters.
    display : bool
        A block of its own (``$$...$$``) rather than inline.

    Returns
    -------
    str
        A ``<math>`` element (with the LaTeX kept as its ``alttext``), or ``<code class="tex">`` with
        the LaTeX escaped when it cannot be converted.

    Examples
    --------
    >>> latex_to_mathml(r"C \approx 6 N D")  # doctest: +ELLIPSIS
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="C \\approx 6 N D"><mrow><mi>C</mi>...'
    >>> latex_to_mathml(r"\frac{1}{")
    '<code class="tex">\\frac{1}{</code>'
    """
    from latex2mathml.converter import convert

    try:
        markup = convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types for bad input; show the LaTeX instead
        return '<code class="tex">' + html.escape(tex) + "</code>"
    alt = html.escape(tex.strip(), quote=True)
    return re.sub(r"^<math ([^>]*)>", lambda m: "<math " + m.group(1) + ' alttext="' + alt + '">', markup, count=1)


def render_markdown(source: str, *, escape: bool = False) -> str:
    r"""Markdown as HTML, with ``$...$`` and ``$$...$$`` maths as MathML (see :func:`latex_to_mathml`).

    Parameters
    ----------
    source : str
        The markdown.
    escape : bool
        Show raw HTML in ``source`` as text (for markdown made by code from data).

    Returns
    -------
    str
        HTML, not yet sanitised. Code spans and blocks keep their dollars.

    Examples
    --------
    >>> page = render_markdown(r"It costs US\$5.6M; $N$ is the size. `a $b$`")
    >>> "US$5.6M" in page, '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="N">' in page
    (True, True)
    >>> "<code>a $b$</code>" in page
    True
    """
    maths: list[str] = []

    def hold(match) -> str:
        if match.group("code"):
            return match.group("code")
        display = match.group("display") is not None
        maths.append(latex_to_mathml(match.group("display") if display else match.group("inline"), display=display))
        return f"DSTCMATH{len(maths) - 1}X"

    rendered = _markdown(escape)(_CODE_OR_MATH.sub(hold, source))
    return _PLACEHOLDER.sub(lambda m: maths[int(m.group(1))], rendered)
