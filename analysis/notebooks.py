"""The step notebooks as files: where they are, the parameters each declares, the cells they ran.

A notebook's first code cell, tagged ``parameters``, declares each parameter on one line::

    gpu_hour_price_usd: float = 2.0  # USD per GPU-hour; deepseek-v3-report

Papermill already parses these lines (``papermill.inspect_notebook`` and its Python
translator: name, type, default and the comment); :func:`parse_parameters_source` uses that
parser and adds the project's rules: every line that is not blank or a comment must parse,
the default must be a literal, the comment must give a unit and source ids, and no name is
declared twice. Inside a running kernel, where importing papermill would cost seconds,
:func:`injected_and_declared` reads the kernel's input history with Python's own parser.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import paths as _paths
from .params import Parameter, ParameterError


@dataclass(frozen=True)
class Declared:
    """One line of a notebook's parameters cell."""

    name: str
    type: str
    default: Any
    unit: str
    source_ids: tuple[str, ...]
    line: int


def parse_parameters_source(source: str, label: str = "parameters cell") -> dict[str, Declared]:
    """Parse a parameters cell: one ``name: type = literal  # unit; source-id`` per line.

    Names, types, defaults and comments come from papermill's own parser; blank lines and
    comment lines are allowed, anything else must parse.

    >>> parse_parameters_source("x: float = 2.0  # USD per GPU-hour; deepseek-v3-report")["x"].default
    2.0
    """
    from nbformat.v4 import new_code_cell
    from papermill.translators import PythonTranslator

    parsed = {p.name: p for p in PythonTranslator.inspect(new_code_cell(source))}
    declared: dict[str, Declared] = {}
    for n, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name = stripped.split(":", 1)[0].split("=", 1)[0].strip()
        p = parsed.get(name)
        if p is None or p.inferred_type_name == "None" or not p.help or ";" not in p.help:
            raise ParameterError(
                f"{label}, line {n}: must read `name: type = literal  # unit; source-id`, got {stripped!r}"
            )
        if name in declared:
            raise ParameterError(f"{label}, line {n}: {name} is declared twice")
        try:
            value = ast.literal_eval(p.default)
        except (ValueError, SyntaxError):
            raise ParameterError(f"{label}, line {n}: the value of {name} must be a literal") from None
        unit, _, sources = p.help.partition(";")
        declared[name] = Declared(
            name=name,
            type=p.inferred_type_name,
            default=value,
            unit=unit.strip(),
            source_ids=tuple(s.strip() for s in sources.split(";") if s.strip()),
            line=n,
        )
    return declared


#: The first lines of a generated parameters cell.
PARAMETERS_HEADER = (
    "# Generated from the assumptions register, data/assumptions.csv (tools/sync_notebooks.py).",
    "# fmt: off",
)


#: Settings of a run that are not register parameters, declared by the notebooks that take them (a step
#: module's ``RUN_SETTINGS``): name -> (type, default literal, what it is in words, ``unit; source``).
#: ``monte_carlo_ranges`` carries ``-p NAME LOW..HIGH`` (and a scenario's ranges) to step 6's Monte Carlo.
RUN_SETTINGS = {
    "monte_carlo_ranges": (
        "dict",
        "{}",
        "Ranges this run gives ranged parameters in the Monte Carlo (-p NAME LOW..HIGH); none: the register's",
        "parameter name -> [low, high] in its unit; assumption",
    ),
}


