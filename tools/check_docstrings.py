"""Check the numpydoc docstrings of every public function of the model modules.

Runs numpydoc's own validator (``numpydoc.validate.validate``) on each public
function (a top-level ``def`` whose name does not start with ``_``) of the model
modules in :data:`MODULES`, and prints one line per problem::

    analysis.tco.straight_line_value_fraction: RT01 No Returns section found

It exits 1 when it finds any problem, 0 when there is none. Run it from the
repository root with the project's environment: ``make lint`` does, or
``.venv/bin/python tools/check_docstrings.py``.

The checks are the numpydoc codes in :data:`CHECKS`, the ones about whether a
docstring is there and complete, not its typography:

======  ===================================================================
GL08    the function has no docstring
SS01    no one-line summary at the start
GL06    a section numpydoc does not know (a misspelt "Return" or "Parameter")
GL07    sections out of numpydoc's order (Parameters before Returns, ...)
PR01    a parameter of the signature is not documented under Parameters
PR02    Parameters documents a name the signature does not have
PR03    parameters documented in another order than the signature's
PR04    a documented parameter has no type
PR07    a documented parameter has no description
PR10    ``name: type`` without the space before the colon (numpydoc then
        reads the whole line as the name, and the parameter goes missing)
RT01    the function returns a value but has no Returns section
RT03    a documented return value has no description
YD01    a generator has no Yields section
======  ===================================================================

Left out, as matters of style rather than completeness: the summary's wording
and punctuation (SS02 to SS06), capitals and full stops in descriptions (PR05,
PR06, PR08, PR09, RT02, RT04, RT05), the extended summary (ES01), See Also
(SA01 to SA04), Examples (EX01), and blank-line layout (GL01 to GL03).

A function may opt out of one check with numpydoc's inline comment on its
``def`` line, e.g. ``def f(x):  # numpydoc ignore=RT01``; use it sparingly and
say why next to it.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

from numpydoc.validate import validate

REPO = Path(__file__).resolve().parents[1]

#: The model modules: pure functions, documented in numpydoc style (DESIGN.md).
MODULES = (
    "analysis.fleet",
    "analysis.tco",
    "analysis.training",
    "analysis.allocation",
    "analysis.kvcache",
    "analysis.serving",
    "analysis.pricing",
    "analysis.uncertainty",
    "analysis.claims",
    "analysis.costs",
    "analysis.methods",
)

#: The numpydoc validation codes this script enforces (see the module docstring).
CHECKS = frozenset(
    {"GL08", "SS01", "GL06", "GL07", "PR01", "PR02", "PR03", "PR04", "PR07", "PR10", "RT01", "RT03", "YD01"}
)


def public_functions(module_name: str) -> list[str]:
    """Names of the public top-level functions defined in a module, in source order.

    Parameters
    ----------
    module_name : str
        Dotted name of the module, e.g. ``"analysis.tco"``.

    Returns
    -------
    list of str
        The names of its top-level ``def`` statements that do not start with ``_``.
    """
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")
    ]


def problems(module_name: str, checks: frozenset[str] = CHECKS) -> list[str]:
    """Validate each public function of a module; one line per problem found.

    Parameters
    ----------
    module_name : str
        Dotted name of the module, e.g. ``"analysis.tco"``.
    checks : frozenset of str
        The numpydoc validation codes to report.

    Returns
    -------
    list of str
        Lines ``module.function: CODE message``, in source order.
    """
    lines = []
    for name in public_functions(module_name):
        result = validate(f"{module_name}.{name}")
        for code, message in result["errors"]:
            if code in checks:
                # numpydoc prints sets of names ({'b', 'a'}) in hash order: sort them, so runs agree.
                message = re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m[1].split(", "))) + "}", message)
                lines.append(f"{module_name}.{name}: {code} {message}")
    return lines


def main(modules: tuple[str, ...] = MODULES) -> int:
    """Print every problem in the model modules' docstrings and a count on stderr.

    Parameters
    ----------
    modules : tuple of str
        Dotted names of the modules to check.

    Returns
    -------
    int
        The exit status: 1 if any problem was found, else 0.
    """
    sys.path.insert(0, str(REPO))
    found = []
    functions = 0
    for module_name in modules:
        functions += len(public_functions(module_name))
        found.extend(problems(module_name))
    for line in found:
        print(line)
    flawed = len({line.split(":", 1)[0] for line in found})
    print(
        f"check_docstrings: {len(found)} problem(s) in {flawed} of {functions} public functions "
        f"of {len(modules)} model modules",
        file=sys.stderr,
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
