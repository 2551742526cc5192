"""Plan a run: validate every input and decide the output folder before anything is written."""

from __future__ import annotations

import hashlib
import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import data as _data
from .. import notebooks as _notebooks
from .. import params as _params
from .. import paths as _paths
from .. import run_identity as _run_identity
from ..model_check import check_model_outputs
from .errors import ReportError, shown_path
from .outdir import check_out_dir

#: A default output folder name longer than this (bytes) is shortened with a hash.
MAX_DEFAULT_NAME_BYTES = 100


@dataclass
class Plan:
    """Everything a run needs, checked before anything runs."""

    scenario: _params.Scenario
    cli_overrides: dict[str, Any]
    values: dict[str, Any]
    differs: dict[str, tuple[Any, Any]]
    out_dir: Path
    notebooks: list[Path]
    notebook_params: dict[str, dict[str, Any]]
    register: dict[str, _params.Parameter] = field(repr=False)
    data_dir: Path | None = None
    #: ``--scenario`` and ``--out`` as the user gave them (None: not given), for the re-run command.
    scenario_arg: str | None = None
    out_arg: str | None = None
    #: What this run is (scenario, overrides, data, code): ``results.json``'s ``run`` object and the stamp
    #: on every figure, CSV and page (:mod:`analysis.run_identity`).
    run: _run_identity.RunIdentity | None = None

    @property
    def label(self) -> str:
        return self.scenario.name + "".join(f"+{k}={v}" for k, v in sorted(self.cli_overrides.items()))

    def rerun_command(self) -> str:
        """The command that rebuilds this report: the scenario and ``--out`` as given, shell-quoted.

        >>> from analysis import params
        >>> s = params.Scenario("baseline", Path("/x/baseline.yaml"), "d", ("assumption",), {}, external=True)
        >>> given = "my dir/baseline.yaml"
        >>> plan = Plan(s, {"gpu_hour_price_usd": 3.0}, {}, {}, Path("/o"), [], {}, {}, scenario_arg=given)
        >>> plan.rerun_command()
        "python -m analysis report --scenario 'my dir/baseline.yaml' -p gpu_hour_price_usd 3.0"
        """
        parts = ["python -m analysis report"]
        scenario = self.scenario_arg if self.scenario_arg is not None else self.scenario.name
        if scenario != "baseline":
            parts.append(f"--scenario {shlex.quote(scenario)}")
        parts += [f"-p {k} {shlex.quote(str(v))}" for k, v in sorted(self.cli_overrides.items())]
        if self.out_arg is not None:
            parts.append(f"--out {shlex.quote(self.out_arg)}")
        return " ".join(parts)


def default_out_dir(scenario: str, cli_overrides: dict[str, Any], sha256: str | None = None) -> Path:
    """``reports/<scenario>/``, or ``reports/<scenario>+name=value/`` when ``-p`` is used.

    A run with overrides never overwrites the scenario's own report. A scenario file given by
    path (``sha256`` of its bytes given) builds into ``reports/<name>-<8 hex of the hash>/``, never
    onto a registered scenario's folder. A name longer than :data:`MAX_DEFAULT_NAME_BYTES` keeps
    the overrides that fit and ends with a hash of the whole name, so it stays unique and
    within the file system's 255-byte limit.

    >>> default_out_dir("baseline", {}, sha256="0123456789abcdef").name
    'baseline-01234567'
    >>> len(default_out_dir("baseline", {f"p{i}": "x" * 30 for i in range(10)}).name.encode()) <= MAX_DEFAULT_NAME_BYTES
    True
    """
    base = scenario if sha256 is None else f"{scenario}-{sha256[:8]}"
    parts = [f"+{k}={v}" for k, v in sorted(cli_overrides.items())]
    name = _safe_name(base + "".join(parts))
    if len(name.encode()) > MAX_DEFAULT_NAME_BYTES:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        room = MAX_DEFAULT_NAME_BYTES - len(digest) - len("+...-")
        kept = _safe_name(base)
        while len(kept.encode()) > room:
            kept = kept[:-1]
        for part in parts:
            part = _safe_name(part)
            if len((kept + part).encode()) > room:
                break
            kept += part
        name = f"{kept}+...-{digest}"
    return _paths.REPORTS_DIR / name