def parameters_cell_source(
    names: Iterable[str], register: Mapping[str, Parameter], settings: Iterable[str] = ()
) -> str:
    """The parameters cell that declares ``names``, generated from the register, in the register's order.

    Each parameter gets a comment line with its label in words, then one declaration
    ``name: type = baseline  # unit; source-id; ...``, so a reader of the notebook sees what it is,
    its unit and its sources, and papermill sees a literal to override. A notebook's parameters
    cell must be exactly this text for its step's parameters (a test checks), so the register is
    the one place a parameter is declared. The cell opens with :data:`PARAMETERS_HEADER`, whose
    ``# fmt: off`` keeps ruff's formatter from wrapping a declaration whose sources run long.

    >>> from analysis.params import load_register
    >>> print(parameters_cell_source(["pue"], load_register()))
    # Generated from the assumptions register, data/assumptions.csv (tools/sync_notebooks.py).
    # fmt: off
    # Datacentre power overhead (PUE)
    pue: float = 1.25  # ratio of facility to IT power; epoch-training-cost-trends
    """
    names = set(names)
    unknown = sorted(names - set(register))
    if unknown:
        raise ParameterError(f"{unknown[0]!r} is not a parameter of the register (data/assumptions.csv)")
    lines = list(PARAMETERS_HEADER)
    for name, p in register.items():
        if name not in names:
            continue
        literal = json.dumps(p.baseline) if isinstance(p.baseline, str) else repr(p.baseline)
        label = p.label or name
        lines.append(f"# {label[:1].upper()}{label[1:]}")
        type_name = "str" if p.type == "date" else p.type  # a date is written as an ISO string
        lines.append(f"{name}: {type_name} = {literal}  # {'; '.join((p.unit, *p.source_ids))}")
    for name in settings:
        type_name, literal, words, comment = RUN_SETTINGS[name]
        lines += [f"# {words}", f"{name}: {type_name} = {literal}  # {comment}"]
    return "\n".join(lines)


def joined_text(value) -> str:
    """A multi-line string from a notebook as one string (nbformat allows a string or a list of lines)."""
    return value if isinstance(value, str) else "".join(value)


def cell_source(cell) -> str:
    """A notebook cell's source as one string."""
    return joined_text(cell.get("source", ""))


def parameters_cell(notebook_path: Path) -> str:
    """The source of the first code cell tagged ``parameters`` in a notebook file."""
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell_source(cell)
    raise ParameterError(f"{Path(notebook_path).name}: no code cell is tagged 'parameters'")


def notebook_parameters(notebook_path: Path) -> dict[str, Declared]:
    """The parameters a notebook declares, parsed from its parameters cell."""
    return parse_parameters_source(parameters_cell(notebook_path), label=f"{Path(notebook_path).name} parameters cell")


def notebook_paths(notebooks_dir: Path | None = None) -> list[Path]:
    """The report's notebooks, in step order."""
    return sorted((notebooks_dir or _paths.NOTEBOOKS_DIR).glob("[0-9][0-9]_*.ipynb"))


def parameter_usage(notebooks_dir: Path | None = None) -> dict[str, list[str]]:
    """Parameter name -> the notebooks (stems) that declare it."""
    usage: dict[str, list[str]] = {}
    for path in notebook_paths(notebooks_dir):
        for name in notebook_parameters(path):
            if name in RUN_SETTINGS:
                continue
            usage.setdefault(name, []).append(path.stem)
    return usage


#: The header papermill writes on the cell of values it injects.
PAPERMILL_HEADER = "# Parameters"


def _statements(source: str) -> list[ast.stmt]:
    try:
        return ast.parse(source).body
    except SyntaxError:
        return []


def injected_and_declared(history: Iterable[str]) -> tuple[list[str], set[str] | None]:
    """From a kernel's input history (IPython's ``In``): the names papermill injected, and the
    names the notebook's parameters cell declares (None if no parameters cell was run).

    Papermill writes the values it is given into a cell of its own, after the parameters cell,
    headed ``# Parameters``; a misspelt name there would otherwise be a new variable that no cell
    reads, and the notebook would run with its default. The parameters cell is the cell made only
    of annotated assignments (``name: type = literal``).

    >>> injected_and_declared(["x: float = 1.0  # USD; a", "# Parameters\\ny = 2\\n", "print(x)"])
    (['y'], {'x'})
    """
    injected: list[str] = []
    declared: set[str] | None = None
    for source in history:
        if not isinstance(source, str) or not source.strip():
            continue
        body = _statements(source)
        if source.lstrip().startswith(PAPERMILL_HEADER):
            names = [
                t.id for node in body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
            ]
            injected += [n for n in names if n not in injected]
        elif body and all(isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) for node in body):
            declared = (declared or set()) | {node.target.id for node in body}
    return injected, declared