def _safe_name(text: str) -> str:
    """A folder name from text: no path separators or control characters."""
    return "".join("_" if c in "/\\\0" or ord(c) < 32 else c for c in text)


def plan_report(
    scenario: str | Path = "baseline",
    overrides: Iterable[tuple[str, str]] = (),
    out: Path | str | None = None,
    notebooks_dir: Path | None = None,
    data_dir: Path | str | None = None,
) -> Plan:
    """Validate everything a run needs; raise before anything is written.

    Checked, in order: every data file, the assumptions register, the scenario, the ``-p``
    overrides, the model's outputs at the run's values (finite), every scenario file in
    ``data/scenarios/`` (:func:`check_every_scenario`), every notebook's parameters cell and the
    output folder. Each problem is a one-line ParameterError, DataError or OutputRefused.
    """
    _data.validate_all(data_dir)
    register = _params.load_register(data_dir)
    scen = _params.load_scenario(scenario, data_dir=data_dir, register=register)
    cli = _params.parse_cli_overrides(overrides, register)
    values = _params.resolve_parameters(register, scen.overrides, cli)
    check_model_outputs(values, data_dir, register)
    check_every_scenario(data_dir, register)
    notebooks = _notebooks.notebook_paths(notebooks_dir)
    if not notebooks:
        raise ReportError("no notebooks found in notebooks/")
    per_notebook = {}
    for path in notebooks:
        declared = _notebooks.notebook_parameters(path)
        unknown = [n for n in declared if n not in register]
        if unknown:
            raise _params.ParameterError(
                f"{path.name} declares {unknown[0]!r}, which is not in data/assumptions.csv; register it there first"
            )
        per_notebook[path.stem] = {n: values[n] for n in declared}
    default_out = default_out_dir(scen.name, cli, scen.sha256 if scen.external else None)
    out_dir = check_out_dir(out if out is not None else default_out, data_dir)
    return Plan(
        scen,
        cli,
        values,
        _params.differs_from_baseline(register, values),
        out_dir,
        notebooks,
        per_notebook,
        register,
        Path(data_dir).resolve() if data_dir is not None else None,
        scenario_arg=str(scenario),
        out_arg=None if out is None else os.fspath(out),
        run=run_identity_of(scen, cli, data_dir),
    )


def run_identity_of(scen: _params.Scenario, cli: dict[str, Any], data_dir: Path | str | None = None):
    """The run's identity: its scenario, the overrides (the scenario's, then ``-p``'s) and the data it reads."""
    root = Path(data_dir) if data_dir is not None else _paths.DATA_DIR
    try:
        scenario_file = Path(scen.path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # a scenario file given by path, outside the data folder
        scenario_file = None
    overrides = {**scen.overrides, **cli}
    return _run_identity.identify(scen.name, overrides, root, scenario_file, scenario_sha256=scen.sha256)


def check_every_scenario(data_dir: Path | str | None = None, register: dict | None = None) -> None:
    """Validate every scenario file in ``data/scenarios/``, whichever scenario the run uses.

    Step 6 compares the four costs in every scenario (it loads each file), so a broken scenario
    file breaks any run; it is refused here, in one line, before anything runs: the file's shape,
    its parameters and values, and the model's outputs at its values (finite).

    Raises
    ------
    analysis.data.DataError
        A file is not a well-formed scenario (the message names it).
    analysis.params.ParameterError
        A file's parameter or value is refused (the message names the file).
    """
    register = register if register is not None else _params.load_register(data_dir)
    for name in _params.scenario_names(data_dir):
        path = _data.scenarios_dir(data_dir) / f"{name}.yaml"
        try:
            scenario = _params.load_scenario(path, data_dir=data_dir, register=register)
            check_model_outputs(_params.resolve_parameters(register, scenario.overrides), data_dir, register)
        except _params.ParameterError as err:
            raise _params.ParameterError(
                f"scenario file {shown_path(path)} (step 6 compares every scenario): {err}"
            ) from None
